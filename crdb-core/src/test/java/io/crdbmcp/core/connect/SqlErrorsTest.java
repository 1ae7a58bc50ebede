package io.crdbmcp.core.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.testing.TestDb;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

/**
 * Errors keep what the database said (message without the severity, DETAIL, HINT, POSITION), name
 * close existing tables and columns, and suggest settings, never tools: library users get the same
 * as the MCP tools.
 */
class SqlErrorsTest {
  static final ConnectionSpec SPEC =
      ConnectionSpec.fromUrl("default", "postgresql://app@db.example.com:26257/shop", 10, false);

  static final List<String> TOOL_NAMES =
      List.of(
          "list_", "describe_table", "validate_query", "begin_transaction", "rollback_transaction");

  static PSQLException server(String fields) {
    return new PSQLException(new ServerErrorMessage(fields));
  }

  static void assertToolNeutral(CrdbException e) {
    for (String tool : TOOL_NAMES) {
      assertThat(String.valueOf(e.suggestion())).doesNotContain(tool);
      assertThat(e.getMessage()).doesNotContain(tool);
    }
  }

  @Test
  void aPoolTimeoutSaysWhetherEveryConnectionWasBusyOrThePoolWasStillOpeningThem() {
    CrdbException busy =
        SqlErrors.translate(
            new java.sql.SQLTransientConnectionException(
                "crdb-default - Connection is not available, request timed out after 10001ms"
                    + " (total=5, active=5, idle=0, waiting=3)"),
            SPEC);
    assertThat(busy.code()).isEqualTo(ErrorCode.CONNECTION_FAILED);
    assertThat(busy.getMessage())
        .contains("'default'")
        .contains("within 10 s")
        .contains("all are busy (5 of 5 open in use, 3 calls waiting)");
    assertThat(busy.suggestion()).contains("CRDB_POOL_SIZE");
    CrdbException growing =
        SqlErrors.translate(
            new java.sql.SQLTransientConnectionException(
                "crdb-default - Connection is not available, request timed out after 10001ms"
                    + " (total=14, active=12, idle=0, waiting=1)"),
            SPEC);
    assertThat(growing.getMessage())
        .contains("only 14 were open (12 in use, 1 call waiting)")
        .contains("slow to accept new ones");
    assertThat(growing.suggestion()).contains("CRDB_TIMEOUT");
  }

  @Test
  void keepsDetailHintAndPositionWithoutTheSeverityPrefix() {
    CrdbException e =
        SqlErrors.translate(
            server(
                "SERROR\0VERROR\0C23505\0Mduplicate key value violates unique constraint"
                    + " \"t_pkey\"\0DKey (id)=(1) already exists.\0HUse another id.\0P8\0"),
            SPEC);
    assertThat(e.getMessage())
        .startsWith("duplicate key value violates unique constraint \"t_pkey\" (at character 8)")
        .contains("\nDetail: Key (id)=(1) already exists.")
        .contains("\nHint: Use another id.")
        .doesNotContain("ERROR:");
    assertThat(e.detail()).isEqualTo("Key (id)=(1) already exists.");
    assertThat(e.hint()).isEqualTo("Use another id.");
    assertThat(e.position()).isEqualTo(8);
    assertThat(e.sqlState()).isEqualTo("23505");
  }

  @Test
  void aProtocolErrorIsAStatementError() {
    CrdbException e =
        SqlErrors.translate(
            server(
                "SERROR\0C08P01\0Mbind message supplies 0 parameters, but prepared statement \"\""
                    + " requires 1\0"),
            SPEC);
    assertThat(e.code()).isEqualTo(ErrorCode.SQL_ERROR);
    assertThat(e.getMessage()).startsWith("bind message supplies").doesNotContain("connect");
  }

