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
    return ((Number)
            rows(ok(server.call("execute_query", args("sql", "SELECT count(*) FROM users"))))
                .get(0)
                .get(0))
        .longValue();
  }

  @Test
  void explainPlansWithoutRunning() {
    long before = users();
    Map<String, Object> p =
        ok(
            server.call(
                "explain_query",
                args("sql", "DELETE FROM user_promo_codes WHERE usage_count > 100")));
    assertThat(String.join("\n", (List<String>) p.get("plan"))).contains("Delete");
    assertThat(p.get("analyzed")).isEqualTo(false);
    Map<String, Object> sel =
        ok(
            server.call(
                "explain_query",
                args(
                    "sql",
                    "SELECT * FROM rides WHERE rider_id = '00000000-0000-4000-8000-000000000001'")));
    assertThat(String.join("\n", (List<String>) sel.get("plan"))).containsIgnoringCase("scan");
    assertThat(users()).isEqualTo(before);
    error(
        server.call("explain_query", args("sql", "EXPLAIN ANALYZE SELECT 1")), "INVALID_ARGUMENT");
  }

  @Test
  void explainAnalyzeOfAWriteIsRolledBack() {
    long before = users();
    Map<String, Object> p =
        ok(
            server.call(
                "explain_analyze",
                args(
                    "sql",
                    "INSERT INTO users (id, city, name, email) VALUES (gen_random_uuid(), 'x', 'y', 'explain@example.com')")));
    assertThat(p.get("analyzed")).isEqualTo(true);
    assertThat(p.get("rolled_back")).isEqualTo(true);
    assertThat(String.join("\n", (List<String>) p.get("plan"))).contains("actual");
    assertThat(users()).isEqualTo(before);

    Map<String, Object> read =
        ok(server.call("explain_analyze", args("sql", "SELECT count(*) FROM rides")));
    assertThat(read.get("rolled_back")).isEqualTo(false);
    assertThat(String.join("\n", (List<String>) read.get("plan"))).contains("actual");
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
