package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.Database;
import io.crdbmcp.core.QueryResult;
import io.crdbmcp.core.RowFilter;
import io.crdbmcp.core.Rows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** read_rows, insert_row, update_row, delete_row and upsert_row. */
final class DataTools {
  private DataTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(
        readRows(crdb), insertRow(crdb), updateRow(crdb), deleteRow(crdb), upsertRow(crdb));
  }

  private static final String VALUE_HELP =
      " Values are JSON: numbers, strings, booleans, null; numeric as a string keeps every digit;"
          + " uuid, date and timestamptz as strings (ISO 8601); jsonb takes any JSON value; arrays"
          + " as JSON arrays; bytea as a base64 string.";

  private static final String FILTER_HELP =
      "Conditions combined with AND, each {\"column\": ..., \"op\": ..., \"value\": ...}; op is one"
          + " of =, !=, <, <=, >, >=, like, ilike, in, not_in (value is an array), is_null,"
          + " is_not_null (no value). Not SQL: columns are checked, values are bound.";

  private static Params tableParams() {
    return Params.of()
        .requiredString(
            "table", "Table name; may be schema-qualified (public.users). See list_tables.")
        .string("schema", "Schema of the table (default: searched in the user schemas).");
  }

  private static Params common(Params p) {
    return p.connection().transaction().format();
  }

  private static final Map<String, Object> READ_OUTPUT =
      OutputSchemas.object(
          Map.of(
              "table", Map.of("type", "string"),
              "columns", Map.of("type", "array", "items", Map.of("type", "object")),
              "rows", Map.of("type", "array", "items", Map.of("type", "array")),
              "row_count", Map.of("type", "integer"),
              "truncated", Map.of("type", "boolean"),
              "next_cursor", Map.of("type", "string")),
          List.of("columns", "rows", "row_count", "truncated"));

  private static final Map<String, Object> CHANGE_OUTPUT =
      OutputSchemas.object(
          Map.of(
              "table", Map.of("type", "string"),
              "action", Map.of("type", "string"),
              "dry_run", Map.of("type", "boolean"),
              "rows_affected", Map.of("type", "integer"),
              "columns", Map.of("type", "array", "items", Map.of("type", "object")),
              "rows", Map.of("type", "array", "items", Map.of("type", "array"))),
          List.of("table", "action", "rows_affected", "columns", "rows"));

  private static ToolDef readRows(Crdb crdb) {
    Params p =
        tableParams()
            .object(
                "key",
                "Primary key of one row: every primary-key column → value, e.g. {\"id\": 7}.",
                false)
            .array("filter", FILTER_HELP, false)
            .array("columns", "Columns to return (default: every visible column).", false)
            .array(
                "order_by",
                "Ordering: [{\"column\": \"created_at\", \"direction\": \"desc\"}, ...] (direction"
                    + " asc by default; a plain column name also works). The primary key is"
                    + " always added as tiebreaker; NULLs sort last.",
                false)
            .integer(
                "limit",
                "Rows per page (default "
                    + Rows.DEFAULT_LIMIT
                    + ", capped by CRDB_MAX_ROWS="
                    + crdb.config().maxRows()
                    + ").",
                1)
            .string(
                "cursor",
                "next_cursor from the previous page; pass the same table, key, filter and order_by.");
    return ToolDef.reader(
        "read_rows",
        Toolset.DATA,
        "Read rows of a table",
        "Reads rows of one table by primary key or by a structured filter (no SQL), with column"
            + " selection, ordering and a limit. When more rows exist the result has next_cursor:"
            + " pass it back as cursor to get the next page (keyset pagination, stable and"
            + " complete). Blocked columns are never returned.",
        common(p),
        READ_OUTPUT,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          Rows.ReadRequest req =
              new Rows.ReadRequest(
                  a.requireText("table"),
                  a.string("schema"),
                  a.object("key"),
                  RowFilter.parse(a.raw("filter")),
                  strings(a.list("columns"), "columns"),
                  orders(a.list("order_by")),
                  a.integer("limit"),
                  a.string("cursor"));
          Rows.ReadResult r = crdb.rows().read(db, req, a.transactionId(), ctx.caller());
          return renderRead(r, a.json());
        });
  }

  static ToolResult renderRead(Rows.ReadResult r, boolean json) {
    ToolResult base =
        Render.queryResult(
            r.result(), json, "Ask for fewer columns or a smaller limit, then use next_cursor.");
    Map<String, Object> s = new LinkedHashMap<>(base.structured());
    int shown = ((Number) s.get("row_count")).intValue();
    boolean cut = shown < r.result().rowCount();
    boolean more = r.hasMore() || cut;
    String cursor = cut ? r.cursorAfter(shown - 1) : r.nextCursor();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("table", r.table());
    out.putAll(s);
    out.put("truncated", more);
    if (cursor != null) {
      out.put("next_cursor", cursor);
    }
    List<String> ordering = new ArrayList<>();
    r.ordering().forEach(o -> ordering.add(o.toString()));
    out.put("order_by", ordering);
    if (json) {
      return new ToolResult(Render.toJson(out), out);
    }
    StringBuilder text = new StringBuilder(base.text());
    if (!cut) {
      // Render wrote "(n rows)"; say what comes next.
      if (more && cursor != null) {
        text.append("\nMore rows: call read_rows again with cursor=\"").append(cursor).append("\"");
      } else if (more) {
        text.append("\nMore rows exist; ")
            .append(r.table())
            .append(" has no visible primary key, so narrow the filter or raise limit.");
      }
    } else if (cursor != null) {
      text.append("next cursor=\"").append(cursor).append("\"");
    }
    return new ToolResult(text.toString(), out);
  }

  private static ToolDef insertRow(Crdb crdb) {
    Params p =
        tableParams()
            .object(
                "values",
                "Column → value for the new row; omitted columns take their defaults." + VALUE_HELP,
                true);
    return ToolDef.writer(
        "insert_row",
        Toolset.DATA,
        "Insert a row",
        "Inserts one row with the given column values (bound as parameters, converted to each"
            + " column's type) and returns the inserted row, defaults included.",
        common(p),
        CHANGE_OUTPUT,
        false,
        false,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          return renderChange(
              crdb.rows()
                  .insert(
                      db,
                      a.requireText("table"),
                      a.string("schema"),
                      a.object("values"),
                      a.transactionId(),
                      ctx.caller()),
              a.json());
        });
  }

  private static ToolDef upsertRow(Crdb crdb) {
    Params p =
        tableParams()
            .object(
                "values",
                "Column → value, including every primary-key column. The row with that key is"
                    + " inserted or its given columns are overwritten."
                    + VALUE_HELP,
                true);
    return ToolDef.writer(
        "upsert_row",
        Toolset.DATA,
        "Insert or update a row",
        "Inserts the row, or updates the given columns of the row with the same primary key"
            + " (UPSERT on CockroachDB, INSERT ... ON CONFLICT on PostgreSQL). Returns the row and"
            + " whether it was inserted or updated.",
        common(p),
        CHANGE_OUTPUT,
        true,
        true,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          return renderChange(
              crdb.rows()
                  .upsert(
                      db,
                      a.requireText("table"),
                      a.string("schema"),
                      a.object("values"),
                      a.transactionId(),
                      ctx.caller()),
              a.json());
        });
  }

  private static Params targetParams(Params p) {
    return p.object(
            "key",
            "Primary key of the row: every primary-key column → value, e.g. {\"id\": 7}.",
            false)
        .array("filter", FILTER_HELP + " Needed when key is not given.", false)
        .bool(
            "confirm",
            "Required (true) when a filter matches more than one row; without it nothing changes"
                + " and the error says how many rows would change.",
            false)
        .bool("dry_run", "Report the rows that would change without changing anything.", false);
  }

  private static ToolDef updateRow(Crdb crdb) {
    Params p = targetParams(tableParams().object("set", "Column → new value." + VALUE_HELP, true));
    return ToolDef.writer(
        "update_row",
        Toolset.DATA,
        "Update rows",
        "Updates the row with the given primary key, or the rows matching a filter (more than"
            + " one needs confirm=true). dry_run=true shows the rows before and after without"
            + " changing anything. Returns the updated rows.",
        common(p),
        CHANGE_OUTPUT,
        true,
        true,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          return renderChange(
              crdb.rows()
                  .update(
                      db,
                      a.requireText("table"),
                      a.string("schema"),
                      a.object("key"),
                      RowFilter.parse(a.raw("filter")),
                      a.object("set"),
                      a.bool("confirm"),
                      a.bool("dry_run"),
                      a.transactionId(),
                      ctx.caller()),
              a.json());
        });
  }

  private static ToolDef deleteRow(Crdb crdb) {
    Params p = targetParams(tableParams());
    return ToolDef.writer(
        "delete_row",
        Toolset.DATA,
        "Delete rows",
        "Deletes the row with the given primary key, or the rows matching a filter (more than"
            + " one needs confirm=true). dry_run=true shows the rows that would be deleted without"
            + " deleting. Returns the deleted rows.",
        common(p),
        CHANGE_OUTPUT,
        true,
        true,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          return renderChange(
              crdb.rows()
                  .delete(
                      db,
                      a.requireText("table"),
                      a.string("schema"),
                      a.object("key"),
                      RowFilter.parse(a.raw("filter")),
                      a.bool("confirm"),
                      a.bool("dry_run"),
                      a.transactionId(),
                      ctx.caller()),
              a.json());
        });
  }

  static ToolResult renderChange(Rows.Change ch, boolean json) {
    QueryResult rows = ch.rows();
    ToolResult base =
        Render.queryResult(
            new QueryResult(
                rows.columns(), rows.rows(), false, rows.maxRows(), -1, rows.elapsedMillis()),
            json,
            "All rows were changed; read_rows shows them.");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("table", ch.table());
    out.put("action", ch.action());
    out.put("dry_run", ch.dryRun());
    out.put("rows_affected", ch.affected());
    out.putAll(base.structured());
    if (rows.truncated()) {
      out.put("truncated", true);
    }
    ToolResult before = null;
    if (ch.before() != null) {
      before = Render.queryResult(ch.before(), false, "");
      out.put("before", before.structured());
    }
    if (json) {
      return new ToolResult(Render.toJson(out), out);
    }
    String verb =
        switch (ch.action()) {
          case "insert" -> "inserted";
          case "update" -> "updated";
          case "delete" -> "deleted";
          default -> ch.action();
        };
    StringBuilder text = new StringBuilder();
    if (ch.dryRun()) {
      text.append("DRY RUN (nothing changed): would have ")
          .append(verb)
          .append(' ')
          .append(ch.affected())
          .append(ch.affected() == 1 ? " row of " : " rows of ")
          .append(ch.table());
    } else {
      text.append(verb.toUpperCase(Locale.ROOT))
          .append(' ')
          .append(ch.affected())
          .append(ch.affected() == 1 ? " row of " : " rows of ")
          .append(ch.table());
    }
    if (ch.affected() == 0) {
      text.append(" (no row matched)");
      return new ToolResult(text.toString(), out);
    }
    text.append('\n');
    if (before != null) {
      text.append("Before:\n").append(before.text()).append("\nAfter:\n");
    }
    text.append(base.text());
    if (rows.truncated()) {
      text.append("\n(only the first ").append(rows.rowCount()).append(" rows are shown)");
    }
    return new ToolResult(text.toString(), out);
  }

  private static List<String> strings(List<Object> raw, String arg) {
    List<String> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    for (Object o : raw) {
      if (!(o instanceof String s) || s.isBlank()) {
        throw CrdbException.invalidArgument(
            arg + " must be a list of column names, got " + o, "e.g. [\"id\", \"name\"]");
      }
      out.add(s);
    }
    return out;
  }

  private static List<Rows.Order> orders(List<Object> raw) {
    List<Rows.Order> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    for (Object o : raw) {
      String column;
      Object dir = null;
      if (o instanceof String s) {
        String[] parts = s.trim().split("\\s+");
        column = parts[0];
        dir = parts.length > 1 ? parts[1] : null;
      } else if (o instanceof Map<?, ?> m && m.get("column") instanceof String c) {
        for (Object k : m.keySet()) {
          if (!List.of("column", "direction").contains(String.valueOf(k))) {
            throw CrdbException.invalidArgument(
                "unknown key '" + k + "' in order_by",
                "use {\"column\": ..., \"direction\": \"asc\"|\"desc\"}");
          }
        }
        column = c;
        dir = m.get("direction");
      } else {
        throw CrdbException.invalidArgument(
            "order_by entries are {\"column\": ..., \"direction\": \"asc\"|\"desc\"}, got " + o,
            "e.g. [{\"column\": \"created_at\", \"direction\": \"desc\"}]");
      }
      String d = dir == null ? "asc" : String.valueOf(dir).toLowerCase(Locale.ROOT);
      if (!d.equals("asc") && !d.equals("desc")) {
        throw CrdbException.invalidArgument(
            "order_by direction of '" + column + "' is '" + dir + "'", "use asc or desc");
      }
      out.add(new Rows.Order(column, d.equals("desc")));
    }
    return out;
  }
}
