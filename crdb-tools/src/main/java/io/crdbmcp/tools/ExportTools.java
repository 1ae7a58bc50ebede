package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.export.Exports;
import io.crdbmcp.core.export.Exports.ExportSummary;
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
          OutputSchemas.properties(
              "path", Map.of("type", "string"),
              "rows", Map.of("type", "integer"),
              "bytes", Map.of("type", "integer"),
              "duration_ms", Map.of("type", "integer"),
              "format", Map.of("type", "string"),
              "method", Map.of("type", "string", "enum", List.of("streamed"))),
          List.of("path", "rows", "bytes", "duration_ms", "method"));

  static final Param<String> SQL =
      QueryTools.SQL.describedAs("One read-only query; $1, $2 ... from params.");

  static final Param<String> PATH = Param.text("path", "Where to write the file.").required();

  static final Param<Boolean> OVERWRITE =
      Param.flag("overwrite", "Replace an existing file.", false);

  static final Param<Long> MAX_ROWS = Param.longInteger("max_rows", "Row cap (default: all).", 1);

  static final Param<Boolean> HEADER = Param.flag("header", "Header line (default true).", true);

  static final Param<String> DELIMITER =
      Param.text("delimiter", "One character (default ','); 'tab' for a tab.");

  static final Param<String> NULL_STRING =
      Param.text("null_string", "Text for NULL (default: empty).");

  static final Param<String> JSON_FORMAT =
      Param.choice("json_format", "Default array; jsonl: JSON Lines.", "array", "array", "jsonl");

  /** What every export takes: the query, its values, the file and the row limit. */
  record Export(
      String sql,
      List<Object> params,
      String path,
      boolean overwrite,
      Long maxRows,
      Target target) {
    static Export from(Args a) {
      return new Export(
          a.get(SQL),
          a.has(QueryTools.PARAMS) ? a.get(QueryTools.PARAMS) : List.of(),
          a.get(PATH),
          a.get(OVERWRITE),
          a.get(MAX_ROWS),
          Target.from(a));
    }
  }

  /** The arguments of export_to_csv. */
  record CsvExport(Export export, Exports.CsvOptions options) {
    static CsvExport from(Args a) {
      return new CsvExport(
          Export.from(a),
          new Exports.CsvOptions(
              a.get(HEADER), Exports.CsvOptions.delimiter(a.get(DELIMITER)), a.get(NULL_STRING)));
    }
  }

  /** The arguments of export_to_json. */
  record JsonExport(Export export, Exports.JsonFormat format) {
    static JsonExport from(Args a) {
      return new JsonExport(
          Export.from(a),
          "jsonl".equals(a.get(JSON_FORMAT)) ? Exports.JsonFormat.JSONL : Exports.JsonFormat.ARRAY);
    }
  }

  /**
   * An export reads the database but writes a file, so it is never marked read-only, and it is not
   * idempotent (a second call fails unless overwrite is set). It stays offered in read-only mode.
   * Declares the arguments every export takes, then {@code extra}, then connection and
   * transaction_id.
   */
  private static ToolDef.Builder fileWriter(
      Crdb crdb, String name, String title, String description, String example, Param<?>... extra) {
    return ToolDef.fileWriter(name)
        .group(Toolset.EXPORT)
        .title(title)
        .description(description)
        .params(SQL, QueryTools.PARAMS)
        .param(PATH.describedAs("In the export directory, e.g. '" + example + "'."))
        .params(OVERWRITE, MAX_ROWS)
        .params(extra)
        .params(Params.CONNECTION, Params.TRANSACTION_ID)
        .output(OUTPUT);
  }

  private static String description(Crdb crdb, String what) {
    return "All rows of read-only query sql "
        + what
        + " into path in the export directory: WRITES A FILE on the server. No row cap;"
        + " CRDB_QUERY_TIMEOUT="
        + crdb.config().queryTimeoutSeconds()
        + "s; the file appears only complete.";
  }

  private static ToolDef exportCsv(Crdb crdb) {
    return fileWriter(
            crdb,
            "export_to_csv",
            "Export a query to CSV",
            description(crdb, "as CSV"),
            "rides.csv",
            HEADER,
            DELIMITER,
            NULL_STRING)
        .handler(
            CsvExport::from,
            (q, ctx) -> {
              Export e = q.export();
              Database db = e.target().open(crdb, ctx);
              QueryTools.recordStatement(crdb, ctx, e.sql());
              ExportSummary s =
                  crdb.exports()
                      .exportCsvPlainSql(
                          db,
                          e.sql(),
                          e.params(),
                          e.path(),
                          q.options(),
                          e.maxRows(),
                          e.overwrite(),
                          e.target().transactionId(),
                          ctx.caller(),
                          ctx.progress());
              return result(ctx, s);
            });
  }

  private static ToolDef exportJson(Crdb crdb) {
    return fileWriter(
            crdb,
            "export_to_json",
            "Export a query to JSON",
            description(crdb, "as JSON"),
            "rides.json",
            JSON_FORMAT)
        .handler(
            JsonExport::from,
            (q, ctx) -> {
              Export e = q.export();
              Database db = e.target().open(crdb, ctx);
              QueryTools.recordStatement(crdb, ctx, e.sql());
              ExportSummary s =
                  crdb.exports()
                      .exportJsonPlainSql(
                          db,
                          e.sql(),
                          e.params(),
                          e.path(),
                          q.format(),
                          e.maxRows(),
                          e.overwrite(),
                          e.target().transactionId(),
                          ctx.caller(),
                          ctx.progress());
              return result(ctx, s);
            });
  }

  private static ToolResult result(ToolContext ctx, ExportSummary s) {
    ctx.record().rows(s.rows());
    return result(s);
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
