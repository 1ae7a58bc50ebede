package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.Database;
import io.crdbmcp.core.Exports;
import io.crdbmcp.core.Exports.ExportSummary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** export_to_csv and export_to_json: a query's full result written to a file. */
final class ExportTools {
  private ExportTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(exportCsv(crdb), exportJson(crdb));
  }

  static final Map<String, Object> OUTPUT =
      OutputSchemas.object(
          Map.of(
              "path", Map.of("type", "string"),
              "rows", Map.of("type", "integer"),
              "bytes", Map.of("type", "integer"),
              "duration_ms", Map.of("type", "integer"),
              "format", Map.of("type", "string"),
              "method", Map.of("type", "string", "enum", List.of("streamed"))),
          List.of("path", "rows", "bytes", "duration_ms", "method"));

  /**
   * An export reads the database but writes a file, so it is never marked read-only, and it is not
   * idempotent (a second call fails unless overwrite is set). It stays offered in read-only mode.
   */
  private static ToolDef fileWriter(
      String name, String title, String description, Params params, ToolDef.Handler handler) {
    return new ToolDef(
        name,
        Toolset.EXPORT,
        title,
        description,
        params,
        OUTPUT,
        false,
        false,
        false,
        false,
        handler);
  }

  private static Params common(Crdb crdb, String example) {
    return Params.of()
        .requiredString(
            "sql",
            "One read-only query (SELECT, WITH, VALUES, TABLE). Use $1, $2 ... for values and"
                + " pass them in params.")
        .array(
            "params", "Values for $1, $2 ... in order (strings, numbers, booleans, null).", false)
        .requiredString(
            "path",
            "File name or relative path inside the export directory ("
                + crdb.config().exportDir()
                + "), e.g. '"
                + example
                + "' or 'reports/"
                + example
                + "'. Missing directories are created; paths leaving the export directory are"
                + " refused.")
        .bool("overwrite", "Replace the file if it already exists (default false).", false)
        .integer(
            "max_rows",
            "Write at most this many rows. Default: every row (exports are not capped by"
                + " CRDB_MAX_ROWS).",
            1);
  }

  private static String description(Crdb crdb, String what) {
    return "Runs one read-only query and writes its full result to a file "
        + what
        + " under the export directory ("
        + crdb.config().exportDir()
        + "). This tool reads the database but WRITES A FILE on the server's machine. Rows are"
        + " streamed, so any row count works; CRDB_MAX_ROWS does not apply, but the statement"
        + " timeout (CRDB_QUERY_TIMEOUT="
        + crdb.config().queryTimeoutSeconds()
        + "s) does: large exports may need it raised. The file appears only when complete (a"
        + " failed export leaves nothing). Sends progress notifications when the request has a"
        + " progress token. Returns a one-line summary: rows, bytes, path, duration.";
  }

  private static ToolDef exportCsv(Crdb crdb) {
    Params p =
        common(crdb, "rides.csv")
            .bool("header", "Write a header line with the column names (default true).", true)
            .string(
                "delimiter",
                "Field delimiter, one character (default ','). '\\t' or 'tab' for a tab.")
            .string(
                "null_string",
                "Text written for NULL (default: empty). Set e.g. 'NULL' to tell NULL from an"
                    + " empty string.")
            .connection()
            .transaction();
    return fileWriter(
        "export_to_csv",
        "Export a query to CSV",
        description(crdb, "as CSV (RFC 4180)")
            + " Rows are fetched in batches and written here: text verbatim, numerics exact,"
            + " timestamps ISO-8601, JSON and arrays as JSON text, bytea base64.",
        p,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          Exports.CsvOptions opts =
              new Exports.CsvOptions(
                  a.bool("header"),
                  Exports.CsvOptions.delimiter(a.string("delimiter")),
                  a.string("null_string"));
          ExportSummary s =
              crdb.exports()
                  .exportCsvPlainSql(
                      db,
                      a.requireText("sql"),
                      params(a),
                      a.requireText("path"),
                      opts,
                      maxRows(a),
                      a.bool("overwrite"),
                      a.transactionId(),
                      ctx.caller(),
                      ctx.progress());
          return result(s);
        });
  }

  private static ToolDef exportJson(Crdb crdb) {
    Params p =
        common(crdb, "rides.json")
            .choice(
                "json_format",
                "array (default): one JSON array of row objects, one row per line; jsonl: JSON"
                    + " Lines, one row object per line.",
                "array",
                "array",
                "jsonl")
            .connection()
            .transaction();
    return fileWriter(
        "export_to_json",
        "Export a query to JSON",
        description(crdb, "as JSON")
            + " Each row is an object keyed by column name; numerics are exact decimal strings,"
            + " timestamps ISO-8601 with offset, jsonb stays JSON, arrays are lists, bytea is"
            + " base64.",
        p,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          Exports.JsonFormat f =
              "jsonl".equals(a.string("json_format"))
                  ? Exports.JsonFormat.JSONL
                  : Exports.JsonFormat.ARRAY;
          ExportSummary s =
              crdb.exports()
                  .exportJsonPlainSql(
                      db,
                      a.requireText("sql"),
                      params(a),
                      a.requireText("path"),
                      f,
                      maxRows(a),
                      a.bool("overwrite"),
                      a.transactionId(),
                      ctx.caller(),
                      ctx.progress());
          return result(s);
        });
  }

  private static List<Object> params(Args a) {
    return a.has("params") ? a.list("params") : List.of();
  }

  private static Long maxRows(Args a) {
    Object v = a.raw("max_rows");
    return v == null ? null : ((Number) v).longValue();
  }

  static ToolResult result(ExportSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", s.path().toString());
    m.put("rows", s.rows());
    m.put("bytes", s.bytes());
    m.put("duration_ms", s.durationMillis());
    m.put("format", s.format());
    m.put("method", s.method());
    String text =
        "Exported "
            + s.rows()
            + (s.rows() == 1 ? " row" : " rows")
            + " ("
            + s.bytes()
            + " bytes, "
            + s.format()
            + ", "
            + s.method()
            + ") to "
            + s.path()
            + " in "
            + s.durationMillis()
            + " ms";
    return new ToolResult(text, m);
  }
}
