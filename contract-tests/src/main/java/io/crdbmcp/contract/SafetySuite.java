package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.safety.SafetyCorpus;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hostile corpus replayed through the real server in read-only mode with access control, and
 * the legitimate analytics corpus that must still run. Afterwards the canary table, the session
 * settings and the server's connections prove that nothing changed and nothing stayed open.
 */
public abstract class SafetySuite extends ContractSuite {
  static final String SCHEMA =
      """
      CREATE TABLE canary (id INT PRIMARY KEY, note TEXT);
      INSERT INTO canary VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma');
      CREATE SEQUENCE s;
      CREATE TABLE secrets (id INT PRIMARY KEY, token TEXT);
      INSERT INTO secrets VALUES (1, 'top-secret-token');
      CREATE TABLE users (id INT PRIMARY KEY, name TEXT CHECK (name <> ''),
        password_hash TEXT UNIQUE CHECK (length(password_hash) > 3));
      CREATE INDEX users_name_incl ON users (name) INCLUDE (password_hash);
      CREATE INDEX users_name_partial ON users (name) WHERE (password_hash IS NOT NULL);
      CREATE INDEX users_hash_expr ON users (lower(password_hash));
      CREATE INDEX users_name_idx ON users (name);
      INSERT INTO users VALUES (1, 'ana', 'hash-1'), (2, 'ben', 'hash-2');
      CREATE TABLE employees (id INT PRIMARY KEY, name TEXT, dept TEXT, salary NUMERIC);
      INSERT INTO employees VALUES (1, 'a', 'x', 10), (2, 'b', 'x', 20), (3, 'c', 'y', 30);
      CREATE TABLE customers (customer_id INT PRIMARY KEY, name TEXT, region TEXT);
      INSERT INTO customers VALUES (1, ' cust ', 'EU'), (2, 'other', 'US');
      CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, amount NUMERIC, created_at TIMESTAMPTZ);
      INSERT INTO orders SELECT g, 1 + g % 2, g * 10, '2024-01-01'::timestamptz + g * interval '1 day'
        FROM generate_series(1, 20) g;
      CREATE TABLE items (id INT PRIMARY KEY, order_id INT, price NUMERIC, quantity INT);
      INSERT INTO items VALUES (1, 1, 2.5, 2), (2, 1, 1, 1);
      CREATE TABLE events (id INT PRIMARY KEY, data JSONB);
      INSERT INTO events VALUES (1, '{"a": {"b": "c"}, "x": 1, "items": [{"price": 3}]}');
      CREATE TABLE weird ("select" INT, "order" INT, "drop" INT, "Update" INT, "delete" INT);
      CREATE TABLE audit_log (last_update TIMESTAMPTZ, deleted_at TIMESTAMPTZ, inserted_by TEXT);
      CREATE TABLE pairs (a INT, b INT);
      CREATE TABLE t1 (x INT);
      CREATE TABLE t2 (y INT);
      CREATE TABLE t3 (z INT);
      CREATE SCHEMA hidden;
      CREATE TABLE hidden.canary (id INT, note TEXT);
      INSERT INTO hidden.canary VALUES (1, 'hidden-row');
      CREATE FUNCTION leave_state() RETURNS int LANGUAGE plpgsql AS $f$
        BEGIN PERFORM set_config('search_path', 'hidden', false);
        PERFORM pg_advisory_lock(4242); RETURN 1; END $f$;
      CREATE FUNCTION imm_side() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $f$
        BEGIN PERFORM pg_advisory_lock(4343); RETURN 1; END $f$;
      CREATE FUNCTION lower(int) RETURNS text LANGUAGE sql AS $f$ SELECT 'shadow' $f$;
      CREATE FUNCTION bump(int, int) RETURNS int LANGUAGE plpgsql AS $f$
        BEGIN PERFORM pg_advisory_lock(4444); RETURN $1 + $2; END $f$;
      CREATE OPERATOR <+> (LEFTARG = int, RIGHTARG = int, FUNCTION = bump);
      CREATE VIEW harmless AS SELECT token FROM secrets;
      CREATE VIEW users_view AS SELECT id, password_hash AS name FROM users;
      CREATE FUNCTION peek(users) RETURNS text LANGUAGE sql AS $f$ SELECT $1.password_hash $f$;
      CREATE FUNCTION over(int) RETURNS int LANGUAGE plpgsql AS $f$
        BEGIN PERFORM pg_advisory_lock(4545); RETURN $1; END $f$;
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
      """;

