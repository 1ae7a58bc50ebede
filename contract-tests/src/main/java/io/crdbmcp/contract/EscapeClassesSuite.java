package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The four escape classes of the safety review, one test each, through every tool that takes SQL or
 * names: {@code execute_query}, {@code validate_query}, {@code explain_query}, {@code
 * explain_analyze}, {@code export_to_csv}, {@code export_to_json}, {@code execute_query} inside
 * {@code begin_transaction} ... {@code commit_transaction}, and {@code read_rows} for access
 * control. Each variant must be refused (or, for text the lexer and the database agree is one
 * harmless statement, run without effect); afterwards an independent connection checks that nothing
 * changed: data, sequences, roles, database settings, functions and relations, advisory locks,
 * temporary objects, replication slots and origins, large objects, a file an OS command would have
 * written, a session of another client that a cancel or terminate would have hit, and the session
 * settings of every pooled connection of the server.
 *
 * <p>Read-only mode runs on a PostgreSQL superuser, the dangerous real-world case; read-write mode
 * with access control checks that access control holds when writes are allowed.
 */
public abstract class EscapeClassesSuite extends ContractSuite {
  static final String SCHEMA =
      """
      CREATE TABLE canary (id INT PRIMARY KEY, note TEXT);
      INSERT INTO canary VALUES (1, 'alpha'), (2, 'beta');
      CREATE SEQUENCE s;
      CREATE TABLE secrets (id INT PRIMARY KEY, token TEXT);
      INSERT INTO secrets VALUES (1, 'top-secret-token');
      CREATE TABLE users (id INT PRIMARY KEY, name TEXT, password_hash TEXT);
      INSERT INTO users VALUES (1, 'ana', 'hash-1'), (2, 'ben', 'hash-2');
      CREATE VIEW users_view AS SELECT id, password_hash AS name FROM users;
      CREATE SCHEMA hidden;
      CREATE TABLE hidden.canary (id INT, note TEXT);
      INSERT INTO hidden.canary VALUES (1, 'hidden-row');
      CREATE FUNCTION peek(users) RETURNS text LANGUAGE sql AS $f$ SELECT $1.password_hash $f$;
      CREATE FUNCTION over(int) RETURNS int LANGUAGE plpgsql AS $f$
        BEGIN PERFORM set_config('search_path', 'hidden', false);
        PERFORM pg_advisory_lock(4545); RETURN $1; END $f$;
      CREATE FUNCTION imm_side() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $f$
        BEGIN PERFORM set_config('search_path', 'hidden', false);
        PERFORM pg_advisory_lock(4343); RETURN 1; END $f$;
      CREATE FUNCTION lock_it(int) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN PERFORM set_config('search_path', 'hidden', false);
        PERFORM pg_advisory_lock(4646); RETURN true; END $f$;
      CREATE DOMAIN checked_int AS int CHECK (lock_it(VALUE));
      CREATE FUNCTION canary_text(canary) RETURNS text LANGUAGE plpgsql AS $f$
        BEGIN PERFORM pg_advisory_lock(4747); RETURN 'x'; END $f$;
      CREATE CAST (canary AS text) WITH FUNCTION canary_text(canary);
      CREATE FUNCTION canary_like(canary, text) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN PERFORM pg_advisory_lock(4848); RETURN true; END $f$;
      CREATE OPERATOR ~~ (LEFTARG = canary, RIGHTARG = text, FUNCTION = canary_like);
      CREATE TABLE vault (id INT, token TEXT) PARTITION BY RANGE (id);
      CREATE TABLE vault_p1 PARTITION OF vault FOR VALUES FROM (0) TO (100);
      INSERT INTO vault VALUES (1, 'top-secret-vault');
      CREATE TABLE users_child () INHERITS (users);
      INSERT INTO users_child VALUES (3, 'cy', 'hash-3');
      CREATE VIEW vault_view AS SELECT id, token FROM vault_p1;
      DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS tablefunc;
        CREATE EXTENSION IF NOT EXISTS pageinspect;
      EXCEPTION WHEN OTHERS THEN NULL; -- a server without the contrib modules
      END $$;
      """;

