package io.crdbmcp.core.cluster;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.SqlErrors;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.tx.Savepoints;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Name;
import org.jooq.PlainSQL;
import org.jooq.QueryPart;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The connection, jOOQ context and notes of one {@link Cluster} call, inside the read-only (or, for
 * cancel, read-write) transaction {@code SqlExecutor.run} started with its statement timeout, and
 * the small helpers every view reader shares: typed columns, optional parts under a savepoint,
 * timestamps, arrays, and the access-control text filter.
 */
final class Reader {
  /** Schemas that hold system catalogs; never the subject of a listing. */
  static final Set<String> SYSTEM_SCHEMAS =
      Set.of("pg_catalog", "information_schema", "crdb_internal", "pg_extension", "pg_toast");

  final Connection c;
  final DSLContext dsl;
  final SafetyPolicy policy;
  final List<String> notes = new ArrayList<>();
  private TextFilter filter;
  private Instant now;
  private String currentUser;

  Reader(Connection c, DSLContext dsl, SafetyPolicy policy) {
    this.c = c;
    this.dsl = dsl;
    this.policy = policy;
  }

  // --- typed columns
  // ------------------------------------------------------------------------------

  static Field<String> s(String... name) {
    return Sql.col(String.class, name);
  }

  static Field<Long> l(String... name) {
    return Sql.col(Long.class, name);
  }

  static Field<Boolean> b(String... name) {
    return Sql.col(Boolean.class, name);
  }

  static Field<Double> d(String... name) {
    return Sql.col(Double.class, name);
  }

  static Field<JSONB> j(String... name) {
    return Sql.col(JSONB.class, name);
  }

  /** A column read as its text form (timestamps, intervals, inet), whatever its type. */
  static Field<String> text(String... name) {
    return Sql.column(name).cast(SQLDataType.VARCHAR);
  }

  static Table<Record> t(String schema, String table, String alias) {
    return Sql.table(schema, table, alias);
  }

  /** {@code (json ->> 'key')} as text; the key is a constant of this code, inlined. */
  static Field<String> attr(Field<JSONB> json, String key) {
    return DSL.jsonbGetAttributeAsText(json, DSL.inline(key));
  }

  /** {@code (json -> 'key')}. */
  static Field<JSONB> obj(Field<JSONB> json, String key) {
    return DSL.jsonbGetAttribute(json, DSL.inline(key));
  }

  /** A numeric metric of a metrics JSON object, as a double (null when absent). */
  static Field<Double> metric(Field<JSONB> json, String key) {
    return attr(json, key).cast(SQLDataType.DOUBLE);
  }

  /**
   * A CockroachDB {@code [SHOW ...]} data source. jOOQ's POSTGRES dialect cannot build SHOW
   * statements, so these are plain-SQL templates: fixed text written in this package, with names
   * quoted by jOOQ as the only parts ({@code {0}}). No caller's text is ever part of them.
   */
  @PlainSQL
  static Table<Record> show(String template, QueryPart... names) {
    return DSL.table(template, (Object[]) names);
  }

  // --- optional parts
  // -----------------------------------------------------------------------------

  /** Work of one optional part. */
  @FunctionalInterface
  interface Part<T> {
    T run() throws SQLException;
  }

  /** Why the last optional part failed (see {@link #explain}); null when it did not. */
  String lastFailure;

  private String lastState;

  /**
   * Runs {@code part} under a savepoint, so a server that refuses it (older version, missing
   * privilege, a view Serverless does not offer) leaves the transaction usable. Returns null and
   * adds a note (also kept in {@link #lastFailure}) when it fails.
   */
  <T> T optional(String what, Part<T> part) throws SQLException {
    T r = attempt(what, part);
    if (lastFailure != null) {
      notes.add(lastFailure);
    }
    return r;
  }

  /** {@link #optional} without the note. */
  private <T> T attempt(String what, Part<T> part) throws SQLException {
    lastFailure = null;
    lastState = null;
    try {
      return Savepoints.around(c, "crdb_mcp_cluster", false, part::run);
    } catch (Savepoints.LostException lost) {
      throw lost; // the transaction is unusable
    } catch (DataAccessException | SQLException e) {
      lastFailure = explain(what, e);
      return null;
    }
  }

