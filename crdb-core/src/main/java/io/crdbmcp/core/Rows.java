package io.crdbmcp.core;

import io.crdbmcp.core.SchemaInfo.ColumnEntry;
import io.crdbmcp.core.SchemaInfo.TableDescription;
import io.crdbmcp.core.safety.SafetyPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Row operations on one table without writing SQL: read by key or structured filter with keyset
 * pagination, and insert / update / delete / upsert with values bound as parameters.
 *
 * <p>Every call runs through {@link SqlExecutor#run} (one connection, one transaction, or inside
 * the caller's transaction), looks the table up in the catalog in that same transaction (through
 * {@link Schema}, so hidden tables are NOT_FOUND and hidden columns are absent), and passes the
 * statement it generates through the safety guard before executing it, so blocked commands, blocked
 * tables and blocked columns apply here exactly as to hand-written SQL.
 *
 * <p>Inside a caller's transaction every call runs under a savepoint: a failed call rolls back to
 * it and leaves the transaction usable, and a dry run rolls back to it, so nothing persists.
 *
 * <p>Ordering and NULLs: nullable ordering columns sort {@code NULLS LAST} in both directions, and
 * the keyset condition of a cursor follows the same rule, so pages stay consistent when ordering
 * columns hold NULLs.
 */
public final class Rows {
  /** Rows returned by read_rows when no limit is given (still capped by CRDB_MAX_ROWS). */
  public static final int DEFAULT_LIMIT = 100;

  private static final String SAVEPOINT = "crdb_mcp_row_tool";

  private final SqlExecutor executor;
  private final Queries queries;
  private final Schema schema;
  private final SafetyPolicy policy;

  public Rows(SqlExecutor executor, Queries queries, Schema schema, SafetyPolicy policy) {
    this.executor = executor;
    this.queries = queries;
    this.schema = schema;
    this.policy = policy;
  }

  /** One ordering key. */
  public record Order(String column, boolean descending) {
    @Override
    public String toString() {
      return column + (descending ? " desc" : " asc");
    }
  }

  /**
   * A read_rows request.
   *
   * @param key primary-key column → value (all primary-key columns), or null
   * @param filters conditions combined with AND; may be empty
   * @param columns columns to return; empty means every visible column
   * @param orderBy ordering; the primary key is appended as tiebreaker
   * @param limit rows per page (default {@link #DEFAULT_LIMIT}, capped by CRDB_MAX_ROWS)
   * @param cursor next_cursor of the previous page, or null
   */
  public record ReadRequest(
      String table,
      String schema,
      Map<String, Object> key,
      List<RowFilter> filters,
      List<String> columns,
      List<Order> orderBy,
      Integer limit,
      String cursor) {
    public ReadRequest {
      filters = filters == null ? List.of() : List.copyOf(filters);
      columns = columns == null ? List.of() : List.copyOf(columns);
      orderBy = orderBy == null ? List.of() : List.copyOf(orderBy);
    }
  }

  /**
   * A page of rows.
   *
   * @param table schema-qualified table name
   * @param result the rows (only the requested columns); {@code truncated} is false, see hasMore
   * @param ordering the full ordering used, primary key included
   * @param hasMore whether rows exist after the last row of this page
   * @param pageable whether cursors can be produced (the table has a visible primary key)
   */
  public record ReadResult(
      String table,
      QueryResult result,
      List<Order> ordering,
      boolean hasMore,
      boolean pageable,
      String filterDigest,
      List<List<Object>> orderingValues) {

    /** The cursor for the rows after row {@code index} of this page, or null when not pageable. */
    public String cursorAfter(int index) {
      if (!pageable || index < 0 || index >= orderingValues.size()) {
        return null;
      }
      List<Object> json = new ArrayList<>();
      for (Object v : orderingValues.get(index)) {
        json.add(Values.toJson(v));
      }
      return new RowCursor(table, ordering, filterDigest, json).encode();
    }

    /** The cursor of the next page, or null when this is the last page. */
    public String nextCursor() {
      return hasMore ? cursorAfter(result.rowCount() - 1) : null;
    }
  }

