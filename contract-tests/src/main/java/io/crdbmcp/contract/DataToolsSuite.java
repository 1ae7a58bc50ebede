package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The row tools end to end: the server over the transport under test against a real database,
 * checked with direct JDBC queries where a tool must not have changed anything.
 */
public abstract class DataToolsSuite extends ContractSuite {
  static final String SCRIPT =
      """
      CREATE TABLE all_types (
        id INT PRIMARY KEY, big BIGINT, n NUMERIC, t TEXT, bo BOOLEAN, u UUID, ts TIMESTAMPTZ,
        d DATE, j JSONB, ia INT[], ta TEXT[], b BYTEA, f DOUBLE PRECISION,
        created TIMESTAMPTZ NOT NULL DEFAULT now());
      CREATE TABLE tasks (id INT PRIMARY KEY, status TEXT NOT NULL, prio INT, title TEXT);
      INSERT INTO tasks VALUES
        (1, 'open', 3, 'write docs'), (2, 'open', 1, 'fix bug'), (3, 'open', 2, 'review'),
        (4, 'done', 5, 'ship'), (5, 'done', NULL, 'celebrate'), (6, 'blocked', 2, 'Wait'),
        (7, 'open', NULL, 'plan'), (8, 'done', 1, 'retro'), (9, 'open', 4, 'deploy'),
        (10, 'open', 2, 'monitor'), (11, 'blocked', 3, 'escalate');
      CREATE TABLE bulk (id INT PRIMARY KEY, grp TEXT, qty INT);
      INSERT INTO bulk VALUES (1, 'a', 1), (2, 'a', 2), (3, 'a', 3), (4, 'b', 4);
      CREATE TABLE people (id INT PRIMARY KEY, name TEXT NOT NULL, ssn TEXT);
      INSERT INTO people VALUES (1, 'Ada', '123-45-6789'), (2, 'Bob', '987-65-4321');
      """;

  ConnectionSpec db;
  ServerUnderTest server;

  @BeforeAll
  void setUp() {
    db = TestDb.get().createDatabase("rows", SCRIPT);
    server =
        startSharedServer(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_QUERY_TIMEOUT", "5", "CRDB_MAX_ROWS", "50"));
  }

  /** Calls a tool of the suite's server with arguments from key/value pairs. */
  CallToolResult call(String tool, Object... kv) {
    return server.call(tool, args(kv));
  }

  /** {@link #call}, asserting success; the structured content. */
  Map<String, Object> succeeds(String tool, Object... kv) {
    return ok(call(tool, kv));
  }

  /** {@link #call}, asserting an error with {@code code}; the error object. */
  Map<String, Object> fails(String code, String tool, Object... kv) {
    return error(call(tool, kv), code);
  }

  /** A filter of one condition. */
  static List<Object> where(String column, String op, Object value) {
    return List.of(Map.of("column", column, "op", op, "value", value));
  }

  Object scalar(String sql) throws SQLException {
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getObject(1) : null;
    }
  }

