package io.crdbmcp.core.rows;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.connect.SqlErrors;
import io.crdbmcp.core.safety.Rule;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.schema.Schema;
import io.crdbmcp.core.schema.SchemaInfo.ColumnEntry;
import io.crdbmcp.core.schema.SchemaInfo.TableDescription;
import io.crdbmcp.core.sql.Access;
import io.crdbmcp.core.sql.Queries;
import io.crdbmcp.core.sql.QueryResult;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.sql.Values;
import io.crdbmcp.core.tx.Savepoints;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.InsertReturningStep;
import org.jooq.InsertValuesStepN;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.SelectSeekStepN;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Row operations on one table without writing SQL: read by key or structured filter with keyset
 * pagination, and insert / update / delete / upsert with values bound as parameters. Statements are
 * built with jOOQ ({@link Sql}): identifiers from the catalog quoted by jOOQ, every value a bind
 * value cast to its column's type.
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

  private final EngineKey key;
  private final SqlExecutor executor;
  private final Queries queries;
  private final Schema schema;
  private final SafetyPolicy policy;

  public Rows(
      EngineKey key, SqlExecutor executor, Queries queries, Schema schema, SafetyPolicy policy) {
    EngineKey.check(key);
    this.key = key;
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
   * What every row operation names: a table, and its schema when the name alone is ambiguous (null:
   * the table is searched in the user schemas; {@code "public.users"} also works as the name).
   */
  public sealed interface Request permits ReadRequest, InsertRequest, UpdateRequest, DeleteRequest {
    String table();

    String schema();
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
      String cursor)
      implements Request {
    public ReadRequest {
      filters = filters == null ? List.of() : List.copyOf(filters);
      columns = columns == null ? List.of() : List.copyOf(columns);
      orderBy = orderBy == null ? List.of() : List.copyOf(orderBy);
    }
  }

  /**
   * One row to insert ({@link #insert}) or upsert ({@link #upsert}).
   *
   * @param values column → value; columns left out take their defaults (an upsert needs every
   *     primary-key column)
   */
  public record InsertRequest(String table, String schema, Map<String, Object> values)
      implements Request {}

  /**
   * Which rows an update or delete changes, and how carefully.
   *
   * @param key every primary-key column → value, or null
   * @param filters conditions combined with AND; needed when {@code key} is null
   * @param confirm true to change more than one row (else such a change is refused, nothing done)
   * @param dryRun true to report what would change and change nothing
   */
  public record Match(
      Map<String, Object> key, List<RowFilter> filters, boolean confirm, boolean dryRun) {
    public Match {
      filters = filters == null ? List.of() : List.copyOf(filters);
    }
  }

  /**
   * An update_row request.
   *
   * @param set column → new value; not empty
   */
  public record UpdateRequest(String table, String schema, Match rows, Map<String, Object> set)
      implements Request {}

  /** A delete_row request. */
  public record DeleteRequest(String table, String schema, Match rows) implements Request {}

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
    return run(db, Access.READ, req, false, txId, caller, (c, m, b) -> read(db, c, m, b, req));
  }

  private ReadResult read(Database db, Connection c, Meta m, Binds b, ReadRequest req)
      throws SQLException {
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

    List<Condition> where = new ArrayList<>();
    where.addAll(keyConditions(m, req.key(), b));
    for (RowFilter f : req.filters()) {
      where.add(condition(m, f, b));
    }
    String digest = RowCursor.digest(canonical(req.key(), req.filters()));

    Field<?>[] seek = null;
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
      if (m.anyNullable(ordering)) {
        where.add(keysetWithNulls(m, ordering, cur.values(), b));
      } else {
        seek = seekValues(m, ordering, cur.values(), b);
      }
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

    List<SortField<Object>> sort = new ArrayList<>();
    for (Order o : ordering) {
      Field<Object> col = Sql.column(o.column());
      SortField<Object> s = o.descending() ? col.desc() : col.asc();
      sort.add(m.nullable(o.column()) ? s.nullsLast() : s);
    }
    SelectSeekStepN<Record> select =
        Sql.dsl().select(Sql.columns(selectNames)).from(m.table()).where(where).orderBy(sort);
    // Keyset paging: jOOQ's seek, a row comparison when all directions agree.
    Query query = seek == null ? select.limit(limit + 1) : select.seek(seek).limit(limit + 1);
    QueryResult raw = executor.query(c, checked(db, c, query, true), limit);

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
   * The cursor's values for jOOQ's {@code seek} (every ordering column is NOT NULL): rows strictly
   * after them, {@code (a, b) > (v1, v2)} when all directions agree, else (a > v1) OR (a = v1 AND b
   * < v2) ....
   */
  private static Field<?>[] seekValues(Meta m, List<Order> ordering, List<Object> values, Binds b) {
    Field<?>[] out = new Field<?>[ordering.size()];
    for (int i = 0; i < ordering.size(); i++) {
      Object v = values.get(i);
      if (v == null) {
        throw CrdbException.invalidArgument(
            "the cursor holds NULL for NOT NULL column " + ordering.get(i).column(),
            "omit cursor to start again");
      }
      out[i] = b.bind(m.column(ordering.get(i).column()), v);
    }
    return out;
  }

  /**
   * Rows strictly after {@code values} in {@code ordering} when an ordering column is nullable: (a
   * > v1) OR (a = v1 AND b > v2) ..., with NULLS LAST semantics (nothing sorts after NULL; NULL
   * sorts after every value). jOOQ's seek knows nothing of NULLs, so this condition is built here.
   */
  private static Condition keysetWithNulls(
      Meta m, List<Order> ordering, List<Object> values, Binds b) {
    List<Condition> disjuncts = new ArrayList<>();
    List<Condition> equalities = new ArrayList<>();
    for (int i = 0; i < ordering.size(); i++) {
      Order o = ordering.get(i);
      ColumnEntry col = m.column(o.column());
      Field<Object> q = Sql.column(col.name());
      Object v = values.get(i);
      Condition after;
      Condition equal;
      if (v == null) {
        after = null; // NULLS LAST: nothing sorts after NULL in this column
        equal = q.isNull();
      } else {
        Field<Object> p = b.bind(col, v);
        Condition cmp = o.descending() ? q.lt(p) : q.gt(p);
        after = col.nullable() ? cmp.or(q.isNull()) : cmp;
        equal = q.eq(p);
      }
      if (after != null) {
        List<Condition> terms = new ArrayList<>(equalities);
        terms.add(after);
        disjuncts.add(DSL.and(terms));
      }
      equalities.add(equal);
    }
    return disjuncts.isEmpty() ? DSL.falseCondition() : DSL.or(disjuncts);
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  public Change insert(Database db, InsertRequest req, String txId, Caller caller) {
    return write(db, req, false, txId, caller, (c, m, b) -> insert(db, c, m, b, req));
  }

  private Change insert(Database db, Connection c, Meta m, Binds b, InsertRequest req)
      throws SQLException {
    Query insert = insertInto(m, resolveValues(m, req.values()), b);
    Returned r = returning(db, c, insert);
    return new Change(m.qualifiedName(), "insert", r.result, r.total, false, null);
  }

  public Change upsert(Database db, InsertRequest req, String txId, Caller caller) {
    return write(db, req, false, txId, caller, (c, m, b) -> upsert(db, c, m, b, req));
  }

  private Change upsert(Database db, Connection c, Meta m, Binds b, InsertRequest req)
      throws SQLException {
    m.requirePk("upsert_row");
    Map<String, Object> key = new LinkedHashMap<>();
    Map<String, Object> byName = resolveValues(m, req.values());
    for (String k : m.pk()) {
      if (!byName.containsKey(k)) {
        throw CrdbException.invalidArgument(
            "upsert_row needs every primary-key column in values; missing '" + k + "'",
            "include " + String.join(", ", m.pk()) + " in values, or use insert_row");
      }
      key.put(k, byName.get(k));
    }
    // Whether the row exists decides what the upsert will do (reported, not relied on).
    long existing = count(db, c, m, keyConditions(m, key, b));

    Sql.Statement st;
    if (m.cockroach()) {
      // CockroachDB: UPSERT writes the given columns of the row with this primary key.
      st = Sql.upsert(insertValues(m, byName, b).returning(m.visibleFields()));
    } else {
      // PostgreSQL: INSERT ... ON CONFLICT (primary key) DO UPDATE SET the given columns.
      Map<Field<?>, Field<?>> sets = new LinkedHashMap<>();
      for (String col : byName.keySet()) {
        if (!m.pk().contains(col)) {
          sets.put(Sql.column(col), DSL.excluded(Sql.column(col)));
        }
      }
      if (sets.isEmpty()) {
        Field<Object> k = Sql.column(m.pk().get(0));
        sets.put(k, DSL.excluded(k)); // keep RETURNING the existing row
      }
      st =
          Sql.render(
              insertValues(m, byName, b)
                  .onConflict(Sql.columns(m.pk()))
                  .doUpdate()
                  .set(sets)
                  .returning(m.visibleFields()));
    }
    queries.require(db, c, st, false);
    Returned r = returning(c, st);
    String action = existing > 0 ? "update" : "insert";
    return new Change(m.qualifiedName(), action, r.result, r.total, false, null);
  }

  public Change update(Database db, UpdateRequest req, String txId, Caller caller) {
    return write(db, req, req.rows().dryRun(), txId, caller, (c, m, b) -> update(db, c, m, b, req));
  }

  private Change update(Database db, Connection c, Meta m, Binds b, UpdateRequest req)
      throws SQLException {
    Match rows = req.rows();
    if (req.set() == null || req.set().isEmpty()) {
      throw CrdbException.invalidArgument(
          "update_row needs set: the columns to change and their new values",
          "pass set, e.g. {\"status\": \"closed\"}");
    }
    Map<Field<?>, Field<?>> sets = new LinkedHashMap<>();
    resolveValues(m, req.set())
        .forEach((name, v) -> sets.put(Sql.column(name), b.bind(m.column(name), v)));
    List<Condition> where = target(m, rows, b, "update_row");
    Sql.Statement st =
        checked(
            db,
            c,
            Sql.dsl().update(m.table()).set(sets).where(where).returning(m.visibleFields()),
            false);
    QueryResult before = null;
    if (rows.dryRun()) {
      Query select = Sql.dsl().select(m.visibleFields()).from(m.table()).where(where);
      before = executor.query(c, checked(db, c, select, true), queries.maxRows());
    }
    return change(db, c, m, "update", rows, where, st, before);
  }

  public Change delete(Database db, DeleteRequest req, String txId, Caller caller) {
    return write(db, req, req.rows().dryRun(), txId, caller, (c, m, b) -> delete(db, c, m, b, req));
  }

  private Change delete(Database db, Connection c, Meta m, Binds b, DeleteRequest req)
      throws SQLException {
    Match rows = req.rows();
    List<Condition> where = target(m, rows, b, "delete_row");
    Sql.Statement st =
        checked(
            db,
            c,
            Sql.dsl().deleteFrom(m.table()).where(where).returning(m.visibleFields()),
            false);
    return change(db, c, m, "delete", rows, where, st, null);
  }

  /**
   * Runs an update or delete already checked by the guard. Without confirm, a change by filter is
   * counted first and refused when it would change more than one row; the count after the change is
   * checked again (rows may have arrived meanwhile), so without confirm at most one row changes.
   */
  private Change change(
      Database db,
      Connection c,
      Meta m,
      String verb,
      Match rows,
      List<Condition> where,
      Sql.Statement st,
      QueryResult before)
      throws SQLException {
    boolean careful = !rows.dryRun() && !rows.confirm();
    if (careful && rows.key() == null) {
      long n = count(db, c, m, where);
      if (n > 1) {
        throw confirmation(verb, m, n);
      }
    }
    Returned r = returning(c, st);
    if (careful && r.total > 1) {
      throw confirmation(verb, m, r.total);
    }
    return new Change(m.qualifiedName(), verb, r.result, r.total, rows.dryRun(), before);
  }

  /**
   * The WHERE conditions of an update/delete: a full primary key, a filter, or both; never empty
   * (an empty list would change every row).
   */
  private List<Condition> target(Meta m, Match rows, Binds b, String tool) {
    boolean hasFilter = !rows.filters().isEmpty();
    if (rows.key() == null && !hasFilter) {
      throw CrdbException.invalidArgument(
          tool + " needs key (every primary-key column) or filter",
          m.pkUsable()
              ? "pass key, e.g. {"
                  + String.join(", ", m.pk().stream().map(k -> "\"" + k + "\": …").toList())
                  + "}"
              : "pass filter: a list of {column, op, value} conditions");
    }
    List<Condition> where = new ArrayList<>(keyConditions(m, rows.key(), b));
    for (RowFilter f : rows.filters()) {
      where.add(condition(m, f, b));
    }
    if (where.isEmpty()) {
      throw new IllegalStateException(tool + " without a condition");
    }
    return where;
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
  // Statement building (jOOQ: names quoted by jOOQ, every value a bind value)

  /** The values bound in one call, with the columns they belong to (for error messages). */
  static final class Binds {
    /** One bound value: its column (null for a pattern), the type it is cast to, its text. */
    record Bound(String column, String type, String text) {}

    final List<Bound> bound = new ArrayList<>();

    /** A value for a column: bound as text, cast to the column's type ({@link Sql#typed}). */
    Field<Object> bind(ColumnEntry col, Object value) {
      String type = RowValues.castType(col.type());
      String text = RowValues.toBound(col.name(), type, value);
      bound.add(new Bound(col.name(), type, text));
      return Sql.typed(type, text);
    }

    /** A pattern, bound as text. */
    Field<String> bindText(String text) {
      bound.add(new Bound(null, "text", text));
      return Sql.typedText(text);
    }
  }

  private List<Condition> keyConditions(Meta m, Map<String, Object> key, Binds b) {
    List<Condition> out = new ArrayList<>();
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
      out.add(Sql.column(k).eq(b.bind(m.column(k), v)));
    }
    return out;
  }

  private static Condition condition(Meta m, RowFilter f, Binds b) {
    ColumnEntry col = m.column(f.column());
    Field<Object> q = Sql.column(col.name());
    return switch (f.op()) {
      case IS_NULL -> q.isNull();
      case IS_NOT_NULL -> q.isNotNull();
      case LIKE, ILIKE -> {
        Field<String> lhs =
            RowValues.isText(RowValues.castType(col.type()))
                ? Sql.col(String.class, col.name())
                : q.cast(SQLDataType.CLOB);
        Field<String> pattern = b.bindText((String) f.value());
        yield f.op() == RowFilter.Op.LIKE ? lhs.like(pattern) : lhs.likeIgnoreCase(pattern);
      }
      case IN, NOT_IN -> {
        List<?> l = (List<?>) f.value();
        if (l.isEmpty()) {
          yield f.op() == RowFilter.Op.IN ? DSL.falseCondition() : DSL.trueCondition();
        }
        List<Field<Object>> items = new ArrayList<>();
        for (Object v : l) {
          items.add(b.bind(col, v));
        }
        yield f.op() == RowFilter.Op.IN ? q.in(items) : q.notIn(items);
      }
      case EQ -> q.eq(b.bind(col, f.value()));
      case NE -> q.ne(b.bind(col, f.value()));
      case LT -> q.lt(b.bind(col, f.value()));
      case LE -> q.le(b.bind(col, f.value()));
      case GT -> q.gt(b.bind(col, f.value()));
      case GE -> q.ge(b.bind(col, f.value()));
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

  /**
   * {@code INSERT INTO table (columns) VALUES (values) RETURNING visible columns}, or DEFAULT
   * VALUES without values.
   */
  private static Query insertInto(Meta m, Map<String, Object> byName, Binds b) {
    InsertReturningStep<Record> insert =
        byName.isEmpty()
            ? Sql.dsl().insertInto(m.table()).defaultValues()
            : insertValues(m, byName, b);
    return insert.returning(m.visibleFields());
  }

  /** {@code INSERT INTO table (columns) VALUES (values)}; {@code byName} is not empty. */
  private static InsertValuesStepN<Record> insertValues(
      Meta m, Map<String, Object> byName, Binds b) {
    List<Field<?>> values = new ArrayList<>();
    for (Map.Entry<String, Object> e : byName.entrySet()) {
      values.add(b.bind(m.column(e.getKey()), e.getValue()));
    }
    return Sql.dsl()
        .insertInto(m.table())
        .columns(Sql.columns(byName.keySet()))
        .values(values.toArray(new Field<?>[0]));
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

  // ---------------------------------------------------------------------------------------------
  // Execution

  /** The work of one row operation, on the table it names as the catalog shows it. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c, Meta m, Binds b) throws SQLException;
  }

  /**
   * Runs a row operation through {@link SqlExecutor#run}: the table is looked up in the same
   * transaction, and inside a caller's transaction (or for a dry run) the work runs under a
   * savepoint ({@link #protect}).
   */
  private <T> T run(
      Database db,
      Access access,
      Request req,
      boolean dryRun,
      String txId,
      Caller caller,
      Work<T> work) {
    return executor.run(
        key,
        db,
        access,
        txId,
        caller,
        (c, d) -> {
          Binds b = new Binds();
          return protect(
              c,
              db,
              b,
              txId != null || dryRun,
              dryRun,
              () ->
                  work.run(
                      c, new Meta(schema.describe(c, d, req.table(), req.schema()), d, policy), b));
        });
  }

  private Change write(
      Database db, Request req, boolean dryRun, String txId, Caller caller, Work<Change> work) {
    return run(db, Access.WRITE, req, dryRun, txId, caller, work);
  }

  /**
   * Runs a body, under a savepoint when asked ({@link Savepoints#around}): a failure rolls back to
   * the savepoint (leaving a caller's transaction usable), and {@code undo} rolls back to it after
   * success (dry runs). Database errors come back as {@link CrdbException}s that name the column
   * whose value was refused, when that can be told.
   */
  private <T> T protect(
      Connection c, Database db, Binds b, boolean savepoint, boolean undo, Savepoints.Body<T> body)
      throws SQLException {
    try {
      return savepoint ? Savepoints.around(c, SAVEPOINT, undo, body) : body.run();
    } catch (Savepoints.LostException lost) {
      if (lost.failure() instanceof SQLException e) {
        throw e; // the transaction is unusable; the executor reports it as aborted
      }
      throw new CrdbException(
          ErrorCode.SQL_ERROR,
          lost.failure().getMessage(),
          "the transaction could not be restored; roll it back",
          null,
          lost.failure());
    } catch (SQLException e) {
      throw explain(SqlErrors.translate(e, db.spec()), b);
    }
  }

  /** Names the column behind a data error (invalid input, out of range, too long). */
  static CrdbException explain(CrdbException e, Binds b) {
    String state = e.sqlState();
    if (state == null || !(state.startsWith("22") || state.equals("42804"))) {
      return e;
    }
    String msg = e.getMessage() == null ? "" : e.getMessage();
    String lower = msg.toLowerCase(Locale.ROOT);
    Set<Binds.Bound> culprits = new LinkedHashSet<>();
    List<Binds.Bound> values = new ArrayList<>();
    for (Binds.Bound v : b.bound) {
      if (v.column() != null && v.text() != null) {
        values.add(v);
      }
    }
    // The value the message quotes; else a value of the type it names; else every value.
    for (Binds.Bound v : values) {
      if (msg.contains("\"" + v.text() + "\"")) {
        culprits.add(v);
      }
    }
    if (culprits.isEmpty()) {
      for (Binds.Bound v : values) {
        if (lower.contains(RowValues.baseType(v.type()))) {
          culprits.add(v);
        }
      }
    }
    if (culprits.isEmpty()) {
      culprits.addAll(values);
    }
    if (culprits.isEmpty()) {
      return e;
    }
    return new CrdbException(
        ErrorCode.INVALID_ARGUMENT,
        "the database refused the value for column "
            + String.join(
                " or ",
                culprits.stream().map(v -> "'" + v.column() + "' (" + v.type() + ")").toList())
            + ": "
            + msg,
        "pass a value of the column's type (describe the table to see the types); numeric as a"
            + " string keeps precision, bytea is base64, jsonb takes any JSON value",
        state,
        e);
  }

  private record Returned(QueryResult result, long total) {}

  /** A statement built here, rendered and checked by the safety guard like any other. */
  /**
   * The statement of {@code q}, checked by the guard and, on the connection that will run it, by
   * the database-side checks (generated SQL is held to the same rules as SQL a person writes).
   */
  private Sql.Statement checked(Database db, Connection c, Query q, boolean read)
      throws SQLException {
    Sql.Statement st = Sql.render(q);
    queries.require(db, c, st, read);
    return st;
  }

  /** {@link #returning(Connection, Sql.Statement)} of a write checked by the guard first. */
  private Returned returning(Database db, Connection c, Query q) throws SQLException {
    return returning(c, checked(db, c, q, false));
  }

  /**
   * Runs a write with RETURNING without fetch-size/max-rows limits (so the statement runs to
   * completion on both servers), keeping at most CRDB_MAX_ROWS rows and counting all.
   */
  private Returned returning(Connection c, Sql.Statement st) throws SQLException {
    long start = System.nanoTime();
    try (PreparedStatement ps = executor.prepare(c, st);
        ResultSet rs = ps.executeQuery()) {
      QueryResult r = SqlExecutor.readRows(rs, queries.maxRows(), true, start);
      return new Returned(r, r.updateCount());
    }
  }

  /** The rows of the table matching {@code where}, counted by a statement the guard checked. */
  private long count(Database db, Connection c, Meta m, List<Condition> where) throws SQLException {
    Query q = Sql.dsl().selectCount().from(m.table()).where(where);
    try (PreparedStatement ps = executor.prepare(c, checked(db, c, q, true));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Catalog

  /** A table as the catalog and the access policy show it. */
  private static final class Meta {
    final TableDescription t;
    final Dialect dialect;
    final SafetyPolicy policy;
    final Map<String, ColumnEntry> byName = new LinkedHashMap<>();

    Meta(TableDescription t, Dialect dialect, SafetyPolicy policy) {
      this.t = t;
      this.dialect = dialect;
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

    /** CockroachDB, where some statements differ (UPSERT). */
    boolean cockroach() {
      return dialect.isCockroach();
    }

    Table<Record> table() {
      return Sql.table(t.schema(), t.name());
    }

    List<Field<Object>> visibleFields() {
      return Sql.columns(visibleNames());
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

    boolean anyNullable(List<Order> ordering) {
      for (Order o : ordering) {
        if (nullable(o.column())) {
          return true;
        }
      }
      return false;
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
              "Refused ("
                  + Rule.BLOCKED_COLUMN.id()
                  + "): column "
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
