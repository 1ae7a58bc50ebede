package io.crdbmcp.core;

import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.rows.RowFilter;
import io.crdbmcp.core.rows.Rows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Rows of one table by structured filter, never by SQL text: columns are checked against the
 * catalog and values are bound. The same service as the {@code read_rows} and row-change tools,
 * with the same access control and row cap.
 *
 * <pre>{@code
 * crdb.rows("rides").where("city", "boston").where("revenue", ">", 20)
 *     .orderBy("revenue desc").limit(20).read();
 * }</pre>
 *
 * A builder for one use: each method changes and returns this object.
 */
public final class RowsQuery {
  private final ScopeOps ops;
  private final String table;
  private String schema;
  private final List<RowFilter> filters = new ArrayList<>();
  private final List<String> columns = new ArrayList<>();
  private final List<Rows.Order> orderBy = new ArrayList<>();
  private Integer limit;
  private String cursor;

  RowsQuery(ScopeOps ops, String table) {
    this.ops = ops;
    this.table = table;
  }

  /** The table's schema, when its name alone is ambiguous. */
  public RowsQuery schema(String schema) {
    this.schema = schema;
    return this;
  }

  /** {@code column = value}; {@code null} means {@code column IS NULL}. */
  public RowsQuery where(String column, Object value) {
    filters.add(
        new RowFilter(column, value == null ? RowFilter.Op.IS_NULL : RowFilter.Op.EQ, value));
    return this;
  }

  /**
   * {@code column op value}; op is one of {@code = != < <= > >= like ilike in not_in is_null
   * is_not_null} ({@code in} takes a list).
   */
  public RowsQuery where(String column, String op, Object value) {
    filters.add(new RowFilter(column, RowFilter.Op.parse(op), value));
    return this;
  }

  /** The columns to return; all visible ones when not called. */
  public RowsQuery columns(String... names) {
    columns.addAll(List.of(names));
    return this;
  }

  /** Ordering: {@code "revenue desc"}, {@code "city"} (ascending); the primary key breaks ties. */
  public RowsQuery orderBy(String... keys) {
    for (String key : keys) {
      String k = key.trim();
      String lower = k.toLowerCase(Locale.ROOT);
      if (lower.endsWith(" desc")) {
        orderBy.add(new Rows.Order(k.substring(0, k.length() - 5).trim(), true));
      } else if (lower.endsWith(" asc")) {
        orderBy.add(new Rows.Order(k.substring(0, k.length() - 4).trim(), false));
      } else {
        orderBy.add(new Rows.Order(k, false));
      }
    }
    return this;
  }

  /** Rows per page (default {@value Rows#DEFAULT_LIMIT}, capped by {@code CRDB_MAX_ROWS}). */
  public RowsQuery limit(int rows) {
    this.limit = rows;
    return this;
  }

  /** The page after the one whose {@link ResultTable#nextCursor()} this is. */
  public RowsQuery after(String cursor) {
    this.cursor = cursor;
    return this;
  }

  /** Reads one page; its {@link ResultTable#nextCursor()} continues. */
  public ResultTable read() {
    Rows.ReadResult r =
        ops.crdb
            .rows()
            .read(
                ops.database(),
                new Rows.ReadRequest(table, schema, null, filters, columns, orderBy, limit, cursor),
                ops.txId,
                ops.caller);
    return new ResultTable(r.result(), r.nextCursor(), -1);
  }

  /** Inserts one row; returns it as stored (defaults filled in). */
  public ResultTable insert(Map<String, ?> values) {
    Rows.InsertRequest row = new Rows.InsertRequest(table, schema, copy(values));
    return change((rows, db) -> rows.insert(db, row, ops.txId, ops.caller));
  }

  /** Inserts one row, or updates the row with the same primary key. */
  public ResultTable upsert(Map<String, ?> values) {
    Rows.InsertRequest row = new Rows.InsertRequest(table, schema, copy(values));
    return change((rows, db) -> rows.upsert(db, row, ops.txId, ops.caller));
  }

  /** Sets columns of the row the filters match; refused when they match more than one. */
  public ResultTable update(Map<String, ?> set) {
    return update(set, false);
  }

  /** Sets columns of every row the filters match. */
  public ResultTable updateAll(Map<String, ?> set) {
    return update(set, true);
  }

  /** Deletes the row the filters match; refused when they match more than one. */
  public ResultTable delete() {
    return delete(false);
  }

  /** Deletes every row the filters match. */
  public ResultTable deleteAll() {
    return delete(true);
  }

  private ResultTable update(Map<String, ?> set, boolean confirm) {
    Rows.UpdateRequest req = new Rows.UpdateRequest(table, schema, match(confirm), copy(set));
    return change((rows, db) -> rows.update(db, req, ops.txId, ops.caller));
  }

  private ResultTable delete(boolean confirm) {
    Rows.DeleteRequest req = new Rows.DeleteRequest(table, schema, match(confirm));
    return change((rows, db) -> rows.delete(db, req, ops.txId, ops.caller));
  }

  /** The rows the filters match; a library change is never a dry run. */
  private Rows.Match match(boolean confirm) {
    return new Rows.Match(null, filters, confirm, false);
  }

  private ResultTable change(BiFunction<Rows, Database, Rows.Change> call) {
    Rows.Change c = call.apply(ops.crdb.rows(), ops.database());
    return new ResultTable(c.rows(), null, c.affected());
  }

  private static Map<String, Object> copy(Map<String, ?> values) {
    return values == null ? null : new LinkedHashMap<>(values);
  }
}
