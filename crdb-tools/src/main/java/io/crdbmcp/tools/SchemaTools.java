package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.schema.SchemaInfo.ColumnEntry;
import io.crdbmcp.core.schema.SchemaInfo.ConstraintEntry;
import io.crdbmcp.core.schema.SchemaInfo.DatabaseEntry;
import io.crdbmcp.core.schema.SchemaInfo.IndexEntry;
import io.crdbmcp.core.schema.SchemaInfo.SchemaEntry;
import io.crdbmcp.core.schema.SchemaInfo.TableDescription;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** list_databases, list_schemas, list_tables, describe_table, list_indexes, get_constraints. */
final class SchemaTools {
  private SchemaTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(
        listDatabases(crdb),
        listSchemas(crdb),
        listTables(crdb),
        describeTable(crdb),
        listIndexes(crdb),
        getConstraints(crdb));
  }

  static final Param<String> TABLE =
      Param.text("table", "May be schema-qualified.").brief().required();

  static final Param<String> TABLE_SCHEMA = Params.TABLE_SCHEMA;

  static final Param<String> SCHEMA_FILTER = Param.text("schema", "Only this schema.");

  static final Param<Boolean> INCLUDE_SYSTEM =
      Param.flag("include_system", "Add system schemas.", false).brief();

  static final Param<Boolean> INCLUDE_SEQUENCES =
      Param.flag("include_sequences", "Add sequences.", false).brief();

  /** The arguments of the tools about one table. */
  record TableArgs(String table, String schema, View view) implements Listing {
    static TableArgs from(Args a) {
      return new TableArgs(a.get(TABLE), a.get(TABLE_SCHEMA), View.from(a));
    }
  }

  /** The arguments of list_schemas. */
  record ListSchemas(boolean includeSystem, View view) implements Listing {
    static ListSchemas from(Args a) {
      return new ListSchemas(a.get(INCLUDE_SYSTEM), View.from(a));
    }
  }

  /** The arguments of list_tables. */
  record ListTables(String schema, boolean includeSequences, View view) implements Listing {
    static ListTables from(Args a) {
      return new ListTables(a.get(SCHEMA_FILTER), a.get(INCLUDE_SEQUENCES), View.from(a));
    }
  }

  /** A reader about one table: table, schema, connection, transaction_id, format. */
  private static ToolDef.Builder tableTool(String name) {
    return ToolDef.reader(name)
        .group(Toolset.SCHEMA)
        .params(TABLE, TABLE_SCHEMA, Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT);
  }

  private static ToolDef.Builder schemaTool(String name) {
    return ToolDef.reader(name).group(Toolset.SCHEMA);
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static ToolDef listDatabases(Crdb crdb) {
    return schemaTool("list_databases")
        .title("List databases")
        .description("Lists the databases on the server.")
        .params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT, Params.DETAIL)
        .output(OutputSchemas.list("databases"))
        .handler(
            View::from,
            View.listing(
                crdb,
                DATABASES,
                Function.identity(),
                (v, db, tx, caller) -> databases(db, crdb.schema().listDatabases(db, tx, caller))));
  }

  private static final View.Shown DATABASES =
      new View.Shown(
          "databases",
          List.of("name", "current"),
          List.of("name", "owner", "encoding", "current"),
          "");

  /** The databases, each marked current when it is the connection's. */
  private static List<Map<String, Object>> databases(Database db, List<DatabaseEntry> entries) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (DatabaseEntry d : entries) {
      out.add(
          map(
              "name", d.name(),
              "owner", d.owner(),
              "encoding", d.encoding(),
              "current", d.name().equals(db.spec().database())));
    }
    return out;
  }

  private static ToolDef listSchemas(Crdb crdb) {
    return schemaTool("list_schemas")
        .title("List schemas")
        .description("Schemas of the current database (include_system adds system ones).")
        .params(INCLUDE_SYSTEM, Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT)
        .output(OutputSchemas.list("schemas"))
        .handler(
            ListSchemas::from,
            View.listing(
                crdb,
                View.Shown.as("schemas", List.of("name", "owner")),
                (SchemaEntry s) -> map("name", s.name(), "owner", s.owner()),
                (q, db, tx, caller) ->
                    crdb.schema().listSchemas(db, q.includeSystem(), tx, caller)));
  }

  private static final View.Shown TABLES =
      new View.Shown(
          "tables",
          List.of("schema", "name", "kind", "estimated_rows"),
          List.of("schema", "name", "kind", "estimated_rows", "comment"),
          "Pass schema to list one schema at a time.");

  private static Map<String, Object> table(TableEntry t) {
    return map(
        "schema", t.schema(),
        "name", t.name(),
        "kind", t.kind(),
        "estimated_rows", t.estimatedRows(),
        "comment", t.comment());
  }

  private static ToolDef listTables(Crdb crdb) {
    return schemaTool("list_tables")
        .title("List tables and views")
        .description(
            "Tables, views and materialized views (include_sequences adds sequences) with kind and estimated rows.")
        .params(
            SCHEMA_FILTER,
            INCLUDE_SEQUENCES,
            Params.CONNECTION,
            Params.TRANSACTION_ID,
            Params.FORMAT,
            Params.DETAIL)
        .output(OutputSchemas.list("tables"))
        .handler(
            ListTables::from,
            View.listing(
                crdb,
                TABLES,
                SchemaTools::table,
                (q, db, tx, caller) ->
                    crdb.schema().listTables(db, q.schema(), q.includeSequences(), tx, caller)));
  }

  private static Map<String, Object> column(ColumnEntry c) {
    return map(
        "name", c.name(),
        "type", c.type(),
        "nullable", c.nullable(),
        "default", c.defaultValue(),
        "primary_key", c.primaryKey(),
        "comment", c.comment());
  }

  private static ToolDef describeTable(Crdb crdb) {
    return tableTool("describe_table")
        .title("Describe a table")
        .description(
            "Columns of table or view: name, type, nullability, default, primary key, comment.")
        .output(
            OutputSchemas.object(
                map(
                    "schema", Map.of("type", "string"),
                    "table", Map.of("type", "string"),
                    "columns", Map.of("type", "array", "items", Map.of("type", "object"))),
                List.of("schema", "table", "columns")))
        .handler(
            TableArgs::from,
            (q, ctx) -> {
              Target target = q.view().target();
              Database db = target.open(crdb, ctx);
              TableDescription d =
                  crdb.schema()
                      .describeTable(
                          db, q.table(), q.schema(), target.transactionId(), ctx.caller());
              List<Map<String, Object>> cols = new ArrayList<>();
              d.columns().forEach(c -> cols.add(column(c)));
              Map<String, Object> s =
                  map(
                      "schema", d.schema(),
                      "table", d.name(),
                      "kind", d.kind(),
                      "primary_key", d.primaryKey(),
                      "columns", cols);
              if (q.view().json()) {
                return new ToolResult(Render.toJson(s), s);
              }
              ToolResult t =
                  Render.records(
                      cols,
                      List.of("name", "type", "nullable", "default", "primary_key", "comment"),
                      "columns",
                      false,
                      "");
              return new ToolResult(
                  d.kind() + " " + d.schema() + "." + d.name() + "\n" + t.text(), s);
            });
  }

  private static final View.Shown INDEXES =
      new View.Shown(
          "indexes",
          List.of("name", "columns", "unique", "primary"),
          List.of("name", "columns", "unique", "primary", "method", "definition"),
          "");

  private static Map<String, Object> index(IndexEntry i) {
    return map(
        "name", i.name(),
        "columns", i.columns(),
        "unique", i.unique(),
        "primary", i.primary(),
        "method", i.method(),
        "definition", i.definition());
  }

  private static ToolDef listIndexes(Crdb crdb) {
    return tableTool("list_indexes")
        .title("List indexes")
        .description("Indexes of table: name, columns, unique, primary, method, definition.")
        .param(Params.DETAIL)
        .output(OutputSchemas.list("indexes"))
        .handler(
            TableArgs::from,
            View.listing(
                crdb,
                INDEXES,
                SchemaTools::index,
                (q, db, tx, caller) ->
                    crdb.schema().listIndexes(db, q.table(), q.schema(), tx, caller)));
  }

  private static final View.Shown CONSTRAINTS =
      View.Shown.as(
          "constraints",
          List.of("name", "type", "columns", "references", "referenced_columns", "check"));

  private static Map<String, Object> constraint(ConstraintEntry c) {
    Map<String, Object> m = map("name", c.name(), "type", c.type(), "columns", c.columns());
    if (c.referencedTable() != null) {
      m.put("references", c.referencedTable());
      m.put("referenced_columns", c.referencedColumns());
      m.put("on_update", c.onUpdate());
      m.put("on_delete", c.onDelete());
    }
    if (c.check() != null) {
      m.put("check", c.check());
    }
    return m;
  }

  private static ToolDef getConstraints(Crdb crdb) {
    return tableTool("get_constraints")
        .title("Get table constraints")
        .description("Primary key, unique, foreign key and check constraints of table.")
        .output(OutputSchemas.list("constraints"))
        .handler(
            TableArgs::from,
            View.listing(
                crdb,
                CONSTRAINTS,
                SchemaTools::constraint,
                (q, db, tx, caller) ->
                    crdb.schema().getConstraints(db, q.table(), q.schema(), tx, caller)));
  }
}