  /**
   * The first of {@code parts} that the server accepts, newest form first: an older form is tried
   * only when the server did not know the newer one (syntax error, unknown column or table). Null,
   * with a note, when none is accepted.
   */
  @SafeVarargs
  final <T> T firstOf(String what, Part<T>... parts) throws SQLException {
    for (int i = 0; i < parts.length; i++) {
      T r = attempt(what, parts[i]);
      if (lastFailure == null) {
        return r;
      }
      if (!isVersionFailure()) {
        break;
      }
    }
    notes.add(lastFailure);
    return null;
  }

  private boolean isVersionFailure() {
    return lastState != null
        && (lastState.equals("42601") || lastState.equals("42703") || lastState.equals("42P01"));
  }

  /** A note that says plainly why a part could not be read, and what would make it readable. */
  String explain(String what, Exception e) {
    SQLException se =
        e instanceof SQLException x ? x : ((DataAccessException) e).getCause(SQLException.class);
    String state = se == null ? null : se.getSQLState();
    lastState = state;
    String msg = SqlErrors.firstLine(se == null ? e.getMessage() : se.getMessage());
    String lower = msg == null ? "" : msg.toLowerCase(Locale.ROOT);
    String said = " (the database said: " + msg + ")";
    if ("42501".equals(state)
        || lower.contains("privilege")
        || lower.contains("admin role")
        || lower.contains("only users with")) {
      return what
          + " needs more privileges than this database user has: on CockroachDB the admin role"
          + " or the VIEWCLUSTERMETADATA / VIEWACTIVITY system privilege"
          + said;
    }
    if ("0A000".equals(state)
        || lower.contains("tenant")
        || lower.contains("virtual cluster")
        || lower.contains("unsupported")) {
      return what
          + " is not visible on this cluster: CockroachDB Serverless/Basic and Standard clusters"
          + " run as virtual clusters whose nodes Cockroach Labs manages, so node-level views are"
          + " not offered; this answer shows what the SQL layer sees"
          + said;
    }
    if ("42P01".equals(state)
        || "42703".equals(state)
        || "42883".equals(state)
        || "42601".equals(state)) {
      return what + " is not available in this server version" + said;
    }
    if ("57014".equals(state)) {
      return what + " took longer than the statement timeout (CRDB_QUERY_TIMEOUT)" + said;
    }
    return what + " could not be read" + said;
  }

  // --- time
  // ---------------------------------------------------------------------------------------

  /** The database's clock, read once per call. */
  Instant now() {
    if (now == null) {
      String t =
          dsl.select(Sql.fn("now", String.class).cast(SQLDataType.VARCHAR)).fetchOne().value1();
      now = instant(t);
      if (now == null) {
        now = Instant.now();
      }
    }
    return now;
  }

