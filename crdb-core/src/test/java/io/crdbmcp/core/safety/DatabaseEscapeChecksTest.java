package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.sql.JdbcSql;
import io.crdbmcp.core.testing.TestDb;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The escape classes of the review, against the checks the database makes ({@link DatabaseChecks})
 * on a real database: functions the text calls without naming them as {@code name(...)}, functions
 * only the database's parse tree shows (domain checks, casts, operators behind keywords), columns
 * only the parse tree shows, statements that run a query without being a query, code objects, and
 * the cost of the plan check. Each case is refused before anything of it runs; afterwards an
 * independent connection sees no lock, slot or object left behind.
 */
class DatabaseEscapeChecksTest {
  static ConnectionSpec db;

  /** Read-only, no access control: the function policy alone. */
  static final SafetyPolicy READ_ONLY =
      new SafetyPolicy(
          true,
          SafetyPolicy.DEFAULT_BLOCKED_COMMANDS,
          Set.of(),
          Set.of(),
          Set.of(),
          Map.of(),
          Set.of(),
          Set.of(),
          SafetyPolicy.DEFAULT_MAX_SQL_LENGTH,
          SafetyPolicy.DEFAULT_MAX_SQL_DEPTH);

  /** Read-write with access control; allowed_peek is allowed by name. */
  static final SafetyPolicy ACCESS =
      new SafetyPolicy(
          false,
          SafetyPolicy.DEFAULT_BLOCKED_COMMANDS,
          Set.of(),
          Set.of(),
          Set.of("secrets", "secrets_part"),
          Map.of("users", Set.of("password_hash")),
          Set.of(),
          Set.of("public.allowed_peek"),
          SafetyPolicy.DEFAULT_MAX_SQL_LENGTH,
          SafetyPolicy.DEFAULT_MAX_SQL_DEPTH);

  @BeforeAll
  static void create() {
    db =
        TestDb.get()
            .createDatabase(
                "escapes",
                """
                CREATE TABLE users (id INT PRIMARY KEY, name TEXT, password_hash TEXT);
                INSERT INTO users VALUES (1, 'ana', 'hash-1');
                CREATE TABLE secrets (id INT, token TEXT);
                CREATE TABLE canary (id INT PRIMARY KEY, note TEXT);
                INSERT INTO canary VALUES (1, 'alpha');
                CREATE VIEW users_view AS SELECT id, password_hash AS name FROM users;
                CREATE FUNCTION peek(users) RETURNS text LANGUAGE sql AS $f$ SELECT $1.password_hash $f$;
                CREATE FUNCTION allowed_peek(users) RETURNS text LANGUAGE sql
                  AS $f$ SELECT $1.password_hash $f$;
                CREATE FUNCTION over(int) RETURNS int LANGUAGE plpgsql
                  AS $f$ BEGIN PERFORM pg_advisory_lock(4545); RETURN $1; END $f$;
                CREATE FUNCTION lock_it(int) RETURNS boolean LANGUAGE plpgsql
                  AS $f$ BEGIN PERFORM pg_advisory_lock(4646); RETURN true; END $f$;
                CREATE DOMAIN checked_int AS int CHECK (lock_it(VALUE));
                CREATE DOMAIN checked_again AS checked_int;
                CREATE FUNCTION canary_text(canary) RETURNS text LANGUAGE plpgsql
                  AS $f$ BEGIN PERFORM pg_advisory_lock(4747); RETURN 'x'; END $f$;
                CREATE CAST (canary AS text) WITH FUNCTION canary_text(canary);
                CREATE FUNCTION canary_like(canary, text) RETURNS boolean LANGUAGE plpgsql
                  AS $f$ BEGIN PERFORM pg_advisory_lock(4848); RETURN true; END $f$;
                CREATE OPERATOR ~~ (LEFTARG = canary, RIGHTARG = text, FUNCTION = canary_like);
                CREATE TABLE secrets_part (id INT, token TEXT) PARTITION BY RANGE (id);
                CREATE TABLE secrets_p1 PARTITION OF secrets_part FOR VALUES FROM (0) TO (100);
                CREATE TABLE users_child () INHERITS (users);
                CREATE VIEW p1_view AS SELECT id, token FROM secrets_p1;
                DO $$ BEGIN
                  CREATE EXTENSION IF NOT EXISTS tablefunc;
                  CREATE EXTENSION IF NOT EXISTS pageinspect;
                  CREATE EXTENSION IF NOT EXISTS pgcrypto;
                EXCEPTION WHEN OTHERS THEN NULL; -- a server without the contrib modules
                END $$;
                """);
  }

