package io.crdbmcp.core.schema;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.schema.SchemaInfo.ColumnEntry;
import io.crdbmcp.core.schema.SchemaInfo.ConstraintEntry;
import io.crdbmcp.core.schema.SchemaInfo.DatabaseEntry;
import io.crdbmcp.core.schema.SchemaInfo.IndexEntry;
import io.crdbmcp.core.schema.SchemaInfo.SchemaEntry;
import io.crdbmcp.core.schema.SchemaInfo.TableDescription;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import io.crdbmcp.core.sql.Access;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.sql.SqlWork;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Schema discovery built with jOOQ against the catalogs (names quoted by jOOQ, values bound; see
 * {@link Sql}). Each operation runs a fixed number of catalog queries however many tables there
 * are, works on CockroachDB and PostgreSQL (the dialect picks the query where their catalogs
 * differ), and applies access control: hidden databases, schemas, tables and columns are never
 * returned. Every query runs inside {@link SqlExecutor#run} through {@link SqlExecutor#dsl}.
 */
public final class Schema {
  /** Schemas that hold the system catalogs; listed only when asked for. */
  public static final Set<String> SYSTEM_SCHEMAS =
      Set.of("pg_catalog", "information_schema", "crdb_internal", "pg_extension", "pg_toast");

  private final EngineKey key;
  private final SqlExecutor executor;
  private final SafetyPolicy policy;

  public Schema(EngineKey key, SqlExecutor executor, SafetyPolicy policy) {
    EngineKey.check(key);
    this.key = key;
    this.executor = executor;
    this.policy = policy;
  }

  /** A relation found by name ({@link #resolve}), as the catalog spells it. */
  record Relation(String schema, String name, String kind) {}

  /** Catalog queries with jOOQ, on the connection of {@link #read}. */
  @FunctionalInterface
  private interface CatalogWork<T> {
    T run(DSLContext dsl, Dialect d);
  }

  /** Catalog work about one table, resolved first in the same transaction. */
  @FunctionalInterface
  private interface TableWork<T> {
    T run(DSLContext dsl, Dialect d, Relation rel);
  }

  /** Catalog queries through the one execution path, in a read-only transaction. */
  <T> T read(Database db, String txId, Caller caller, SqlWork<T> work) {
    return executor.run(key, db, Access.READ, txId, caller, work);
  }

  /** {@link #read} of catalog queries built with jOOQ. */
  private <T> T catalog(Database db, String txId, Caller caller, CatalogWork<T> work) {
    return read(db, txId, caller, (c, d) -> work.run(dsl(c), d));
  }

  /** {@link #catalog} about one table: {@code table} (and {@code schema}) resolved first. */
  private <T> T onTable(
      Database db, String table, String schema, String txId, Caller caller, TableWork<T> work) {
    return catalog(db, txId, caller, (dsl, d) -> work.run(dsl, d, resolve(dsl, table, schema)));
  }

  /** jOOQ on a connection of {@link #read}, with the executor's settings and timeout. */
  DSLContext dsl(Connection c) {
    return executor.dsl(c);
  }

  /** The access policy that hides databases, schemas, tables and columns. */
  SafetyPolicy policy() {
    return policy;
  }

  private static Field<String> str(String... parts) {
    return Sql.col(String.class, parts);
  }

  private static Field<Object> col(String... parts) {
    return Sql.col(Object.class, parts);
  }

  private static Table<Record> tbl(String schema, String t, String alias) {
    return Sql.table(schema, t, alias);
  }

  /**
   * {@code relkind} of pg_class {@code alias} as text (it is the one-byte {@code "char"} type).
   * Built per query, not held in a static field: loading this class must not start jOOQ (tens of
   * milliseconds) before the server answers {@code initialize}.
   */
  private static Field<String> relkind(String alias) {
    return col(alias, "relkind").cast(SQLDataType.CLOB);
  }

  /** The kinds of relation a table name can name: tables, views, foreign and partitioned tables. */
  private static final List<String> RELATION_KINDS = List.of("r", "v", "m", "f", "p");

  /** pg_class {@code c} joined to its pg_namespace {@code n}. */
  private static Table<Record> classes(String c, String n) {
    return tbl("pg_catalog", "pg_class", c)
        .join(tbl("pg_catalog", "pg_namespace", n))
        .on(col(n, "oid").eq(col(c, "relnamespace")));
  }

  /** The rows of an information_schema view {@code alias} about {@code rel}. */
  private static Condition about(String alias, Relation rel) {
    return str(alias, "table_schema").eq(rel.schema()).and(str(alias, "table_name").eq(rel.name()));
  }

  /** Joins information_schema.table_constraints {@code tc} to the constraint of {@code alias}. */
  private static Condition sameConstraint(String alias) {
    return str("tc", "constraint_schema")
        .eq(str(alias, "constraint_schema"))
        .and(str("tc", "constraint_name").eq(str(alias, "constraint_name")));
  }

  public List<DatabaseEntry> listDatabases(Database db, String txId, Caller caller) {
    return catalog(db, txId, caller, this::databases);
  }

  private List<DatabaseEntry> databases(DSLContext dsl, Dialect d) {
    var rows =
        dsl.select(
                str("d", "datname"),
                Sql.fn("pg_get_userbyid", String.class, col("d", "datdba")),
                Sql.fn("pg_encoding_to_char", String.class, col("d", "encoding")))
            .from(tbl("pg_catalog", "pg_database", "d"))
            .where(
                d.isCockroach()
                    ? DSL.noCondition()
                    : Sql.col(Boolean.class, "d", "datistemplate").isFalse())
            .orderBy(str("d", "datname"))
            .fetch();
    List<DatabaseEntry> out = new ArrayList<>();
    for (var r : rows) {
      if (policy.isDatabaseVisible(r.value1())) {
        out.add(new DatabaseEntry(r.value1(), r.value2(), r.value3()));
      }
    }
    return out;
  }

  public List<SchemaEntry> listSchemas(
      Database db, boolean includeSystem, String txId, Caller caller) {
    return catalog(db, txId, caller, (dsl, d) -> schemas(dsl, includeSystem));
  }

  private List<SchemaEntry> schemas(DSLContext dsl, boolean includeSystem) {
    var rows =
        dsl.select(str("s", "schema_name"), str("s", "schema_owner"))
            .from(tbl("information_schema", "schemata", "s"))
            .where(str("s", "catalog_name").eq(Sql.fn("current_database", String.class)))
            .orderBy(str("s", "schema_name"))
            .fetch();
    List<SchemaEntry> out = new ArrayList<>();
    for (var r : rows) {
      String s = r.value1();
      boolean system = isSystemSchema(s);
      if ((includeSystem || !system) && (system || policy.isSchemaVisible(s))) {
        out.add(new SchemaEntry(s, r.value2()));
      }
    }
    return out;
  }

  static boolean isSystemSchema(String s) {
    return SYSTEM_SCHEMAS.contains(s) || s.startsWith("pg_temp") || s.startsWith("pg_toast");
  }

  /** Tables and views with their kind and estimated row count; one catalog query. */
  public List<TableEntry> listTables(Database db, String schema, String txId, Caller caller) {
    return listTables(db, schema, false, txId, caller);
  }

  /**
   * Tables, views and, when asked, sequences, each with its kind and estimated row count; one
   * catalog query.
   */
  public List<TableEntry> listTables(
      Database db, String schema, boolean includeSequences, String txId, Caller caller) {
    List<String> kinds = new ArrayList<>(RELATION_KINDS);
    if (includeSequences) {
      kinds.add("S");
    }
    return catalog(db, txId, caller, (dsl, d) -> tables(dsl, d, schema, kinds));
  }

  private List<TableEntry> tables(DSLContext dsl, Dialect d, String schema, List<String> kinds) {
    Condition where =
        schema != null
            ? str("n", "nspname").eq(schema)
            : str("n", "nspname")
                .notIn(SYSTEM_SCHEMAS)
                .and(str("n", "nspname").notLike("pg\\_temp%"));
    Field<Long> estimate =
        d.isCockroach()
            // CockroachDB keeps row estimates in crdb_internal, keyed by table id (= oid).
            ? DSL.field(
                DSL.select(DSL.max(Sql.col(Long.class, "s", "estimated_row_count")))
                    .from(tbl("crdb_internal", "table_row_statistics", "s"))
                    .where(
                        Sql.col(Long.class, "s", "table_id")
                            .eq(col("c", "oid").cast(SQLDataType.BIGINT))))
            : DSL.when(
                    // reltuples is a real; the Java type here only types the literal 0.
                    Sql.col(Integer.class, "c", "reltuples").ge(DSL.inline(0)),
                    col("c", "reltuples").cast(SQLDataType.BIGINT))
                .else_(DSL.castNull(SQLDataType.BIGINT));
    var rows =
        dsl.select(
                str("n", "nspname"),
                str("c", "relname"),
                relkind("c"),
                estimate,
                Sql.fn("obj_description", String.class, col("c", "oid"), DSL.inline("pg_class")))
            .from(classes("c", "n"))
            .where(where)
            .and(relkind("c").in(kinds))
            .orderBy(str("n", "nspname"), str("c", "relname"))
            .fetch();
    List<TableEntry> out = new ArrayList<>();
    for (var r : rows) {
      if (!policy.isTableVisible(r.value1(), r.value2())) {
        continue;
      }
      out.add(new TableEntry(r.value1(), r.value2(), kindName(r.value3()), r.value4(), r.value5()));
    }
    return out;
  }

  static String kindName(String relkind) {
    return switch (relkind == null ? "" : relkind) {
      case "r", "p" -> "table";
      case "v" -> "view";
      case "m" -> "materialized view";
      case "f" -> "foreign table";
      case "S" -> "sequence";
      default -> relkind;
    };
  }

  /** Resolves "schema.table" or "table" (searching the user schemas) to a visible relation. */
  private Relation resolve(DSLContext dsl, String table, String schema) {
    String s = schema;
    String t = table;
    if (t == null || t.isBlank()) {
      throw CrdbException.invalidArgument(
          "table is required", "list the tables to see their names");
    }
    if (s == null && t.contains(".") && !t.startsWith("\"")) {
      int dot = t.indexOf('.');
      s = t.substring(0, dot);
      t = t.substring(dot + 1);
    }
    Condition where = str("c", "relname").eq(t);
    where =
        s != null
            ? where.and(str("n", "nspname").eq(s))
            : where.and(str("n", "nspname").notIn(SYSTEM_SCHEMAS));
    var rows =
        dsl.select(str("n", "nspname"), str("c", "relname"), relkind("c"))
            .from(classes("c", "n"))
            .where(where)
            .and(relkind("c").in(RELATION_KINDS))
            .orderBy(
                DSL.when(str("n", "nspname").eq(DSL.inline("public")), DSL.inline(0))
                    .otherwise(DSL.inline(1)),
                str("n", "nspname"))
            .fetch();
    for (var r : rows) {
      if (policy.isTableVisible(r.value1(), r.value2())) {
        return new Relation(r.value1(), r.value2(), kindName(r.value3()));
      }
    }
    throw new CrdbException(
        ErrorCode.NOT_FOUND,
        "table '" + (s == null ? "" : s + ".") + t + "' does not exist or is not visible",
        "list the tables to see the tables and views",
        "42P01", // undefined_table, as the database would say
        null);
  }

  /** Columns with type, nullability, default, primary key and comment; two catalog queries. */
  public TableDescription describeTable(
      Database db, String table, String schema, String txId, Caller caller) {
    return onTable(db, table, schema, txId, caller, this::describe);
  }

  /**
   * The work of {@link #describeTable} on a connection already prepared by {@link SqlExecutor}, so
   * other services (row tools) can look up a table in the same transaction as their statement.
   * Public for {@code rows}; it runs only the catalog queries, on the connection it is given.
   */
  public TableDescription describe(Connection c, Dialect d, String table, String schema) {
    DSLContext dsl = dsl(c);
    return describe(dsl, d, resolve(dsl, table, schema));
  }

  private TableDescription describe(DSLContext dsl, Dialect d, Relation rel) {
    List<String> pk = primaryKey(dsl, rel);
    Condition hidden = d.isCockroach() ? str("col", "is_hidden").eq("NO") : DSL.noCondition();
    Field<String> dataType = str("col", "data_type");
    // The oid of the relation resolve() found, for col_description (one row: a table's name is
    // unique among the relations of its schema).
    Field<Object> oid =
        DSL.field(
            DSL.select(col("rc", "oid"))
                .from(classes("rc", "rn"))
                .where(str("rn", "nspname").eq(rel.schema()))
                .and(str("rc", "relname").eq(rel.name()))
                .and(relkind("rc").in(RELATION_KINDS)));
    var rows =
        dsl.select(
                str("col", "column_name"),
                DSL.when(
                        dataType.in(DSL.inline("ARRAY"), DSL.inline("USER-DEFINED")),
                        str("col", "udt_name"))
                    .otherwise(dataType),
                str("col", "is_nullable"),
                str("col", "column_default"),
                Sql.fn(
                    "col_description",
                    String.class,
                    oid,
                    col("col", "ordinal_position").cast(SQLDataType.INTEGER)),
                Sql.col(Integer.class, "col", "character_maximum_length"),
                Sql.col(Integer.class, "col", "numeric_precision"),
                Sql.col(Integer.class, "col", "numeric_scale"))
            .from(tbl("information_schema", "columns", "col"))
            .where(about("col", rel))
            .and(hidden)
            .orderBy(col("col", "ordinal_position"))
            .fetch();
    List<ColumnEntry> cols = new ArrayList<>();
    for (var r : rows) {
      if (!policy.isColumnVisible(rel.schema(), rel.name(), r.value1())) {
        continue;
      }
      cols.add(
          new ColumnEntry(
              r.value1(),
              typeName(r.value2(), r.value6(), r.value7(), r.value8()),
              "YES".equals(r.value3()),
              r.value4(),
              pk.contains(r.value1()),
              r.value5()));
    }
    return new TableDescription(rel.schema(), rel.name(), rel.kind(), cols, pk);
  }

  static String typeName(String type, Integer charLen, Integer precision, Integer scale) {
    if (type == null) {
      return null;
    }
    if (charLen != null && (type.startsWith("character") || type.equals("bit"))) {
      return type + "(" + charLen + ")";
    }
    if (type.equals("numeric") && precision != null) {
      return "numeric(" + precision + "," + (scale == null ? 0 : scale) + ")";
    }
    return type;
  }

  private static List<String> primaryKey(DSLContext dsl, Relation rel) {
    return dsl.select(str("k", "column_name"))
        .from(tbl("information_schema", "table_constraints", "tc"))
        .join(tbl("information_schema", "key_column_usage", "k"))
        .on(sameConstraint("k"))
        .and(str("k", "table_name").eq(str("tc", "table_name")))
        .where(about("tc", rel))
        .and(str("tc", "constraint_type").eq("PRIMARY KEY"))
        .orderBy(col("k", "ordinal_position"))
        .fetch(str("k", "column_name"));
  }

  private static final Pattern INDEX_COLUMNS = Pattern.compile("USING (\\w+) \\((.*)\\)");

  /** Indexes of one table; two catalog queries. */
  public List<IndexEntry> listIndexes(
      Database db, String table, String schema, String txId, Caller caller) {
    return onTable(db, table, schema, txId, caller, (dsl, d, rel) -> indexes(dsl, rel));
  }

  private List<IndexEntry> indexes(DSLContext dsl, Relation rel) {
    var rows =
        dsl.select(
                str("ic", "relname"),
                Sql.col(Boolean.class, "ix", "indisunique"),
                Sql.col(Boolean.class, "ix", "indisprimary"),
                Sql.fn("pg_get_indexdef", String.class, col("ix", "indexrelid")))
            .from(tbl("pg_catalog", "pg_index", "ix"))
            .join(tbl("pg_catalog", "pg_class", "ic"))
            .on(col("ic", "oid").eq(col("ix", "indexrelid")))
            .join(tbl("pg_catalog", "pg_class", "t"))
            .on(col("t", "oid").eq(col("ix", "indrelid")))
            .join(tbl("pg_catalog", "pg_namespace", "n"))
            .on(col("n", "oid").eq(col("t", "relnamespace")))
            .where(str("n", "nspname").eq(rel.schema()))
            .and(str("t", "relname").eq(rel.name()))
            .orderBy(col("ix", "indisprimary").desc(), str("ic", "relname"))
            .fetch();
    List<IndexEntry> out = new ArrayList<>();
    for (var r : rows) {
      String def = r.value4();
      Matcher m = def == null ? null : INDEX_COLUMNS.matcher(def);
      List<String> cols = new ArrayList<>();
      String method = null;
      if (m != null && m.find()) {
        method = m.group(1);
        for (String part : splitTopLevel(m.group(2))) {
          cols.add(part.trim());
        }
      }
      // Any mention of a hidden column (key, INCLUDE, WHERE, expression) hides the index.
      if (!mentionsHiddenColumn(rel, def)) {
        out.add(new IndexEntry(r.value1(), cols, r.value2(), r.value3(), method, def));
      }
    }
    return out;
  }

  static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char ch : s.toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (!quoted && ch == '(') {
        depth++;
      } else if (!quoted && ch == ')') {
        depth--;
      } else if (!quoted && depth == 0 && ch == ',') {
        out.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(ch);
    }
    if (!cur.isEmpty()) {
      out.add(cur.toString());
    }
    return out;
  }

  /** Primary, unique, foreign key and check constraints; four catalog queries. */
  public List<ConstraintEntry> getConstraints(
      Database db, String table, String schema, String txId, Caller caller) {
    return onTable(db, table, schema, txId, caller, (dsl, d, rel) -> constraints(dsl, rel));
  }

  /** The table a foreign key references, and its actions. */
  private record Reference(String schema, String table, String onUpdate, String onDelete) {
    String qualified() {
      return schema + "." + table;
    }
  }

  private List<ConstraintEntry> constraints(DSLContext dsl, Relation rel) {
    var cons =
        dsl.select(str("tc", "constraint_name"), str("tc", "constraint_type"))
            .from(tbl("information_schema", "table_constraints", "tc"))
            .where(about("tc", rel))
            .and(str("tc", "constraint_type").in("PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "CHECK"))
            .orderBy(str("tc", "constraint_type"), str("tc", "constraint_name"))
            .fetch();
    Map<String, List<String>> columns = new LinkedHashMap<>();
    dsl.select(str("k", "constraint_name"), str("k", "column_name"))
        .from(tbl("information_schema", "key_column_usage", "k"))
        .where(about("k", rel))
        .orderBy(str("k", "constraint_name"), col("k", "ordinal_position"))
        .fetch()
        .forEach(r -> columns.computeIfAbsent(r.value1(), k -> new ArrayList<>()).add(r.value2()));
    Map<String, Reference> refs = new LinkedHashMap<>();
    Map<String, List<String>> refCols = new LinkedHashMap<>();
    dsl.select(
            str("rc", "constraint_name"),
            str("u", "table_schema"),
            str("u", "table_name"),
            str("u", "column_name"),
            str("rc", "update_rule"),
            str("rc", "delete_rule"))
        .from(tbl("information_schema", "referential_constraints", "rc"))
        .join(tbl("information_schema", "table_constraints", "tc"))
        .on(sameConstraint("rc"))
        .join(tbl("information_schema", "key_column_usage", "u"))
        .on(str("u", "constraint_schema").eq(str("rc", "unique_constraint_schema")))
        .and(str("u", "constraint_name").eq(str("rc", "unique_constraint_name")))
        .where(about("tc", rel))
        .orderBy(str("rc", "constraint_name"), col("u", "ordinal_position"))
        .fetch()
        .forEach(
            r -> {
              refs.put(r.value1(), new Reference(r.value2(), r.value3(), r.value5(), r.value6()));
              refCols.computeIfAbsent(r.value1(), k -> new ArrayList<>()).add(r.value4());
            });
    Map<String, String> checks = new LinkedHashMap<>();
    dsl.select(str("cc", "constraint_name"), str("cc", "check_clause"))
        .from(tbl("information_schema", "check_constraints", "cc"))
        .join(tbl("information_schema", "table_constraints", "tc"))
        .on(sameConstraint("cc"))
        .where(about("tc", rel))
        .fetch()
        .forEach(r -> checks.put(r.value1(), r.value2()));
    List<ConstraintEntry> out = new ArrayList<>();
    for (var r : cons) {
      String name = r.value1();
      String type = r.value2();
      if (type.equals("CHECK")
          && (name.endsWith("_not_null")
              || checks.get(name) == null
              || checks.get(name).endsWith("IS NOT NULL"))) {
        continue; // PostgreSQL lists NOT NULL as CHECK constraints; describe_table shows
        // those.
      }
      Reference ref = refs.get(name);
      if (!constraintVisible(
          rel, columns.getOrDefault(name, List.of()), ref, refCols.get(name), checks.get(name))) {
        continue; // access control: it would reveal a hidden column or table
      }
      out.add(
          new ConstraintEntry(
              name,
              type,
              columns.getOrDefault(name, List.of()),
              ref == null ? null : ref.qualified(),
              refCols.getOrDefault(name, List.of()),
              ref == null ? null : ref.onUpdate(),
              ref == null ? null : ref.onDelete(),
              checks.get(name)));
    }
    return out;
  }

  /** False when a constraint names a column or table that access control hides. */
  private boolean constraintVisible(
      Relation rel, List<String> cols, Reference ref, List<String> refCols, String check) {
    for (String c : cols) {
      if (!policy.isColumnVisible(rel.schema(), rel.name(), c)) {
        return false;
      }
    }
    if (ref != null) {
      if (!policy.isTableVisible(ref.schema(), ref.table())) {
        return false;
      }
      for (String c : refCols == null ? List.<String>of() : refCols) {
        if (!policy.isColumnVisible(ref.schema(), ref.table(), c)) {
          return false;
        }
      }
    }
    return !mentionsHiddenColumn(rel, check);
  }

  /** True when a definition or expression names a column that access control hides. */
  private boolean mentionsHiddenColumn(Relation rel, String text) {
    if (text == null) {
      return false;
    }
    for (String word : text.toLowerCase(java.util.Locale.ROOT).split("[^a-z0-9_$]+")) {
      if (!word.isEmpty() && !policy.isColumnVisible(rel.schema(), rel.name(), word)) {
        return true;
      }
    }
    return false;
  }

  // --- The whole schema at once (questions in plain language) ---------------------------------

  /**
   * Every visible table and view with columns, primary key, foreign keys and comments, for a model
   * that writes SQL from a question; four catalog queries however many tables there are. Access
   * control applies: hidden tables and columns, and foreign keys naming them, are left out.
   */
  public SchemaSnapshot snapshot(Database db, String txId, Caller caller) {
    return catalog(db, txId, caller, this::snapshot);
  }

  private SchemaSnapshot snapshot(DSLContext dsl, Dialect d) {
    List<TableEntry> entries = tables(dsl, d, null, RELATION_KINDS);
    Condition userSchemas =
        str("col", "table_schema")
            .notIn(SYSTEM_SCHEMAS)
            .and(str("col", "table_schema").notLike("pg\\_temp%"));
    Condition hidden = d.isCockroach() ? str("col", "is_hidden").eq("NO") : DSL.noCondition();
    Field<String> dataType = str("col", "data_type");
    Map<String, List<SchemaSnapshot.Column>> columns = new LinkedHashMap<>();
    dsl.select(
            str("col", "table_schema"),
            str("col", "table_name"),
            str("col", "column_name"),
            DSL.when(
                    dataType.in(DSL.inline("ARRAY"), DSL.inline("USER-DEFINED")),
                    str("col", "udt_name"))
                .otherwise(dataType),
            str("col", "is_nullable"),
            Sql.fn(
                "col_description",
                String.class,
                col("c", "oid"),
                col("col", "ordinal_position").cast(SQLDataType.INTEGER)),
            Sql.col(Integer.class, "col", "character_maximum_length"),
            Sql.col(Integer.class, "col", "numeric_precision"),
            Sql.col(Integer.class, "col", "numeric_scale"))
        .from(tbl("information_schema", "columns", "col"))
        .join(tbl("pg_catalog", "pg_namespace", "n"))
        .on(str("n", "nspname").eq(str("col", "table_schema")))
        .join(tbl("pg_catalog", "pg_class", "c"))
        .on(col("c", "relnamespace").eq(col("n", "oid")))
        .and(str("c", "relname").eq(str("col", "table_name")))
        .and(relkind("c").in(RELATION_KINDS))
        .where(userSchemas)
        .and(hidden)
        .orderBy(
            str("col", "table_schema"), str("col", "table_name"), col("col", "ordinal_position"))
        .fetch()
        .forEach(
            r -> {
              if (policy.isColumnVisible(r.value1(), r.value2(), r.value3())) {
                columns
                    .computeIfAbsent(r.value1() + "." + r.value2(), k -> new ArrayList<>())
                    .add(
                        new SchemaSnapshot.Column(
                            r.value3(),
                            typeName(r.value4(), r.value7(), r.value8(), r.value9()),
                            "YES".equals(r.value5()),
                            r.value6()));
              }
            });
    Map<String, List<String>> keys = new LinkedHashMap<>();
    dsl.select(str("tc", "table_schema"), str("tc", "table_name"), str("k", "column_name"))
        .from(tbl("information_schema", "table_constraints", "tc"))
        .join(tbl("information_schema", "key_column_usage", "k"))
        .on(sameConstraint("k"))
        .and(str("k", "table_schema").eq(str("tc", "table_schema")))
        .and(str("k", "table_name").eq(str("tc", "table_name")))
        .where(str("tc", "constraint_type").eq("PRIMARY KEY"))
        .and(str("tc", "table_schema").notIn(SYSTEM_SCHEMAS))
        .orderBy(str("tc", "table_schema"), str("tc", "table_name"), col("k", "ordinal_position"))
        .fetch()
        .forEach(
            r ->
                keys.computeIfAbsent(r.value1() + "." + r.value2(), k -> new ArrayList<>())
                    .add(r.value3()));
    // Foreign keys: the referencing column (k) and the referenced one (u) at the same position.
    record Fk(String schema, String table, String name) {}
    Map<Fk, List<String[]>> fkColumns = new LinkedHashMap<>();
    dsl.select(
            str("tc", "table_schema"),
            str("tc", "table_name"),
            str("rc", "constraint_name"),
            str("k", "column_name"),
            str("u", "table_schema"),
            str("u", "table_name"),
            str("u", "column_name"))
        .from(tbl("information_schema", "referential_constraints", "rc"))
        .join(tbl("information_schema", "table_constraints", "tc"))
        .on(sameConstraint("rc"))
        .join(tbl("information_schema", "key_column_usage", "k"))
        .on(sameConstraint("k"))
        .and(str("k", "table_schema").eq(str("tc", "table_schema")))
        .and(str("k", "table_name").eq(str("tc", "table_name")))
        .join(tbl("information_schema", "key_column_usage", "u"))
        .on(str("u", "constraint_schema").eq(str("rc", "unique_constraint_schema")))
        .and(str("u", "constraint_name").eq(str("rc", "unique_constraint_name")))
        .and(
            Sql.col(Integer.class, "u", "ordinal_position")
                .eq(Sql.col(Integer.class, "k", "position_in_unique_constraint")))
        .where(str("tc", "table_schema").notIn(SYSTEM_SCHEMAS))
        .orderBy(
            str("tc", "table_schema"),
            str("tc", "table_name"),
            str("rc", "constraint_name"),
            col("k", "ordinal_position"))
        .fetch()
        .forEach(
            r ->
                fkColumns
                    .computeIfAbsent(
                        new Fk(r.value1(), r.value2(), r.value3()), k -> new ArrayList<>())
                    .add(new String[] {r.value4(), r.value5(), r.value6(), r.value7()}));
    Map<String, List<SchemaSnapshot.ForeignKey>> fks = new LinkedHashMap<>();
    fkColumns.forEach(
        (fk, cols) -> {
          String refSchema = cols.get(0)[1];
          String refTable = cols.get(0)[2];
          List<String> from = new ArrayList<>();
          List<String> to = new ArrayList<>();
          boolean visible = policy.isTableVisible(refSchema, refTable);
          for (String[] c : cols) {
            from.add(c[0]);
            to.add(c[3]);
            visible &=
                policy.isColumnVisible(fk.schema(), fk.table(), c[0])
                    && policy.isColumnVisible(refSchema, refTable, c[3]);
          }
          if (visible) {
            fks.computeIfAbsent(fk.schema() + "." + fk.table(), k -> new ArrayList<>())
                .add(new SchemaSnapshot.ForeignKey(from, refSchema, refTable, to));
          }
        });
    List<SchemaSnapshot.Table> out = new ArrayList<>();
    for (TableEntry e : entries) {
      String q = e.schema() + "." + e.name();
      List<String> pk = keys.getOrDefault(q, List.of());
      boolean pkVisible =
          pk.stream().allMatch(c -> policy.isColumnVisible(e.schema(), e.name(), c));
      out.add(
          new SchemaSnapshot.Table(
              e.schema(),
              e.name(),
              e.kind(),
              e.comment(),
              e.estimatedRows(),
              columns.getOrDefault(q, List.of()),
              pkVisible ? pk : List.of(),
              fks.getOrDefault(q, List.of())));
    }
    return new SchemaSnapshot(out, java.time.Instant.now());
  }
}