  /** What an OS command started by the database would write. */
  static final Path PWNED = Path.of("/tmp/crdb-mcp-pwned");

  /** Text that must never appear in a result: the blocked values and a server file's contents. */
  static final List<String> SECRETS =
      List.of("hash-1", "hash-2", "hash-3", "top-secret", "hidden-row");

  static final String SESSION_PROBE =
      "SELECT current_user, current_setting('search_path') AS search_path,"
          + " current_setting('default_transaction_read_only') AS ro,"
          + " current_setting('statement_timeout') AS timeout,"
          + " current_setting('application_name') AS app,"
          + " current_setting('standard_conforming_strings') AS scs,"
          + " current_setting('client_min_messages') AS messages";

  static final String ACCESS_CONTROL_PROBE = "SELECT id, note FROM canary ORDER BY id";

  ConnectionSpec roDb;
  ServerUnderTest ro;
  ConnectionSpec rwDb;
  ServerUnderTest rw;
  ConnectionSpec roAcDb;
  ServerUnderTest roAc;
  ConnectionSpec rwAcDb;
  ServerUnderTest rwAc;
  ConnectionSpec allowDb;
  ServerUnderTest allow;

  final AtomicInteger files = new AtomicInteger();

  @BeforeAll
  void setUp() {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL objects (domains, casts, plpgsql)");
    roDb = TestDb.get().createDatabase("escape_ro", SCHEMA);
    rwDb = TestDb.get().createDatabase("escape_rw", SCHEMA);
    roAcDb = TestDb.get().createDatabase("escape_ro_ac", SCHEMA);
    rwAcDb = TestDb.get().createDatabase("escape_rw_ac", SCHEMA);
    allowDb = TestDb.get().createDatabase("escape_allow", SCHEMA);
    ro =
        startServer(
            Map.of("CRDB_URL", TestDb.url(roDb), "CRDB_READ_ONLY", "true", "CRDB_POOL_SIZE", "2"));
    rw = startServer(Map.of("CRDB_URL", TestDb.url(rwDb), "CRDB_POOL_SIZE", "2"));
    Map<String, String> access =
        Map.of(
            "CRDB_BLOCKED_TABLES", "secrets,vault",
            "CRDB_BLOCKED_COLUMNS", "{\"users\": [\"password_hash\"]}",
            "CRDB_POOL_SIZE", "2");
    roAc = startServer(with(access, "CRDB_URL", TestDb.url(roAcDb), "CRDB_READ_ONLY", "true"));
    rwAc = startServer(with(access, "CRDB_URL", TestDb.url(rwAcDb)));
    allow =
        startServer(
            Map.of(
                "CRDB_URL", TestDb.url(allowDb),
                "CRDB_READ_ONLY", "true",
                "CRDB_ALLOWED_TABLES", "canary,users",
                "CRDB_ALLOWED_SCHEMAS", "public",
                "CRDB_POOL_SIZE", "2"));
  }

  @AfterAll
  void tearDown() {
    for (ServerUnderTest s : new ServerUnderTest[] {ro, rw, roAc, rwAc, allow}) {
      if (s != null) {
        s.close();
      }
    }
  }

  static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> m = new java.util.HashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  // ------------------------------------------------------------------ class 1

