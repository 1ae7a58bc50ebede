package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.sql.JdbcSql;
import io.crdbmcp.core.testing.TestDb;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The checks the database makes, called as a library caller would, on a real database: the database
 * (not our lexer) decides statement boundaries, functions are judged from pg_proc, and access
 * control reads the plan.
 */
class DatabaseChecksTest {
  static ConnectionSpec db;

  static final SafetyPolicy POLICY =
      new SafetyPolicy(
          true,
          SafetyPolicy.DEFAULT_BLOCKED_COMMANDS,
          Set.of(),
          Set.of(),
          Set.of("secrets"),
          Map.of("users", Set.of("password_hash")),
          Set.of(),
          Set.of("public.allowed_fn"),
          SafetyPolicy.DEFAULT_MAX_SQL_LENGTH,
          SafetyPolicy.DEFAULT_MAX_SQL_DEPTH);

  @BeforeAll
  static void create() {
    db =
        TestDb.get()
            .createDatabase(
                "checks",
                """
                CREATE TABLE users (id INT PRIMARY KEY, name TEXT, password_hash TEXT);
                INSERT INTO users VALUES (1, 'ana', 'hash-1');
                CREATE TABLE secrets (id INT, token TEXT);
                CREATE FUNCTION udf() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
                CREATE FUNCTION allowed_fn() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
                """);
  }

  private static void vet(String sql, boolean readOnly) throws SQLException {
    JdbcSql jdbc = JdbcSql.of(sql);
    try (Connection c = TestDb.open(db)) {
      c.setAutoCommit(false);
      try {
        new DatabaseChecks(POLICY)
            .vet(c, new DatabaseChecks.Statement(sql, jdbc.sql(), List.of()), readOnly, false);
      } finally {
        c.rollback();
      }
    }
  }

  private static String refusedRule(String sql) {
    try {
      vet(sql, true);
      return null;
    } catch (SqlRefusedException e) {
      return e.rule();
    } catch (SQLException e) {
      throw new AssertionError(sql + ": " + e, e);
    }
  }

  @Test
  void theDatabaseRefusesTwoStatementsThatTheDriversLexerSeesAsOne() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's E-string continuation");
    // The JDBC driver reads '\'' after the continuation as '\' plus an open string, so it sees one
    // statement; PostgreSQL sees a second one and refuses it in a single Parse message.
    String text = "SELECT E'a'\n'\\''; SELECT 2 --'";
    try (Connection c = TestDb.open(db)) {
      assertThatThrownBy(() -> DatabaseChecks.describe(c, text, List.of()))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("cannot insert multiple commands");
    }
  }

  @Test
  void theDriverSplittingIntoTwoIsRefusedBeforeAnythingIsSent() throws Exception {
    try (Connection c = TestDb.open(db)) {
      assertThatThrownBy(() -> DatabaseChecks.describe(c, "SELECT 1; SELECT 2", List.of()))
          .isInstanceOf(SqlRefusedException.class)
          .hasMessageContaining("2 statements");
    }
  }

  @Test
  void functionsAreJudgedByWhatTheDatabaseKnowsOfThem() {
    assumeFalse(TestDb.get().isCockroach(), "user-defined functions in SQL differ");
    assertThat(refusedRule("SELECT udf()")).isEqualTo("function_not_allowed");
    assertThat(refusedRule("SELECT public.udf()")).isEqualTo("function_not_allowed");
    assertThat(refusedRule("SELECT allowed_fn()")).isNull();
    assertThat(refusedRule("SELECT lower('A'), now(), random(), gen_random_uuid()")).isNull();
    assertThat(refusedRule("SELECT pg_stat_clear_snapshot()")).isEqualTo("function_not_allowed");
  }

  @Test
  void thePlanShowsWhatAStatementReallyReads() {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's JSON plans");
    assertThat(refusedRule("SELECT id, name FROM users")).isNull();
    assertThat(refusedRule("SELECT count(*) FROM users")).isNull();
    assertThat(refusedRule("SELECT c FROM users AS u(a, b, c)")).isEqualTo("blocked_column");
    assertThat(refusedRule("SELECT 1 FROM users u(a, b, c) WHERE c > 'h'"))
        .isEqualTo("blocked_column");
    assertThat(refusedRule("SELECT to_json(x) FROM (TABLE users) x")).isEqualTo("blocked_column");
    assertThat(refusedRule("WITH users AS (SELECT token FROM secrets) SELECT * FROM users"))
        .isEqualTo("blocked_table");
    assertThat(refusedRule("SELECT 1 FROM pg_class LIMIT 1")).isEqualTo("catalog_access");
  }

  @Test
  void deparsedExpressionsAreReadByAlias() {
    Set<String> blocked = Set.of("password_hash");
    Set<String> real = Set.of("id", "name", "password_hash");
    assertThat(DatabaseChecks.referencedColumn("u.name", "u", blocked, real)).isNull();
    assertThat(DatabaseChecks.referencedColumn("lower(u.password_hash)", "u", blocked, real))
        .isEqualTo("password_hash");
    assertThat(DatabaseChecks.referencedColumn("to_json(u.*)", "u", blocked, real)).isEqualTo("*");
    assertThat(DatabaseChecks.referencedColumn("(u.c ~~ 'a%'::text)", "u", blocked, real))
        .isEqualTo("c");
    assertThat(DatabaseChecks.referencedColumn("x.password_hash", "u", blocked, real)).isNull();
  }

  @Test
  void cockroachPlansAreReadFromTheirTextForm() {
    // The shape of EXPLAIN (VERBOSE) in CockroachDB's documentation; never compared with a live
    // cluster here.
    List<String> plan =
        List.of(
            "distribution: local",
            "vectorized: true",
            "",
            "• filter",
            "│ columns: (name)",
            "│ estimated row count: 1",
            "│ filter: password_hash = 'x'",
            "│",
            "└── • scan",
            "      columns: (name, password_hash)",
            "      estimated row count: 2 (100% of the table; stats collected 2 minutes ago)",
            "      table: users@users_pkey",
            "      spans: FULL SCAN");
    assertThat(DatabaseChecks.cockroachScans(plan))
        .containsExactly(
            new DatabaseChecks.CockroachScan("users", List.of("name", "password_hash"), false));
    List<String> virtual =
        List.of("• virtual table", "  columns: (oid, relname)", "  table: pg_class@primary");
    assertThat(DatabaseChecks.cockroachScans(virtual))
        .containsExactly(
            new DatabaseChecks.CockroachScan("pg_class", List.of("oid", "relname"), true));
  }
}