  List<String> strings(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> row(Map<String, Object> structured, int i) {
    List<Map<String, Object>> cols = (List<Map<String, Object>>) structured.get("columns");
    List<Object> values = rows(structured).get(i);
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    for (int k = 0; k < cols.size(); k++) {
      out.put((String) cols.get(k).get("name"), values.get(k));
    }
    return out;
  }

  static final String BIG_NUMERIC = "12345678901234567890.123456789012";
  static final String UUID = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
  static final byte[] BYTES = {1, 2, (byte) 0xff, 0, 42};

  @Test
  void jsonNumbersKeepEveryDigit() throws SQLException {
    succeeds(
        "insert_row",
        "table",
        "all_types",
        "values",
        args("id", 777, "n", new java.math.BigDecimal(BIG_NUMERIC)));
    assertThat(scalar("SELECT n::text FROM all_types WHERE id = 777")).isEqualTo(BIG_NUMERIC);
    succeeds("delete_row", "table", "all_types", "key", args("id", 777));
  }

  @Test
  void crudRoundTripCoversEveryColumnType() throws SQLException {
    Map<String, Object> values =
        args(
            "id",
            1,
            "big",
            9007199254740993L,
            "n",
            BIG_NUMERIC,
            "t",
            "it's \"quoted\" | piped",
            "bo",
            true,
            "u",
            UUID,
            "ts",
            "2024-05-06T07:08:09.123456Z",
            "d",
            "2024-02-29",
            "j",
            Map.of("a", List.of(1, 2, Map.of("b", "x")), "c", "y"),
            "ia",
            List.of(1, 2, 3),
            "ta",
            List.of("a", "b c", "quo\"te", "back\\slash", "{brace}"),
            "b",
            Base64.getEncoder().encodeToString(BYTES),
            "f",
            3.141592653589793);
    Map<String, Object> ins = succeeds("insert_row", "table", "all_types", "values", values);
    assertThat(ins.get("action")).isEqualTo("insert");
    assertThat(affected(ins)).isEqualTo(1);
    assertThat(row(ins, 0).get("created")).as("defaults are returned").isNotNull();

    // Read back by key: values exact.
    Map<String, Object> read = succeeds("read_rows", "table", "all_types", "key", Map.of("id", 1));
    Map<String, Object> r = row(read, 0);
    assertThat(((Number) r.get("id")).intValue()).isEqualTo(1);
    assertThat(((Number) r.get("big")).longValue()).isEqualTo(9007199254740993L);
    assertThat(r.get("n")).isEqualTo(BIG_NUMERIC);
    assertThat(r.get("t")).isEqualTo("it's \"quoted\" | piped");
    assertThat(r.get("bo")).isEqualTo(true);
    assertThat(r.get("u")).isEqualTo(UUID);
    assertThat(Instant.parse((String) r.get("ts")))
        .isEqualTo(Instant.parse("2024-05-06T07:08:09.123456Z"));
    assertThat(r.get("d")).isEqualTo("2024-02-29");
    assertThat(r.get("j")).isEqualTo(Map.of("a", List.of(1, 2, Map.of("b", "x")), "c", "y"));
    assertThat(r.get("ia")).isEqualTo(List.of(1, 2, 3));
    assertThat(r.get("ta")).isEqualTo(List.of("a", "b c", "quo\"te", "back\\slash", "{brace}"));
    assertThat(Base64.getDecoder().decode((String) r.get("b"))).isEqualTo(BYTES);
    assertThat(((Number) r.get("f")).doubleValue()).isEqualTo(3.141592653589793);
    // And the database holds exactly that.
    assertThat(scalar("SELECT n::text FROM all_types WHERE id = 1")).isEqualTo(BIG_NUMERIC);
    assertThat(scalar("SELECT encode(b, 'hex') FROM all_types WHERE id = 1"))
        .isEqualTo("0102ff002a");

    // Update by key.
    Map<String, Object> upd =
        succeeds(
            "update_row",
            "table",
            "all_types",
            "key",
            Map.of("id", 1),
            "set",
            args(
                "n",
                "-0.000000000000000000001",
                "j",
                java.util.Arrays.asList("x", null),
                "bo",
                null));
    assertThat(affected(upd)).isEqualTo(1);
    assertThat(row(upd, 0).get("n")).isEqualTo("-0.000000000000000000001");
    assertThat(row(upd, 0).get("j")).isEqualTo(java.util.Arrays.asList("x", null));
    assertThat(row(upd, 0).get("bo")).isNull();

    // Upsert: insert path, then update path.
    Map<String, Object> up1 =
        succeeds(
            "upsert_row",
            "table",
            "all_types",
            "values",
            args("id", 2, "t", "new", "ia", List.of()));
    assertThat(up1.get("action")).isEqualTo("insert");
    assertThat(row(up1, 0).get("t")).isEqualTo("new");
    assertThat(row(up1, 0).get("ia")).isEqualTo(List.of());
    Map<String, Object> up2 =
        succeeds(
            "upsert_row", "table", "all_types", "values", args("id", 2, "t", "changed", "u", UUID));
    assertThat(up2.get("action")).isEqualTo("update");
    assertThat(row(up2, 0).get("t")).isEqualTo("changed");
    assertThat(row(up2, 0).get("u")).isEqualTo(UUID);
    assertThat(row(up2, 0).get("ia")).as("columns not given are kept").isEqualTo(List.of());
    assertThat(scalar("SELECT count(*) FROM all_types")).isEqualTo(2L);

    // Delete by key returns the deleted row.
    CallToolResult del = call("delete_row", "table", "all_types", "key", Map.of("id", 2));
    Map<String, Object> ds = ok(del);
    assertThat(ds.get("action")).isEqualTo("delete");
    assertThat(affected(ds)).isEqualTo(1);
    assertThat(row(ds, 0).get("t")).isEqualTo("changed");
    assertThat(text(del)).startsWith("DELETED 1 row of public.all_types");
    assertThat(scalar("SELECT count(*) FROM all_types WHERE id = 2")).isEqualTo(0L);

    // JSON format carries the same structure as text.
    CallToolResult json =
        call("read_rows", "table", "all_types", "key", Map.of("id", 1), "format", "json");
    assertThat(text(json)).startsWith("{").contains("\"n\"").contains("-0.000000000000000000001");
  }

  /** An insert into all_types whose values the database refuses; the error object. */
  Map<String, Object> refusedInsert(Map<String, Object> values) {
    return fails("INVALID_ARGUMENT", "insert_row", "table", "all_types", "values", values);
  }

  @Test
  void badValuesAndNamesAreClearErrors() {
    Map<String, Object> e = refusedInsert(args("id", 50, "u", "not-a-uuid"));
    assertThat((String) e.get("message")).contains("'u'").contains("uuid");
    e = refusedInsert(args("id", 51, "ts", "yesterday-ish"));
    assertThat((String) e.get("message")).contains("ts");
    e = refusedInsert(args("id", "x"));
    assertThat((String) e.get("message")).contains("'id'");
    e =
        fails(
            "NOT_FOUND",
            "update_row",
            "table",
            "tasks",
            "key",
            Map.of("id", 1),
            "set",
            Map.of("colour", "red"));
    assertThat((String) e.get("message")).contains("colour");
    assertThat((String) e.get("suggestion")).contains("describe_table");
    e = fails("NOT_FOUND", "read_rows", "table", "tasks", "filter", where("nope", "=", 1));
    assertThat((String) e.get("message")).contains("nope");
    e = fails("NOT_FOUND", "read_rows", "table", "no_such_table");
    assertThat((String) e.get("suggestion")).contains("list_tables");
    fails("INVALID_ARGUMENT", "delete_row", "table", "tasks");
    fails("INVALID_ARGUMENT", "read_rows", "table", "tasks", "key", Map.of("status", "open"));
    fails("INVALID_ARGUMENT", "read_rows", "table", "tasks", "filter", where("prio", "between", 1));
  }

  @Test
  void multiRowChangesNeedConfirmAndDryRunChangesNothing() throws SQLException {
    List<Object> filterA = where("grp", "=", "a");
    // The update of group a: qty 0 for its three rows.
    Object[] zeroA = {"table", "bulk", "filter", filterA, "set", Map.of("qty", 0)};

    Map<String, Object> e = fails("CONFIRMATION_REQUIRED", "update_row", zeroA);
    assertThat((String) e.get("message")).contains("3 rows");
    assertThat((String) e.get("suggestion")).contains("confirm=true");
    assertThat(strings("SELECT qty::text FROM bulk ORDER BY id"))
        .containsExactly("1", "2", "3", "4");

    // Dry run: reports before and after, changes nothing.
    CallToolResult dry = call("update_row", and(zeroA, "dry_run", true));
    Map<String, Object> ds = ok(dry);
    assertThat(ds.get("dry_run")).isEqualTo(true);
    assertThat(affected(ds)).isEqualTo(3);
    assertThat(rows(ds)).allSatisfy(r -> assertThat(((Number) r.get(2)).intValue()).isZero());
    @SuppressWarnings("unchecked")
    Map<String, Object> before = (Map<String, Object>) ds.get("before");
    assertThat(rows(before)).hasSize(3);
    assertThat(text(dry)).startsWith("DRY RUN (nothing changed)");
    assertThat(strings("SELECT qty::text FROM bulk ORDER BY id"))
        .containsExactly("1", "2", "3", "4");

    Map<String, Object> dd =
        succeeds("delete_row", "table", "bulk", "filter", filterA, "dry_run", true);
    assertThat(affected(dd)).isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM bulk")).isEqualTo(4L);
    fails("CONFIRMATION_REQUIRED", "delete_row", "table", "bulk", "filter", filterA);
    assertThat(scalar("SELECT count(*) FROM bulk")).isEqualTo(4L);

    // Confirmed: changes and returns every row.
    assertThat(affected(succeeds("update_row", and(zeroA, "confirm", true)))).isEqualTo(3);
    assertThat(strings("SELECT qty::text FROM bulk ORDER BY id"))
        .containsExactly("0", "0", "0", "4");

    // A filter matching one row needs no confirm.
    succeeds("delete_row", "table", "bulk", "filter", where("grp", "=", "b"));
    Map<String, Object> gone =
        succeeds("delete_row", "table", "bulk", "filter", filterA, "confirm", true);
    assertThat(affected(gone)).isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM bulk")).isEqualTo(0L);
  }

  /** Key/value pairs with more pairs after them. */
  static Object[] and(Object[] kv, Object... more) {
    Object[] out = java.util.Arrays.copyOf(kv, kv.length + more.length);
    System.arraycopy(more, 0, out, kv.length, more.length);
    return out;
  }

  /** The rows a change reports it changed. */
  static int affected(Map<String, Object> change) {
    return ((Number) change.get("rows_affected")).intValue();
  }

  @SuppressWarnings("unchecked")
  List<Integer> pageThrough(Map<String, Object> base, int pageSize) {
    List<Integer> ids = new ArrayList<>();
    String cursor = null;
    for (int page = 0; page < 20; page++) {
      Map<String, Object> a = new java.util.LinkedHashMap<>(base);
      a.put("limit", pageSize);
      if (cursor != null) {
        a.put("cursor", cursor);
      }
      Map<String, Object> s = ok(server.call("read_rows", a));
      List<List<Object>> rs = rows(s);
      assertThat(rs.size()).isLessThanOrEqualTo(pageSize);
      for (List<Object> r : rs) {
        ids.add(((Number) r.get(0)).intValue());
      }
      cursor = (String) s.get("next_cursor");
      if (cursor == null) {
        assertThat(s.get("truncated")).isEqualTo(false);
        return ids;
      }
      assertThat(rs).hasSize(pageSize);
    }
    throw new AssertionError("pagination did not end: " + ids);
  }

  /** The ids of tasks, read in pages of {@code pageSize}, with one more argument. */
  List<Integer> idsInPages(int pageSize, String argument, Object value) {
    return pageThrough(args("table", "tasks", "columns", List.of("id"), argument, value), pageSize);
  }

  @Test
  void keysetPaginationVisitsEveryRowOnceInOrder() {
    // Primary key order.
    assertThat(pageThrough(args("table", "tasks", "columns", List.of("id", "title")), 3))
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    // Descending on a nullable column (NULLs last), id as tiebreaker.
    assertThat(idsInPages(3, "order_by", List.of(Map.of("column", "prio", "direction", "desc"))))
        .containsExactly(4, 9, 1, 11, 3, 6, 10, 2, 8, 5, 7);
    // Mixed directions: status asc, id desc.
    List<Object> statusThenIdDesc =
        List.of(Map.of("column", "status"), Map.of("column", "id", "direction", "desc"));
    assertThat(idsInPages(3, "order_by", statusThenIdDesc))
        .containsExactly(11, 6, 8, 5, 4, 10, 9, 7, 3, 2, 1);
    // All descending on NOT NULL columns (row comparison).
    assertThat(idsInPages(4, "order_by", List.of("id desc")))
        .containsExactly(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    // With a filter.
    assertThat(idsInPages(2, "filter", where("status", "=", "open")))
        .containsExactly(1, 2, 3, 7, 9, 10);
  }

  @Test
  void cursorsAreBoundToTableOrderingAndFilter() {
    Map<String, Object> s = succeeds("read_rows", "table", "tasks", "limit", 3);
    String cursor = (String) s.get("next_cursor");
    assertThat(cursor).isNotBlank();
    assertThat(rows(s)).hasSize(3);
    // The next page of tasks, three rows.
    Object[] next = {"table", "tasks", "limit", 3, "cursor", cursor};
    fails("INVALID_ARGUMENT", "read_rows", and(next, "order_by", List.of("prio")));
    fails("INVALID_ARGUMENT", "read_rows", "table", "people", "cursor", cursor);
    fails("INVALID_ARGUMENT", "read_rows", and(next, "filter", where("id", ">", 0)));
    fails("INVALID_ARGUMENT", "read_rows", "table", "tasks", "cursor", "garbage!");
    // The ordering columns need not be selected.
    Map<String, Object> titles = succeeds("read_rows", and(next, "columns", List.of("title")));
    assertThat(rows(titles)).hasSize(3);
    assertThat(rows(titles).get(0).get(0)).isEqualTo("ship");
  }

  static List<Integer> ids(Map<String, Object> s) {
    return rows(s).stream().map(r -> ((Number) r.get(0)).intValue()).collect(Collectors.toList());
  }

  static Map<String, Object> filter(Object... conditions) {
    List<Object> f = new ArrayList<>();
    for (int i = 0; i < conditions.length; i += 3) {
      Map<String, Object> c = args("column", conditions[i], "op", conditions[i + 1]);
      if (conditions[i + 2] != null) {
        c.put("value", conditions[i + 2]);
      }
      f.add(c);
    }
    return args("table", "tasks", "columns", List.of("id"), "filter", f);
  }

  /** The ids of the tasks a filter matches ({@link #filter}). */
  List<Integer> idsWhere(Object... conditions) {
    return ids(ok(server.call("read_rows", filter(conditions))));
  }

  @Test
  void filtersSupportEveryOperator() {
    assertThat(idsWhere("status", "=", "done")).containsExactly(4, 5, 8);
    assertThat(idsWhere("status", "!=", "open", "prio", ">=", 3)).containsExactly(4, 11);
    assertThat(idsWhere("prio", "<", 2)).containsExactly(2, 8);
    assertThat(idsWhere("prio", "<=", 2, "prio", ">", 1)).containsExactly(3, 6, 10);
    assertThat(idsWhere("title", "like", "re%")).containsExactly(3, 8);
    assertThat(idsWhere("title", "ilike", "w%")).containsExactly(1, 6);
    assertThat(idsWhere("id", "in", List.of(2, 4, 99))).containsExactly(2, 4);
    assertThat(idsWhere("status", "not_in", List.of("open", "done"))).containsExactly(6, 11);
    assertThat(idsWhere("prio", "is_null", null)).containsExactly(5, 7);
    assertThat(idsWhere("prio", "is_not_null", null, "status", "=", "done")).containsExactly(4, 8);
    assertThat(idsWhere("id", "in", List.of())).isEmpty();
    // A filter value is a value, never SQL.
    assertThat(idsWhere("title", "=", "x' OR '1'='1")).isEmpty();
    // Text output is the compact table.
    CallToolResult t =
        call(
            "read_rows",
            "table",
            "tasks",
            "columns",
            List.of("id", "title"),
            "key",
            Map.of("id", 2));
    assertThat(text(t)).startsWith("id|title\n2|fix bug\n").contains("(1 row)");
  }

  @Test
  void transactionIdIsPassedThrough() {
    Map<String, Object> e =
        fails(
            "TRANSACTION_NOT_FOUND",
            "read_rows",
            "table",
            "tasks",
            "transaction_id",
            "tx_doesnotexist");
    assertThat(e.get("message")).isNotNull();
    fails(
        "TRANSACTION_NOT_FOUND",
        "insert_row",
        "table",
        "tasks",
        "values",
        Map.of("id", 100, "status", "x"),
        "transaction_id",
        "tx_nope");
  }

  @Test
  void blockedColumnsAreNeverReadOrWritten() throws SQLException {
    try (ServerUnderTest blocked =
        startServer(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_BLOCKED_COLUMNS", "{\"people\":[\"ssn\"]}"))) {
      CallToolResult r = blocked.call("read_rows", args("table", "people"));
      Map<String, Object> s = ok(r);
      assertThat(text(r)).doesNotContain("ssn").doesNotContain("123-45");
      assertThat(rows(s)).hasSize(2).allSatisfy(row -> assertThat(row).hasSize(2));
      Map<String, Object> e =
          error(
              blocked.call("read_rows", args("table", "people", "columns", List.of("id", "ssn"))),
              "SQL_REFUSED");
      assertThat((String) e.get("message")).contains("ssn");
      error(
          blocked.call("read_rows", args("table", "people", "filter", where("ssn", "like", "1%"))),
          "SQL_REFUSED");
      error(
          blocked.call(
              "insert_row",
              args("table", "people", "values", Map.of("id", 3, "name", "Eve", "ssn", "000"))),
          "SQL_REFUSED");
      error(
          blocked.call(
              "update_row",
              args("table", "people", "key", Map.of("id", 1), "set", Map.of("ssn", "000"))),
          "SQL_REFUSED");
      // Writes without the column work and never return it.
      CallToolResult ins =
          blocked.call(
              "insert_row", args("table", "people", "values", Map.of("id", 3, "name", "Eve")));
      Map<String, Object> is = ok(ins);
      assertThat(rows(is).get(0)).hasSize(2);
      CallToolResult del =
          blocked.call("delete_row", args("table", "people", "key", Map.of("id", 1)));
      assertThat(text(del)).doesNotContain("123-45");
      ok(del);
      assertThat(scalar("SELECT count(*) FROM people")).isEqualTo(2L);
    }
  }

  @Test
  void blockedCommandsApplyToTheRowTools() throws SQLException {
    try (ServerUnderTest noDelete =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_BLOCKED_COMMANDS", "DELETE"))) {
      Map<String, Object> e =
          error(
              noDelete.call("delete_row", args("table", "tasks", "key", Map.of("id", 1))),
              "SQL_REFUSED");
      assertThat((String) e.get("message")).contains("DELETE");
      assertThat(scalar("SELECT count(*) FROM tasks WHERE id = 1")).isEqualTo(1L);
    }
  }

  @Test
  void readOnlyServerOffersOnlyReadRows() {
    try (ServerUnderTest ro =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_READ_ONLY", "true"))) {
      Set<String> names =
          ro.listTools().stream().map(McpSchema.Tool::name).collect(Collectors.toSet());
      assertThat(names).contains("read_rows");
      assertThat(names).doesNotContain("insert_row", "update_row", "delete_row", "upsert_row");
      Map<String, Object> s =
          ok(ro.call("read_rows", args("table", "tasks", "key", Map.of("id", 4))));
      assertThat(rows(s)).hasSize(1);
    }
    Set<String> all =
        server.listTools().stream().map(McpSchema.Tool::name).collect(Collectors.toSet());
    assertThat(all).contains("read_rows", "insert_row", "update_row", "delete_row", "upsert_row");
    McpSchema.Tool read =
        server.listTools().stream().filter(t -> t.name().equals("read_rows")).findFirst().get();
    assertThat(Hints.readOnly(read)).isTrue();
  }
}
