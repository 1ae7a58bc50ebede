package io.crdbmcp.core.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.testing.TestDb;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The row service's jOOQ-built statements on a real database: keyset paging on nullable columns in
 * mixed directions, filters on non-text columns, upserts of a key alone, DEFAULT VALUES, and
 * identifiers that need quoting.
 */
class RowsTest {
  static Crdb crdb;
  static Database db;
  static final Caller ME = Caller.local();

  @BeforeAll
  static void start() {
    ConnectionSpec spec =
        TestDb.get()
            .createDatabase(
                "rows_jooq",
                "CREATE TABLE t (id INT PRIMARY KEY, a INT, b TEXT);"
                    + " INSERT INTO t VALUES (1, NULL, 'x'), (2, 1, NULL), (3, 1, 'y'),"
                    + " (4, NULL, NULL), (5, 2, 'x'), (6, 12, 'z');"
                    + " CREATE TABLE \"Odd \"\"Name\"\"\" (\"Key\" INT PRIMARY KEY,"
                    + " \"va lue\" TEXT DEFAULT 'd');"
                    + " CREATE TABLE only_key (k INT PRIMARY KEY);"
                    + " CREATE TABLE defaults (id SERIAL PRIMARY KEY, v TEXT DEFAULT 'dflt');");
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
    db = crdb.connections().get(null);
  }

  @AfterAll
  static void stop() {
    if (crdb != null) {
      crdb.close();
    }
  }

  static Rows.ReadResult read(
      String table, List<RowFilter> filters, List<Rows.Order> order, Integer limit, String c) {
    return crdb.rows()
        .read(
            db,
            new Rows.ReadRequest(table, null, null, filters, List.of("id"), order, limit, c),
            null,
            ME);
  }

  static List<Object> pageThrough(List<Rows.Order> order, int size) {
    List<Object> ids = new ArrayList<>();
    String cursor = null;
    for (int i = 0; i < 20; i++) {
      Rows.ReadResult r = read("t", null, order, size, cursor);
      r.result().rows().forEach(row -> ids.add(row.get(0)));
      cursor = r.nextCursor();
      if (cursor == null) {
        return ids;
      }
    }
    throw new AssertionError("did not end: " + ids);
  }

  @Test
  void keysetPagingKeepsNullsLastInEveryDirection() {
    // a asc NULLS LAST, b desc NULLS LAST, id asc.
    List<Rows.Order> order = List.of(new Rows.Order("a", false), new Rows.Order("b", true));
    List<Object> expected = Arrays.asList(3L, 2L, 5L, 6L, 1L, 4L);
    assertThat(pageThrough(order, 1)).isEqualTo(expected);
    assertThat(pageThrough(order, 2)).isEqualTo(expected);
    assertThat(pageThrough(order, 4)).isEqualTo(expected);
    // NOT NULL keys in mixed directions: jOOQ's seek.
    assertThat(pageThrough(List.of(new Rows.Order("id", true)), 4))
        .containsExactly(6L, 5L, 4L, 3L, 2L, 1L);
  }

  @Test
  void filtersOnNonTextColumnsAndEmptyLists() {
    List<RowFilter> like =
        RowFilter.parse(List.of(Map.of("column", "a", "op", "like", "value", "1%")));
    assertThat(read("t", like, null, null, null).result().rows())
        .extracting(r -> r.get(0))
        .containsExactly(2L, 3L, 6L);
    List<RowFilter> notIn =
        RowFilter.parse(List.of(Map.of("column", "a", "op", "not_in", "value", List.of())));
    assertThat(read("t", notIn, null, null, null).result().rowCount()).isEqualTo(6);
    List<RowFilter> in =
        RowFilter.parse(List.of(Map.of("column", "b", "op", "in", "value", List.of("x", "z"))));
    assertThat(read("t", in, null, null, null).result().rows())
        .extracting(r -> r.get(0))
        .containsExactly(1L, 5L, 6L);
  }

  static Rows.InsertRequest row(String table, String schema, Map<String, Object> values) {
    return new Rows.InsertRequest(table, schema, values);
  }

  @Test
  void identifiersThatNeedQuotingWork() {
    Map<String, Object> key = Map.of("Key", 1);
    Rows.Change ins =
        crdb.rows()
            .insert(
                db, row("Odd \"Name\"", "public", Map.of("Key", 1, "va lue", "v\"'")), null, ME);
    assertThat(ins.rows().rows().get(0)).containsExactly(1L, "v\"'");
    Rows.Change up = crdb.rows().upsert(db, row("Odd \"Name\"", "public", key), null, ME);
    assertThat(up.action()).isEqualTo("update");
    assertThat(up.rows().rows().get(0)).containsExactly(1L, "v\"'");
    Rows.DeleteRequest byKey =
        new Rows.DeleteRequest("Odd \"Name\"", "public", new Rows.Match(key, null, false, false));
    assertThat(crdb.rows().delete(db, byKey, null, ME).affected()).isEqualTo(1);
  }

  @Test
  void upsertOfTheKeyAloneAndInsertOfDefaults() {
    assertThat(crdb.rows().upsert(db, row("only_key", null, Map.of("k", 7)), null, ME).action())
        .isEqualTo("insert");
    Rows.Change again = crdb.rows().upsert(db, row("only_key", null, Map.of("k", 7)), null, ME);
    assertThat(again.action()).isEqualTo("update");
    assertThat(again.affected()).isEqualTo(1);
    Rows.Change dflt = crdb.rows().insert(db, row("defaults", null, Map.of()), null, ME);
    assertThat(dflt.rows().rows().get(0).get(1)).isEqualTo("dflt");
  }

  @Test
  void refusedValuesNameTheirColumn() {
    Rows.UpdateRequest tooBig =
        new Rows.UpdateRequest(
            "t",
            null,
            new Rows.Match(Map.of("id", 1), null, false, false),
            Map.of("a", "99999999999"));
    assertThatThrownBy(() -> crdb.rows().update(db, tooBig, null, ME))
        .isInstanceOfSatisfying(
            CrdbException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("'a'");
            });
  }
}