  private static void vet(SafetyPolicy policy, String sql, boolean readOnly) throws SQLException {
    JdbcSql jdbc = JdbcSql.of(sql);
    try (Connection c = TestDb.open(db)) {
      c.setAutoCommit(false);
      try {
        new DatabaseChecks(policy)
            .vet(c, new DatabaseChecks.Statement(sql, jdbc.sql(), List.of()), readOnly, false);
      } finally {
        c.rollback();
      }
    }
  }

  /** The rule refusing {@code sql}, from the guard or else the database's checks; null if none. */
  private static String refusedRule(SafetyPolicy policy, String sql, boolean readOnly) {
    Verdict v =
        readOnly ? new SqlGuard(policy).checkReadOnly(sql) : new SqlGuard(policy).check(sql);
    if (!v.allowed()) {
      return v.rule();
    }
    try {
      vet(policy, sql, readOnly);
      return null;
    } catch (SqlRefusedException e) {
      return e.rule();
    } catch (SQLException e) {
      throw new AssertionError(sql + ": " + e, e);
    }
  }

  private static String readOnlyRule(String sql) {
    return refusedRule(READ_ONLY, sql, true);
  }

  private static long scalar(String sql) throws SQLException {
    return ((Number) TestDb.scalar(db, sql)).longValue();
  }