  /**
   * The lexer and the database disagreeing, and SQL composed around user text: every string form
   * hiding a second statement, and text that would break out of a wrapper such as COPY (...).
   */
  @Test
  void lexerDesyncAndComposedSqlNeverWrite() throws Exception {
    List<String> refused =
        List.of(
            // The example: E'' continued over a newline, where \' escapes the quote.
            "SELECT E'a'\n'\\''; UPDATE canary SET note = 'pwned' --'",
            "SELECT E'\\\\'\n'\\'; UPDATE canary SET note = 'pwned' --'",
            "SELECT U&'\\0027' /* c */ UESCAPE '\\'; UPDATE canary SET note = 'pwned'",
            "SELECT U&'!0027' UESCAPE '!'; UPDATE canary SET note = 'pwned' --",
            "SELECT $_\u00e41$ $$ ; $$ $_\u00e41$; UPDATE canary SET note = 'pwned'",
            "SELECT 1 /* /* */ ; UPDATE canary SET note = 'x' */; UPDATE canary SET note = 'pwned'",
            "SELECT 'a' -- c\n'b'; UPDATE canary SET note = 'pwned'",
            "SELECT N'x'\n'\\'; UPDATE canary SET note = 'pwned' --'",
            "SELECT B'1'\n'0'; UPDATE canary SET note = 'pwned'",
            "SELECT 1 --\r UPDATE canary SET note = 'pwned'",
            "SELECT 1) TO STDOUT; COPY canary TO PROGRAM 'touch /tmp/crdb-mcp-pwned'; COPY (SELECT 1",
            "SELECT E'x\\\\'); COMMIT; UPDATE canary SET note = 'pwned'; SELECT ('",
            "COPY (SELECT 1) TO PROGRAM 'touch /tmp/crdb-mcp-pwned'",
            "WITH d AS (UPDATE canary SET note = 'pwned' RETURNING 1) SELECT * FROM d");
    // Text that the lexer and the database both read as one harmless SELECT of a string.
    List<String> harmless =
        List.of(
            "SELECT U&'!0027) ; UPDATE canary SET note = ''pwned'' --' UESCAPE '!'",
            "SELECT $a$ ' ) ; UPDATE canary SET note = 'pwned' ; -- $a$",
            "SELECT E'\\\\'\n'\\' ) ; UPDATE canary SET note = ''pwned'' --'",
            "SELECT 'a' -- ) ; UPDATE canary SET note = 'pwned'\n'b'",
            "SELECT 1 /* ) ; UPDATE canary /* nested */ SET note = 'pwned' */");
    attack(ro, roDb, refused, harmless, List.of());
    // Read-write mode: the database still refuses a second statement, and nothing is ever run
    // around user text.
    attack(rw, rwDb, refused.subList(0, refused.size() - 1), List.of(), List.of());
  }

  // ------------------------------------------------------------------ class 2

  /**
   * Functions that run SQL text, touch server files or other sessions, or change the session:
   * called directly, through attribute notation, by a keyword name, inside a CTE, VALUES or
   * subquery, and implicitly through a domain CHECK, a cast or an operator.
   */
  @Test
  void functionsThatRunSqlOrChangeStateAreRefused() throws Exception {
    List<String> refused =
        List.of(
            "SELECT ('/etc/hostname'::text).pg_read_file",
            "SELECT (f).pg_read_binary_file FROM (VALUES ('postgresql.auto.conf'::text)) v(f)",
            "SELECT ('SELECT to_tsvector(token) FROM secrets'::text).ts_stat",
            "SELECT query_to_xml('SELECT set_config(''search_path'', ''hidden'', false)',"
                + " true, false, '')",
            "SELECT (pid).pg_cancel_backend FROM pg_stat_activity"
                + " WHERE application_name = 'escape-victim'",
            "SELECT (pid).pg_terminate_backend FROM pg_stat_activity"
                + " WHERE application_name = 'escape-victim'",
            "SELECT ('escape_slot'::name).pg_create_physical_replication_slot",
            "SELECT ('escape_origin'::text).pg_replication_origin_create",
            "SELECT (4242::bigint).pg_advisory_lock",
            "SELECT lo_import('/etc/hostname')",
            "SELECT u.peek FROM users u",
            "SELECT over(1)",
            "SELECT imm_side()",
            "SELECT 1::checked_int",
            "SELECT c::text FROM canary c",
            "SELECT count(*) FROM canary c WHERE c LIKE 'x'",
            "WITH x AS (SELECT set_config('search_path', 'hidden', false)) SELECT * FROM x",
            "SELECT * FROM (VALUES ((SELECT set_config('search_path', 'hidden', false)))) v",
            "SELECT txid_current()",
            "SELECT nextval('s')",
            "SELECT * FROM crosstab('SELECT pg_read_file(''/etc/hostname''), 1::text, 2::text')"
                + " AS t(a text, b text)",
            "SELECT length(get_raw_page('secrets', 0))");
    try (Victim victim = new Victim(roDb)) {
      attack(ro, roDb, refused, List.of(), List.of());
      victim.assertUntouched();
    }
    // Files, programs and SQL text are refused whatever the mode.
    try (Victim victim = new Victim(rwDb)) {
      attack(
          rw,
          rwDb,
          List.of(refused.get(0), refused.get(1), refused.get(2), refused.get(3), refused.get(9)),
          List.of(),
          List.of());
      victim.assertUntouched();
    }
  }

