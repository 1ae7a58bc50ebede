package io.crdbmcp.core.export;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.sql.JdbcSql;
import io.crdbmcp.core.sql.Queries;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.sql.Values;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.QuoteMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the result of a query to a file under the export directory ({@code CRDB_EXPORT_DIR}), as
 * CSV (RFC 4180, through Commons CSV) or JSON (an array of objects, or JSON Lines, through
 * Jackson's streaming generator).
 *
 * <p>Exports stream: rows are fetched in batches inside the read-only transaction of {@link
 * SqlExecutor#run} and written as they arrive, so memory does not grow with the row count. They are
 * not capped by {@code CRDB_MAX_ROWS} (that cap is for results sent to the model), but the
 * statement timeout ({@code CRDB_QUERY_TIMEOUT}) applies. The file is written under a temporary
 * name, forced to disk and then renamed atomically, so a failed or cancelled export never leaves a
 * partial file under the final name.
 */
public final class Exports {
  private static final Logger LOG = LoggerFactory.getLogger(Exports.class);
  static final int FETCH_SIZE = 1000;
  static final long PROGRESS_EVERY = 10_000;
  private static final int BUFFER = 1 << 16;

  /**
   * Made at the first export or JSON cell, not when the library opens: an ObjectMapper's class
   * initialisation (date formats, calendars) was about 8% of a server start's CPU, on its main
   * thread (async-profiler, 2026-12-08).
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /** CSV options. */
  public record CsvOptions(boolean header, char delimiter, String nullString) {
    public static final CsvOptions DEFAULT = new CsvOptions(true, ',', "");

    public CsvOptions {
      nullString = nullString == null ? "" : nullString;
      if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '\0') {
        throw CrdbException.invalidArgument(
            "the CSV delimiter cannot be a double quote, a line break or NUL",
            "use a single character such as ',', ';', '|' or a tab");
      }
      if (delimiter > 0x7f) {
        throw CrdbException.invalidArgument(
            "the CSV delimiter must be a single ASCII character (got '" + delimiter + "')",
            "use a single character such as ',', ';', '|' or a tab");
      }
      if (nullString.indexOf('\n') >= 0
          || nullString.indexOf('\r') >= 0
          || nullString.indexOf('"') >= 0
          || nullString.indexOf(delimiter) >= 0) {
        throw CrdbException.invalidArgument(
            "the null string cannot contain a line break, a double quote or the delimiter",
            "use e.g. '' (the default), 'NULL' or '\\N'");
      }
    }

    /** Reads a delimiter argument: exactly one character; "\t" and "tab" mean a tab. */
    public static char delimiter(String s) {
      if (s == null) {
        return ',';
      }
      if (s.equals("\\t") || s.equalsIgnoreCase("tab")) {
        return '\t';
      }
      if (s.length() != 1) {
        throw CrdbException.invalidArgument(
            "the CSV delimiter must be exactly one character (got '" + s + "')",
            "use e.g. ',', ';', '|' or '\\t' for a tab");
      }
      return s.charAt(0);
    }
  }

  /** JSON layouts. */
  public enum JsonFormat {
    /** One JSON array of row objects, one row per line. */
    ARRAY,
    /** JSON Lines: one row object per line, no enclosing array. */
    JSONL
  }

  /**
   * What an export did.
   *
   * @param path the absolute path of the written file
   * @param rows data rows written (the CSV header is not counted)
   * @param bytes size of the file
   * @param format "csv", "json" or "jsonl"
   * @param method "streamed": rows were fetched and written by this process
   */
  public record ExportSummary(
      Path path, long rows, long bytes, long durationMillis, String format, String method) {}

  private final EngineKey key;
  private final ExportPaths paths;
  private final Queries queries;
  private final SqlExecutor executor;

  public Exports(EngineKey key, Path exportDir, Queries queries, SqlExecutor executor) {
    EngineKey.check(key);
    this.key = key;
    this.paths = new ExportPaths(exportDir);
    this.queries = queries;
    this.executor = executor;
    int stale = paths.cleanStale();
    if (stale > 0) {
      LOG.info("deleted {} stale temporary export file(s) under {}", stale, paths.dir());
    }
  }

  ExportPaths paths() {
    return paths;
  }

  /**
   * Exports a query to CSV, fetching rows in batches and writing them with Commons CSV.
   *
   * <p>The server's {@code COPY (query) TO STDOUT} is deliberately not used: it would compose SQL
   * around the user's text and send it over the simple query protocol, which runs every statement
   * it is given; one lexer disagreement would then be enough to escape read-only mode.
   *
   * @param maxRows write at most this many rows; null for all
   */
  public ExportSummary exportCsvPlainSql(
      Database db,
      String sql,
      List<?> params,
      String path,
      CsvOptions opts,
      Long maxRows,
      boolean overwrite,
      String txId,
      Caller caller,
      Progress progress) {
    CsvOptions o = opts == null ? CsvOptions.DEFAULT : opts;
    return export(
        db,
        sql,
        params,
        path,
        maxRows,
        overwrite,
        txId,
        caller,
        "csv",
        (conn, jdbc, values, out) ->
            streamCsv(conn, jdbc, values, maxRows, o, out, orNone(progress)));
  }

  /** Exports a query to JSON (array of objects or JSON Lines), fetching rows in batches. */
  public ExportSummary exportJsonPlainSql(
      Database db,
      String sql,
      List<?> params,
      String path,
      JsonFormat format,
      Long maxRows,
      boolean overwrite,
      String txId,
      Caller caller,
      Progress progress) {
    JsonFormat f = format == null ? JsonFormat.ARRAY : format;
    return export(
        db,
        sql,
        params,
        path,
        maxRows,
        overwrite,
        txId,
        caller,
        f == JsonFormat.JSONL ? "jsonl" : "json",
        (conn, jdbc, values, out) ->
            streamJson(conn, jdbc, values, maxRows, f, out, orNone(progress)));
  }

  /** Streams the rows of one user statement into a file. */
  @FunctionalInterface
  private interface Stream {
    long write(Connection conn, JdbcSql jdbc, List<Object> values, OutputStream out)
        throws SQLException;
  }

  /**
   * Checks the statement and its parameters before touching the file system, then runs it on the
   * one path for user SQL (read-only whatever the server allows) into a temporary file.
   */
  private ExportSummary export(
      Database db,
      String sql,
      List<?> params,
      String path,
      Long maxRows,
      boolean overwrite,
      String txId,
      Caller caller,
      String format,
      Stream stream) {
    queries.require(db, sql, true);
    checkMaxRows(maxRows);
    JdbcSql.of(sql).bind(params == null ? List.of() : params);
    ExportPaths.Target target = paths.resolve(path, overwrite);
    long start = System.nanoTime();
    return write(
        target,
        overwrite,
        start,
        format,
        "streamed",
        // Rows already streamed into the file would be written twice by a retry.
        out ->
            SqlExecutor.withoutRetries(
                () ->
                    queries.runPlainSql(
                        key,
                        db,
                        sql,
                        params,
                        true,
                        txId,
                        caller,
                        (conn, d, jdbc, values) -> stream.write(conn, jdbc, values, out))));
  }

  private static Progress orNone(Progress p) {
    return p == null ? Progress.NONE : p;
  }

  private static String d(Database db) {
    return db.dialect().displayName();
  }

  private static void checkMaxRows(Long maxRows) {
    if (maxRows != null && maxRows < 1) {
      throw CrdbException.invalidArgument(
          "max_rows must be at least 1 (got " + maxRows + ")", "omit it to export every row");
    }
  }

  /** Writes the body of an export to a stream and returns the number of data rows. */
  @FunctionalInterface
  private interface Body {
    long write(OutputStream out);
  }

  /**
   * Runs {@code body} against a fresh temporary file, forces it to disk and publishes it under the
   * final name. On any failure, interruption included, the temporary file is deleted.
   */
  private ExportSummary write(
      ExportPaths.Target target,
      boolean overwrite,
      long start,
      String format,
      String method,
      Body body) {
    Path temp = target.temp();
    boolean published = false;
    try {
      long rows;
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER);
        rows = body.write(new NonClosing(out));
        out.flush();
        ch.force(true);
      }
      if (Thread.currentThread().isInterrupted() || CallCancel.current().isCancelled()) {
        throw cancelled();
      }
      ExportPaths.publish(target, overwrite);
      published = true;
      long bytes = Files.size(target.file());
      long ms = (System.nanoTime() - start) / 1_000_000;
      LOG.info(
          "exported {} rows ({} bytes, {}, {}) to {} in {} ms",
          rows,
          bytes,
          format,
          method,
          target.file(),
          ms);
      return new ExportSummary(target.file(), rows, bytes, ms, format, method);
    } catch (UncheckedIOException e) {
      throw writeFailed(target, e.getCause());
    } catch (IOException e) {
      throw writeFailed(target, e);
    } finally {
      if (!published) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          LOG.warn("cannot delete the temporary export file {}: {}", temp, e.toString());
        }
      }
    }
  }

  private static CrdbException writeFailed(ExportPaths.Target t, IOException e) {
    return new CrdbException(
        ErrorCode.EXPORT_FAILED,
        "cannot write '" + t.file() + "': " + e,
        "check free disk space and permissions of the export directory (CRDB_EXPORT_DIR)",
        null,
        e);
  }

  private static CrdbException cancelled() {
    return new CrdbException(
        ErrorCode.CANCELLED, "the export was cancelled; no file was written", null);
  }

  private static void checkInterrupted() {
    if (Thread.currentThread().isInterrupted() || CallCancel.current().isCancelled()) {
      throw cancelled();
    }
  }

  // ---------------------------------------------------------------- streamed

  private PreparedStatement prepare(
      Connection conn, JdbcSql jdbc, List<Object> values, Long maxRows) throws SQLException {
    PreparedStatement ps = executor.prepareBound(conn, jdbc.sql(), values);
    try {
      ps.setFetchSize(FETCH_SIZE);
      if (maxRows != null && maxRows <= Integer.MAX_VALUE) {
        ps.setMaxRows(maxRows.intValue());
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  private long streamCsv(
      Connection conn,
      JdbcSql jdbc,
      List<Object> values,
      Long maxRows,
      CsvOptions o,
      OutputStream out,
      Progress p)
      throws SQLException {
    try (PreparedStatement ps = prepare(conn, jdbc, values, maxRows)) {
      if (!ps.execute()) {
        throw noRows();
      }
      try (ResultSet rs = ps.getResultSet()) {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        CSVPrinter printer = csvPrinter(out, o);
        if (o.header()) {
          List<String> names = new ArrayList<>(n);
          for (int i = 1; i <= n; i++) {
            names.add(md.getColumnLabel(i));
          }
          printer.printRecord(names);
        }
        long rows = 0;
        Object[] cells = new Object[n];
        while ((maxRows == null || rows < maxRows) && rs.next()) {
          for (int i = 1; i <= n; i++) {
            cells[i - 1] = csvCell(Values.read(rs, i, md));
          }
          printer.printRecord(cells);
          rows++;
          if (rows % PROGRESS_EVERY == 0) {
            checkInterrupted();
            p.report(rows, null, rows + " rows written");
          }
        }
        printer.flush();
        p.report(rows, (double) rows, rows + " rows written");
        return rows;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CSVPrinter csvPrinter(OutputStream out, CsvOptions o) throws IOException {
    Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), BUFFER);
    CSVFormat f =
        CSVFormat.RFC4180
            .builder()
            .setDelimiter(o.delimiter())
            .setNullString(o.nullString())
            .setQuoteMode(QuoteMode.MINIMAL)
            .setRecordSeparator("\n")
            .get();
    return new CSVPrinter(w, f);
  }

  /**
   * One CSV cell: text verbatim, numbers exact, timestamps ISO-8601, bytea base64, JSON and arrays
   * as compact JSON text; null stays null (written as the null string).
   */
  static String csvCell(Object v) {
    Object j = Values.toJson(v);
    if (j == null) {
      return null;
    }
    if (j instanceof String s) {
      return s;
    }
    if (j instanceof JsonNode || j instanceof List || j instanceof Map) {
      try {
        return Json.MAPPER.writeValueAsString(j);
      } catch (IOException e) {
        return String.valueOf(j);
      }
    }
    return String.valueOf(j);
  }

  private long streamJson(
      Connection conn,
      JdbcSql jdbc,
      List<Object> values,
      Long maxRows,
      JsonFormat f,
      OutputStream out,
      Progress p)
      throws SQLException {
    try (PreparedStatement ps = prepare(conn, jdbc, values, maxRows)) {
      if (!ps.execute()) {
        throw noRows();
      }
      try (ResultSet rs = ps.getResultSet();
          JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String> names = uniqueLabels(md);
        boolean array = f == JsonFormat.ARRAY;
        g.setRootValueSeparator(new SerializedString(array ? ",\n" : "\n"));
        if (array) {
          g.writeRaw('[');
        }
        long rows = 0;
        while ((maxRows == null || rows < maxRows) && rs.next()) {
          if (rows == 0 && array) {
            g.writeRaw('\n');
          }
          g.writeStartObject();
          for (int i = 1; i <= n; i++) {
            g.writeFieldName(names.get(i - 1));
            g.writeObject(Values.toJson(Values.read(rs, i, md)));
          }
          g.writeEndObject();
          rows++;
          if (rows % PROGRESS_EVERY == 0) {
            checkInterrupted();
            p.report(rows, null, rows + " rows written");
          }
        }
        if (array) {
          g.writeRaw(rows > 0 ? "\n]\n" : "]\n");
        } else if (rows > 0) {
          g.writeRaw('\n');
        }
        g.flush();
        p.report(rows, (double) rows, rows + " rows written");
        return rows;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Column labels, made unique ("id", "id_2") so every row object has distinct keys. */
  private static List<String> uniqueLabels(ResultSetMetaData md) throws SQLException {
    int n = md.getColumnCount();
    List<String> out = new ArrayList<>(n);
    Set<String> seen = new HashSet<>();
    for (int i = 1; i <= n; i++) {
      String base = md.getColumnLabel(i);
      String name = base;
      for (int k = 2; !seen.add(name); k++) {
        name = base + "_" + k;
      }
      out.add(name);
    }
    return out;
  }

  private static CrdbException noRows() {
    return CrdbException.invalidArgument(
        "the statement returned no result set, so there is nothing to export",
        "export a query that returns rows, e.g. SELECT ... FROM ...");
  }

  /** Lets a printer or generator be closed without closing the file underneath. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