  static final java.nio.file.Path PWNED = java.nio.file.Path.of("/tmp/crdb-mcp-pwned");

  static final String SESSION_PROBE =
      "SELECT current_user, current_setting('search_path') AS search_path,"
          + " current_setting('default_transaction_read_only') AS ro,"
          + " current_setting('statement_timeout') AS timeout,"
          + " current_setting('application_name') AS app";

  ConnectionSpec db;
  ServerUnderTest server;

  @BeforeAll
  void setUp() {
    db = TestDb.get().createDatabase("safety", SCHEMA);
    server =
        startServer(
            Map.of(
                "CRDB_URL", TestDb.url(db),
                "CRDB_READ_ONLY", "true",
                "CRDB_BLOCKED_TABLES", "secrets",
                "CRDB_BLOCKED_COLUMNS", "{\"users\": [\"password_hash\"]}",
                "CRDB_POOL_SIZE", "2"));
  }

  @AfterAll
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void refusesEveryHostileStatementAndChangesNothing() throws Exception {
    List<List<Object>> canaryBefore = canary();
    List<List<Object>> sessionBefore =
        rows(ok(server.call("execute_query", args("sql", SESSION_PROBE))));
    State before = state();
    List<List<List<Object>>> pooledBefore = everyPooledSession();
    List<SafetyCorpus.Entry> hostile = new ArrayList<>(SafetyCorpus.hostile());
    assertThat(hostile).hasSizeGreaterThanOrEqualTo(60);
    hostile.addAll(SafetyCorpus.hostileDb());
    SoftAssertions soft = new SoftAssertions();
    for (SafetyCorpus.Entry e : hostile) {
      CallToolResult r = server.call("execute_query", args("sql", e.sql()));
      soft.assertThat(r.isError()).as("must be refused: %s -> %s", e.sql(), text(r)).isTrue();
      if (Boolean.TRUE.equals(r.isError())) {
        Map<?, ?> err = (Map<?, ?>) r.meta().get(io.crdbmcp.tools.CrdbTools.ERROR_META);
        soft.assertThat(err.get("code"))
            .as("code for %s -> %s", e.sql(), text(r))
            .isEqualTo("SQL_REFUSED");
        soft.assertThat(err.get("rule"))
            .as("rule for %s -> %s", e.sql(), text(r))
            .isEqualTo(e.expected());
      }
      Map<String, Object> v = ok(server.call("validate_query", args("sql", e.sql())));
      soft.assertThat(v.get("allowed")).as("validate_query of %s", e.sql()).isEqualTo(false);
      soft.assertThat(v.get("rule"))
          .as("validate_query rule of %s", e.sql())
          .isEqualTo(e.expected());
    }
    soft.assertAll();

    assertThat(canary()).isEqualTo(canaryBefore);
    assertThat(sequenceUsed()).as("nextval never ran").isFalse();
    List<List<Object>> sessionAfter =
        rows(ok(server.call("execute_query", args("sql", SESSION_PROBE))));
    assertThat(sessionAfter).isEqualTo(sessionBefore);
    assertThat(sessionAfter.get(0).get(2))
        .as("session default stays read-write; reads are read-only per transaction")
        .isEqualTo("off");
    assertThat(openTransactions()).isZero();
    assertThat(state()).isEqualTo(before);
    assertThat(everyPooledSession()).isEqualTo(pooledBefore);
  }