  // ------------------------------------------------------------------ class 3

  /**
   * Access control read around: alias lists, whole rows, parentheses, CTEs named like tables,
   * views, attribute notation, catalogs and definition functions, oracles; statements that copy a
   * query's rows; and read_rows' names.
   */
  @Test
  void accessControlCannotBeReadAround() throws Exception {
    List<String> blocked =
        List.of(
            "SELECT h FROM users AS u(i, n, h)",
            "SELECT (SELECT x FROM (TABLE users) AS s(a, b, x) LIMIT 1)",
            "SELECT to_json(x) FROM (TABLE users) x",
            "SELECT row_to_json(u.*) FROM users u",
            "SELECT u::text FROM users u",
            "SELECT json_agg(t) FROM (SELECT * FROM users) t",
            "SELECT u.peek FROM users u",
            "SELECT name FROM users_view",
            "SELECT 1 FROM users_view WHERE name LIKE 'hash-1%'",
            "SELECT count(*) FROM users NATURAL JOIN (SELECT 'hash-1' AS password_hash) z",
            "SELECT 1 FROM users WHERE password_hash::int = 0",
            "WITH canary AS (SELECT token FROM secrets) SELECT * FROM canary",
            "SELECT * FROM (secrets JOIN (SELECT 1) z ON true)",
            "SELECT ('users_view'::text).pg_get_viewdef",
            "SELECT ('secrets'::text).to_regclass",
            "SELECT relname FROM pg_class",
            "SELECT column_name FROM information_schema.columns",
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint",
            "SELECT * FROM pg_hba_file_rules",
            "SELECT token FROM vault_p1",
            "SELECT * FROM vault_view",
            "SELECT password_hash FROM users_child",
            "SELECT c FROM users_child AS x(a, b, c)",
            "SELECT * FROM crosstab('SELECT token, token, token FROM secrets') AS t(a text, b text)",
            "SELECT encode(get_raw_page('secrets', 0), 'escape')");
    List<Map<String, Object>> readRows =
        List.of(
            args("table", "secrets"),
            args("table", "users_view"),
            args("table", "users", "columns", List.of("password_hash")),
            args(
                "table",
                "users",
                "filter",
                List.of(Map.of("column", "password_hash", "op", "like", "value", "hash%"))),
            args("table", "users", "order_by", List.of("password_hash")),
            args("table", "pg_authid", "schema", "pg_catalog"),
            args("table", "vault_p1"),
            args("table", "users_child"));
    attack(roAc, roAcDb, blocked, List.of(), readRows);

    List<String> copies =
        new ArrayList<>(
            List.of(
                "CREATE TABLE copy1 AS SELECT * FROM users_view",
                "CREATE MATERIALIZED VIEW copy2 AS SELECT name FROM users_view",
                "SELECT name INTO copy3 FROM users_view",
                "INSERT INTO canary SELECT id + 10, name FROM users_view",
                "UPDATE canary c SET note = v.n FROM users_view AS v(i, n) WHERE v.i = c.id",
                "DECLARE c1 CURSOR FOR SELECT name FROM users_view",
                "CREATE FUNCTION leak() RETURNS text LANGUAGE sql"
                    + " AS $$ SELECT token FROM secrets $$",
                "CREATE OPERATOR !!! (RIGHTARG = text, FUNCTION = pg_catalog.pg_get_viewdef)",
                "CREATE TRIGGER t BEFORE INSERT ON canary FOR EACH ROW"
                    + " EXECUTE FUNCTION suppress_redundant_updates_trigger()"));
    copies.addAll(blocked.subList(0, 13));
    attack(rwAc, rwAcDb, copies, List.of(), readRows);

    List<String> notAllowed =
        List.of(
            "SELECT * FROM secrets",
            "SELECT token FROM public.secrets",
            "SELECT * FROM hidden.canary",
            "SELECT * FROM users_view",
            "WITH canary AS (SELECT * FROM secrets) SELECT * FROM canary",
            "SELECT (s).token FROM secrets s",
            "SELECT * FROM (TABLE hidden.canary) x");
    attack(
        allow,
        allowDb,
        notAllowed,
        List.of(),
        List.of(args("table", "secrets"), args("table", "canary", "schema", "hidden")));
  }

