package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin toolset through the packaged server: offered only when CRDB_TOOLSETS names it and the
 * server is not read-only, with its annotations; a database whose name needs quoting created, shown
 * by a dry run with its tables, refused without confirm and dropped; a role with a generated
 * password that logs in through a fresh connection and is in no server log; grants; blocked
 * databases and hostile names.
 */
public abstract class AdminSuite extends ContractSuite {
  static final String SUFFIX = Long.toString(ProcessHandle.current().pid());
  static final String BLOCKED = "admin_it_blocked_" + SUFFIX;
  static final String DB_NAME = "admin it ü \"" + SUFFIX + "\"";
  static final String ROLE = "pwchk_it_" + SUFFIX;
  static final String HOSTILE = "x\"; DROP TABLE t; -- " + SUFFIX;

  static final List<String> TOOLS =
      List.of(
          "create_database",
          "drop_database",
          "create_role",
          "alter_role",
          "drop_role",
          "grant",
          "revoke",
          "list_grants");

  ConnectionSpec db;
  ServerUnderTest server;

  /** The audit log of the server: every admin call is in it, a generated password never. */
  java.nio.file.Path audit;

  @BeforeAll
  void start() throws Exception {
    db =
        TestDb.get()
            .createDatabase(
                "admin_it", "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2)");
    exec("CREATE DATABASE " + BLOCKED);
    audit = java.nio.file.Files.createTempDirectory("admin-audit").resolve("audit.jsonl");
    server =
        startSharedServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_TOOLSETS",
                "all,admin",
                "CRDB_BLOCKED_DATABASES",
                BLOCKED,
                "CRDB_AUDIT_ENABLED",
                "true",
                "CRDB_AUDIT_PATH",
                audit.toString()));
  }

  void exec(String sql) throws SQLException {
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  long count(String sql, Object... params) throws SQLException {
    try (Connection c = TestDb.open(db);
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void offeredOnlyWhenNamedAndNotReadOnlyWithHonestAnnotations() {
    Map<String, McpSchema.Tool> tools = new java.util.HashMap<>();
    for (McpSchema.Tool t : server.listTools()) {
      tools.put(t.name(), t);
    }
    assertThat(tools).containsKeys(TOOLS.toArray(String[]::new));
    assertThat(Hints.destructive(tools.get("drop_database"))).isTrue();
    assertThat(Hints.destructive(tools.get("drop_role"))).isTrue();
    assertThat(Hints.readOnly(tools.get("create_database"))).isFalse();
    assertThat(Hints.readOnly(tools.get("list_grants"))).isTrue();
    assertThat(tools.get("create_role").inputSchema().toString()).contains("generate_password");

    try (ServerUnderTest plain = startServer(Map.of("CRDB_URL", TestDb.url(db)));
        ServerUnderTest readOnly =
            startServer(
                Map.of(
                    "CRDB_URL",
                    TestDb.url(db),
                    "CRDB_TOOLSETS",
                    "admin,query",
                    "CRDB_READ_ONLY",
                    "true"))) {
      assertThat(plain.listTools())
          .extracting(McpSchema.Tool::name)
          .doesNotContainAnyElementsOf(TOOLS);
      assertThat(readOnly.listTools())
          .extracting(McpSchema.Tool::name)
          .doesNotContainAnyElementsOf(TOOLS)
          .contains("execute_query");
    }
  }

  @Test
  void aDatabaseIsCreatedPreviewedRefusedWithoutConfirmAndDropped() throws Exception {
    ok(server.call("create_database", args("name", DB_NAME)));
    assertThat(count("SELECT count(*) FROM pg_database WHERE datname = ?", DB_NAME)).isEqualTo(1);
    try (Connection c = TestDb.open(db.withDatabase(DB_NAME));
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE lots (id INT); INSERT INTO lots SELECT generate_series(1, 300); ANALYZE");
    }
    Map<String, Object> e =
        error(server.call("drop_database", args("name", DB_NAME)), "CONFIRMATION_REQUIRED");
    assertThat((String) e.get("message"))
        .contains("public.lots (~300)")
        .contains("nothing was dropped");

    var dry = server.call("drop_database", args("name", DB_NAME, "dry_run", true));
    assertThat(ok(dry)).containsEntry("action", "dry_run");
    assertThat(text(dry))
        .contains("DROP DATABASE")
        .contains("about 300 rows")
        .contains("confirm=true");
    assertThat(count("SELECT count(*) FROM pg_database WHERE datname = ?", DB_NAME)).isEqualTo(1);

    assertThat(ok(server.call("drop_database", args("name", DB_NAME, "confirm", true))))
        .containsEntry("action", "done");
    assertThat(count("SELECT count(*) FROM pg_database WHERE datname = ?", DB_NAME)).isZero();

    Map<String, Object> blocked =
        error(server.call("drop_database", args("name", BLOCKED, "confirm", true)), "SQL_REFUSED");
    assertThat(blocked).containsEntry("rule", "blocked_database");
    assertThat(count("SELECT count(*) FROM pg_database WHERE datname = ?", BLOCKED)).isEqualTo(1);
  }

  @Test
  void aGeneratedPasswordLogsInAndReachesNoLog() throws Exception {
    assumeTrue(
        TestDb.get().backend().equals("embedded PostgreSQL")
            && count("SELECT current_setting('server_version_num')::int") >= 160000,
        "needs the embedded PostgreSQL 16+, whose pg_hba.conf this test can edit");
    requirePasswords();
    var made = server.call("create_role", args("name", ROLE, "generate_password", true));
    String password = (String) ok(made).get("password");
    assertThat(password).hasSize(24);
    assertThat(text(made)).contains(password);
    assertThat(logsIn(ROLE, password)).isTrue();
    assertThat(logsIn(ROLE, "wrong" + password)).isFalse();

    ok(
        server.call(
            "grant",
            args(
                "privileges",
                List.of("SELECT"),
                "object_type",
                "table",
                "object",
                "t",
                "role",
                ROLE)));
    assertThat(text(server.call("list_grants", args("object_type", "table", "object", "t"))))
        .contains(ROLE + ": SELECT");
    ok(
        server.call(
            "revoke",
            args(
                "privileges",
                List.of("SELECT"),
                "object_type",
                "table",
                "object",
                "t",
                "role",
                ROLE,
                "confirm",
                true)));
    error(server.call("drop_role", args("name", ROLE)), "CONFIRMATION_REQUIRED");
    ok(server.call("drop_role", args("name", ROLE, "confirm", true)));
    assertThat(server.logs()).doesNotContain(password);
    assertThat(java.nio.file.Files.readString(audit))
        .contains("\"create_role\"")
        .contains("\"drop_role\"")
        .doesNotContain(password);
  }

  @Test
  void hostileNamesAreOnlyNames() throws Exception {
    ok(server.call("create_role", args("name", HOSTILE, "login", false)));
    assertThat(count("SELECT count(*) FROM pg_roles WHERE rolname = ?", HOSTILE)).isEqualTo(1);
    ok(server.call("drop_role", args("name", HOSTILE, "confirm", true)));
    assertThat(count("SELECT count(*) FROM pg_roles WHERE rolname = ?", HOSTILE)).isZero();
    assertThat(count("SELECT count(*) FROM t")).isEqualTo(2);
    error(
        server.call(
            "grant",
            args(
                "privileges",
                List.of("SELECT; DROP TABLE t"),
                "object_type",
                "table",
                "object",
                "t",
                "role",
                "public")),
        "INVALID_ARGUMENT");
    // The blocked commands still govern SQL text.
    error(
        server.call("execute_query", args("sql", "DROP ROLE IF EXISTS nobody_" + SUFFIX)),
        "SQL_REFUSED");
  }

  /** Makes the test server check the passwords of roles named pwchk*; it trusts everyone else. */
  void requirePasswords() throws Exception {
    Path hba = Path.of((String) TestDb.scalar(db, "SHOW hba_file"));
    String rules = Files.readString(hba);
    String line = "host all /^pwchk all scram-sha-256\n";
    if (!rules.startsWith(line)) {
      Files.writeString(hba, line + rules);
      TestDb.scalar(db, "SELECT pg_reload_conf()");
    }
    for (int i = 0; i < 50; i++) {
      if (count(
              "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'scram-sha-256'"
                  + " AND '/^pwchk' = ANY (user_name)")
          > 0) {
        Thread.sleep(200);
        return;
      }
      Thread.sleep(100);
    }
  }

  boolean logsIn(String role, String password) {
    Properties p = db.driverProperties();
    p.setProperty("user", role);
    p.setProperty("password", password);
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), p)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }
}