  @Test
  void attributeNotationIsACallAndIsJudgedLikeOne() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's attribute notation");
    long slotsBefore = scalar("SELECT count(*) FROM pg_replication_slots");
    // Each of these ran before: (x).f and alias.f are f(x).
    assertThat(readOnlyRule("SELECT ('/etc/hostname'::text).pg_read_file"))
        .isEqualTo("file_access");
    assertThat(readOnlyRule("SELECT (x).pg_ls_dir FROM (SELECT '.'::text) t(x)"))
        .isEqualTo("file_access");
    assertThat(readOnlyRule("SELECT ('PG_VERSION'::text).U&\"pg\\005fstat\\005ffile\""))
        .isEqualTo("file_access");
    assertThat(readOnlyRule("SELECT ('SELECT 1'::text).ts_stat")).isEqualTo("dangerous_function");
    assertThat(readOnlyRule("SELECT (pg_backend_pid()).pg_cancel_backend"))
        .isEqualTo("side_effect_function");
    assertThat(readOnlyRule("SELECT ('esc_slot'::name).pg_create_physical_replication_slot"))
        .isEqualTo("side_effect_function");
    assertThat(readOnlyRule("SELECT (4242::bigint).pg_advisory_lock"))
        .isEqualTo("side_effect_function");
    assertThat(readOnlyRule("SELECT u.peek FROM users u")).isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT (u).peek FROM users u")).isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT over(1)")).isEqualTo("function_not_allowed");
    // Columns and harmless one-argument built-ins after a dot stay allowed.
    assertThat(readOnlyRule("SELECT u.name, (u.name).length FROM users u")).isNull();
    assertThat(scalar("SELECT count(*) FROM pg_replication_slots")).isEqualTo(slotsBefore);
    assertThat(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isZero();
  }

  @Test
  void theParseTreeShowsFunctionsTheTextNeverNames() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's parse tree");
    // Only the database's own analysis knows these run a user-defined function: a domain's CHECK
    // (also through a domain over it), a cast, an operator behind the keyword LIKE.
    assertThat(readOnlyRule("SELECT 1::checked_int")).isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT CAST(2 AS checked_again)")).isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT c::text FROM canary c")).isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT 1 FROM canary c WHERE c LIKE 'x'"))
        .isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("EXPLAIN SELECT 1::checked_int")).isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT 1::int, 'a' LIKE 'b', c.note FROM canary c")).isNull();
    assertThat(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isZero();
  }

  @Test
  void extensionFunctionsRunOnlyFromExtensionsKnownToBeSafe() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL extensions");
    assumeTrue(
        scalar("SELECT count(*) FROM pg_extension WHERE extname IN ('tablefunc', 'pageinspect')")
            == 2,
        "contrib modules installed");
    // crosstab runs its text argument (STABLE, so the volatility policy let it run it);
    // get_raw_page returns a table's raw pages, blocked rows included.
    assertThat(
            readOnlyRule(
                "SELECT * FROM crosstab('SELECT 1::text, 2::text, 3::text') AS t(a text, b text)"))
        .isEqualTo("dangerous_function");
    assertThat(readOnlyRule("SELECT * FROM normal_rand(2, 0, 1)"))
        .isEqualTo("function_not_allowed");
    assertThat(readOnlyRule("SELECT length(get_raw_page('secrets', 0))"))
        .isEqualTo("function_not_allowed");
    assertThat(refusedRule(ACCESS, "SELECT length(get_raw_page('secrets', 0))", false))
        .isEqualTo("function_not_allowed");
    if (scalar("SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'") == 1) {
      assertThat(readOnlyRule("SELECT encode(digest('x', 'sha256'), 'hex')")).isNull();
    }
  }

  @Test
  void theParseTreeListsFunctionsRelationsAndColumnsByOid() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's parse tree");
    // An alias and a column label written like the tree's own field labels cannot hide anything.
    String sql =
        "SELECT \":selectedCols\".id AS \":funcid\", x AS \":relid\" FROM users AS"
            + " \":selectedCols\", LATERAL (SELECT peek(\":selectedCols\") AS \"}\") l(x)"
            + " WHERE 'a{b(' <> ')}'";
    ParseTree tree;
    try (Connection c = TestDb.open(db)) {
      c.setAutoCommit(false);
      JdbcSql jdbc = JdbcSql.of(sql);
      tree = DatabaseChecks.parseTree(c, new DatabaseChecks.Statement(sql, jdbc.sql(), List.of()));
      c.rollback();
    }
    long peek = scalar("SELECT 'peek(users)'::regprocedure::oid");
    long users = scalar("SELECT 'users'::regclass::oid");
    assertThat(tree.functions).contains(peek);
    assertThat(tree.relations).containsKey(users);
    assertThat(tree.relations.get(users))
        .as("id and the whole row")
        .containsExactlyInAnyOrder(1, 0);
  }

  @Test
  void theParseTreeReaderSplitsTokensAsPostgresDoes() {
    assertThat(ParseTree.tokens("{A :x a\\ b :y (b 1 2)} \\{ \\( x\\\ny"))
        .containsExactly(
            "{", "A", ":x", "a b", ":y", "(", "b", "1", "2", ")", "}", "{", "(", "x y");
    ParseTree t =
        ParseTree.parse(
            "{QUERY :a {FUNCEXPR :funcid 42 :args <>} :b {ALIAS :aliasname :funcid :colnames <>}"
                + " :rtable ({RANGETBLENTRY :relid 7 :perminfoindex 1}) :rteperminfos"
                + " ({RTEPERMISSIONINFO :relid 7 :selectedCols (b 8 7) :insertedCols (b)})"
                + " :x {COERCETODOMAIN :arg {CONST :consttype 23} :resulttype 99}"
                + " :y {OPEXPR :opno 96 :opfuncid 65} :z {ROWCOMPAREEXPR :opnos (o 97 521)}}",
            7);
    assertThat(t.functions).containsExactly(42L, 65L);
    assertThat(t.operators).containsExactlyInAnyOrder(96L, 97L, 521L);
    assertThat(t.domains).containsExactly(99L);
    assertThat(t.relations.get(7L)).containsExactlyInAnyOrder(1, 0);
  }

  @Test
  void accessControlSeesColumnsThatThePlanShowsUnqualified() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's parse tree");
    // allowed_peek is allowed, and the planner inlines it: the plan shows "password_hash" without
    // the alias it came through. The parse tree says the whole row of users is passed.
    assertThat(refusedRule(ACCESS, "SELECT u.allowed_peek FROM users u", false))
        .isEqualTo("blocked_column");
    assertThat(refusedRule(ACCESS, "SELECT u.id, u.name FROM users u", false)).isNull();
  }

  @Test
  void partitionsAndChildTablesAreCoveredByTheirParentsRules() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL partitions and inheritance");
    // A partition's rows are its parent's: reading it directly, or through a view, read around
    // a blocked parent; an inheritance child has the parent's blocked columns.
    assertThat(refusedRule(ACCESS, "SELECT token FROM secrets_p1", false))
        .isEqualTo("blocked_table");
    assertThat(refusedRule(ACCESS, "SELECT id FROM p1_view", false)).isEqualTo("blocked_table");
    assertThat(refusedRule(ACCESS, "SELECT password_hash FROM users_child", false))
        .isEqualTo("blocked_column");
    assertThat(refusedRule(ACCESS, "SELECT c FROM users_child AS x(a, b, c)", false))
        .isEqualTo("blocked_column");
    assertThat(refusedRule(ACCESS, "SELECT id, name FROM users_child", false)).isNull();
  }

  @Test
  void statementsThatRunAQueryAreCheckedLikeQueries() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's JSON plans");
    // users_view shows users.password_hash as "name"; each of these copied it before.
    for (String sql :
        List.of(
            "CREATE TABLE copy1 AS SELECT * FROM users_view",
            "CREATE TEMP TABLE copy2 AS SELECT name FROM users_view",
            "CREATE MATERIALIZED VIEW copy3 AS SELECT name FROM users_view",
            "CREATE UNLOGGED TABLE copy4 (n) AS SELECT name FROM users_view WITH NO DATA",
            "EXPLAIN ANALYZE CREATE TABLE copy5 AS SELECT name FROM users_view",
            "DECLARE c1 CURSOR FOR SELECT name FROM users_view",
            "SELECT name INTO copy6 FROM users_view")) {
      assertThat(refusedRule(ACCESS, sql, false)).as(sql).isEqualTo("blocked_column");
    }
    assertThat(refusedRule(ACCESS, "CREATE TABLE fine AS SELECT id FROM users_view", false))
        .isNull();
    assertThat(
            scalar("SELECT count(*) FROM pg_class WHERE relname LIKE 'copy%' OR relname = 'fine'"))
        .isZero();
  }

  @Test
  void aRefusalNamesOnlyWhatTheStatementNames() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's JSON plans");
    // The names of a blocked column behind a view and of a blocked parent table stay hidden.
    for (String sql :
        List.of(
            "SELECT * FROM users_view",
            "SELECT n FROM users_view AS v(i, n)",
            "SELECT token FROM secrets_p1",
            "SELECT * FROM p1_view")) {
      String message = null;
      try {
        vet(ACCESS, sql, false);
      } catch (SqlRefusedException e) {
        message = e.getMessage();
      }
      assertThat(message).as(sql).isNotNull().doesNotContain("password_hash", "secrets_part");
      assertThat(message).as(sql).doesNotContain("\u0001", "\u0002");
    }
    String named = null;
    try {
      vet(ACCESS, "SELECT name FROM users_view WHERE 'password_hash' <> ''", false);
    } catch (SqlRefusedException e) {
      named = e.getMessage();
    }
    assertThat(named).as("a string is not a name").doesNotContain("password_hash");
  }

  @Test
  void anInsertColumnListIsNotAnAliasList() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL's JSON plans");
    assertThat(
            refusedRule(
                ACCESS, "INSERT INTO users (id, name) VALUES (9, 'x') RETURNING id, name", false))
        .isNull();
    assertThat(
            refusedRule(ACCESS, "INSERT INTO public.users AS u (id, name) VALUES (9, 'x')", false))
        .isNull();
    assertThat(refusedRule(ACCESS, "INSERT INTO users (id, password_hash) VALUES (9, 'x')", false))
        .isEqualTo("blocked_column");
    assertThat(refusedRule(ACCESS, "INSERT INTO users VALUES (9, 'x', 'y')", false))
        .isEqualTo("blocked_column");
    assertThat(refusedRule(ACCESS, "SELECT c FROM users AS u(a, b, c)", false))
        .isEqualTo("blocked_column");
  }

  @Test
  void codeThatRunsLaterIsNotDefinedUnderAccessControl() {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL DDL");
    for (String sql :
        List.of(
            "CREATE FUNCTION over2(int) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
            "CREATE OR REPLACE FUNCTION peek(users) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
            "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$",
            "CREATE OPERATOR !!! (RIGHTARG = text, FUNCTION = pg_catalog.length)",
            "CREATE CAST (users AS int) WITH INOUT",
            "CREATE TRIGGER t BEFORE INSERT ON canary FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
            "CREATE RULE r AS ON INSERT TO canary DO ALSO NOTIFY x",
            "CREATE POLICY p ON canary USING (true)",
            "CREATE AGGREGATE a(int) (SFUNC = int4pl, STYPE = int)",
            "CREATE DOMAIN d AS int CHECK (VALUE > 0)",
            "CREATE TYPE ty AS (a int)",
            "CREATE EXTENSION IF NOT EXISTS hstore",
            "CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw",
            "CREATE FOREIGN TABLE ft (a int) SERVER s",
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION suppress_redundant_updates_trigger()")) {
      assertThat(refusedRule(ACCESS, sql, false)).as(sql).isEqualTo("not_analysable");
    }
    assertThat(refusedRule(ACCESS, "CREATE TABLE plain (a int, b text DEFAULT 'x')", false))
        .isNull();
    assertThat(refusedRule(ACCESS, "CREATE VIEW v AS SELECT id, note FROM canary", false)).isNull();
  }

  @Test
  void thePlanCheckIsLinearInTheNumberOfScans() throws Exception {
    // 20,000 scans of a table with a blocked column under one Append, as EXPLAIN prints a UNION ALL
    // of 20,000 branches. One pass over the expressions: well under a second. (The check was
    // quadratic: 6,000 branches took 22 s of the server's CPU.)
    ObjectMapper json = new ObjectMapper();
    int n = 20_000;
    ArrayNode children = json.createArrayNode();
    for (int i = 0; i < n; i++) {
      ObjectNode scan = children.addObject();
      scan.put("Node Type", "Seq Scan");
      scan.put("Relation Name", "users");
      scan.put("Schema", "public");
      scan.put("Alias", "users_" + i);
      scan.putArray("Output").add("users_" + i + ".id");
    }
    ObjectNode root = json.createObjectNode();
    ObjectNode append = root.putObject("Plan");
    append.put("Node Type", "Append");
    ArrayNode output = append.putArray("Output");
    output.add("users_0.id");
    append.set("Plans", children);
    ArrayNode plan = json.createArrayNode().add(root);
    DatabaseChecks checks = new DatabaseChecks(ACCESS);
    DatabaseChecks.ColumnSource columns = (s, t) -> List.of("id", "name", "password_hash");
    long start = System.nanoTime();
    checks.checkPostgresPlan(plan, List.of(), columns);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(ms).as("plan check of %d scans, ms", n).isLessThan(3_000);

    output.add("users_" + (n - 1) + ".password_hash");
    List<String> rules = new ArrayList<>();
    try {
      checks.checkPostgresPlan(plan, List.of(), columns);
    } catch (SqlRefusedException e) {
      rules.add(e.rule());
    }
    assertThat(rules).containsExactly("blocked_column");
  }
}
