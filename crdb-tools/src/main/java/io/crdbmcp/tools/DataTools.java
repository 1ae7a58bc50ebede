package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.rows.RowFilter;
import io.crdbmcp.core.rows.Rows;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.StatementKind;
import io.crdbmcp.core.sql.QueryResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** read_rows, insert_row, update_row, delete_row and upsert_row. */
final class DataTools {
  private DataTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(
        readRows(crdb), insertRow(crdb), updateRow(crdb), deleteRow(crdb), upsertRow(crdb));
  }

  private static final String FILTER_HELP =
      "AND-ed [{\"column\",\"op\",\"value\"}]; op: = != < <= > >= like ilike in not_in is_null is_not_null.";

  static final Param<String> TABLE =
      Param.text("table", "May be schema-qualified.").brief().required();

  static final Param<String> SCHEMA = Params.TABLE_SCHEMA;

  static final Param<Map<String, Object>> KEY = Param.object("key", "e.g. {\"id\": 7}");

  static final Param<List<Object>> FILTER =
      Param.array("filter", "Instead of key; as in read_rows.");

  static final Param<List<Object>> COLUMNS = Param.array("columns", "Default: all.");

  static final Param<List<Object>> ORDER_BY =
      Param.array("order_by", "[{\"column\",\"direction\":\"asc|desc\"}] or column names.");

  static final Param<Integer> LIMIT = Param.integer("limit", "Rows per page.", 1);

  static final Param<String> CURSOR = Param.text("cursor", "next_cursor of the last page.");

  static final Param<Map<String, Object>> VALUES =
      Param.object("values", "Column → value.").required();

  static final Param<Map<String, Object>> SET =
      Param.object("set", "Column → new value.").required();

  static final Param<Boolean> CONFIRM =
      Param.flag("confirm", "Must be true for several rows.", false).brief();

  static final Param<Boolean> DRY_RUN = Param.flag("dry_run", "Preview only.", false).brief();

  /**
   * The arguments of a data tool, read once: the request for crdb-core's {@link Rows}, where the
   * call runs, and the output format.
   */
  record RowCall<R extends Rows.Request>(R request, Target target, boolean json) {
    static <R extends Rows.Request> Function<Args, RowCall<R>> of(Function<Args, R> request) {
      return a -> new RowCall<>(request.apply(a), Target.from(a), a.json());
    }
  }

  static Rows.ReadRequest readRequest(Args a) {
    return new Rows.ReadRequest(
        a.get(TABLE),
        a.get(SCHEMA),
        a.get(KEY),
        RowFilter.parse(a.get(FILTER)),
        strings(a.get(COLUMNS), COLUMNS.name()),
        orders(a.get(ORDER_BY)),
        a.get(LIMIT),
        a.get(CURSOR));
  }

  /** The arguments of insert_row and upsert_row. */
  static Rows.InsertRequest insertRequest(Args a) {
    return new Rows.InsertRequest(a.get(TABLE), a.get(SCHEMA), a.get(VALUES));
  }

  static Rows.UpdateRequest updateRequest(Args a) {
    return new Rows.UpdateRequest(a.get(TABLE), a.get(SCHEMA), match(a), a.get(SET));
  }

  static Rows.DeleteRequest deleteRequest(Args a) {
    return new Rows.DeleteRequest(a.get(TABLE), a.get(SCHEMA), match(a));
  }

  /** Which rows an update or delete changes, and how carefully. */
  static Rows.Match match(Args a) {
    return new Rows.Match(
        a.get(KEY), RowFilter.parse(a.get(FILTER)), a.get(CONFIRM), a.get(DRY_RUN));
  }

  /** The common start of every data tool: the table, then ... */
  private static ToolDef.Builder declare(ToolDef.Builder b) {
    return b.group(Toolset.DATA).params(TABLE, SCHEMA);
  }

  /** ... and the common end. */
  private static ToolDef.Builder common(ToolDef.Builder b) {
    return b.params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT);
  }

  /**
   * The statement a data tool builds, for the call record (no SQL text: the tool wrote it): the
   * table as the arguments name it, schema-qualified when the schema was given.
   */
  private static void record(
      ToolContext ctx, StatementKind kind, String command, boolean writes, Rows.Request r) {
    String table = r.schema() == null ? r.table() : r.schema() + "." + r.table();
    ctx.record()
        .classification(
            new Classification(
                kind,
                command,
                writes,
                List.of(table),
                List.of(),
                List.of("built from structured arguments")));
  }

  private static final Map<String, Object> READ_OUTPUT =
      OutputSchemas.object(
          OutputSchemas.properties(
              "table", Map.of("type", "string"),
              "columns", Map.of("type", "array", "items", Map.of("type", "object")),
              "rows", Map.of("type", "array", "items", Map.of("type", "array")),
              "row_count", Map.of("type", "integer"),
              "truncated", Map.of("type", "boolean"),
              "next_cursor", Map.of("type", "string")),
          List.of("columns", "rows", "row_count", "truncated"));

  private static final Map<String, Object> CHANGE_OUTPUT =
      OutputSchemas.object(
          OutputSchemas.properties(
              "table", Map.of("type", "string"),
              "action", Map.of("type", "string"),
              "dry_run", Map.of("type", "boolean"),
              "rows_affected", Map.of("type", "integer"),
              "columns", Map.of("type", "array", "items", Map.of("type", "object")),
              "rows", Map.of("type", "array", "items", Map.of("type", "array"))),
          List.of("table", "action", "rows_affected", "columns", "rows"));

  private static ToolDef readRows(Crdb crdb) {
    return common(
            declare(ToolDef.reader("read_rows"))
                .param(KEY.describedAs("e.g. {\"id\": 7}"))
                .param(FILTER.describedAs(FILTER_HELP))
                .params(COLUMNS, ORDER_BY)
                .param(
                    LIMIT.describedAs(
                        "Rows per page (default "
                            + Rows.DEFAULT_LIMIT
                            + ", at most "
                            + crdb.config().maxRows()
                            + ")."))
                .param(CURSOR))
        .title("Read rows of a table")
        .description(
            "Reads rows of table by key or filter (no SQL), with columns, order_by, limit; next_cursor pages on.")
        .output(READ_OUTPUT)
        .handler(
            RowCall.of(DataTools::readRequest),
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              record(ctx, StatementKind.READ, "SELECT", false, q.request());
              Rows.ReadResult r =
                  crdb.rows().read(db, q.request(), q.target().transactionId(), ctx.caller());
              ctx.record().rows(r.result().rowCount());
              return renderRead(r, q.json());
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
    ToolDef.Builder tool =
        common(
                declare(ToolDef.writer("insert_row"))
                    .param(VALUES.describedAs("Column → value; omitted columns take defaults.")))
            .title("Insert a row")
            .description("Inserts values as one row of table; returns it with defaults.");
    return changes(tool, crdb, "INSERT", DataTools::insertRequest, Rows::insert);
  }

  private static ToolDef upsertRow(Crdb crdb) {
    ToolDef.Builder tool =
        common(
                declare(ToolDef.writer("upsert_row"))
                    .param(VALUES.describedAs("Column → value, with every primary-key column.")))
            .title("Insert or update a row")
            .description(
                "Inserts values as a row of table, or updates the row with its primary key.")
            .destructive()
            .idempotent();
    return changes(tool, crdb, "UPSERT", DataTools::insertRequest, Rows::upsert);
  }

  /** The arguments that choose the rows of update_row and delete_row. */
  private static ToolDef.Builder rowTarget(ToolDef.Builder b) {
    return b.params(KEY, FILTER, CONFIRM, DRY_RUN);
  }

  private static ToolDef updateRow(Crdb crdb) {
    ToolDef.Builder tool =
        common(rowTarget(declare(ToolDef.writer("update_row")).param(SET)))
            .title("Update rows")
            .description(
                "Sets set on the row of table with key, or rows matching filter (several need confirm=true; dry_run=true previews).")
            .destructive()
            .idempotent();
    return changes(tool, crdb, "UPDATE", DataTools::updateRequest, Rows::update);
  }

  private static ToolDef deleteRow(Crdb crdb) {
    ToolDef.Builder tool =
        common(rowTarget(declare(ToolDef.writer("delete_row"))))
            .title("Delete rows")
            .description(
                "Deletes the row of table with key, or rows matching filter (several need confirm=true; dry_run=true previews).")
            .destructive()
            .idempotent();
    return changes(tool, crdb, "DELETE", DataTools::deleteRequest, Rows::delete);
  }

  /** One of crdb-core's row changes ({@link Rows#insert}, {@link Rows#update} ...). */
  @FunctionalInterface
  interface RowChange<R extends Rows.Request> {
    Rows.Change run(Rows rows, Database db, R request, String transactionId, Caller caller);
  }

  /**
   * Finishes a row-change tool: its arguments read into {@code request}, and a handler that opens
   * the call's connection, records the statement (a dry run writes nothing), runs the change and
   * renders it.
   */
  private static <R extends Rows.Request> ToolDef changes(
      ToolDef.Builder tool,
      Crdb crdb,
      String command,
      Function<Args, R> request,
      RowChange<R> change) {
    return tool.output(CHANGE_OUTPUT)
        .handler(
            RowCall.of(request),
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              record(ctx, StatementKind.WRITE, command, !dryRun(q.request()), q.request());
              Rows.Change ch =
                  change.run(
                      crdb.rows(), db, q.request(), q.target().transactionId(), ctx.caller());
              ctx.record().rows(ch.affected());
              return renderChange(ch, q.json());
            });
  }

  private static boolean dryRun(Rows.Request r) {
    if (r instanceof Rows.UpdateRequest u) {
      return u.rows().dryRun();
    }
    return r instanceof Rows.DeleteRequest d && d.rows().dryRun();
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
