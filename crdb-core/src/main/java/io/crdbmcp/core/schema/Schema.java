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

  private DSLContext dsl(Connection c) {
    return executor.dsl(c);
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

  /** {@code relkind} as text (it is the one-byte {@code "char"} type). */
  private static final Field<String> RELKIND = col("c", "relkind").cast(SQLDataType.CLOB);

  public List<DatabaseEntry> listDatabases(Database db, String txId, Caller caller) {
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          var rows =
              dsl(c)
                  .select(
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
        });
  }

  public List<SchemaEntry> listSchemas(
      Database db, boolean includeSystem, String txId, Caller caller) {
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          var rows =
              dsl(c)
                  .select(str("s", "schema_name"), str("s", "schema_owner"))
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
        });
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
    List<String> kinds =
        includeSequences ? List.of("r", "v", "m", "f", "p", "S") : List.of("r", "v", "m", "f", "p");
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
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
              dsl(c)
                  .select(
                      str("n", "nspname"),
                      str("c", "relname"),
                      RELKIND,
                      estimate,
                      Sql.fn(
                          "obj_description", String.class, col("c", "oid"), DSL.inline("pg_class")))
                  .from(tbl("pg_catalog", "pg_class", "c"))
                  .join(tbl("pg_catalog", "pg_namespace", "n"))
                  .on(col("n", "oid").eq(col("c", "relnamespace")))
                  .where(where)
                  .and(RELKIND.in(kinds))
                  .orderBy(str("n", "nspname"), str("c", "relname"))
                  .fetch();
          List<TableEntry> out = new ArrayList<>();
          for (var r : rows) {
            if (!policy.isTableVisible(r.value1(), r.value2())) {
              continue;
            }
            out.add(
                new TableEntry(
                    r.value1(), r.value2(), kindName(r.value3()), r.value4(), r.value5()));
          }
          return out;
        });
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
  private String[] resolve(DSLContext dsl, String table, String schema) {
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
        dsl.select(str("n", "nspname"), str("c", "relname"), RELKIND)
            .from(tbl("pg_catalog", "pg_class", "c"))
            .join(tbl("pg_catalog", "pg_namespace", "n"))
            .on(col("n", "oid").eq(col("c", "relnamespace")))
            .where(where)
            .and(RELKIND.in("r", "v", "m", "f", "p"))
            .orderBy(
                DSL.when(str("n", "nspname").eq(DSL.inline("public")), DSL.inline(0))
                    .otherwise(DSL.inline(1)),
                str("n", "nspname"))
            .fetch();
    for (var r : rows) {
      if (policy.isTableVisible(r.value1(), r.value2())) {
        return new String[] {r.value1(), r.value2(), kindName(r.value3())};
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
    return executor.run(
        key, db, Access.READ, txId, caller, (c, d) -> describe(c, d, table, schema));
  }

  /**
   * The work of {@link #describeTable} on a connection already prepared by {@link SqlExecutor}, so
   * other services (row tools) can look up a table in the same transaction as their statement.
   * Public for {@code rows}; it runs only the catalog queries, on the connection it is given.
   */
  public TableDescription describe(Connection c, Dialect d, String table, String schema) {
    DSLContext dsl = dsl(c);
    String[] rel = resolve(dsl, table, schema);
    List<String> pk = primaryKey(dsl, rel[0], rel[1]);
    Condition hidden = d.isCockroach() ? str("col", "is_hidden").eq("NO") : DSL.noCondition();
    Field<String> dataType = str("col", "data_type");
    // The oid of the relation resolve() found, for col_description (one row: a table's name is
    // unique among the relations of its schema).
    Field<Object> oid =
        DSL.field(
            DSL.select(col("rc", "oid"))
                .from(tbl("pg_catalog", "pg_class", "rc"))
                .join(tbl("pg_catalog", "pg_namespace", "rn"))
                .on(col("rn", "oid").eq(col("rc", "relnamespace")))
                .where(str("rn", "nspname").eq(rel[0]))
                .and(str("rc", "relname").eq(rel[1]))
                .and(col("rc", "relkind").cast(SQLDataType.CLOB).in("r", "v", "m", "f", "p")));
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
            .where(str("col", "table_schema").eq(rel[0]))
            .and(str("col", "table_name").eq(rel[1]))
            .and(hidden)
            .orderBy(col("col", "ordinal_position"))
            .fetch();
    List<ColumnEntry> cols = new ArrayList<>();
    for (var r : rows) {
      if (!policy.isColumnVisible(rel[0], rel[1], r.value1())) {
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
    return new TableDescription(rel[0], rel[1], rel[2], cols, pk);
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

  private List<String> primaryKey(DSLContext dsl, String schema, String table) {
    return dsl.select(str("k", "column_name"))
        .from(tbl("information_schema", "table_constraints", "tc"))
        .join(tbl("information_schema", "key_column_usage", "k"))
        .on(str("k", "constraint_schema").eq(str("tc", "constraint_schema")))
        .and(str("k", "constraint_name").eq(str("tc", "constraint_name")))
        .and(str("k", "table_name").eq(str("tc", "table_name")))
        .where(str("tc", "table_schema").eq(schema))
        .and(str("tc", "table_name").eq(table))
        .and(str("tc", "constraint_type").eq("PRIMARY KEY"))
        .orderBy(col("k", "ordinal_position"))
        .fetch(str("k", "column_name"));
  }

  private static final Pattern INDEX_COLUMNS = Pattern.compile("USING (\\w+) \\((.*)\\)");

  /** Indexes of one table; two catalog queries. */
  public List<IndexEntry> listIndexes(
      Database db, String table, String schema, String txId, Caller caller) {
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          DSLContext dsl = dsl(c);
          String[] rel = resolve(dsl, table, schema);
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
                  .where(str("n", "nspname").eq(rel[0]))
                  .and(str("t", "relname").eq(rel[1]))
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
        });
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
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          DSLContext dsl = dsl(c);
          String[] rel = resolve(dsl, table, schema);
          var cons =
              dsl.select(str("tc", "constraint_name"), str("tc", "constraint_type"))
                  .from(tbl("information_schema", "table_constraints", "tc"))
                  .where(str("tc", "table_schema").eq(rel[0]))
                  .and(str("tc", "table_name").eq(rel[1]))
                  .and(
                      str("tc", "constraint_type")
                          .in("PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "CHECK"))
                  .orderBy(str("tc", "constraint_type"), str("tc", "constraint_name"))
                  .fetch();
          Map<String, List<String>> columns = new LinkedHashMap<>();
          dsl.select(str("k", "constraint_name"), str("k", "column_name"))
              .from(tbl("information_schema", "key_column_usage", "k"))
              .where(str("k", "table_schema").eq(rel[0]))
              .and(str("k", "table_name").eq(rel[1]))
              .orderBy(str("k", "constraint_name"), col("k", "ordinal_position"))
              .fetch()
              .forEach(
                  r -> columns.computeIfAbsent(r.value1(), k -> new ArrayList<>()).add(r.value2()));
          Map<String, String[]> refs = new LinkedHashMap<>();
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
              .on(str("tc", "constraint_schema").eq(str("rc", "constraint_schema")))
              .and(str("tc", "constraint_name").eq(str("rc", "constraint_name")))
              .join(tbl("information_schema", "key_column_usage", "u"))
              .on(str("u", "constraint_schema").eq(str("rc", "unique_constraint_schema")))
              .and(str("u", "constraint_name").eq(str("rc", "unique_constraint_name")))
              .where(str("tc", "table_schema").eq(rel[0]))
              .and(str("tc", "table_name").eq(rel[1]))
              .orderBy(str("rc", "constraint_name"), col("u", "ordinal_position"))
              .fetch()
              .forEach(
                  r -> {
                    refs.put(
                        r.value1(),
                        new String[] {r.value2() + "." + r.value3(), r.value5(), r.value6()});
                    refCols.computeIfAbsent(r.value1(), k -> new ArrayList<>()).add(r.value4());
                  });
          Map<String, String> checks = new LinkedHashMap<>();
          dsl.select(str("cc", "constraint_name"), str("cc", "check_clause"))
              .from(tbl("information_schema", "check_constraints", "cc"))
              .join(tbl("information_schema", "table_constraints", "tc"))
              .on(str("tc", "constraint_schema").eq(str("cc", "constraint_schema")))
              .and(str("tc", "constraint_name").eq(str("cc", "constraint_name")))
              .where(str("tc", "table_schema").eq(rel[0]))
              .and(str("tc", "table_name").eq(rel[1]))
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
            String[] ref = refs.get(name);
            if (!constraintVisible(
                rel,
                columns.getOrDefault(name, List.of()),
                ref,
                refCols.get(name),
                checks.get(name))) {
              continue; // access control: it would reveal a hidden column or table
            }
            out.add(
                new ConstraintEntry(
                    name,
                    type,
                    columns.getOrDefault(name, List.of()),
                    ref == null ? null : ref[0],
                    refCols.getOrDefault(name, List.of()),
                    ref == null ? null : ref[1],
                    ref == null ? null : ref[2],
                    checks.get(name)));
          }
          return out;
        });
  }

  /** False when a constraint names a column or table that access control hides. */
  private boolean constraintVisible(
      String[] rel, List<String> cols, String[] ref, List<String> refCols, String check) {
    for (String c : cols) {
      if (!policy.isColumnVisible(rel[0], rel[1], c)) {
        return false;
      }
    }
    if (ref != null) {
      int dot = ref[0].indexOf('.');
      String refSchema = ref[0].substring(0, dot);
      String refTable = ref[0].substring(dot + 1);
      if (!policy.isTableVisible(refSchema, refTable)) {
        return false;
      }
      for (String c : refCols == null ? List.<String>of() : refCols) {
        if (!policy.isColumnVisible(refSchema, refTable, c)) {
          return false;
        }
      }
    }
    return !mentionsHiddenColumn(rel, check);
  }

  /** True when a definition or expression names a column that access control hides. */
  private boolean mentionsHiddenColumn(String[] rel, String text) {
    if (text == null) {
      return false;
    }
    for (String word : text.toLowerCase(java.util.Locale.ROOT).split("[^a-z0-9_$]+")) {
      if (!word.isEmpty() && !policy.isColumnVisible(rel[0], rel[1], word)) {
        return true;
      }
    }
    return false;
  }
}
