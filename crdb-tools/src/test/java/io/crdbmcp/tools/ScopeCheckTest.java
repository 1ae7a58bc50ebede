package io.crdbmcp.tools;

import static io.crdbmcp.tools.Fixture.error;
import static io.crdbmcp.tools.Fixture.structured;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scope check, first in the chain: callers without scopes (local use) may call everything; an
 * authenticated caller only the tools its scopes grant, and a refusal says which scope is missing.
 */
class ScopeCheckTest {
  static ConnectionSpec spec;
  static Crdb crdb;
  static Crdb readOnlyCrdb;
  static CrdbTools tools;

  static ToolContext as(String user, String... scopes) {
    return new ToolContext(new Caller("scope-test", user, Set.of(scopes)), Progress.NONE);
  }

  @BeforeAll
  static void setUp() {
    spec = TestDb.get().createDatabase("scopes", "CREATE TABLE t (id INT PRIMARY KEY)");
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
    readOnlyCrdb =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of("CRDB_URL", TestDb.url(spec), "CRDB_READ_ONLY", "true")));
    tools = CrdbTools.builder(crdb).build();
  }

  @AfterAll
  static void tearDown() {
    crdb.close();
    readOnlyCrdb.close();
  }

  @AfterEach
  void empty() throws Exception {
    Fixture.exec(spec, "DELETE FROM t");
  }

  @Test
  void aCallerWithoutScopesMayCallEveryTool() throws Exception {
    ToolContext local = new ToolContext(Caller.client("local-session"), Progress.NONE);
    assertThat(tools.call("insert_row", Map.of("table", "t", "values", Map.of("id", 1)), local))
        .satisfies(r -> structured(r));
    assertThat(tools.call("execute_query", Map.of("sql", "DELETE FROM t"), local).isError())
        .isFalse();
    assertThat(tools.call("list_tables", Map.of(), ToolContext.local()).isError()).isFalse();
  }

  @Test
  void readScopeReadsButCannotWrite() throws Exception {
    ToolContext reader = as("alice", "crdb:read");
    assertThat(structured(tools.call("list_tables", Map.of(), reader))).containsKey("tables");
    assertThat(structured(tools.call("read_rows", Map.of("table", "t"), reader)))
        .containsEntry("row_count", 0);

    CallToolResult r =
        tools.call("insert_row", Map.of("table", "t", "values", Map.of("id", 1)), reader);
    Map<String, Object> err = error(r);
    assertThat(err).containsEntry("code", "INSUFFICIENT_SCOPE");
    assertThat((String) err.get("message"))
        .isEqualTo("insert_row needs the scope crdb:write; the caller (alice) has crdb:read");
    assertThat((String) err.get("suggestion")).contains("crdb:write");
    assertThat(Fixture.count(spec, "t")).as("nothing was inserted").isZero();

    // On a server that allows writes, SQL text may write: execute_query needs crdb:write.
    assertThat(error(tools.call("execute_query", Map.of("sql", "SELECT 1"), reader)))
        .containsEntry("code", "INSUFFICIENT_SCOPE");
  }

  @Test
  void onAReadOnlyServerReadScopeRunsSqlText() {
    CrdbTools ro = CrdbTools.builder(readOnlyCrdb).build();
    ToolContext reader = as("alice", "crdb:read");
    assertThat(structured(ro.call("execute_query", Map.of("sql", "SELECT 1 AS one"), reader)))
        .containsEntry("row_count", 1);
    // Exports write files: they need crdb:write even there.
    CallToolResult export =
        ro.call("export_to_csv", Map.of("sql", "SELECT 1", "path", "x.csv"), reader);
    assertThat(error(export)).containsEntry("code", "INSUFFICIENT_SCOPE");
  }

  @Test
  void widerScopesIncludeNarrowerOnes() throws Exception {
    ToolContext writer = as("bob", "crdb:write");
    assertThat(
            structured(
                tools.call("insert_row", Map.of("table", "t", "values", Map.of("id", 1)), writer)))
        .containsEntry("rows_affected", 1L);
    assertThat(tools.call("list_tables", Map.of(), writer).isError()).isFalse();
    ToolContext admin = as("root", "openid", "crdb:admin");
    assertThat(tools.call("execute_query", Map.of("sql", "DELETE FROM t"), admin).isError())
        .isFalse();
    assertThat(Fixture.count(spec, "t")).isZero();
  }

  @Test
  void scopesOfOtherServicesGrantNothing() {
    ToolContext stranger = as(null, "openid", "profile");
    Map<String, Object> err = error(tools.call("list_tables", Map.of(), stranger));
    assertThat(err).containsEntry("code", "INSUFFICIENT_SCOPE");
    assertThat((String) err.get("message"))
        .isEqualTo("list_tables needs the scope crdb:read; the caller has openid profile");
  }

  /** The scope of every tool: read, except what changes data, writes files or opens connections. */
  @Test
  void theScopeOfEveryTool() {
    Map<String, Scope> notRead =
        Map.ofEntries(
            Map.entry("connect", Scope.ADMIN),
            Map.entry("execute_query", Scope.WRITE),
            Map.entry("explain_analyze", Scope.WRITE),
            Map.entry("insert_row", Scope.WRITE),
            Map.entry("update_row", Scope.WRITE),
            Map.entry("delete_row", Scope.WRITE),
            Map.entry("upsert_row", Scope.WRITE),
            Map.entry("export_to_csv", Scope.WRITE),
            Map.entry("export_to_json", Scope.WRITE),
            Map.entry("save_knowledge", Scope.WRITE),
            Map.entry("delete_knowledge", Scope.WRITE),
            Map.entry("cancel_query", Scope.WRITE));
    assertThat(tools.definitions()).hasSize(54);
    for (ToolDef t : tools.definitions()) {
      assertThat(t.scope(false)).as(t.name()).isEqualTo(notRead.getOrDefault(t.name(), Scope.READ));
    }
    // A read-only server offers no writers, and its SQL tools only read.
    CrdbTools ro = CrdbTools.builder(readOnlyCrdb).build();
    assertThat(ro.definitions())
        .extracting(ToolDef::name)
        .doesNotContain("insert_row", "cancel_query")
        .contains("cluster_health", "show_statements");
    for (ToolDef t : ro.definitions()) {
      assertThat(t.scope(true))
          .as(t.name())
          .isEqualTo(
              t.name().startsWith("export_")
                      || t.name().equals("save_knowledge")
                      || t.name().equals("delete_knowledge")
                  ? Scope.WRITE
                  : t.name().equals("connect") ? Scope.ADMIN : Scope.READ);
    }
    // The admin toolset only when named, every tool of it crdb:admin; never on a read-only server.
    CrdbTools withAdmin =
        CrdbTools.builder(crdb).toolsets(Toolset.parse(Set.of("all", "admin"))).build();
    assertThat(withAdmin.definitions()).hasSize(62);
    for (ToolDef t : withAdmin.definitions()) {
      if (t.group() == Toolset.ADMIN) {
        assertThat(t.scope(false)).as(t.name()).isEqualTo(Scope.ADMIN);
      }
    }
    assertThat(CrdbTools.builder(readOnlyCrdb).toolsets(Toolset.ADMIN).build().definitions())
        .isEmpty();
    assertThat(Scope.READ.grantedBy(Set.of("crdb:admin"))).isTrue();
    assertThat(Scope.ADMIN.grantedBy(Set.of("crdb:read", "crdb:write"))).isFalse();
  }

  @Test
  void openingConnectionsNeedsAdmin() {
    Map<String, Object> err =
        error(
            tools.call(
                "connect",
                Map.of("name", "x", "url", "postgresql://u@h/d"),
                as("bob", "crdb:write")));
    assertThat(err).containsEntry("code", "INSUFFICIENT_SCOPE");
    assertThat((String) err.get("message")).startsWith("connect needs the scope crdb:admin");
    // A read-scoped caller can still end the transactions it began (they can hold no writes).
    ToolContext reader = as("alice", "crdb:read");
    String tx =
        (String)
            structured(tools.call("begin_transaction", Map.of(), reader)).get("transaction_id");
    assertThat(structured(tools.call("rollback_transaction", Map.of("transaction_id", tx), reader)))
        .containsEntry("state", "rolled_back");
  }
}