  @Test
  void loginFailuresNameTheSettingToChange() {
    CrdbException auth =
        SqlErrors.connectFailure(
            server("SFATAL\0C28P01\0Mpassword authentication failed for user \"app\"\0"), SPEC);
    assertThat(auth.code()).isEqualTo(ErrorCode.CONNECTION_FAILED);
    assertThat(auth.getMessage())
        .isEqualTo(
            "cannot connect to app@db.example.com:26257/shop (connection 'default'): password"
                + " authentication failed for user \"app\"");
    assertThat(auth.suggestion()).contains("CRDB_PASSWORD").contains("CRDB_USER");

    CrdbException db =
        SqlErrors.connectFailure(
            server("SFATAL\0C3D000\0Mdatabase \"shop\" does not exist\0"), SPEC);
    assertThat(db.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(db.suggestion()).contains("CRDB_DATABASE");

    CrdbException tls =
        SqlErrors.connectFailure(
            new PSQLException("The server does not support SSL.", PSQLState.CONNECTION_REJECTED),
            SPEC);
    assertThat(tls.suggestion()).contains("CRDB_SSLMODE=disable");

    CrdbException hba =
        SqlErrors.connectFailure(
            server(
                "SFATAL\0C28000\0Mno pg_hba.conf entry for host \"10.0.0.1\", user \"app\","
                    + " database \"shop\", no encryption\0"),
            SPEC);
    assertThat(hba.suggestion()).contains("CRDB_SSLMODE=require");

    SQLException refusedSocket =
        new PSQLException(
            "Connection refused",
            PSQLState.CONNECTION_UNABLE_TO_CONNECT,
            new ConnectException("Connection refused"));
    CrdbException refused = SqlErrors.connectFailure(refusedSocket, SPEC);
    assertThat(refused.getMessage()).contains("nothing accepts connections at db.example.com");
    assertThat(refused.suggestion()).contains("CRDB_HOST").contains("CRDB_PORT");
    assertThat(SqlErrors.retriable(refusedSocket)).isTrue();
    assertThat(
            SqlErrors.retriable(
                server("SFATAL\0C28P01\0Mpassword authentication failed for user \"app\"\0")))
        .isFalse();

    ConnectionSpec named = SPEC.withName("analytics");
    assertThat(
            SqlErrors.connectFailure(
                    server("SFATAL\0C28P01\0Mpassword authentication failed\0"), named)
                .suggestion())
        .contains("the password and user of connection 'analytics'")
        .doesNotContain("CRDB_PASSWORD");
    for (CrdbException e : List.of(auth, db, tls, hba, refused)) {
      assertToolNeutral(e);
    }
  }

  @Test
  void statementSuggestionsAreToolNeutral() {
    for (String state : List.of("42P01", "42703", "3D000", "3F000", "42601", "40001", "25P02")) {
      CrdbException e =
          SqlErrors.translate(server("SERROR\0C" + state + "\0Msomething failed\0"), SPEC);
      assertToolNeutral(e);
      assertThat(e.suggestion()).as(state).isNotBlank();
    }
  }

  /** Against the test database, through the library's public entry point. */
  static Crdb crdb;

  /** The same schema in another database, with access control configured. */
  static Crdb guarded;

  static final String SCHEMA =
      """
      CREATE TABLE riders (id INT PRIMARY KEY, name TEXT NOT NULL, email TEXT);
      CREATE TABLE rides (id INT PRIMARY KEY, rider_id INT, fare NUMERIC);
      CREATE TABLE secrets (id INT PRIMARY KEY, token TEXT);
      INSERT INTO riders VALUES (1, 'a', 'a@example.com');
      """;

  @BeforeAll
  static void open() {
    crdb =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of("CRDB_URL", TestDb.url(TestDb.get().createDatabase("errors", SCHEMA)))));
    guarded =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of(
                    "CRDB_URL",
                    TestDb.url(TestDb.get().createDatabase("errors_guarded", SCHEMA)),
                    "CRDB_BLOCKED_TABLES",
                    "secrets",
                    "CRDB_BLOCKED_COLUMNS",
                    "{\"riders\":[\"email\"]}")));
  }

  @AfterAll
  static void close() {
    for (Crdb c : new Crdb[] {crdb, guarded}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static CrdbException fail(Crdb c, String sql) {
    return catchThrowableOfType(
        CrdbException.class,
        () ->
            c.queries()
                .executePlainSql(
                    c.connections().get(null), sql, List.of(), null, null, Caller.local()));
  }

  static CrdbException fail(String sql) {
    return fail(crdb, sql);
  }

  @Test
  void anUnknownTableSuggestsTheClosestVisibleTables() {
    CrdbException e = fail("SELECT * FROM ridez");
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.sqlState()).isEqualTo("42P01");
    assertThat(e.getMessage()).startsWith("relation \"ridez\" does not exist");
    assertThat(e.didYouMean()).startsWith("rides").contains("riders");
    assertThat(e.suggestion()).startsWith("did you mean rides");
    assertToolNeutral(e);
    if (!TestDb.get().isCockroach()) {
      assertThat(e.position()).isEqualTo(15);
    }

    assertThat(fail("SELECT * FROM secret").didYouMean()).containsExactly("secrets");
    CrdbException hidden = fail(guarded, "SELECT * FROM secret");
    assertThat(hidden.sqlState()).isEqualTo("42P01");
    assertThat(hidden.didYouMean()).doesNotContain("secrets");
    assertThat(hidden.suggestion()).doesNotContain("secrets");
  }

  @Test
  void anUnknownColumnSuggestsTheClosestVisibleColumns() {
    CrdbException e = fail("INSERT INTO riders (id, nme) VALUES (2, 'b')");
    assertThat(e.sqlState()).isEqualTo("42703");
    assertThat(e.didYouMean()).contains("name");

    CrdbException q = fail("SELECT nmae FROM riders");
    assertThat(q.sqlState()).isEqualTo("42703");
    assertThat(q.didYouMean()).anyMatch(s -> s.endsWith("name"));

    CrdbException blocked = fail(guarded, "SELECT emial FROM riders");
    assertThat(blocked.getMessage()).doesNotContain("email");
    assertThat(blocked.didYouMean()).noneMatch(s -> s.contains("email"));
    assertThat(blocked.hint()).isNull();
  }

  @Test
  void theDatabasesDetailReachesTheLibraryCaller() {
    CrdbException e = fail("INSERT INTO riders VALUES (1, 'dup', null)");
    assertThat(e.sqlState()).isEqualTo("23505");
    assertThat(e.detail()).contains("already exists");
    assertThat(e.getMessage()).contains("Detail: ").doesNotStartWith("ERROR");

    // Under access control what the database adds is left out: it can show hidden values.
    CrdbException g = fail(guarded, "UPDATE riders SET name = NULL WHERE id = 1");
    assertThat(g.sqlState()).isEqualTo("23502");
    assertThat(g.detail()).isNull();
    assertThat(g.getMessage()).doesNotContain("a@example.com");
  }
}
