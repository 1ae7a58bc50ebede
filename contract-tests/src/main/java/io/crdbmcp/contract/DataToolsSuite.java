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
import org.junit.jupiter.api.AfterAll;
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
        startServer(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_QUERY_TIMEOUT", "5", "CRDB_MAX_ROWS", "50"));
  }

  @AfterAll
  void tearDown() {
    if (server != null) {
      server.close();
    }
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
    ok(
        server.call(
            "insert_row",
            args(
                "table",
                "all_types",
                "values",
                args("id", 777, "n", new java.math.BigDecimal(BIG_NUMERIC)))));
    assertThat(scalar("SELECT n::text FROM all_types WHERE id = 777")).isEqualTo(BIG_NUMERIC);
    ok(server.call("delete_row", args("table", "all_types", "key", args("id", 777))));
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
    Map<String, Object> ins =
        ok(server.call("insert_row", args("table", "all_types", "values", values)));
    assertThat(ins.get("action")).isEqualTo("insert");
    assertThat(((Number) ins.get("rows_affected")).intValue()).isEqualTo(1);
    assertThat(row(ins, 0).get("created")).as("defaults are returned").isNotNull();

    // Read back by key: values exact.
    Map<String, Object> read =
        ok(server.call("read_rows", args("table", "all_types", "key", Map.of("id", 1))));
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
        ok(
            server.call(
                "update_row",
                args(
                    "table", "all_types",
                    "key", Map.of("id", 1),
                    "set",
                        args(
                            "n",
                            "-0.000000000000000000001",
                            "j",
                            java.util.Arrays.asList("x", null),
                            "bo",
                            null))));
    assertThat(((Number) upd.get("rows_affected")).intValue()).isEqualTo(1);
    assertThat(row(upd, 0).get("n")).isEqualTo("-0.000000000000000000001");
    assertThat(row(upd, 0).get("j")).isEqualTo(java.util.Arrays.asList("x", null));
    assertThat(row(upd, 0).get("bo")).isNull();

    // Upsert: insert path, then update path.
    Map<String, Object> up1 =
        ok(
            server.call(
                "upsert_row",
                args("table", "all_types", "values", args("id", 2, "t", "new", "ia", List.of()))));
    assertThat(up1.get("action")).isEqualTo("insert");
    assertThat(row(up1, 0).get("t")).isEqualTo("new");
    assertThat(row(up1, 0).get("ia")).isEqualTo(List.of());
    Map<String, Object> up2 =
        ok(
            server.call(
                "upsert_row",
                args("table", "all_types", "values", args("id", 2, "t", "changed", "u", UUID))));
    assertThat(up2.get("action")).isEqualTo("update");
    assertThat(row(up2, 0).get("t")).isEqualTo("changed");
    assertThat(row(up2, 0).get("u")).isEqualTo(UUID);
    assertThat(row(up2, 0).get("ia")).as("columns not given are kept").isEqualTo(List.of());
    assertThat(scalar("SELECT count(*) FROM all_types")).isEqualTo(2L);

    // Delete by key returns the deleted row.
    CallToolResult del =
        server.call("delete_row", args("table", "all_types", "key", Map.of("id", 2)));
    Map<String, Object> ds = ok(del);
    assertThat(ds.get("action")).isEqualTo("delete");
    assertThat(((Number) ds.get("rows_affected")).intValue()).isEqualTo(1);
    assertThat(row(ds, 0).get("t")).isEqualTo("changed");
    assertThat(text(del)).startsWith("DELETED 1 row of public.all_types");
    assertThat(scalar("SELECT count(*) FROM all_types WHERE id = 2")).isEqualTo(0L);

    // JSON format carries the same structure as text.
    CallToolResult json =
        server.call(
            "read_rows", args("table", "all_types", "key", Map.of("id", 1), "format", "json"));
    assertThat(text(json)).startsWith("{").contains("\"n\"").contains("-0.000000000000000000001");
  }

  @Test
  void badValuesAndNamesAreClearErrors() {
    Map<String, Object> e =
        error(
            server.call(
                "insert_row",
                args("table", "all_types", "values", args("id", 50, "u", "not-a-uuid"))),
            "INVALID_ARGUMENT");
    assertThat((String) e.get("message")).contains("'u'").contains("uuid");
    e =
        error(
            server.call(
                "insert_row",
                args("table", "all_types", "values", args("id", 51, "ts", "yesterday-ish"))),
            "INVALID_ARGUMENT");
    assertThat((String) e.get("message")).contains("ts");
    e =
        error(
            server.call("insert_row", args("table", "all_types", "values", args("id", "x"))),
            "INVALID_ARGUMENT");
    assertThat((String) e.get("message")).contains("'id'");
    e =
        error(
            server.call(
                "update_row",
                args("table", "tasks", "key", Map.of("id", 1), "set", Map.of("colour", "red"))),
            "NOT_FOUND");
    assertThat((String) e.get("message")).contains("colour");
    assertThat((String) e.get("suggestion")).contains("describe_table");
    e =
        error(
            server.call(
                "read_rows",
                args(
                    "table",
                    "tasks",
                    "filter",
                    List.of(Map.of("column", "nope", "op", "=", "value", 1)))),
            "NOT_FOUND");
    assertThat((String) e.get("message")).contains("nope");
    e = error(server.call("read_rows", args("table", "no_such_table")), "NOT_FOUND");
    assertThat((String) e.get("suggestion")).contains("list_tables");
    error(server.call("delete_row", args("table", "tasks")), "INVALID_ARGUMENT");
    error(
        server.call("read_rows", args("table", "tasks", "key", Map.of("status", "open"))),
        "INVALID_ARGUMENT");
    error(
        server.call(
            "read_rows",
            args(
                "table",
                "tasks",
                "filter",
                List.of(Map.of("column", "prio", "op", "between", "value", 1)))),
        "INVALID_ARGUMENT");
  }

  @Test
  void multiRowChangesNeedConfirmAndDryRunChangesNothing() throws SQLException {
    List<Object> filterA = List.of(Map.of("column", "grp", "op", "=", "value", "a"));

    Map<String, Object> e =
        error(
            server.call(
                "update_row", args("table", "bulk", "filter", filterA, "set", Map.of("qty", 0))),
            "CONFIRMATION_REQUIRED");
    assertThat((String) e.get("message")).contains("3 rows");
    assertThat((String) e.get("suggestion")).contains("confirm=true");
    assertThat(strings("SELECT qty::text FROM bulk ORDER BY id"))
        .containsExactly("1", "2", "3", "4");

    // Dry run: reports before and after, changes nothing.
    CallToolResult dry =
        server.call(
            "update_row",
            args("table", "bulk", "filter", filterA, "set", Map.of("qty", 0), "dry_run", true));
    Map<String, Object> ds = ok(dry);
    assertThat(ds.get("dry_run")).isEqualTo(true);
    assertThat(((Number) ds.get("rows_affected")).intValue()).isEqualTo(3);
    assertThat(rows(ds)).allSatisfy(r -> assertThat(((Number) r.get(2)).intValue()).isZero());
    @SuppressWarnings("unchecked")
    Map<String, Object> before = (Map<String, Object>) ds.get("before");
    assertThat(rows(before)).hasSize(3);
    assertThat(text(dry)).startsWith("DRY RUN (nothing changed)");
    assertThat(strings("SELECT qty::text FROM bulk ORDER BY id"))
        .containsExactly("1", "2", "3", "4");

    Map<String, Object> dd =
        ok(server.call("delete_row", args("table", "bulk", "filter", filterA, "dry_run", true)));
    assertThat(((Number) dd.get("rows_affected")).intValue()).isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM bulk")).isEqualTo(4L);
    error(
        server.call("delete_row", args("table", "bulk", "filter", filterA)),
        "CONFIRMATION_REQUIRED");
    assertThat(scalar("SELECT count(*) FROM bulk")).isEqualTo(4L);

    // Confirmed: changes and returns every row.
    Map<String, Object> done =
        ok(
            server.call(
                "update_row",
                args(
                    "table", "bulk", "filter", filterA, "set", Map.of("qty", 0), "confirm", true)));
    assertThat(((Number) done.get("rows_affected")).intValue()).isEqualTo(3);
    assertThat(strings("SELECT qty::text FROM bulk ORDER BY id"))
        .containsExactly("0", "0", "0", "4");

    // A filter matching one row needs no confirm.
    ok(
        server.call(
            "delete_row",
            args(
                "table",
                "bulk",
                "filter",
                List.of(Map.of("column", "grp", "op", "=", "value", "b")))));
    Map<String, Object> gone =
        ok(server.call("delete_row", args("table", "bulk", "filter", filterA, "confirm", true)));
    assertThat(((Number) gone.get("rows_affected")).intValue()).isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM bulk")).isEqualTo(0L);
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

  @Test
  void keysetPaginationVisitsEveryRowOnceInOrder() {
    // Primary key order.
    assertThat(pageThrough(args("table", "tasks", "columns", List.of("id", "title")), 3))
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    // Descending on a nullable column (NULLs last), id as tiebreaker.
    assertThat(
            pageThrough(
                args(
                    "table", "tasks",
                    "columns", List.of("id"),
                    "order_by", List.of(Map.of("column", "prio", "direction", "desc"))),
                3))
        .containsExactly(4, 9, 1, 11, 3, 6, 10, 2, 8, 5, 7);
    // Mixed directions: status asc, id desc.
    assertThat(
            pageThrough(
                args(
                    "table", "tasks",
                    "columns", List.of("id"),
                    "order_by",
                        List.of(
                            Map.of("column", "status"),
                            Map.of("column", "id", "direction", "desc"))),
                3))
        .containsExactly(11, 6, 8, 5, 4, 10, 9, 7, 3, 2, 1);
    // All descending on NOT NULL columns (row comparison).
    assertThat(
            pageThrough(
                args("table", "tasks", "columns", List.of("id"), "order_by", List.of("id desc")),
                4))
        .containsExactly(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    // With a filter.
    assertThat(
            pageThrough(
                args(
                    "table", "tasks",
                    "columns", List.of("id"),
                    "filter", List.of(Map.of("column", "status", "op", "=", "value", "open"))),
                2))
        .containsExactly(1, 2, 3, 7, 9, 10);
  }

  @Test
  void cursorsAreBoundToTableOrderingAndFilter() {
    Map<String, Object> s = ok(server.call("read_rows", args("table", "tasks", "limit", 3)));
    String cursor = (String) s.get("next_cursor");
    assertThat(cursor).isNotBlank();
    assertThat(rows(s)).hasSize(3);
    error(
        server.call(
            "read_rows",
            args("table", "tasks", "limit", 3, "cursor", cursor, "order_by", List.of("prio"))),
        "INVALID_ARGUMENT");
    error(server.call("read_rows", args("table", "people", "cursor", cursor)), "INVALID_ARGUMENT");
    error(
        server.call(
            "read_rows",
            args(
                "table",
                "tasks",
                "cursor",
                cursor,
                "filter",
                List.of(Map.of("column", "id", "op", ">", "value", 0)))),
        "INVALID_ARGUMENT");
    error(
        server.call("read_rows", args("table", "tasks", "cursor", "garbage!")), "INVALID_ARGUMENT");
    // The ordering columns need not be selected.
    Map<String, Object> next =
        ok(
            server.call(
                "read_rows",
                args("table", "tasks", "limit", 3, "cursor", cursor, "columns", List.of("title"))));
    assertThat(rows(next)).hasSize(3);
    assertThat(rows(next).get(0).get(0)).isEqualTo("ship");
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

  @Test
  void filtersSupportEveryOperator() {
    assertThat(ids(ok(server.call("read_rows", filter("status", "=", "done")))))
        .containsExactly(4, 5, 8);
    assertThat(ids(ok(server.call("read_rows", filter("status", "!=", "open", "prio", ">=", 3)))))
        .containsExactly(4, 11);
    assertThat(ids(ok(server.call("read_rows", filter("prio", "<", 2))))).containsExactly(2, 8);
    assertThat(ids(ok(server.call("read_rows", filter("prio", "<=", 2, "prio", ">", 1)))))
        .containsExactly(3, 6, 10);
    assertThat(ids(ok(server.call("read_rows", filter("title", "like", "re%")))))
        .containsExactly(3, 8);
    assertThat(ids(ok(server.call("read_rows", filter("title", "ilike", "w%")))))
        .containsExactly(1, 6);
    assertThat(ids(ok(server.call("read_rows", filter("id", "in", List.of(2, 4, 99))))))
        .containsExactly(2, 4);
    assertThat(
            ids(ok(server.call("read_rows", filter("status", "not_in", List.of("open", "done"))))))
        .containsExactly(6, 11);
    assertThat(ids(ok(server.call("read_rows", filter("prio", "is_null", null)))))
        .containsExactly(5, 7);
    assertThat(
            ids(
                ok(
                    server.call(
                        "read_rows", filter("prio", "is_not_null", null, "status", "=", "done")))))
        .containsExactly(4, 8);
    assertThat(ids(ok(server.call("read_rows", filter("id", "in", List.of()))))).isEmpty();
    // A filter value is a value, never SQL.
    assertThat(ids(ok(server.call("read_rows", filter("title", "=", "x' OR '1'='1"))))).isEmpty();
    // Text output is the compact table.
    CallToolResult t =
        server.call(
            "read_rows",
            args("table", "tasks", "columns", List.of("id", "title"), "key", Map.of("id", 2)));
    assertThat(text(t)).startsWith("id|title\n2|fix bug\n").contains("(1 row)");
  }

  @Test
  void transactionIdIsPassedThrough() {
    Map<String, Object> e =
        error(
            server.call("read_rows", args("table", "tasks", "transaction_id", "tx_doesnotexist")),
            "TRANSACTION_NOT_FOUND");
    assertThat(e.get("message")).isNotNull();
    error(
        server.call(
            "insert_row",
            args(
                "table",
                "tasks",
                "values",
                Map.of("id", 100, "status", "x"),
                "transaction_id",
                "tx_nope")),
        "TRANSACTION_NOT_FOUND");
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
          blocked.call(
              "read_rows",
              args(
                  "table",
                  "people",
                  "filter",
                  List.of(Map.of("column", "ssn", "op", "like", "value", "1%")))),
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
    assertThat(read.annotations().readOnlyHint()).isTrue();
  }
}
