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
      Param.text(
              "table",
              "Table or view name; may be schema-qualified (public.users). See list_tables.")
          .required();

  static final Param<String> TABLE_SCHEMA =
      Param.text("schema", "Schema of the table (default: searched in the user schemas).");

  static final Param<String> SCHEMA_FILTER =
      Param.text("schema", "Only this schema (default: all user schemas).");

  static final Param<Boolean> INCLUDE_SYSTEM =
      Param.flag("include_system", "Also list the system catalog schemas.", false);

  static final Param<Boolean> INCLUDE_SEQUENCES =
      Param.flag("include_sequences", "Also list sequences (kind 'sequence').", false);

  /** The arguments of the tools about one table. */
  record TableArgs(String table, String schema, Target target, boolean json, boolean detailed) {
    static TableArgs from(Args a) {
      return new TableArgs(
          a.get(TABLE), a.get(TABLE_SCHEMA), Target.from(a), a.json(), a.detailed());
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

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static ToolDef listDatabases(Crdb crdb) {
    return schemaTool("list_databases")
        .title("List databases")
        .description(
            "Lists the databases on the server of a connection (blocked databases are hidden).")
        .params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT, Params.DETAIL)
        .output(OutputSchemas.list("databases"))
        .handler(
            (a, ctx) -> {
              Target target = Target.from(a);
              Database db = target.open(crdb, ctx);
              List<Map<String, Object>> items = new ArrayList<>();
              for (DatabaseEntry d :
                  crdb.schema().listDatabases(db, target.transactionId(), ctx.caller())) {
                items.add(
                    map(
                        "name", d.name(),
                        "owner", d.owner(),
                        "encoding", d.encoding(),
                        "current", d.name().equals(db.spec().database())));
              }
              return Render.records(
                  items,
                  a.detailed()
                      ? List.of("name", "owner", "encoding", "current")
                      : List.of("name", "current"),
                  "databases",
                  a.json(),
                  "");
            });
  }

  private static ToolDef listSchemas(Crdb crdb) {
    return schemaTool("list_schemas")
        .title("List schemas")
        .description(
            "Lists the schemas of the current database. System schemas (pg_catalog,"
                + " information_schema, crdb_internal) only with include_system.")
        .params(INCLUDE_SYSTEM, Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT)
        .output(OutputSchemas.list("schemas"))
        .handler(
            (a, ctx) -> {
              Target target = Target.from(a);
              Database db = target.open(crdb, ctx);
              List<Map<String, Object>> items = new ArrayList<>();
              for (SchemaEntry s :
                  crdb.schema()
                      .listSchemas(
                          db, a.get(INCLUDE_SYSTEM), target.transactionId(), ctx.caller())) {
                items.add(map("name", s.name(), "owner", s.owner()));
              }
              return Render.records(items, List.of("name", "owner"), "schemas", a.json(), "");
            });
  }

  private static ToolDef listTables(Crdb crdb) {
    return schemaTool("list_tables")
        .title("List tables and views")
        .description(
            "Lists tables, views and materialized views (sequences too when asked) with their"
                + " kind and the planner's estimated row count (one catalog query, however many"
                + " tables).")
        .params(
            SCHEMA_FILTER,
            INCLUDE_SEQUENCES,
            Params.CONNECTION,
            Params.TRANSACTION_ID,
            Params.FORMAT,
            Params.DETAIL)
        .output(OutputSchemas.list("tables"))
        .handler(
            (a, ctx) -> {
              Target target = Target.from(a);
              Database db = target.open(crdb, ctx);
              List<Map<String, Object>> items = new ArrayList<>();
              for (TableEntry t :
                  crdb.schema()
                      .listTables(
                          db,
                          a.get(SCHEMA_FILTER),
                          a.get(INCLUDE_SEQUENCES),
                          target.transactionId(),
                          ctx.caller())) {
                items.add(
                    map(
                        "schema", t.schema(),
                        "name", t.name(),
                        "kind", t.kind(),
                        "estimated_rows", t.estimatedRows(),
                        "comment", t.comment()));
              }
              return Render.records(
                  items,
                  a.detailed()
                      ? List.of("schema", "name", "kind", "estimated_rows", "comment")
                      : List.of("schema", "name", "kind", "estimated_rows"),
                  "tables",
                  a.json(),
                  "Pass schema to list one schema at a time.");
            });
  }

  private static ToolDef describeTable(Crdb crdb) {
    return tableTool("describe_table")
        .title("Describe a table")
        .description(
            "Columns of a table or view: name, type, nullability, default, primary key membership"
                + " and comment.")
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
              Database db = q.target().open(crdb, ctx);
              TableDescription d =
                  crdb.schema()
                      .describeTable(
                          db, q.table(), q.schema(), q.target().transactionId(), ctx.caller());
              List<Map<String, Object>> cols = new ArrayList<>();
              for (ColumnEntry c : d.columns()) {
                cols.add(
                    map(
                        "name", c.name(),
                        "type", c.type(),
                        "nullable", c.nullable(),
                        "default", c.defaultValue(),
                        "primary_key", c.primaryKey(),
                        "comment", c.comment()));
              }
              Map<String, Object> s =
                  map(
                      "schema", d.schema(),
                      "table", d.name(),
                      "kind", d.kind(),
                      "primary_key", d.primaryKey(),
                      "columns", cols);
              if (q.json()) {
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

  private static ToolDef listIndexes(Crdb crdb) {
    return tableTool("list_indexes")
        .title("List indexes")
        .description("Indexes of a table: name, columns, unique, primary, method and definition.")
        .param(Params.DETAIL)
        .output(OutputSchemas.list("indexes"))
        .handler(
            TableArgs::from,
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              List<Map<String, Object>> items = new ArrayList<>();
              for (IndexEntry i :
                  crdb.schema()
                      .listIndexes(
                          db, q.table(), q.schema(), q.target().transactionId(), ctx.caller())) {
                items.add(
                    map(
                        "name", i.name(),
                        "columns", i.columns(),
                        "unique", i.unique(),
                        "primary", i.primary(),
                        "method", i.method(),
                        "definition", i.definition()));
              }
              return Render.records(
                  items,
                  q.detailed()
                      ? List.of("name", "columns", "unique", "primary", "method", "definition")
                      : List.of("name", "columns", "unique", "primary"),
                  "indexes",
                  q.json(),
                  "");
            });
  }

  private static ToolDef getConstraints(Crdb crdb) {
    return tableTool("get_constraints")
        .title("Get table constraints")
        .description(
            "Primary key, unique, foreign key (with the referenced table and columns) and check"
                + " constraints of a table.")
        .output(OutputSchemas.list("constraints"))
        .handler(
            TableArgs::from,
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              List<Map<String, Object>> items = new ArrayList<>();
              for (ConstraintEntry c :
                  crdb.schema()
                      .getConstraints(
                          db, q.table(), q.schema(), q.target().transactionId(), ctx.caller())) {
                Map<String, Object> m =
                    map("name", c.name(), "type", c.type(), "columns", c.columns());
                if (c.referencedTable() != null) {
                  m.put("references", c.referencedTable());
                  m.put("referenced_columns", c.referencedColumns());
                  m.put("on_update", c.onUpdate());
                  m.put("on_delete", c.onDelete());
                }
                if (c.check() != null) {
                  m.put("check", c.check());
                }
                items.add(m);
              }
              return Render.records(
                  items,
                  List.of("name", "type", "columns", "references", "referenced_columns", "check"),
                  "constraints",
                  q.json(),
                  "");
            });
  }
}
