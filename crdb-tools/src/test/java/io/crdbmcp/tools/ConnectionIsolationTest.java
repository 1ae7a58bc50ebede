package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection and transaction tools of one server instance used by two clients (as over HTTP):
 * same names, arguments and results as before, now per client. Real database, the real tool
 * wrapper; no transport.
 */
class ConnectionIsolationTest {
  static final ToolContext ALICE = new ToolContext(Caller.client("session-alice"), Progress.NONE);
  static final ToolContext BOB = new ToolContext(Caller.client("session-bob"), Progress.NONE);
  static ConnectionSpec main;
  static ConnectionSpec other;
  Crdb crdb;
  CrdbTools tools;

  @BeforeAll
  static void databases() {
    main = TestDb.get().createDatabase("tools_iso", "CREATE TABLE t (id INT PRIMARY KEY)");
    other = TestDb.get().createDatabase("tools_iso_other", "CREATE TABLE u (id INT PRIMARY KEY)");
  }

  @BeforeEach
  void open() {
    crdb = Crdb.create(cfg -> cfg.url(TestDb.url(main)).poolSize(12));
    tools = new CrdbTools(crdb, null);
  }

  @AfterEach
  void close() {
    crdb.close();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> ok(CallToolResult r) {
    assertThat(r.isError()).as(text(r)).isFalse();
    return (Map<String, Object>) r.structuredContent();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> error(CallToolResult r, String code) {
    assertThat(r.isError()).as(text(r)).isTrue();
    Map<String, Object> err = (Map<String, Object>) r.meta().get(CrdbTools.ERROR_META);
    assertThat(err.get("code")).as(text(r)).isEqualTo(code);
    return err;
  }

  static String text(CallToolResult r) {
    return ((TextContent) r.content().get(0)).text();
  }

  @SuppressWarnings("unchecked")
  List<Object> names(ToolContext who) {
    List<Map<String, Object>> list =
        (List<Map<String, Object>>)
            ok(tools.call("list_connections", Map.of(), who)).get("connections");
    return list.stream().map(c -> c.get("name")).toList();
  }

  @Test
  void connectDisconnectAndSwitchAreTheCallersOwn() {
    Map<String, Object> connected =
        ok(tools.call("connect", Map.of("name", "extra", "url", TestDb.url(other)), ALICE));
    assertThat(connected).containsEntry("name", "extra").containsEntry("default", false);
    assertThat(names(ALICE)).containsExactly("default", "extra");
    assertThat(names(BOB)).containsExactly("default");

    error(
        tools.call("execute_query", Map.of("sql", "SELECT 1", "connection", "extra"), BOB),
        "UNKNOWN_CONNECTION");
    error(tools.call("disconnect", Map.of("name", "extra"), BOB), "UNKNOWN_CONNECTION");
    error(
        tools.call("begin_transaction", Map.of("connection", "extra"), BOB), "UNKNOWN_CONNECTION");
    ok(tools.call("execute_query", Map.of("sql", "SELECT * FROM u", "connection", "extra"), ALICE));

    // The configured connection is shared: not replaceable, not closable by a client.
    error(
        tools.call(
            "connect", Map.of("name", "default", "url", TestDb.url(other), "replace", true), BOB),
        "INVALID_ARGUMENT");
    error(tools.call("disconnect", Map.of("name", "default"), BOB), "INVALID_ARGUMENT");

    // switch_database: for the caller only.
    Map<String, Object> switched =
        ok(tools.call("switch_database", Map.of("database", other.database()), BOB));
    assertThat(switched)
        .containsEntry("name", "default")
        .containsEntry("database", other.database());
    ok(tools.call("execute_query", Map.of("sql", "SELECT * FROM u"), BOB));
    error(tools.call("execute_query", Map.of("sql", "SELECT * FROM u"), ALICE), "NOT_FOUND");
    ok(tools.call("execute_query", Map.of("sql", "SELECT * FROM t"), ALICE));

    Map<String, Object> gone = ok(tools.call("disconnect", Map.of("name", "extra"), ALICE));
    assertThat(gone).containsEntry("disconnected", "extra").containsEntry("default", "default");
    assertThat(names(ALICE)).containsExactly("default");
  }

  @Test
  void eachClientHasItsOwnTransactionQuota() {
    for (int i = 0; i < 5; i++) {
      ok(tools.call("begin_transaction", Map.of(), ALICE));
    }
    Map<String, Object> err =
        error(tools.call("begin_transaction", Map.of(), ALICE), "TOO_MANY_TRANSACTIONS");
    assertThat((String) err.get("suggestion")).contains("CRDB_MAX_TRANSACTIONS_PER_CLIENT");
    Map<String, Object> bobs = ok(tools.call("begin_transaction", Map.of(), BOB));
    assertThat(bobs).containsEntry("state", "open").containsKey("transaction_id");

    crdb.closeClient(ALICE.caller());
    assertThat(crdb.transactions().openCount()).isEqualTo(1);
    ok(tools.call("begin_transaction", Map.of(), ALICE));
  }
}