  // ------------------------------------------------------------------ class 4

  /**
   * Cost attacks: every shape is answered (refused by a named limit where one applies) in bounded
   * time, and the server answers normally afterwards.
   */
  @Test
  void costAttacksAreAnsweredInBoundedTime() throws Exception {
    Map<String, String> shapes = new java.util.LinkedHashMap<>();
    shapes.put("5,000 EXPLAINs", "EXPLAIN ".repeat(5_000) + "SELECT 1");
    shapes.put(
        "16,000 nested subqueries",
        "SELECT " + "(SELECT ".repeat(16_000) + "1" + ")".repeat(16_000));
    shapes.put("deep arrays", "SELECT " + "ARRAY[".repeat(5_000) + "1" + "]".repeat(5_000));
    shapes.put("1.1 MB", "SELECT 1 WHERE 'x' <> '" + "x".repeat(1_100_000) + "'");
    shapes.put("20,000 relations", "SELECT 1 FROM canary" + ", canary".repeat(19_999));
    shapes.put("300,000 pluses", "SELECT " + "1+".repeat(300_000) + "1");
    shapes.put("200,000 NOTs", "SELECT " + "NOT ".repeat(200_000) + "true");
    shapes.put(
        "20,000 CASEs",
        "SELECT " + "CASE WHEN true THEN ".repeat(20_000) + "1" + " END".repeat(20_000));
    shapes.put("150,000 IN items", "SELECT 1 WHERE 1 IN (" + "1,".repeat(150_000) + "1)");
    shapes.put(
        "10,000 CTEs",
        "WITH "
            + String.join(
                ",",
                Stream.iterate(0, i -> i + 1)
                    .limit(10_000)
                    .map(i -> "c" + i + " AS (SELECT 1)")
                    .toList())
            + " SELECT 1");
    shapes.put("unterminated quote", "SELECT '" + "a".repeat(999_000));
    shapes.put("unterminated comments", "SELECT 1 /*" + "/*".repeat(400_000));
    shapes.put(
        "30,000 UESCAPEs",
        "SELECT "
            + String.join("||", java.util.Collections.nCopies(30_000, "U&'!0041' UESCAPE '!'")));
    shapes.put(
        "2,000 UNION ALL scans",
        String.join(" UNION ALL ", java.util.Collections.nCopies(2_000, "SELECT id FROM users")));
    for (ServerUnderTest s : List.of(ro, roAc)) {
      for (Map.Entry<String, String> e : shapes.entrySet()) {
        for (String tool :
            List.of("validate_query", "execute_query", "explain_query", "export_to_csv")) {
          long start = System.nanoTime();
          CallToolResult r =
              tool.startsWith("export")
                  ? s.call(tool, args("sql", e.getValue(), "path", file(), "overwrite", true))
                  : s.call(tool, args("sql", e.getValue()));
          long ms = (System.nanoTime() - start) / 1_000_000;
          assertThat(text(r)).as("%s of %s", tool, e.getKey()).isNotBlank();
          // The statement timeout (30 s) bounds the database; the checks themselves add little.
          assertThat(ms).as("%s of %s, ms", tool, e.getKey()).isLessThan(45_000);
          if (tool.equals("validate_query") && Boolean.FALSE.equals(ok(r).get("allowed"))) {
            assertThat(String.valueOf(ok(r).get("rule"))).as(e.getKey()).isNotBlank();
          }
        }
      }
      assertThat(rows(ok(s.call("execute_query", args("sql", ACCESS_CONTROL_PROBE))))).hasSize(2);
    }
    // A limit names itself.
    Map<String, Object> deep =
        ok(ro.call("validate_query", args("sql", shapes.get("16,000 nested subqueries"))));
    assertThat(deep.get("rule")).isEqualTo("nesting_too_deep");
    assertThat(String.valueOf(deep.get("message"))).contains("CRDB_MAX_SQL_DEPTH");
    Map<String, Object> big = ok(ro.call("validate_query", args("sql", shapes.get("1.1 MB"))));
    assertThat(big.get("rule")).isEqualTo("statement_too_long");
    assertThat(String.valueOf(big.get("message"))).contains("CRDB_MAX_SQL_LENGTH");
    Map<String, Object> analysed =
        ok(ro.call("validate_query", args("sql", shapes.get("300,000 pluses"))));
    assertThat(analysed.get("rule")).isEqualTo("statement_too_long");
    assertThat(String.valueOf(analysed.get("message"))).contains("64,000");
    assertThat(TestDb.serverSessionsInTransaction(roDb)).isZero();
    assertThat(TestDb.serverSessionsInTransaction(roAcDb)).isZero();
  }