  /**
   * The session probe on each of the pool's two connections: one pinned by an open transaction, the
   * other taken by a plain call meanwhile.
   */
  List<List<List<Object>>> everyPooledSession() {
    String id = (String) ok(server.call("begin_transaction", args())).get("transaction_id");
    try {
      return List.of(
          rows(ok(server.call("execute_query", args("sql", SESSION_PROBE, "transaction_id", id)))),
          rows(ok(server.call("execute_query", args("sql", SESSION_PROBE)))));
    } finally {
      server.call("rollback_transaction", args("transaction_id", id));
    }
  }

  @Test
  void transactionsRefuseTheCorpusToo() throws Exception {
    State before = state();
    Map<String, Object> tx = ok(server.call("begin_transaction", args()));
    String id = (String) tx.get("transaction_id");
    SoftAssertions soft = new SoftAssertions();
    List<SafetyCorpus.Entry> all = new ArrayList<>(SafetyCorpus.hostile());
    all.addAll(SafetyCorpus.hostileDb());
    for (SafetyCorpus.Entry e : all) {
      CallToolResult r = server.call("execute_query", args("sql", e.sql(), "transaction_id", id));
      soft.assertThat(r.isError()).as("must be refused in a transaction: %s", e.sql()).isTrue();
    }
    soft.assertAll();
    server.call("rollback_transaction", args("transaction_id", id));
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void readRowsNamesAreCheckedLikeSql() {
    SoftAssertions soft = new SoftAssertions();
    List<Map<String, Object>> refused =
        List.of(
            args("table", "secrets"),
            args("table", "public.secrets"),
            args("table", "users", "columns", List.of("password_hash")),
            args("table", "users", "columns", List.of("id", "PASSWORD_HASH")),
            args(
                "table",
                "users",
                "filter",
                List.of(Map.of("column", "password_hash", "op", "like", "value", "hash%"))),
            args("table", "users", "order_by", List.of("password_hash")),
            args("table", "pg_authid"),
            args("table", "canary", "schema", "hidden\"; SELECT 1; --"));
    for (Map<String, Object> a : refused) {
      CallToolResult r = server.call("read_rows", a);
      soft.assertThat(r.isError()).as("read_rows must refuse %s -> %s", a, text(r)).isTrue();
      soft.assertThat(text(r)).as("no blocked value for %s", a).doesNotContain("hash-", "top-");
    }
    soft.assertAll();
    Map<String, Object> users = ok(server.call("read_rows", args("table", "users")));
    assertThat(text(server.call("read_rows", args("table", "users")))).doesNotContain("hash-");
    assertThat(rows(users)).hasSize(2);
  }

  /**
   * What an escape would change, read through an independent connection: data, sequences, roles,
   * locks, temporary objects, tables, and a file an OS command would have written.
   */
  record State(
      List<List<Object>> canary,
      boolean sequenceUsed,
      Object roles,
      Object advisoryLocks,
      Object tempTables,
      Object tables,
      Object functions,
      Object replication,
      Object databaseSettings,
      boolean pwnedFile) {}

  State state() throws Exception {
    return new State(
        canary(),
        sequenceUsed(),
        TestDb.scalar(db, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"),
        TestDb.scalar(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
        TestDb.scalar(db, "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"),
        TestDb.scalar(
            db,
            "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public'"),
        TestDb.get().isCockroach()
            ? null
            : TestDb.scalar(
                db,
                "SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc"
                    + " WHERE pronamespace = 'public'::regnamespace"),
        TestDb.get().isCockroach()
            ? null
            : TestDb.scalar(
                db,
                "SELECT (SELECT count(*) FROM pg_replication_slots) || '/'"
                    + " || (SELECT count(*) FROM pg_replication_origin)"
                    + " || '/' || (SELECT count(*) FROM pg_largeobject_metadata)"),
        TestDb.scalar(db, "SELECT count(*) FROM pg_db_role_setting"),
        java.nio.file.Files.exists(PWNED));
  }

  @Test
  void everyToolThatTakesSqlRefusesTheCorpus() throws Exception {
    State before = state();
    SoftAssertions soft = new SoftAssertions();
    int i = 0;
    List<SafetyCorpus.Entry> all = new ArrayList<>(SafetyCorpus.hostile());
    all.addAll(SafetyCorpus.hostileDb());
    for (SafetyCorpus.Entry e : all) {
      String file = "hostile-" + ProcessHandle.current().pid() + "-" + i++ + ".csv";
      CallToolResult export = server.call("export_to_csv", args("sql", e.sql(), "path", file));
      soft.assertThat(export.isError()).as("export_to_csv must refuse %s", e.sql()).isTrue();
      soft.assertThat(exportDir().resolve(file)).as("no file for %s", e.sql()).doesNotExist();
      CallToolResult json = server.call("export_to_json", args("sql", e.sql(), "path", file));
      soft.assertThat(json.isError()).as("export_to_json must refuse %s", e.sql()).isTrue();
      for (String tool : List.of("explain_query", "explain_analyze")) {
        CallToolResult r = server.call(tool, args("sql", e.sql()));
        soft.assertThat(r.isError()).as("%s must refuse %s -> %s", tool, e.sql(), text(r)).isTrue();
      }
    }
    soft.assertAll();
    assertThat(state()).isEqualTo(before);
    assertThat(sequenceUsed()).as("nextval never ran").isFalse();
    assertThat(openTransactions()).isZero();
  }

  /** Where this suite's server exports: it does not set CRDB_EXPORT_DIR. */
  static java.nio.file.Path exportDir() {
    return DEFAULT_EXPORT_DIR;
  }

  /**
   * Cost attacks from the review: thousands of EXPLAIN keywords, deeply nested subqueries, a huge
   * statement and a statement naming a table 20,000 times. Each is answered (refused by a named
   * limit where one applies) and the server keeps answering afterwards. No timing is asserted here;
   * the classifier's cost is measured in StatementClassifierCostTest and the benchmarks.
   */
  @Test
  void costAttacksAreAnsweredAndRefusedByNamedLimits() throws Exception {
    String explains = "EXPLAIN ".repeat(5_000) + "SELECT 1";
    for (String tool : List.of("validate_query", "execute_query")) {
      CallToolResult r = server.call(tool, args("sql", explains));
      assertThat(text(r)).as(tool + " of 5,000 EXPLAINs").isNotBlank();
      if (tool.equals("validate_query")) {
        assertThat(ok(r).get("allowed")).isEqualTo(false);
      } else {
        assertThat(r.isError()).isTrue();
      }
    }

    String nested = "SELECT " + "(SELECT ".repeat(16_000) + "1" + ")".repeat(16_000);
    Map<String, Object> deep = ok(server.call("validate_query", args("sql", nested)));
    assertThat(deep.get("rule")).isEqualTo("nesting_too_deep");
    CallToolResult deepRun = server.call("execute_query", args("sql", nested));
    assertThat(deepRun.isError()).isTrue();
    assertThat(text(deepRun)).contains("nesting_too_deep").contains("CRDB_MAX_SQL_DEPTH");

    String huge = "SELECT 1 WHERE 'x' <> '" + "x".repeat(1_100_000) + "'";
    Map<String, Object> tooLong = ok(server.call("validate_query", args("sql", huge)));
    assertThat(tooLong.get("rule")).isEqualTo("statement_too_long");
    assertThat(String.valueOf(tooLong.get("message"))).contains("CRDB_MAX_SQL_LENGTH");

    String manyRelations = "SELECT 1 FROM users" + ", users".repeat(19_999);
    CallToolResult wide = server.call("validate_query", args("sql", manyRelations));
    assertThat(text(wide)).isNotBlank();

    assertThat(rows(ok(server.call("execute_query", args("sql", "SELECT count(*) FROM canary")))))
        .hasSize(1);
    assertThat(openTransactions()).isZero();
  }

  @Test
  void allowsLegitimateAnalytics() {
    List<SafetyCorpus.Entry> allowed = SafetyCorpus.allowed();
    assertThat(allowed).hasSizeGreaterThanOrEqualTo(20);
    SoftAssertions soft = new SoftAssertions();
    int ran = 0;
    for (SafetyCorpus.Entry e : allowed) {
      if (e.cockroachOnly() && !TestDb.get().isCockroach()) {
        continue;
      }
      CallToolResult r = server.call("execute_query", args("sql", e.sql()));
      soft.assertThat(r.isError())
          .as("must run: %s -> %s", e.sql(), text(r))
          .isNotEqualTo(Boolean.TRUE);
      ran++;
    }
    soft.assertAll();
    assertThat(ran).isGreaterThanOrEqualTo(20);
  }

  @Test
  void accessControlAppliesToSchemaDiscovery() {
    Map<String, Object> tables = ok(server.call("list_tables", args()));
    assertThat(list(tables, "tables"))
        .extracting(t -> t.get("name"))
        .contains("canary", "users")
        .doesNotContain("secrets");

    error(server.call("describe_table", args("table", "secrets")), "NOT_FOUND");

    Map<String, Object> users = ok(server.call("describe_table", args("table", "users")));
    assertThat(list(users, "columns")).extracting(c -> c.get("name")).containsExactly("id", "name");

    Map<String, Object> cons = ok(server.call("get_constraints", args("table", "users")));
    assertThat(list(cons, "constraints"))
        .extracting(c -> c.get("type"))
        .containsExactlyInAnyOrder("PRIMARY KEY", "CHECK");
    assertThat(text(server.call("get_constraints", args("table", "users"))))
        .doesNotContain("password_hash");
    Map<String, Object> idx = ok(server.call("list_indexes", args("table", "users")));
    assertThat(list(idx, "indexes"))
        .extracting(i -> i.get("name"))
        .containsExactlyInAnyOrder("users_pkey", "users_name_idx");

    Map<String, Object> refused =
        error(server.call("execute_query", args("sql", "SELECT * FROM users")), "SQL_REFUSED");
    assertThat(refused.get("rule")).isEqualTo("blocked_column");
    assertThat((String) refused.get("suggestion")).contains("List the columns explicitly");

    Map<String, Object> fine =
        ok(server.call("execute_query", args("sql", "SELECT id, name FROM users ORDER BY id")));
    assertThat(rows(fine)).hasSize(2);
    assertThat(text(server.call("execute_query", args("sql", "SELECT id, name FROM users"))))
        .doesNotContain("hash-");
  }

  @Test
  void writingToolsAreNeitherOfferedNorCallable() throws Exception {
    List<String> names = server.listTools().stream().map(t -> t.name()).toList();
    assertThat(names).contains("execute_query", "read_rows", "begin_transaction");
    assertThat(names).doesNotContain("insert_row", "update_row", "delete_row", "upsert_row");
    // The protocol answers an unknown tool with an invalid-params error: nothing runs.
    assertThatThrownBy(
            () ->
                server.call(
                    "insert_row", args("table", "canary", "values", args("id", 9, "note", "x"))))
        .hasMessageContaining("Unknown tool");
    assertThat(canary()).hasSize(3);
  }

  @Test
  void readOnlyModeMarksEveryOfferedToolReadOnly() {
    server
        .listTools()
        .forEach(
            t -> {
              // Exports read the database but write a file; the knowledge tools write the
              // server's own notes (a file), not the database.
              boolean writesFiles =
                  t.name().startsWith("export_")
                      || t.name().equals("save_knowledge")
                      || t.name().equals("delete_knowledge");
              assertThat(Hints.readOnly(t)).as(t.name()).isEqualTo(!writesFiles);
              assertThat(Hints.destructive(t))
                  .as(t.name())
                  .isEqualTo(t.name().equals("delete_knowledge"));
            });
  }

  List<List<Object>> canary() throws Exception {
    List<List<Object>> out = new ArrayList<>();
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, note FROM canary ORDER BY id")) {
      while (rs.next()) {
        out.add(List.of(rs.getInt(1), rs.getString(2)));
      }
    }
    return out;
  }

  /** Whether nextval ever ran on the canary sequence (reading it does not advance it). */
  boolean sequenceUsed() throws Exception {
    return (Boolean) TestDb.scalar(db, "SELECT is_called FROM s");
  }

  int openTransactions() throws Exception {
    return TestDb.serverSessionsInTransaction(db);
  }
}
