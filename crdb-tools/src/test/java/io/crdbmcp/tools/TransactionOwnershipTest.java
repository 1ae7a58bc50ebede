package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clients of one server instance (as over HTTP): a transaction handle works only for the client
 * that opened it. Real database, the real tool wrapper; no transport.
 */
class TransactionOwnershipTest {
  static Crdb crdb;
  static CrdbTools tools;
  static final ToolContext ALICE = new ToolContext(Caller.client("session-alice"), Progress.NONE);
  static final ToolContext BOB = new ToolContext(Caller.client("session-bob"), Progress.NONE);

  @BeforeAll
  static void setUp() {
    ConnectionSpec spec =
        TestDb.get().createDatabase("owner", "CREATE TABLE t (id INT PRIMARY KEY)");
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
    tools = new CrdbTools(crdb, null);
  }

  @AfterAll
  static void tearDown() {
    crdb.close();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> structured(CallToolResult r) {
    return (Map<String, Object>) r.structuredContent();
  }

  @Test
  void anotherClientCannotUseTheHandle() {
    CallToolResult begun = tools.call("begin_transaction", Map.of(), ALICE);
    String tx = (String) structured(begun).get("transaction_id");

    CallToolResult stolen =
        tools.call(
            "execute_query", Map.of("sql", "INSERT INTO t VALUES (1)", "transaction_id", tx), BOB);
    assertThat(stolen.isError()).isTrue();
    assertThat(((Map<String, Object>) stolen.meta().get(CrdbTools.ERROR_META)).get("code"))
        .isEqualTo("TRANSACTION_NOT_FOUND");
    assertThat(tools.call("commit_transaction", Map.of("transaction_id", tx), BOB).isError())
        .isTrue();
    assertThat(tools.call("rollback_transaction", Map.of("transaction_id", tx), BOB).isError())
        .isTrue();

    CallToolResult own =
        tools.call(
            "execute_query",
            Map.of("sql", "INSERT INTO t VALUES (1)", "transaction_id", tx),
            ALICE);
    assertThat(own.isError()).isFalse();
    assertThat(crdb.transactions().rollbackAllOf("session-alice")).isEqualTo(1);
    assertThat(crdb.transactions().openCount()).isZero();
    CallToolResult count =
        tools.call("execute_query", Map.of("sql", "SELECT count(*) FROM t"), BOB);
    assertThat((List<List<Object>>) structured(count).get("rows")).containsExactly(List.of(0L));
  }
}