  /**
   * A result larger than a tenth of the server's heap fails instead of being read whole into memory
   * (the row cap counts rows, not bytes); the server keeps answering.
   */
  @Test
  void aHugeValueCannotExhaustTheServersMemory() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(servers().startsProcesses(), "a JVM of its own");
    ConnectionSpec db = TestDb.get().createDatabase("escape_memory", SCHEMA);
    try (ServerUnderTest s =
        startServer(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_READ_ONLY", "true"),
            StartOptions.defaults().withJvmArgs(List.of("-Xmx128m")))) {
      for (String tool : List.of("execute_query", "export_to_csv")) {
        CallToolResult r =
            tool.equals("execute_query")
                ? s.call(tool, args("sql", "SELECT repeat('x', 40000000) AS big"))
                : s.call(tool, args("sql", "SELECT repeat('x', 40000000) AS big", "path", file()));
        assertThat(r.isError()).as("%s -> %s", tool, text(r)).isTrue();
        assertThat(text(r)).as(tool).contains("maxResultBuffer");
      }
      assertThat(rows(ok(s.call("execute_query", args("sql", "SELECT 1"))))).hasSize(1);
      assertThat(s.process().orElseThrow().isAlive()).isTrue();
    }
  }

  /**
   * validate_query never calls a statement allowed that the database's checks could not finish: a
   * statement whose checks outlast the query timeout is reported as not judged. With access control
   * configured, the checks include planning the statement, and planning a join of thousands of
   * tables takes far longer than the timeout (on PostgreSQL 15 here: 300 tables 1 s, 1,500 tables
   * 15 s). Parsing alone was not enough: 1,500 references to information_schema.columns parsed in
   * 0.73 s on the 2-core machine on 2026-12-07, under the 1 s timeout, and the statement cannot
   * simply grow (read-only mode reads the database's analysis only of statements up to 64,000
   * characters; catalog views are refused under access control).
   */
  @Test
  void aCheckThatTimesOutIsNotReportedAsAllowed() throws Exception {
    ConnectionSpec db = TestDb.get().createDatabase("escape_timeout", SCHEMA);
    try (ServerUnderTest s =
        startServer(
            Map.of(
                "CRDB_URL", TestDb.url(db),
                "CRDB_READ_ONLY", "true",
                "CRDB_QUERY_TIMEOUT", "1",
                "CRDB_BLOCKED_TABLES", "secrets"))) {
      // Planning a join of 2,500 tables (about 36,000 characters).
      String slow =
          "SELECT 1 FROM "
              + String.join(
                  ", ",
                  Stream.iterate(0, i -> i + 1).limit(2_500).map(i -> "canary c" + i).toList());
      Map<String, Object> v = ok(s.call("validate_query", args("sql", slow)));
      assertThat(v.get("allowed")).as("%s", v).isEqualTo(false);
      assertThat(v.get("rule")).isEqualTo("not_analysable");
      assertThat(String.valueOf(v)).contains("did not finish checking");
      assertThat(rows(ok(s.call("execute_query", args("sql", "SELECT 1"))))).hasSize(1);
    }
  }

  // ------------------------------------------------------------------ the attack loop

  /**
   * Sends every refused statement through every SQL tool (and every read_rows argument set) and
   * checks they are all refused, and every harmless one through the same tools; then that nothing
   * changed, through an independent connection and through each pooled connection of the server.
   */
  void attack(
      ServerUnderTest s,
      ConnectionSpec db,
      List<String> refused,
      List<String> harmless,
      List<Map<String, Object>> readRows)
      throws Exception {
    State before = State.of(db);
    List<List<List<Object>>> sessionsBefore = everyPooledSession(s);
    SoftAssertions soft = new SoftAssertions();
    for (String sql : refused) {
      Map<String, Object> v = ok(s.call("validate_query", args("sql", sql)));
      soft.assertThat(v.get("allowed")).as("validate_query of %s -> %s", sql, v).isEqualTo(false);
      for (String tool : List.of("execute_query", "explain_query", "explain_analyze")) {
        CallToolResult r = s.call(tool, args("sql", sql));
        soft.assertThat(r.isError()).as("%s must refuse %s -> %s", tool, sql, text(r)).isTrue();
        noSecrets(soft, tool, sql, r);
      }
      for (String tool : List.of("export_to_csv", "export_to_json")) {
        String file = file();
        CallToolResult r = s.call(tool, args("sql", sql, "path", file));
        soft.assertThat(r.isError()).as("%s must refuse %s -> %s", tool, sql, text(r)).isTrue();
        soft.assertThat(DEFAULT_EXPORT_DIR.resolve(file)).as("no file for %s", sql).doesNotExist();
      }
      String tx = (String) ok(s.call("begin_transaction", args())).get("transaction_id");
      CallToolResult r = s.call("execute_query", args("sql", sql, "transaction_id", tx));
      soft.assertThat(r.isError()).as("a transaction must refuse %s -> %s", sql, text(r)).isTrue();
      noSecrets(soft, "transaction", sql, r);
      s.call("commit_transaction", args("transaction_id", tx));
    }
    for (String sql : harmless) {
      for (String tool : List.of("execute_query", "explain_query", "explain_analyze")) {
        noSecrets(soft, tool, sql, s.call(tool, args("sql", sql)));
      }
      for (String tool : List.of("export_to_csv", "export_to_json")) {
        s.call(tool, args("sql", sql, "path", file()));
      }
      String tx = (String) ok(s.call("begin_transaction", args())).get("transaction_id");
      noSecrets(
          soft,
          "transaction",
          sql,
          s.call("execute_query", args("sql", sql, "transaction_id", tx)));
      s.call("commit_transaction", args("transaction_id", tx));
    }
    for (Map<String, Object> a : readRows) {
      CallToolResult r = s.call("read_rows", a);
      soft.assertThat(r.isError()).as("read_rows must refuse %s -> %s", a, text(r)).isTrue();
      noSecrets(soft, "read_rows", a.toString(), r);
      String tx = (String) ok(s.call("begin_transaction", args())).get("transaction_id");
      Map<String, Object> inTx = new java.util.HashMap<>(a);
      inTx.put("transaction_id", tx);
      CallToolResult t = s.call("read_rows", inTx);
      soft.assertThat(t.isError()).as("read_rows in a transaction must refuse %s", a).isTrue();
      s.call("rollback_transaction", args("transaction_id", tx));
    }
    soft.assertAll();
    assertThat(State.of(db)).isEqualTo(before);
    assertThat(everyPooledSession(s)).isEqualTo(sessionsBefore);
    assertThat(TestDb.serverSessionsInTransaction(db)).isZero();
  }

  static void noSecrets(SoftAssertions soft, String tool, String sql, CallToolResult r) {
    String t = text(r);
    for (String secret : SECRETS) {
      soft.assertThat(t).as("%s of %s shows no blocked value", tool, sql).doesNotContain(secret);
    }
  }

  String file() {
    return "escape-" + ProcessHandle.current().pid() + "-" + files.incrementAndGet() + ".out";
  }

  /**
   * The session probe on each of the pool's two connections (one pinned by an open transaction, the
   * other taken by a plain call meanwhile), and what the server sees of its data.
   */
  static List<List<List<Object>>> everyPooledSession(ServerUnderTest s) {
    String id = (String) ok(s.call("begin_transaction", args())).get("transaction_id");
    try {
      return List.of(
          rows(ok(s.call("execute_query", args("sql", SESSION_PROBE, "transaction_id", id)))),
          rows(ok(s.call("execute_query", args("sql", SESSION_PROBE)))),
          rows(ok(s.call("execute_query", args("sql", ACCESS_CONTROL_PROBE)))));
    } finally {
      s.call("rollback_transaction", args("transaction_id", id));
    }
  }

  /** What an escape would change, read through an independent connection. */
  record State(List<Object> values, boolean pwnedFile) {
    static State of(ConnectionSpec db) throws SQLException {
      List<Object> v = new ArrayList<>();
      try (Connection c = TestDb.open(db);
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT (SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM canary),"
                      + " (SELECT string_agg(id || ':' || note, ',') FROM hidden.canary),"
                      + " (SELECT string_agg(token, ',') FROM secrets),"
                      + " (SELECT string_agg(password_hash, ',' ORDER BY id) FROM users),"
                      + " (SELECT string_agg(token, ',') FROM vault),"
                      + " (SELECT last_value || '/' || is_called FROM s),"
                      + " (SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles),"
                      + " (SELECT count(*) FROM pg_db_role_setting),"
                      + " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),"
                      + " (SELECT count(*) FROM pg_class WHERE relpersistence = 't'),"
                      + " (SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c"
                      + "   JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + "   WHERE n.nspname IN ('public', 'hidden')),"
                      + " (SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc"
                      + "   WHERE pronamespace = 'public'::regnamespace),"
                      + " (SELECT count(*) FROM pg_operator"
                      + "   WHERE oprnamespace = 'public'::regnamespace),"
                      + " (SELECT count(*) FROM pg_replication_slots),"
                      + " (SELECT count(*) FROM pg_replication_origin),"
                      + " (SELECT count(*) FROM pg_largeobject_metadata),"
                      + " (SELECT count(*) FROM pg_prepared_xacts),"
                      + " (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)")) {
        rs.next();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          v.add(String.valueOf(rs.getObject(i)));
        }
      }
      return new State(v, Files.exists(PWNED));
    }
  }

  /**
   * Another client's session, busy with a long statement: a cancel or terminate sent through the
   * server under test would end it early.
   */
  static final class Victim implements AutoCloseable {
    final ConnectionSpec db;
    final Connection c;
    final Statement st;
    final long pid;
    final CompletableFuture<String> outcome;

    Victim(ConnectionSpec db) throws SQLException {
      this.db = db;
      c = TestDb.open(db);
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT pg_backend_pid(), set_config('application_name', 'escape-victim', false)")) {
        rs.next();
        pid = rs.getLong(1);
      }
      st = c.createStatement();
      outcome =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  st.execute("SELECT pg_sleep(600)");
                  return "finished";
                } catch (SQLException e) {
                  return "ended: " + e.getMessage();
                }
              });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && !"active".equals(state())) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    /** The victim's backend state, read through an independent connection. */
    String state() throws SQLException {
      return (String) TestDb.scalar(db, "SELECT state FROM pg_stat_activity WHERE pid = " + pid);
    }

    void assertUntouched() throws Exception {
      assertThat(outcome.isDone())
          .as("the other client's statement still runs: %s", outcome.getNow("running"))
          .isFalse();
      assertThat(state()).as("the other client's session is alive and busy").isEqualTo("active");
    }

    @Override
    public void close() throws Exception {
      st.cancel();
      outcome.get(30, TimeUnit.SECONDS);
      c.close();
    }
  }
}
