package io.crdbmcp.tools;

import static io.crdbmcp.tools.Fixture.error;
import static io.crdbmcp.tools.Fixture.structured;
import static io.crdbmcp.tools.Fixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin toolset on the real test database, through {@link CrdbTools#call}: each tool with
 * dry_run, without confirm and confirmed; generated passwords that log in through a fresh
 * connection and appear in no log or call record; blocked databases; the server's own role; names
 * that need quoting and hostile names.
 */
class AdminToolsTest {
  static final String BLOCKED = "admin_protected_db";
  static final String HOSTILE = "x\"; DROP TABLE t; --";
  static final String ODD_DB = "admin db ü \"quoted\" 名前";

  static ConnectionSpec spec;
  static Crdb crdb;
  static CrdbTools tools;
  static final Fixture.Records records = new Fixture.Records();
  static final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  static PrintStream originalErr;

  static final ToolContext LOCAL = new ToolContext(Caller.client("admin-test"), Progress.NONE);

  @BeforeAll
  static void setUp() throws Exception {
    originalErr = System.err;
    System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
    spec =
        TestDb.get()
            .createDatabase(
                "admin",
                "CREATE TABLE t (id INT PRIMARY KEY, v TEXT);"
                    + " INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g;"
                    + " ANALYZE t;");
    for (String role :
        List.of(
            "adm_reader",
            "adm_group",
            "adm_owner",
            "adm_altered",
            "pwchk_gen",
            "pwchk Zoë \"q\"",
            "pwchk_given",
            HOSTILE,
            "Adm Ünïcode \"role\"")) {
      quietly("DROP OWNED BY " + quote(role) + " CASCADE");
      quietly("DROP ROLE IF EXISTS " + quote(role));
    }
    for (String dbName : List.of(ODD_DB, HOSTILE, "admin_plain_db", BLOCKED)) {
      quietly("DROP DATABASE IF EXISTS " + quote(dbName));
    }
    Fixture.exec(spec, "CREATE DATABASE " + BLOCKED);
    crdb =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of(
                    "CRDB_URL",
                    TestDb.url(spec),
                    "CRDB_TOOLSETS",
                    "all,admin",
                    "CRDB_BLOCKED_DATABASES",
                    BLOCKED)));
    tools = CrdbTools.builder(crdb).listener(records).build();
  }

  @AfterAll
  static void tearDown() {
    if (crdb != null) {
      crdb.close();
    }
    System.setErr(originalErr);
  }

  /** Setup that may find nothing to clean (a role that does not exist yet). */
  static void quietly(String sql) {
    try {
      Fixture.exec(spec, sql);
    } catch (SQLException e) {
      // nothing to clean
    }
  }

  static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  static CallToolResult call(String tool, Object... kv) {
    Map<String, Object> args = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      args.put((String) kv[i], kv[i + 1]);
    }
    return tools.call(tool, args, LOCAL);
  }

  static Map<String, Object> ok(String tool, Object... kv) {
    return structured(call(tool, kv));
  }

  static Map<String, Object> fails(String code, String tool, Object... kv) {
    Map<String, Object> e = error(call(tool, kv));
    assertThat(e).containsEntry("code", code);
    return e;
  }

  static long scalarLong(String sql, Object... params) throws SQLException {
    try (Connection c = TestDb.open(spec);
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

  static boolean roleExists(String name) throws SQLException {
    return scalarLong("SELECT count(*) FROM pg_roles WHERE rolname = ?", name) == 1;
  }

  static boolean databaseExists(String name) throws SQLException {
    return scalarLong("SELECT count(*) FROM pg_database WHERE datname = ?", name) == 1;
  }

  // --- offering ------------------------------------------------------------------------------

  @Test
  void offeredOnlyWhenNamedAndNeverOnAReadOnlyServer() {
    List<String> admin =
        List.of(
            "create_database",
            "drop_database",
            "create_role",
            "alter_role",
            "drop_role",
            "grant",
            "revoke",
            "list_grants");
    assertThat(tools.definitions()).extracting(ToolDef::name).containsAll(admin);
    for (ToolDef t : tools.definitions()) {
      if (admin.contains(t.name())) {
        assertThat(t.scope(false)).as(t.name()).isEqualTo(Scope.ADMIN);
      }
    }
    try (Crdb plain = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
        Crdb all =
            Crdb.open(
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_URL", TestDb.url(spec), "CRDB_TOOLSETS", "all")));
        Crdb readOnly =
            Crdb.open(
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_URL",
                        TestDb.url(spec),
                        "CRDB_TOOLSETS",
                        "admin,query",
                        "CRDB_READ_ONLY",
                        "true")))) {
      assertThat(CrdbTools.builder(plain).build().definitions())
          .extracting(ToolDef::name)
          .doesNotContainAnyElementsOf(admin);
      assertThat(CrdbTools.builder(all).build().definitions())
          .extracting(ToolDef::name)
          .doesNotContainAnyElementsOf(admin);
      assertThat(CrdbTools.builder(readOnly).build().definitions())
          .extracting(ToolDef::name)
          .doesNotContainAnyElementsOf(admin)
          .contains("execute_query");
    }
    assertThat(
            CrdbTools.builder(crdb).toolsets(Toolset.ADMIN).build().definitions().stream()
                .map(ToolDef::name))
        .containsExactlyElementsOf(admin);
  }

  @Test
  void anAuthenticatedCallerNeedsTheAdminScope() {
    ToolContext writer =
        new ToolContext(new Caller("c", "bob", Set.of("crdb:write")), Progress.NONE);
    Map<String, Object> e =
        error(tools.call("create_role", Map.of("name", "adm_reader", "dry_run", true), writer));
    assertThat(e).containsEntry("code", "INSUFFICIENT_SCOPE");
  }

  // --- databases -----------------------------------------------------------------------------

  @Test
  void createAndDropADatabaseWhoseNameNeedsQuoting() throws Exception {
    Map<String, Object> dry = ok("create_database", "name", ODD_DB, "dry_run", true);
    assertThat(dry).containsEntry("action", "dry_run");
    assertThat(statements(dry)).containsExactly("CREATE DATABASE \"admin db ü \"\"quoted\"\" 名前\"");
    assertThat(databaseExists(ODD_DB)).as("a dry run creates nothing").isFalse();

    Map<String, Object> made = ok("create_database", "name", ODD_DB);
    assertThat(made).containsEntry("action", "done");
    assertThat(databaseExists(ODD_DB)).isTrue();
    fails("INVALID_ARGUMENT", "create_database", "name", ODD_DB);

    ConnectionSpec inside = spec.withDatabase(ODD_DB);
    Fixture.exec(
        inside,
        "CREATE TABLE big (id INT PRIMARY KEY); INSERT INTO big SELECT generate_series(1, 1200);"
            + " CREATE SCHEMA s; CREATE TABLE s.small (id INT); INSERT INTO s.small VALUES (1),"
            + " (2); ANALYZE");

    // Without confirm: nothing happens, and the answer says what would.
    Map<String, Object> e = fails("CONFIRMATION_REQUIRED", "drop_database", "name", ODD_DB);
    assertThat((String) e.get("message"))
        .contains("nothing was dropped")
        .contains("2 tables")
        .contains("about 1202 rows")
        .contains("public.big (~1200)")
        .contains("DROP DATABASE");
    assertThat((String) e.get("suggestion")).contains("confirm=true").contains("dry_run=true");
    assertThat(databaseExists(ODD_DB)).isTrue();

    CallToolResult dryDrop = call("drop_database", "name", ODD_DB, "dry_run", true);
    Map<String, Object> d = structured(dryDrop);
    assertThat(d).containsEntry("action", "dry_run");
    @SuppressWarnings("unchecked")
    Map<String, Object> impact = (Map<String, Object>) d.get("impact");
    assertThat(impact).containsEntry("table_count", 2).containsEntry("approximate_rows", 1202L);
    assertThat(impact.get("tables").toString()).contains("big").contains("small");
    assertThat(text(dryDrop)).contains("DRY RUN").contains("confirm=true");
    assertThat(databaseExists(ODD_DB)).isTrue();

    Map<String, Object> dropped = ok("drop_database", "name", ODD_DB, "confirm", true);
    assertThat(dropped).containsEntry("action", "done");
    assertThat(databaseExists(ODD_DB)).isFalse();
    fails("NOT_FOUND", "drop_database", "name", ODD_DB, "confirm", true);
  }

  @Test
  void blockedAndOwnDatabasesAreRefused() throws Exception {
    Map<String, Object> e = fails("SQL_REFUSED", "drop_database", "name", BLOCKED, "confirm", true);
    assertThat(e).containsEntry("rule", "blocked_database");
    assertThat((String) e.get("message")).contains("CRDB_BLOCKED_DATABASES");
    // Case does not get around the list, and a dry run is refused as well.
    fails("SQL_REFUSED", "drop_database", "name", BLOCKED.toUpperCase(), "dry_run", true);
    fails("SQL_REFUSED", "create_database", "name", BLOCKED);
    assertThat(databaseExists(BLOCKED)).isTrue();

    Map<String, Object> own =
        fails("INVALID_ARGUMENT", "drop_database", "name", spec.database(), "confirm", true);
    assertThat((String) own.get("message")).contains("this connection is using it");
    fails("SQL_REFUSED", "drop_database", "name", "template1", "confirm", true);
    assertThat(databaseExists(spec.database())).isTrue();
  }

  @Test
  void hostileNamesAreNamesAndNothingElse() throws Exception {
    ok("create_database", "name", HOSTILE);
    assertThat(databaseExists(HOSTILE)).isTrue();
    ok("create_role", "name", HOSTILE, "login", false);
    assertThat(roleExists(HOSTILE)).isTrue();
    ok(
        "grant",
        "privileges",
        List.of("SELECT"),
        "object_type",
        "table",
        "object",
        "t",
        "role",
        HOSTILE);
    assertThat(Fixture.count(spec, "t")).as("the table is still there").isEqualTo(50);
    ok(
        "revoke",
        "privileges",
        List.of("SELECT"),
        "object_type",
        "table",
        "object",
        "t",
        "role",
        HOSTILE,
        "confirm",
        true);
    ok("drop_role", "name", HOSTILE, "confirm", true);
    ok("drop_database", "name", HOSTILE, "confirm", true);
    assertThat(roleExists(HOSTILE)).isFalse();
    assertThat(databaseExists(HOSTILE)).isFalse();
    assertThat(Fixture.count(spec, "t")).isEqualTo(50);

    // A privilege is a word from a fixed list, never SQL.
    Map<String, Object> bad =
        fails(
            "INVALID_ARGUMENT",
            "grant",
            "privileges",
            List.of("SELECT ON t TO PUBLIC; DROP TABLE t; --"),
            "object_type",
            "table",
            "object",
            "t",
            "role",
            "adm_reader");
    assertThat((String) bad.get("message")).contains("is not a privilege on a table");
    fails("INVALID_ARGUMENT", "create_role", "name", "bad\u0000name");
    fails("INVALID_ARGUMENT", "create_role", "name", "x".repeat(64));
    fails(
        "INVALID_ARGUMENT",
        "grant",
        "privileges",
        List.of("SELECT"),
        "object_type",
        "view",
        "object",
        "t",
        "role",
        "adm_reader");
  }

  // --- roles and passwords -------------------------------------------------------------------

  /** Makes the test server check passwords of roles named pwchk* (it trusts everyone else). */
  static void requirePasswordsOfTestRoles() throws Exception {
    assumeTrue(
        TestDb.get().backend().equals("embedded PostgreSQL"),
        "needs the embedded server, whose pg_hba.conf this test can edit");
    assumeTrue(scalarLong("SELECT current_setting('server_version_num')::int") >= 160000);
    Path hba = Path.of((String) TestDb.scalar(spec, "SHOW hba_file"));
    String rules = Files.readString(hba);
    String line = "host all /^pwchk all scram-sha-256\n";
    if (!rules.startsWith(line)) {
      Files.writeString(hba, line + rules);
      TestDb.scalar(spec, "SELECT pg_reload_conf()");
    }
    for (int i = 0; i < 50; i++) {
      long n =
          scalarLong(
              "SELECT count(*) FROM pg_hba_file_rules WHERE 'scram-sha-256' = auth_method"
                  + " AND '/^pwchk' = ANY (user_name)");
      if (n > 0) {
        Thread.sleep(200); // the postmaster reads the file on reload; give it a moment
        return;
      }
      Thread.sleep(100);
    }
  }

  static boolean logsIn(String role, String password) {
    Properties p = spec.withName("x").driverProperties();
    p.setProperty("user", role);
    p.setProperty("password", password);
    try (Connection c = DriverManager.getConnection(spec.jdbcUrl(), p)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  @Test
  void aGeneratedPasswordLogsInAndIsInNoLogRecordOrStatement() throws Exception {
    requirePasswordsOfTestRoles();
    // The calls go through a recorder of every byte the server's connections send: on PostgreSQL
    // only the password's SCRAM verifier may cross the wire, so no server log can hold it either.
    try (WireRecorder wire = new WireRecorder(spec.host(), spec.port());
        Crdb wired =
            Crdb.open(
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_URL",
                        TestDb.url(spec).replace(":" + spec.port() + "/", ":" + wire.port() + "/"),
                        "CRDB_TOOLSETS",
                        "admin")))) {
      CrdbTools through = CrdbTools.builder(wired).listener(records).build();
      generatedPasswords(through, wire);
    }
  }

  private void generatedPasswords(CrdbTools through, WireRecorder wire) throws Exception {
    for (String role : List.of("pwchk_gen", "pwchk Zoë \"q\"")) {
      Map<String, Object> dry =
          ok("create_role", "name", role, "generate_password", true, "dry_run", true);
      assertThat(dry).doesNotContainKey("password");
      assertThat(dry.get("statements").toString()).contains("PASSWORD '****'");
      assertThat(roleExists(role)).isFalse();

      CallToolResult made =
          through.call("create_role", Map.of("name", role, "generate_password", true), LOCAL);
      Map<String, Object> s = structured(made);
      String password = (String) s.get("password");
      assertThat(password).hasSize(24).matches("[A-Za-z0-9]+");
      assertThat(text(made)).contains(password).contains("shown this once");
      assertThat(s.get("statements").toString()).doesNotContain(password).contains("'****'");

      assertThat(logsIn(role, password)).as("the password logs in").isTrue();
      assertThat(logsIn(role, password + "x")).as("the server checks passwords").isFalse();

      // A new password through alter_role: the old one stops working.
      fails("CONFIRMATION_REQUIRED", "alter_role", "name", role, "generate_password", true);
      assertThat(logsIn(role, password)).as("unconfirmed: nothing changed").isTrue();
      Map<String, Object> altered =
          structured(
              through.call(
                  "alter_role",
                  Map.of("name", role, "generate_password", true, "confirm", true),
                  LOCAL));
      String next = (String) altered.get("password");
      assertThat(next).isNotEqualTo(password);
      assertThat(logsIn(role, next)).isTrue();
      assertThat(logsIn(role, password)).isFalse();

      String logs = captured.toString(StandardCharsets.UTF_8);
      String sent = wire.sent();
      assertThat(sent).as("the recorder saw the statements").contains("CREATE ROLE");
      if (!TestDb.get().isCockroach()) {
        assertThat(sent).contains("PASSWORD 'SCRAM-SHA-256$4096:");
      }
      for (String secret : List.of(password, next)) {
        assertThat(logs).as("no log holds the password").doesNotContain(secret);
        if (!TestDb.get().isCockroach()) {
          assertThat(sent).as("the password never reaches PostgreSQL").doesNotContain(secret);
        }
        synchronized (records.all) {
          for (CallRecord r : records.all) {
            assertThat(r.toString()).doesNotContain(secret);
            assertThat(r.arguments().toString()).doesNotContain(secret);
          }
        }
      }
      ok("drop_role", "name", role, "confirm", true);
    }
  }

  @Test
  void aGivenPasswordWithQuotesAndBackslashesIsMaskedAndWorks() throws Exception {
    requirePasswordsOfTestRoles();
    String password = "it's a \\ \"test\" $1 '; DROP ROLE x; --";
    CallToolResult made = call("create_role", "name", "pwchk_given", "password", password);
    Map<String, Object> s = structured(made);
    assertThat(s).doesNotContainKey("password");
    assertThat(text(made)).doesNotContain(password);
    assertThat(records.last().arguments()).containsEntry("password", "****");
    assertThat(logsIn("pwchk_given", password)).isTrue();
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain(password);
    fails(
        "INVALID_ARGUMENT",
        "create_role",
        "name",
        "pwchk_x",
        "password",
        "a",
        "generate_password",
        true);
    ok("drop_role", "name", "pwchk_given", "confirm", true);
  }

  @Test
  void alterRoleChangesOnlyWhatIsPassedAfterConfirmation() throws Exception {
    ok("create_role", "name", "adm_group", "login", false);
    ok("create_role", "name", "adm_altered", "login", true, "member_of", List.of("adm_group"));
    assertThat(
            scalarLong(
                "SELECT count(*) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                    + " JOIN pg_roles r ON r.oid = m.member WHERE g.rolname = 'adm_group'"
                    + " AND r.rolname = 'adm_altered'"))
        .isEqualTo(1);

    Object[] change = {
      "name",
      "adm_altered",
      "login",
      false,
      "createdb",
      true,
      "valid_until",
      "2031-01-02",
      "remove_member_of",
      List.of("adm_group")
    };
    Map<String, Object> e = fails("CONFIRMATION_REQUIRED", "alter_role", change);
    assertThat((String) e.get("message")).contains("nothing was changed").contains("ALTER ROLE");
    Map<String, Object> dry = ok("alter_role", with(change, "dry_run", true));
    assertThat(statements(dry))
        .containsExactly(
            "ALTER ROLE \"adm_altered\" WITH NOLOGIN CREATEDB VALID UNTIL '2031-01-02'",
            "REVOKE \"adm_group\" FROM \"adm_altered\"");
    assertThat(
            scalarLong(
                "SELECT count(*) FROM pg_roles WHERE rolname = 'adm_altered' AND rolcanlogin"))
        .isEqualTo(1);

    ok("alter_role", with(change, "confirm", true));
    assertThat(
            scalarLong(
                "SELECT count(*) FROM pg_roles WHERE rolname = 'adm_altered' AND NOT rolcanlogin"
                    + " AND rolcreatedb AND rolvaliduntil::date = '2031-01-02'"))
        .isEqualTo(1);
    assertThat(
            scalarLong(
                "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
                    + " WHERE r.rolname = 'adm_altered'"))
        .isZero();
    fails("INVALID_ARGUMENT", "alter_role", "name", "adm_altered", "confirm", true);
    fails(
        "INVALID_ARGUMENT",
        "alter_role",
        "name",
        "adm_altered",
        "valid_until",
        "soon",
        "confirm",
        true);
    fails("NOT_FOUND", "alter_role", "name", "adm_nobody", "login", true, "confirm", true);
    ok("drop_role", "name", "adm_altered", "confirm", true);
    ok("drop_role", "name", "adm_group", "confirm", true);
  }

  @Test
  void theServersOwnRoleKeepsItsLoginAndIsNotDropped() throws Exception {
    String self = spec.user();
    Map<String, Object> e = fails("SQL_REFUSED", "drop_role", "name", self, "confirm", true);
    assertThat((String) e.get("message")).contains("server's own login role");
    fails("SQL_REFUSED", "drop_role", "name", self, "dry_run", true);
    fails("SQL_REFUSED", "alter_role", "name", self, "login", false, "confirm", true);
    fails("SQL_REFUSED", "alter_role", "name", self, "generate_password", true, "confirm", true);
    assertThat(roleExists(self)).isTrue();
    assertThat(scalarLong("SELECT count(*) FROM pg_roles WHERE rolname = ? AND rolcanlogin", self))
        .isEqualTo(1);
  }

  @Test
  void dropRoleShowsWhatTheRoleOwnsAndItsMemberships() throws Exception {
    ok("create_role", "name", "adm_group", "login", false);
    ok("create_role", "name", "adm_owner", "member_of", List.of("adm_group"));
    Fixture.exec(
        spec, "CREATE TABLE owned_by_role (id INT); ALTER TABLE owned_by_role OWNER TO adm_owner");

    Map<String, Object> dry = ok("drop_role", "name", "adm_owner", "dry_run", true);
    @SuppressWarnings("unchecked")
    Map<String, Object> impact = (Map<String, Object>) dry.get("impact");
    assertThat(impact.get("owns").toString()).contains("relation public.owned_by_role");
    assertThat(impact.get("member_of").toString()).contains("adm_group");
    assertThat(impact.get("privileges").toString()).contains(spec.database() + ": 1 owned object");
    assertThat(statements(dry)).containsExactly("DROP ROLE \"adm_owner\"");

    Map<String, Object> e = fails("CONFIRMATION_REQUIRED", "drop_role", "name", "adm_owner");
    assertThat((String) e.get("message")).contains("owned_by_role").contains("adm_group");
    assertThat(roleExists("adm_owner")).isTrue();

    Map<String, Object> refused =
        fails("SQL_ERROR", "drop_role", "name", "adm_owner", "confirm", true);
    assertThat(refused).containsEntry("sqlstate", "2BP01");
    assertThat((String) refused.get("suggestion")).contains("dry_run=true");

    Fixture.exec(spec, "DROP TABLE owned_by_role");
    ok("drop_role", "name", "adm_owner", "confirm", true);
    assertThat(roleExists("adm_owner")).isFalse();
    fails("NOT_FOUND", "drop_role", "name", "adm_owner", "confirm", true);
    ok("drop_role", "name", "adm_group", "confirm", true);
  }

  // --- privileges ----------------------------------------------------------------------------

  @Test
  void grantListAndRevokeOnATableASchemaAndADatabase() throws Exception {
    String role = "Adm Ünïcode \"role\"";
    ok("create_role", "name", role);
    Map<String, Object> before =
        ok("list_grants", "object_type", "table", "object", "t", "role", role);
    assertThat(before.get("grants").toString()).contains("privileges=[]");

    Map<String, Object> dry =
        ok(
            "grant",
            "privileges",
            List.of("select", "Insert"),
            "object_type",
            "table",
            "object",
            "t",
            "role",
            role,
            "dry_run",
            true);
    assertThat(statements(dry))
        .containsExactly(
            "GRANT SELECT, INSERT ON TABLE \"public\".\"t\" TO \"Adm Ünïcode \"\"role\"\"\"");
    assertThat(
            scalarLong(
                "SELECT count(*) FROM pg_roles WHERE rolname = ? AND has_table_privilege(oid, 'public.t', 'SELECT')",
                role))
        .isZero();

    ok(
        "grant",
        "privileges",
        List.of("SELECT", "INSERT"),
        "object_type",
        "table",
        "object",
        "t",
        "role",
        role);
    ok(
        "grant",
        "privileges",
        List.of("USAGE"),
        "object_type",
        "schema",
        "object",
        "public",
        "role",
        role);
    ok(
        "grant",
        "privileges",
        List.of("CONNECT"),
        "object_type",
        "database",
        "object",
        spec.database(),
        "role",
        role);
    CallToolResult listed = call("list_grants", "object_type", "table", "object", "t");
    assertThat(text(listed)).contains(role + ": SELECT, INSERT");
    assertThat(
            ok("list_grants", "object_type", "database", "object", spec.database(), "role", role)
                .get("grants")
                .toString())
        .contains("CONNECT");

    Object[] revoke = {
      "privileges", List.of("INSERT"), "object_type", "table", "object", "t", "role", role
    };
    Map<String, Object> e = fails("CONFIRMATION_REQUIRED", "revoke", revoke);
    assertThat((String) e.get("message")).contains("REVOKE INSERT ON TABLE");
    Map<String, Object> dryRevoke = ok("revoke", with(revoke, "dry_run", true));
    assertThat(dryRevoke.get("impact").toString()).contains("SELECT").contains("INSERT");
    ok("revoke", with(revoke, "confirm", true));
    assertThat(
            ok("list_grants", "object_type", "table", "object", "t", "role", role)
                .get("grants")
                .toString())
        .contains("[SELECT]");

    fails("NOT_FOUND", "list_grants", "object_type", "table", "object", "no_such_table");
    fails("SQL_REFUSED", "list_grants", "object_type", "database", "object", BLOCKED);
    fails(
        "SQL_REFUSED",
        "grant",
        "privileges",
        List.of("CONNECT"),
        "object_type",
        "database",
        "object",
        BLOCKED,
        "role",
        role);

    ok(
        "revoke",
        "privileges",
        List.of("ALL"),
        "object_type",
        "table",
        "object",
        "t",
        "role",
        role,
        "confirm",
        true);
    ok(
        "revoke",
        "privileges",
        List.of("ALL"),
        "object_type",
        "schema",
        "object",
        "public",
        "role",
        role,
        "confirm",
        true);
    ok(
        "revoke",
        "privileges",
        List.of("ALL"),
        "object_type",
        "database",
        "object",
        spec.database(),
        "role",
        role,
        "confirm",
        true);
    ok("drop_role", "name", role, "confirm", true);
  }

  @Test
  void allLeavesTheAdminToolsetOutUnlessItIsNamed() {
    assertThatThrownBy(() -> Toolset.parse(Set.of("all", "teleport")))
        .hasMessageContaining("teleport");
    assertThat(Toolset.parse(Set.of("all", "admin"))).contains(Toolset.ADMIN, Toolset.QUERY);
    assertThat(Toolset.parse(Set.of("all"))).doesNotContain(Toolset.ADMIN);
    assertThat(Toolset.parse(Set.of())).doesNotContain(Toolset.ADMIN);
  }

  @SuppressWarnings("unchecked")
  static List<String> statements(Map<String, Object> outcome) {
    return (List<String>) outcome.get("statements");
  }

  static Object[] with(Object[] kv, Object... more) {
    Object[] out = new Object[kv.length + more.length];
    System.arraycopy(kv, 0, out, 0, kv.length);
    System.arraycopy(more, 0, out, kv.length, more.length);
    return out;
  }

  /**
   * A TCP relay to the database that keeps every byte clients send (the connections are plain,
   * sslmode=disable): what the server receives, read by the test.
   */
  static final class WireRecorder implements AutoCloseable {
    private final ServerSocket server;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

    WireRecorder(String host, int port) throws java.io.IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accept =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket client = server.accept();
                    Socket db = new Socket(host, port);
                    open.add(client);
                    open.add(db);
                    pump(client.getInputStream(), db.getOutputStream(), sent);
                    pump(db.getInputStream(), client.getOutputStream(), null);
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              },
              "wire-recorder");
      accept.setDaemon(true);
      accept.start();
    }

    private static void pump(InputStream in, OutputStream out, ByteArrayOutputStream copy) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[8192];
                try {
                  for (int n; (n = in.read(buf)) > 0; ) {
                    if (copy != null) {
                      synchronized (copy) {
                        copy.write(buf, 0, n);
                      }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                  }
                } catch (java.io.IOException e) {
                  // one side closed
                } finally {
                  try {
                    out.close();
                  } catch (java.io.IOException e) {
                    // already closed
                  }
                }
              },
              "wire-pump");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    String sent() {
      synchronized (sent) {
        return sent.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() throws java.io.IOException {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    }
  }

  /** Writes to two streams: the test's own stderr stays visible while it is captured. */
  static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int x) throws java.io.IOException {
      a.write(x);
      synchronized (b) {
        b.write(x);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }
  }
}