  /**
   * The outcome of a change.
   *
   * @param action insert, update, delete, or for upserts insert or update
   * @param rows the affected rows as they are after the change (for delete: the deleted rows), at
   *     most CRDB_MAX_ROWS
   * @param affected how many rows the statement changed (or would change, in a dry run)
   * @param before for update dry runs, the matching rows before the change; otherwise null
   */
  public record Change(
      String table,
      String action,
      QueryResult rows,
      long affected,
      boolean dryRun,
      QueryResult before) {}

  // ---------------------------------------------------------------------------------------------
  // Reads

  public ReadResult read(Database db, ReadRequest req, String txId, Caller caller) {
    return executor.run(
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          Stmt st = new Stmt();
          return protect(c, db, st, txId != null, false, () -> read(db, c, d, req, st));
        });
  }

  private ReadResult read(Database db, Connection c, Dialect d, ReadRequest req, Stmt st)
      throws SQLException {
    Meta m = meta(c, d, req.table(), req.schema());
    int limit = req.limit() == null ? Math.min(DEFAULT_LIMIT, queries.maxRows()) : limitOf(req);
    List<ColumnEntry> selected = new ArrayList<>();
    if (req.columns().isEmpty()) {
      selected.addAll(m.visible());
    } else {
      Set<String> seen = new HashSet<>();
      for (String name : req.columns()) {
        ColumnEntry col = m.column(name);
        if (seen.add(col.name())) {
          selected.add(col);
        }
      }
    }
    if (selected.isEmpty()) {
      throw CrdbException.invalidArgument(
          m.display() + " has no visible columns", "describe the table to see its columns");
    }

    // Ordering: the requested keys, then the primary key as tiebreaker.
    List<Order> ordering = new ArrayList<>();
    Set<String> ordered = new HashSet<>();
    for (Order o : req.orderBy()) {
      ColumnEntry col = m.column(o.column());
      if (ordered.add(col.name())) {
        ordering.add(new Order(col.name(), o.descending()));
      }
    }
    boolean pageable = m.pkUsable();
    if (pageable) {
      for (String k : m.pk()) {
        if (ordered.add(k)) {
          ordering.add(new Order(k, false));
        }
      }
    }

    List<String> where = new ArrayList<>();
    where.addAll(keyConditions(m, req.key(), st));
    for (RowFilter f : req.filters()) {
      where.add(condition(m, f, st));
    }
    String digest = RowCursor.digest(canonical(req.key(), req.filters()));

    if (req.cursor() != null && !req.cursor().isBlank()) {
      RowCursor cur = RowCursor.decode(req.cursor());
      if (!pageable) {
        throw CrdbException.invalidArgument(
            "cursor given but " + m.display() + " has no visible primary key to page by",
            "omit cursor");
      }
      if (!cur.table().equals(m.qualifiedName())) {
        throw CrdbException.invalidArgument(
            "the cursor belongs to table " + cur.table() + ", not " + m.qualifiedName(),
            "omit cursor to start at the first page of " + m.qualifiedName());
      }
      if (!cur.ordering().equals(ordering)) {
        throw CrdbException.invalidArgument(
            "the cursor was made for ordering " + cur.ordering() + ", not " + ordering,
            "pass the same order_by as for the previous page, or omit cursor to start again");
      }
      if (!cur.filterDigest().equals(digest)) {
        throw CrdbException.invalidArgument(
            "the cursor was made for a different key/filter",
            "pass the same key and filter as for the previous page, or omit cursor to start"
                + " again");
      }
      where.add(keyset(m, ordering, cur.values(), st));
    }

    // Ordering columns not requested are selected too (for the cursor) and dropped afterwards.
    List<String> selectNames = new ArrayList<>();
    for (ColumnEntry col : selected) {
      selectNames.add(col.name());
    }
    List<Integer> orderIndex = new ArrayList<>();
    for (Order o : ordering) {
      int i = selectNames.indexOf(o.column());
      if (i < 0) {
        selectNames.add(o.column());
        i = selectNames.size() - 1;
      }
      orderIndex.add(i);
    }

    StringBuilder sql = new StringBuilder("SELECT ");
    sql.append(joinQuoted(selectNames)).append(" FROM ").append(m.sqlName());
    appendWhere(sql, where);
    if (!ordering.isEmpty()) {
      sql.append(" ORDER BY ");
      for (int i = 0; i < ordering.size(); i++) {
        Order o = ordering.get(i);
        if (i > 0) {
          sql.append(", ");
        }
        sql.append(quote(o.column())).append(o.descending() ? " DESC" : " ASC");
        if (m.nullable(o.column())) {
          sql.append(" NULLS LAST");
        }
      }
    }
    sql.append(" LIMIT ").append(limit + 1);
    String text = sql.toString();
    queries.require(db, text, true);
    QueryResult raw = executor.query(c, text, st.params, limit);

    List<List<Object>> rows = new ArrayList<>();
    List<List<Object>> keys = new ArrayList<>();
    for (List<Object> row : raw.rows()) {
      rows.add(new ArrayList<>(row.subList(0, selected.size())));
      List<Object> k = new ArrayList<>();
      for (int i : orderIndex) {
        k.add(row.get(i));
      }
      keys.add(k);
    }
    QueryResult result =
        new QueryResult(
            raw.columns().subList(0, selected.size()), rows, false, limit, -1, raw.elapsedMillis());
    return new ReadResult(
        m.qualifiedName(), result, ordering, raw.truncated(), pageable, digest, keys);
  }

  private int limitOf(ReadRequest req) {
    if (req.limit() < 1) {
      throw CrdbException.invalidArgument(
          "limit must be at least 1 (got " + req.limit() + ")", "omit it for " + DEFAULT_LIMIT);
    }
    return queries.rowCap(req.limit());
  }

  /**
   * Rows strictly after {@code values} in {@code ordering}: (a > v1) OR (a = v1 AND b > v2) ...,
   * with NULLS LAST semantics on nullable columns; a row comparison when every key is NOT NULL and
   * all directions agree.
   */
  private String keyset(Meta m, List<Order> ordering, List<Object> values, Stmt st) {
    boolean sameDirection = true;
    boolean anyNullable = false;
    for (Order o : ordering) {
      sameDirection &= o.descending() == ordering.get(0).descending();
      anyNullable |= m.nullable(o.column());
    }
    if (sameDirection && !anyNullable) {
      List<String> cols = new ArrayList<>();
      List<String> vals = new ArrayList<>();
      for (int i = 0; i < ordering.size(); i++) {
        Object v = values.get(i);
        if (v == null) {
          throw CrdbException.invalidArgument(
              "the cursor holds NULL for NOT NULL column " + ordering.get(i).column(),
              "omit cursor to start again");
        }
        cols.add(quote(ordering.get(i).column()));
        vals.add(st.bind(m.column(ordering.get(i).column()), v));
      }
      String op = ordering.get(0).descending() ? " < " : " > ";
      return "(" + String.join(", ", cols) + ")" + op + "(" + String.join(", ", vals) + ")";
    }
    List<String> disjuncts = new ArrayList<>();
    List<String> equalities = new ArrayList<>();
    for (int i = 0; i < ordering.size(); i++) {
      Order o = ordering.get(i);
      ColumnEntry col = m.column(o.column());
      String q = quote(col.name());
      Object v = values.get(i);
      String after;
      String equal;
      if (v == null) {
        after = null; // NULLS LAST: nothing sorts after NULL in this column
        equal = q + " IS NULL";
      } else {
        String p = st.bind(col, v);
        String cmp = q + (o.descending() ? " < " : " > ") + p;
        after = col.nullable() ? "(" + cmp + " OR " + q + " IS NULL)" : cmp;
        equal = q + " = " + p;
      }
      if (after != null) {
        List<String> terms = new ArrayList<>(equalities);
        terms.add(after);
        disjuncts.add("(" + String.join(" AND ", terms) + ")");
      }
      equalities.add(equal);
    }
    return disjuncts.isEmpty() ? "FALSE" : "(" + String.join(" OR ", disjuncts) + ")";
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  public Change insert(
      Database db,
      String table,
      String schemaName,
      Map<String, Object> values,
      String txId,
      Caller caller) {
    return write(
        db,
        txId,
        caller,
        false,
        (c, d, st) -> {
          Meta m = meta(c, d, table, schemaName);
          String text = insertSql(m, values, st, "INSERT INTO");
          queries.require(db, text, false);
          Returned r = returning(c, text, st.params, m);
          return new Change(m.qualifiedName(), "insert", r.result, r.total, false, null);
        });
  }

  public Change upsert(
      Database db,
      String table,
      String schemaName,
      Map<String, Object> values,
      String txId,
      Caller caller) {
    return write(
        db,
        txId,
        caller,
        false,
        (c, d, st) -> {
          Meta m = meta(c, d, table, schemaName);
          m.requirePk("upsert_row");
          Map<String, Object> key = new LinkedHashMap<>();
          Map<String, Object> byName = resolveValues(m, values);
          for (String k : m.pk()) {
            if (!byName.containsKey(k)) {
              throw CrdbException.invalidArgument(
                  "upsert_row needs every primary-key column in values; missing '" + k + "'",
                  "include " + String.join(", ", m.pk()) + " in values, or use insert_row");
            }
            key.put(k, byName.get(k));
          }
          // Whether the row exists decides what the upsert will do (reported, not relied on).
          Stmt probe = new Stmt();
          List<String> keyWhere = keyConditions(m, key, probe);
          String exists =
              "SELECT count(*) FROM " + m.sqlName() + " WHERE " + String.join(" AND ", keyWhere);
          queries.require(db, exists, true);
          long existing = count(c, exists, probe.params);

          String text;
          if (d.isCockroach()) {
            // CockroachDB: UPSERT writes the given columns of the row with this primary key.
            text = insertSql(m, byName, st, "UPSERT INTO");
          } else {
            StringBuilder sb =
                new StringBuilder(insertSqlWithoutReturning(m, byName, st, "INSERT INTO"));
            sb.append(" ON CONFLICT (").append(joinQuoted(m.pk())).append(") DO UPDATE SET ");
            List<String> sets = new ArrayList<>();
            for (String col : byName.keySet()) {
              if (!m.pk().contains(col)) {
                sets.add(quote(col) + " = EXCLUDED." + quote(col));
              }
            }
            if (sets.isEmpty()) {
              String k = quote(m.pk().get(0));
              sets.add(k + " = EXCLUDED." + k); // keep RETURNING the existing row
            }
            sb.append(String.join(", ", sets)).append(returningClause(m));
            text = sb.toString();
          }
          queries.require(db, text, false);
          Returned r = returning(c, text, st.params, m);
          return new Change(
              m.qualifiedName(),
              existing > 0 ? "update" : "insert",
              r.result,
              r.total,
              false,
              null);
        });
  }

  public Change update(
      Database db,
      String table,
      String schemaName,
      Map<String, Object> key,
      List<RowFilter> filters,
      Map<String, Object> set,
      boolean confirm,
      boolean dryRun,
      String txId,
      Caller caller) {
    return write(
        db,
        txId,
        caller,
        dryRun,
        (c, d, st) -> {
          Meta m = meta(c, d, table, schemaName);
          if (set == null || set.isEmpty()) {
            throw CrdbException.invalidArgument(
                "update_row needs set: the columns to change and their new values",
                "pass set, e.g. {\"status\": \"closed\"}");
          }
          Map<String, Object> byName = resolveValues(m, set);
          List<String> sets = new ArrayList<>();
          for (Map.Entry<String, Object> e : byName.entrySet()) {
            sets.add(quote(e.getKey()) + " = " + st.bind(m.column(e.getKey()), e.getValue()));
          }
          List<String> where = target(m, key, filters, st, "update_row");
          StringBuilder sb =
              new StringBuilder("UPDATE ")
                  .append(m.sqlName())
                  .append(" SET ")
                  .append(String.join(", ", sets));
          appendWhere(sb, where);
          sb.append(returningClause(m));
          String text = sb.toString();
          queries.require(db, text, false);
          QueryResult before = null;
          if (dryRun) {
            String select = "SELECT " + joinQuoted(m.visibleNames()) + " FROM " + m.sqlName();
            StringBuilder sel = new StringBuilder(select);
            appendWhere(sel, where);
            String selText = sel.toString();
            queries.require(db, selText, true);
            before =
                executor.query(
                    c, selText, st.paramsUpTo(maxPlaceholder(selText)), queries.maxRows());
          } else if (key == null) {
            checkCount(db, c, m, where, st, confirm, "update");
          }
          Returned r = returning(c, text, st.params, m);
          if (!dryRun && !confirm && r.total > 1) {
            throw confirmation("update", m, r.total);
          }
          return new Change(m.qualifiedName(), "update", r.result, r.total, dryRun, before);
        });
  }

  public Change delete(
      Database db,
      String table,
      String schemaName,
      Map<String, Object> key,
      List<RowFilter> filters,
      boolean confirm,
      boolean dryRun,
      String txId,
      Caller caller) {
    return write(
        db,
        txId,
        caller,
        dryRun,
        (c, d, st) -> {
          Meta m = meta(c, d, table, schemaName);
          List<String> where = target(m, key, filters, st, "delete_row");
          StringBuilder sb = new StringBuilder("DELETE FROM ").append(m.sqlName());
          appendWhere(sb, where);
          String countWhereText = sb.toString();
          sb.append(returningClause(m));
          String text = sb.toString();
          queries.require(db, text, false);
          if (!dryRun && key == null) {
            checkCount(db, c, m, where, st, confirm, "delete");
          }
          Returned r = returning(c, text, st.params, m);
          if (!dryRun && !confirm && r.total > 1) {
            throw confirmation("delete", m, r.total);
          }
          return new Change(m.qualifiedName(), "delete", r.result, r.total, dryRun, null);
        });
  }

  /** The WHERE conditions of an update/delete: a full primary key, a filter, or both. */
  private List<String> target(
      Meta m, Map<String, Object> key, List<RowFilter> filters, Stmt st, String tool) {
    boolean hasFilter = filters != null && !filters.isEmpty();
    if (key == null && !hasFilter) {
      throw CrdbException.invalidArgument(
          tool + " needs key (every primary-key column) or filter",
          m.pkUsable()
              ? "pass key, e.g. {"
                  + String.join(", ", m.pk().stream().map(k -> "\"" + k + "\": …").toList())
                  + "}"
              : "pass filter: a list of {column, op, value} conditions");
    }
    List<String> where = new ArrayList<>(keyConditions(m, key, st));
    if (hasFilter) {
      for (RowFilter f : filters) {
        where.add(condition(m, f, st));
      }
    }
    return where;
  }

  private void checkCount(
      Database db, Connection c, Meta m, List<String> where, Stmt st, boolean confirm, String verb)
      throws SQLException {
    if (confirm) {
      return;
    }
    StringBuilder sb = new StringBuilder("SELECT count(*) FROM ").append(m.sqlName());
    appendWhere(sb, where);
    String text = sb.toString();
    queries.require(db, text, true);
    long n = count(c, text, st.paramsUpTo(maxPlaceholder(text)));
    if (n > 1) {
      throw confirmation(verb, m, n);
    }
  }

  private static CrdbException confirmation(String verb, Meta m, long n) {
    return new CrdbException(
        ErrorCode.CONFIRMATION_REQUIRED,
        "the filter matches "
            + n
            + " rows of "
            + m.display()
            + "; this "
            + verb
            + " would change "
            + n
            + " rows and nothing was changed",
        "call again with confirm=true, or narrow the filter / use dry_run=true to see them");
  }

  // ---------------------------------------------------------------------------------------------
  // Statement building

  /** Placeholders and the bound values, with the columns they belong to (for error messages). */
  static final class Stmt {
    final List<Object> params = new ArrayList<>();
    final List<String[]> bound = new ArrayList<>(); // column, type, text

    String bind(ColumnEntry col, Object value) {
      String type = RowValues.castType(col.type());
      String text = RowValues.toBound(col.name(), type, value);
      params.add(text);
      bound.add(new String[] {col.name(), type, text});
      return RowValues.expression(params.size(), type);
    }

    String bindText(String text) {
      params.add(text);
      bound.add(new String[] {null, "text", text});
      return "CAST($" + params.size() + " AS text)";
    }

    /** Parameters for a statement that uses only $1..$n of this statement's placeholders. */
    List<Object> paramsUpTo(int n) {
      return params.subList(0, n);
    }
  }

  private static int maxPlaceholder(String sql) {
    int max = 0;
    for (int i : JdbcSql.of(sql).parameterOrder()) {
      max = Math.max(max, i);
    }
    return max;
  }

  private List<String> keyConditions(Meta m, Map<String, Object> key, Stmt st) {
    List<String> out = new ArrayList<>();
    if (key == null) {
      return out;
    }
    m.requirePk("key");
    Map<String, Object> byName = resolveValues(m, key);
    if (!byName.keySet().equals(new HashSet<>(m.pk()))) {
      throw CrdbException.invalidArgument(
          "key must hold exactly the primary-key columns of "
              + m.display()
              + " ("
              + String.join(", ", m.pk())
              + "), got "
              + String.join(", ", byName.keySet()),
          "pass every primary-key column in key, or use filter to match other columns");
    }
    for (String k : m.pk()) {
      Object v = byName.get(k);
      if (v == null) {
        throw CrdbException.invalidArgument(
            "key column '" + k + "' is null; primary-key values are never NULL",
            "pass the value of " + k);
      }
      out.add(quote(k) + " = " + st.bind(m.column(k), v));
    }
    return out;
  }

  private static String condition(Meta m, RowFilter f, Stmt st) {
    ColumnEntry col = m.column(f.column());
    String q = quote(col.name());
    return switch (f.op()) {
      case IS_NULL, IS_NOT_NULL -> q + " " + f.op().sql;
      case LIKE, ILIKE -> {
        String type = RowValues.castType(col.type());
        String lhs = RowValues.isText(type) ? q : "CAST(" + q + " AS text)";
        yield lhs + " " + f.op().sql + " " + st.bindText((String) f.value());
      }
      case IN, NOT_IN -> {
        List<?> l = (List<?>) f.value();
        if (l.isEmpty()) {
          yield f.op() == RowFilter.Op.IN ? "FALSE" : "TRUE";
        }
        List<String> items = new ArrayList<>();
        for (Object v : l) {
          items.add(st.bind(col, v));
        }
        yield q + " " + f.op().sql + " (" + String.join(", ", items) + ")";
      }
      default -> q + " " + f.op().sql + " " + st.bind(col, f.value());
    };
  }

  /** A canonical text of key and filter, for the cursor's digest. */
  private static String canonical(Map<String, Object> key, List<RowFilter> filters) {
    StringBuilder sb = new StringBuilder();
    if (key != null) {
      new java.util.TreeMap<>(key)
          .forEach(
              (k, v) ->
                  sb.append("k:").append(k).append('=').append(RowValues.jsonText(v)).append(';'));
    }
    for (RowFilter f : filters) {
      sb.append("f:")
          .append(f.column())
          .append(' ')
          .append(f.op().token)
          .append(' ')
          .append(RowValues.jsonText(f.value()))
          .append(';');
    }
    return sb.toString();
  }

  private String insertSql(Meta m, Map<String, Object> values, Stmt st, String verb) {
    return insertSqlWithoutReturning(m, resolveValues(m, values), st, verb) + returningClause(m);
  }

  private static String insertSqlWithoutReturning(
      Meta m, Map<String, Object> byName, Stmt st, String verb) {
    if (byName.isEmpty()) {
      return verb + " " + m.sqlName() + " DEFAULT VALUES";
    }
    List<String> exprs = new ArrayList<>();
    for (Map.Entry<String, Object> e : byName.entrySet()) {
      exprs.add(st.bind(m.column(e.getKey()), e.getValue()));
    }
    return verb
        + " "
        + m.sqlName()
        + " ("
        + joinQuoted(new ArrayList<>(byName.keySet()))
        + ") VALUES ("
        + String.join(", ", exprs)
        + ")";
  }

  private static String returningClause(Meta m) {
    return " RETURNING " + joinQuoted(m.visibleNames());
  }

  /** Values keyed by the catalog's column names (unknown or hidden columns refused). */
  private static Map<String, Object> resolveValues(Meta m, Map<String, Object> values) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (values == null) {
      return out;
    }
    for (Map.Entry<String, Object> e : values.entrySet()) {
      ColumnEntry col = m.column(e.getKey());
      if (out.containsKey(col.name())) {
        throw CrdbException.invalidArgument(
            "column '" + col.name() + "' is given twice", "give each column once");
      }
      out.put(col.name(), e.getValue());
    }
    return out;
  }

  private static void appendWhere(StringBuilder sb, List<String> where) {
    if (!where.isEmpty()) {
      sb.append(" WHERE ").append(String.join(" AND ", where));
    }
  }

  /** A double-quoted SQL identifier. */
  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  private static String joinQuoted(List<String> names) {
    List<String> q = new ArrayList<>(names.size());
    for (String n : names) {
      q.add(quote(n));
    }
    return String.join(", ", q);
  }

  // ---------------------------------------------------------------------------------------------
  // Execution

  @FunctionalInterface
  private interface WriteWork {
    Change run(Connection c, Dialect d, Stmt st) throws SQLException;
  }

  @FunctionalInterface
  private interface Body<T> {
    T run() throws SQLException;
  }

  private Change write(Database db, String txId, Caller caller, boolean dryRun, WriteWork work) {
    return executor.run(
        db,
        Access.WRITE,
        txId,
        caller,
        (c, d) -> {
          Stmt st = new Stmt();
          return protect(c, db, st, txId != null || dryRun, dryRun, () -> work.run(c, d, st));
        });
  }

  /**
   * Runs a body, under a savepoint when asked: a failure rolls back to the savepoint (leaving a
   * caller's transaction usable), and {@code undo} rolls back to it after success (dry runs).
   * Database errors come back as {@link CrdbException}s that name the column whose value was
   * refused, when that can be told.
   */
  private <T> T protect(
      Connection c, Database db, Stmt st, boolean savepoint, boolean undo, Body<T> body)
      throws SQLException {
    if (savepoint) {
      exec(c, "SAVEPOINT " + SAVEPOINT);
    }
    T result;
    try {
      result = body.run();
    } catch (SQLException e) {
      if (savepoint && !restore(c)) {
        throw e; // the transaction is unusable; the executor reports it as aborted
      }
      throw explain(SqlErrors.translate(e, db.spec()), st);
    } catch (RuntimeException e) {
      if (savepoint && !restore(c)) {
        throw new CrdbException(
            ErrorCode.SQL_ERROR,
            e.getMessage(),
            "the transaction could not be restored; roll it back",
            null,
            e);
      }
      throw e;
    }
    if (savepoint) {
      if (undo) {
        exec(c, "ROLLBACK TO SAVEPOINT " + SAVEPOINT);
      }
      exec(c, "RELEASE SAVEPOINT " + SAVEPOINT);
    }
    return result;
  }

  private static boolean restore(Connection c) {
    try {
      exec(c, "ROLLBACK TO SAVEPOINT " + SAVEPOINT);
      exec(c, "RELEASE SAVEPOINT " + SAVEPOINT);
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** Names the column behind a data error (invalid input, out of range, too long). */
  static CrdbException explain(CrdbException e, Stmt st) {
    String state = e.sqlState();
    if (state == null || !(state.startsWith("22") || state.equals("42804"))) {
      return e;
    }
    String msg = e.getMessage() == null ? "" : e.getMessage();
    String lower = msg.toLowerCase(Locale.ROOT);
    Set<String> culprits = new LinkedHashSet<>();
    for (String[] b : st.bound) {
      if (b[0] != null && b[2] != null && msg.contains("\"" + b[2] + "\"")) {
        culprits.add("'" + b[0] + "' (" + b[1] + ")");
      }
    }
    if (culprits.isEmpty()) {
      for (String[] b : st.bound) {
        if (b[0] != null && b[2] != null && lower.contains(RowValues.baseType(b[1]))) {
          culprits.add("'" + b[0] + "' (" + b[1] + ")");
        }
      }
    }
    if (culprits.isEmpty()) {
      for (String[] b : st.bound) {
        if (b[0] != null && b[2] != null) {
          culprits.add("'" + b[0] + "' (" + b[1] + ")");
        }
      }
    }
    if (culprits.isEmpty()) {
      return e;
    }
    return new CrdbException(
        ErrorCode.INVALID_ARGUMENT,
        "the database refused the value for column " + String.join(" or ", culprits) + ": " + msg,
        "pass a value of the column's type (describe the table to see the types); numeric as a"
            + " string keeps precision, bytea is base64, jsonb takes any JSON value",
        state,
        e);
  }

  private record Returned(QueryResult result, long total) {}

  /**
   * Runs a write with RETURNING without fetch-size/max-rows limits (so the statement runs to
   * completion on both servers), keeping at most CRDB_MAX_ROWS rows and counting all.
   */
  private Returned returning(Connection c, String sql, List<Object> params, Meta m)
      throws SQLException {
    long start = System.nanoTime();
    try (PreparedStatement ps = executor.prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      QueryResult r = SqlExecutor.readRows(rs, queries.maxRows(), true, start);
      return new Returned(r, r.updateCount());
    }
  }

  private long count(Connection c, String sql, List<Object> params) throws SQLException {
    try (PreparedStatement ps = executor.prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Catalog

  private Meta meta(Connection c, Dialect d, String table, String schemaName) {
    return new Meta(schema.describe(c, d, table, schemaName), policy);
  }

  /** A table as the catalog and the access policy show it. */
  private static final class Meta {
    final TableDescription t;
    final SafetyPolicy policy;
    final Map<String, ColumnEntry> byName = new LinkedHashMap<>();

    Meta(TableDescription t, SafetyPolicy policy) {
      this.t = t;
      this.policy = policy;
      for (ColumnEntry col : t.columns()) {
        byName.put(col.name(), col);
      }
    }

    String qualifiedName() {
      return t.schema() + "." + t.name();
    }

    String display() {
      return qualifiedName();
    }

    String sqlName() {
      return quote(t.schema()) + "." + quote(t.name());
    }

    List<ColumnEntry> visible() {
      return t.columns();
    }

    List<String> visibleNames() {
      List<String> out = new ArrayList<>();
      for (ColumnEntry col : t.columns()) {
        out.add(col.name());
      }
      return out;
    }

    List<String> pk() {
      return t.primaryKey();
    }

    /** A primary key exists and all its columns are visible. */
    boolean pkUsable() {
      return !t.primaryKey().isEmpty() && byName.keySet().containsAll(t.primaryKey());
    }

    void requirePk(String what) {
      if (!pkUsable()) {
        throw CrdbException.invalidArgument(
            display() + " has no usable primary key for " + what,
            "use filter with {column, op, value} conditions instead");
      }
    }

    boolean nullable(String column) {
      ColumnEntry col = byName.get(column);
      return col == null || col.nullable();
    }

    /** A visible column by name (exact, or case-insensitively when unambiguous). */
    ColumnEntry column(String name) {
      ColumnEntry col = name == null ? null : byName.get(name);
      if (col != null) {
        return col;
      }
      if (name != null) {
        ColumnEntry found = null;
        int matches = 0;
        for (ColumnEntry c : t.columns()) {
          if (c.name().equalsIgnoreCase(name)) {
            found = c;
            matches++;
          }
        }
        if (matches == 1) {
          return found;
        }
        if (!policy.isColumnVisible(t.schema(), t.name(), name)) {
          throw CrdbException.refused(
              "Refused (blocked_column): column "
                  + name.toLowerCase(Locale.ROOT)
                  + " of "
                  + display()
                  + " is blocked by configuration.",
              "leave the column out; it is hidden by CRDB_BLOCKED_COLUMNS");
        }
      }
      throw new CrdbException(
          ErrorCode.NOT_FOUND,
          "column '" + name + "' does not exist in " + display(),
          "the columns of " + display() + " are (" + String.join(", ", visibleNames()) + ")",
          "42703", // undefined_column, as the database would say
          null);
    }
  }
}
