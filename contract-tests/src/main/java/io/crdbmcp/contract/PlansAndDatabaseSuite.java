package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.TestDb;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** explain_query, explain_analyze, get_database_info, list_users, list_roles. */
public abstract class PlansAndDatabaseSuite extends ContractSuite {
  ConnectionSpec db;
  ServerUnderTest server;
  static String suffix = Long.toString(ProcessHandle.current().pid());

  @BeforeAll
  void setUp() throws Exception {
    db = TestDb.get().createDatabase("plans", EmbeddedPostgresServer.rideshareScript());
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE analysts_" + suffix);
      s.execute("CREATE ROLE alice_" + suffix + " LOGIN IN ROLE analysts_" + suffix);
    }
    server = startServer(Map.of("CRDB_URL", TestDb.url(db)));
  }

  @AfterAll
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement()) {
      s.execute("DROP ROLE alice_" + suffix);
      s.execute("DROP ROLE analysts_" + suffix);
    }
  }

  long users() {
    return ((Number) rows(plan("execute_query", "SELECT count(*) FROM users")).get(0).get(0))
        .longValue();
  }

  /** Calls a SQL tool with {@code sql}, asserting success; the structured content. */
  Map<String, Object> plan(String tool, String sql) {
    return ok(server.call(tool, args("sql", sql)));
  }

  /** The plan of a structured result, one line per element. */
  @SuppressWarnings("unchecked")
  static String lines(Map<String, Object> plan) {
    return String.join("\n", (List<String>) plan.get("plan"));
  }

  @Test
  void explainPlansWithoutRunning() {
    long before = users();
    Map<String, Object> p =
        plan("explain_query", "DELETE FROM user_promo_codes WHERE usage_count > 100");
    assertThat(lines(p)).contains("Delete");
    assertThat(p.get("analyzed")).isEqualTo(false);
    Map<String, Object> sel =
        plan(
            "explain_query",
            "SELECT * FROM rides WHERE rider_id = '00000000-0000-4000-8000-000000000001'");
    assertThat(lines(sel)).containsIgnoringCase("scan");
    assertThat(users()).isEqualTo(before);
    error(
        server.call("explain_query", args("sql", "EXPLAIN ANALYZE SELECT 1")), "INVALID_ARGUMENT");
  }

  @Test
  void explainAnalyzeOfAWriteIsRolledBack() {
    long before = users();
    Map<String, Object> p =
        plan(
            "explain_analyze",
            "INSERT INTO users (id, city, name, email) VALUES (gen_random_uuid(), 'x', 'y',"
                + " 'explain@example.com')");
    assertThat(p.get("analyzed")).isEqualTo(true);
    assertThat(p.get("rolled_back")).isEqualTo(true);
    assertThat(lines(p)).contains("actual");
    assertThat(users()).isEqualTo(before);

    Map<String, Object> read = plan("explain_analyze", "SELECT count(*) FROM rides");
    assertThat(read.get("rolled_back")).isEqualTo(false);
    assertThat(lines(read)).contains("actual");
  }

  @Test
  void explainAnalyzeOfAWriteIsRefusedInReadOnlyMode() {
    try (ServerUnderTest ro =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_READ_ONLY", "true"))) {
      Map<String, Object> err =
          error(
              ro.call("explain_analyze", args("sql", "DELETE FROM user_promo_codes")),
              "SQL_REFUSED");
      assertThat(err.get("rule")).isEqualTo("read_only");
      ok(ro.call("explain_analyze", args("sql", "SELECT 1")));
    }
    assertThat(users()).isEqualTo(500);
  }

  @Test
  void databaseInfoUsersAndRoles() {
    Map<String, Object> info = ok(server.call("get_database_info", args()));
    assertThat(info.get("database")).isEqualTo(db.database());
    assertThat(((Number) info.get("size_bytes")).longValue()).isPositive();
    if (!TestDb.get().isCockroach()) {
      assertThat(((Number) info.get("tables")).longValue()).isEqualTo(5);
      assertThat(((Number) info.get("views")).longValue()).isEqualTo(1);
    }
    assertThat(info.get("encoding")).isEqualTo("UTF8");

    Map<String, Object> users = ok(server.call("list_users", args("detail", "detailed")));
    assertThat(list(users, "users"))
        .anyMatch(
            u ->
                ("alice_" + suffix).equals(u.get("name"))
                    && List.of("analysts_" + suffix).equals(u.get("member_of")))
        .noneMatch(u -> ("analysts_" + suffix).equals(u.get("name")));

    var roles = server.call("list_roles", args());
    assertThat(list(ok(roles), "roles"))
        .anyMatch(
            r ->
                ("analysts_" + suffix).equals(r.get("name"))
                    && List.of("alice_" + suffix).equals(r.get("members")));
    assertThat(text(roles))
        .doesNotContainIgnoringCase("md5")
        .doesNotContainIgnoringCase("SCRAM-SHA");
  }
}