  private static final DateTimeFormatter PG_TIME =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalStart()
          .appendLiteral(' ')
          .optionalEnd()
          .optionalStart()
          .appendLiteral('T')
          .optionalEnd()
          .append(DateTimeFormatter.ISO_LOCAL_TIME)
          .optionalStart()
          .appendOffset("+HH:mm", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HH", "Z")
          .optionalEnd()
          .toFormatter(Locale.ROOT);

  /**
   * A timestamp in the server's text form ({@code 2024-05-01 10:00:00.5+02} or, for CockroachDB's
   * {@code TIMESTAMP} columns, which hold UTC, without an offset), as an instant; null when absent
   * or unreadable.
   */
  static Instant instant(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof OffsetDateTime o) {
      return o.toInstant();
    }
    if (value instanceof LocalDateTime l) {
      return l.toInstant(ZoneOffset.UTC);
    }
    if (value instanceof java.sql.Timestamp ts) {
      return ts.toLocalDateTime().toInstant(ZoneOffset.UTC);
    }
    String s = value.toString().trim();
    if (s.isEmpty()) {
      return null;
    }
    try {
      TemporalAccessor ta = PG_TIME.parse(s);
      LocalDateTime ldt = LocalDateTime.from(ta);
      ZoneOffset off =
          ta.isSupported(ChronoField.OFFSET_SECONDS)
              ? ZoneOffset.ofTotalSeconds(ta.get(ChronoField.OFFSET_SECONDS))
              : ZoneOffset.UTC;
      return ldt.toInstant(off);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String iso(Object value) {
    Instant i = instant(value);
    return i == null ? null : i.toString();
  }

  /** Seconds from {@code since} to the database's now; null when unknown. */
  Double ageSeconds(Object since) {
    Instant i = instant(since);
    if (i == null) {
      return null;
    }
    return Math.round((now().toEpochMilli() - i.toEpochMilli()) / 100.0) / 10.0;
  }

  Long uptime(Object since) {
    Double a = ageSeconds(since);
    return a == null ? null : a.longValue();
  }

  // --- values
  // -------------------------------------------------------------------------------------

  /** An array value (jOOQ's Object[], a JDBC array, a list) as longs. */
  static List<Long> longs(Object v) {
    List<Long> out = new ArrayList<>();
    for (Object o : objects(v)) {
      if (o instanceof Number n) {
        out.add(n.longValue());
      } else if (o != null) {
        try {
          out.add(Long.parseLong(o.toString().trim()));
        } catch (NumberFormatException e) {
          // not a node id
        }
      }
    }
    return out;
  }

  static List<String> strings(Object v) {
    List<String> out = new ArrayList<>();
    for (Object o : objects(v)) {
      if (o != null) {
        out.add(o.toString());
      }
    }
    return out;
  }

  private static List<Object> objects(Object v) {
    if (v == null) {
      return List.of();
    }
    if (v instanceof Object[] a) {
      return java.util.Arrays.asList(a);
    }
    if (v instanceof Collection<?> col) {
      return new ArrayList<>(col);
    }
    if (v instanceof java.sql.Array arr) {
      try {
        Object a = arr.getArray();
        if (a instanceof Object[] oa) {
          return java.util.Arrays.asList(oa);
        }
      } catch (SQLException e) {
        return List.of();
      }
    }
    String s = v.toString().trim();
    if (s.startsWith("{") && s.endsWith("}")) {
      s = s.substring(1, s.length() - 1);
      if (s.isBlank()) {
        return List.of();
      }
      List<Object> out = new ArrayList<>();
      for (String p : s.split(",")) {
        String x = p.trim();
        if (x.startsWith("\"") && x.endsWith("\"") && x.length() >= 2) {
          x = x.substring(1, x.length() - 1).replace("\\\"", "\"");
        }
        out.add(x);
      }
      return out;
    }
    return List.of(v);
  }

  static Long asLong(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    try {
      return new java.math.BigDecimal(v.toString().trim()).longValue();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static Double asDouble(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String asText(Object v) {
    return v == null ? null : v.toString();
  }

  /** The value of column {@code name} of a {@code SELECT *} row, or null when it has none. */
  static Object get(Record r, String name) {
    Field<?> f = r.field(name);
    return f == null ? null : r.get(f);
  }

  // --- who and what is visible
  // --------------------------------------------------------------------

  /** The database user of this connection. */
  String currentUser() {
    if (currentUser == null) {
      currentUser = dsl.select(DSL.currentUser()).fetchOne().value1();
    }
    return currentUser;
  }

  /** The access-control filter for statement text; looks hidden relations up once per call. */
  TextFilter filter() throws SQLException {
    if (filter == null) {
      Set<String> hidden = new HashSet<>();
      if (!policy.allowedTables().isEmpty() || !policy.allowedSchemas().isEmpty()) {
        Set<String> found =
            optional(
                "the names the allow-lists hide",
                () -> {
                  Set<String> out = new HashSet<>();
                  var rows =
                      dsl.select(s("n", "nspname"), s("c", "relname"))
                          .from(t("pg_catalog", "pg_class", "c"))
                          .join(t("pg_catalog", "pg_namespace", "n"))
                          .on(Sql.column("n", "oid").eq(Sql.column("c", "relnamespace")))
                          .where(s("n", "nspname").notIn(SYSTEM_SCHEMAS))
                          .and(s("n", "nspname").notLike("pg\\_%"))
                          .fetch();
                  for (var r : rows) {
                    if (!policy.isSchemaVisible(r.value1())) {
                      out.add(r.value1().toLowerCase(Locale.ROOT));
                    }
                    if (!policy.isTableVisible(r.value1(), r.value2())) {
                      out.add(r.value2().toLowerCase(Locale.ROOT));
                    }
                  }
                  return out;
                });
        if (found == null) {
          // Unknown which names are hidden: show no statement text at all.
          filter = TextFilter.hidingAll(policy);
          return filter;
        }
        hidden.addAll(found);
      }
      filter = TextFilter.of(policy, hidden);
    }
    return filter;
  }

  /** A table as the catalog spells it. */
  record Relation(String schema, String name) {
    Name qualified() {
      return Sql.name(schema, name);
    }
  }

  /**
   * Resolves {@code table} ({@code schema.table} or {@code table}, searched in the user schemas,
   * public first) to a relation access control shows; NOT_FOUND otherwise.
   */
  Relation resolve(String table, String schema) {
    String sch = schema;
    String tab = table;
    if (tab == null || tab.isBlank()) {
      throw CrdbException.invalidArgument("table is required", "list_tables shows the tables");
    }
    if (sch == null && tab.contains(".") && !tab.startsWith("\"")) {
      int dot = tab.indexOf('.');
      sch = tab.substring(0, dot);
      tab = tab.substring(dot + 1);
    }
    var where = s("c", "relname").eq(tab);
    where =
        sch != null
            ? where.and(s("n", "nspname").eq(sch))
            : where.and(s("n", "nspname").notIn(SYSTEM_SCHEMAS));
    var rows =
        dsl.select(s("n", "nspname"), s("c", "relname"))
            .from(t("pg_catalog", "pg_class", "c"))
            .join(t("pg_catalog", "pg_namespace", "n"))
            .on(Sql.column("n", "oid").eq(Sql.column("c", "relnamespace")))
            .where(where)
            .and(Sql.column("c", "relkind").cast(SQLDataType.VARCHAR).in("r", "p", "m", "f", "v"))
            .orderBy(
                DSL.when(s("n", "nspname").eq(DSL.inline("public")), DSL.inline(0))
                    .otherwise(DSL.inline(1)),
                s("n", "nspname"))
            .fetch();
    for (var r : rows) {
      if (policy.isTableVisible(r.value1(), r.value2())) {
        return new Relation(r.value1(), r.value2());
      }
    }
    throw new CrdbException(
        ErrorCode.NOT_FOUND,
        "table '" + (sch == null ? "" : sch + ".") + tab + "' does not exist or is not visible",
        "list_tables shows the tables and views",
        "42P01",
        null);
  }

  /** The database named, default the connection's; refused when access control hides it. */
  String visibleDatabase(String database, String connectionDatabase) {
    String name = database == null || database.isBlank() ? connectionDatabase : database;
    if (!policy.isDatabaseVisible(name)) {
      throw CrdbException.refused(
          "database '" + name + "' is blocked by CRDB_BLOCKED_DATABASES",
          "list_databases shows the visible databases");
    }
    return name;
  }

  /** Whether no column that {@code text} names (by word) is hidden on that table. */
  boolean columnsVisible(String schema, String table, String text) {
    if (text == null || !policy.isTableVisible(schema, table)) {
      return text == null;
    }
    for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9_$]+")) {
      if (!w.isEmpty() && !policy.isColumnVisible(schema, table, w)) {
        return false;
      }
    }
    return true;
  }

  /** Whether access control shows every column of the table (its keys hold no hidden values). */
  boolean columnsVisibleAll(Relation rel) {
    if (!policy.hasAccessControls()) {
      return true;
    }
    List<String> cols =
        dsl.select(s("c", "column_name"))
            .from(t("information_schema", "columns", "c"))
            .where(s("c", "table_schema").eq(rel.schema()))
            .and(s("c", "table_name").eq(rel.name()))
            .fetch(s("c", "column_name"));
    for (String col : cols) {
      if (!policy.isColumnVisible(rel.schema(), rel.name(), col)) {
        return false;
      }
    }
    return true;
  }
}
