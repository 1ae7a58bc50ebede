package io.crdbmcp.core;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.safety.Classification;
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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.QuoteMode;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the result of a query to a file under the export directory ({@code CRDB_EXPORT_DIR}), as
 * CSV (RFC 4180, through Commons CSV or the server's own {@code COPY ... TO STDOUT}) or JSON (an
 * array of objects, or JSON Lines, through Jackson's streaming generator).
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
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> COPY_COMMANDS = Set.of("SELECT", "WITH", "VALUES", "TABLE");
  private static final Set<String> COPY_UNSUPPORTED_STATES = Set.of("0A000", "42601", "42501");

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
   * @param method "COPY" when the server's {@code COPY ... TO STDOUT} produced the bytes,
   *     "streamed" when rows were fetched and written by this process
   */
  public record ExportSummary(
      Path path, long rows, long bytes, long durationMillis, String format, String method) {}

  private final ExportPaths paths;
  private final Queries queries;
  private final SqlExecutor executor;

  public Exports(Path exportDir, Queries queries, SqlExecutor executor) {
    this.paths = new ExportPaths(exportDir);
    this.queries = queries;
    this.executor = executor;
    int stale = paths.cleanStale();
    if (stale > 0) {
      LOG.info("deleted {} stale temporary export file(s) under {}", stale, paths.dir());
    }
  }

  public ExportPaths paths() {
    return paths;
  }

  /**
   * Exports a query to CSV. Uses {@code COPY (query) TO STDOUT} when the statement is a plain query
   * without parameters and no row limit; otherwise fetches rows and writes them with Commons CSV.
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
    Classification c = queries.require(db, sql, true);
    checkMaxRows(maxRows);
    List<?> values = params == null ? List.of() : params;
    JdbcSql jdbc = JdbcSql.of(sql);
    jdbc.bind(values); // fail on a parameter mismatch before touching the file system
    ExportPaths.Target target = paths.resolve(path, overwrite);
    Progress p = progress == null ? Progress.NONE : progress;
    boolean copy =
        values.isEmpty()
            && jdbc.parameterOrder().isEmpty()
            && maxRows == null
            && COPY_COMMANDS.contains(c.command().toUpperCase(Locale.ROOT));
    long start = System.nanoTime();
    if (copy) {
      boolean cockroach = db.dialect().isCockroach();
      if (cockroach && txId != null) {
        copy = false; // a failed COPY would abort the caller's transaction; stream instead
      } else {
        try {
          return write(
              target,
              overwrite,
              start,
              "csv",
              "COPY",
              out ->
                  executor.run(
                      db,
                      Access.READ,
                      txId,
                      caller,
                      (conn, d) -> copyCsv(conn, d, sql, o, out, p)));
        } catch (CrdbException e) {
          if (!cockroach
              || e.sqlState() == null
              || !COPY_UNSUPPORTED_STATES.contains(e.sqlState())) {
            throw e;
          }
          LOG.info(
              "COPY TO STDOUT was refused by {} ({}: {}); streaming rows instead",
              d(db),
              e.sqlState(),
              e.getMessage());
        }
      }
    }
    return write(
        target,
        overwrite,
        start,
        "csv",
        "streamed",
        out ->
            executor.run(
                db,
                Access.READ,
                txId,
                caller,
                (conn, d) -> streamCsv(conn, jdbc, values, maxRows, o, out, p)));
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
    queries.require(db, sql, true);
    checkMaxRows(maxRows);
    List<?> values = params == null ? List.of() : params;
    JdbcSql jdbc = JdbcSql.of(sql);
    jdbc.bind(values);
    ExportPaths.Target target = paths.resolve(path, overwrite);
    Progress p = progress == null ? Progress.NONE : progress;
    long start = System.nanoTime();
    return write(
        target,
        overwrite,
        start,
        f == JsonFormat.JSONL ? "jsonl" : "json",
        "streamed",
        out ->
            executor.run(
                db,
                Access.READ,
                txId,
                caller,
                (conn, d) -> streamJson(conn, jdbc, values, maxRows, f, out, p)));
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
      if (Thread.currentThread().isInterrupted()) {
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
    if (Thread.currentThread().isInterrupted()) {
      throw cancelled();
    }
  }

  // ---------------------------------------------------------------- COPY

  /**
   * {@code COPY (query) TO STDOUT} in CSV. PostgreSQL writes the header itself. CockroachDB
   * (unverified: written from its documentation, which lists {@code COPY (query) TO STDOUT WITH CSV
   * DELIMITER ... NULL ...} and documents HEADER for input only) gets the header from the
   * statement's metadata, written here through Commons CSV.
   */
  private long copyCsv(
      Connection conn, Dialect dialect, String sql, CsvOptions o, OutputStream out, Progress p)
      throws SQLException {
    String query = stripTrailingSemicolons(sql);
    String copySql;
    boolean serverHeader = !dialect.isCockroach() && o.header();
    if (dialect.isCockroach()) {
      if (o.header()) {
        writeHeaderFromMetadata(conn, query, o, out);
      }
      copySql =
          "COPY (\n"
              + query
              + "\n) TO STDOUT WITH CSV DELIMITER "
              + literal(String.valueOf(o.delimiter()))
              + " NULL "
              + literal(o.nullString());
    } else {
      copySql =
          "COPY (\n"
              + query
              + "\n) TO STDOUT WITH (FORMAT csv, HEADER "
              + serverHeader
              + ", DELIMITER "
              + literal(String.valueOf(o.delimiter()))
              + ", NULL "
              + literal(o.nullString())
              + ")";
    }
    CopyOut copy = conn.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql);
    long messages = 0;
    boolean ok = false;
    try {
      byte[] buf;
      while ((buf = copy.readFromCopy()) != null) {
        out.write(buf);
        messages++;
        long rows = serverHeader ? messages - 1 : messages;
        if (rows > 0 && rows % PROGRESS_EVERY == 0) {
          checkInterrupted();
          p.report(rows, null, rows + " rows written");
        }
      }
      ok = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!ok && copy.isActive()) {
        try {
          copy.cancelCopy();
        } catch (SQLException ignored) {
          // The transaction is rolled back and the connection checked by the pool.
        }
      }
    }
    long counted = serverHeader ? Math.max(0, messages - 1) : messages;
    long handled = copy.getHandledRowCount();
    long rows = handled >= 0 ? handled : counted;
    p.report(rows, (double) rows, rows + " rows written");
    return rows;
  }

  private static void writeHeaderFromMetadata(
      Connection conn, String query, CsvOptions o, OutputStream out) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(JdbcSql.of(query).sql())) {
      ResultSetMetaData md = ps.getMetaData();
      if (md == null) {
        return;
      }
      CSVPrinter printer = csvPrinter(out, o);
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        names.add(md.getColumnLabel(i));
      }
      printer.printRecord(names);
      printer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The statement without trailing semicolons (COPY wraps it in parentheses). */
  static String stripTrailingSemicolons(String sql) {
    var tokens = io.crdbmcp.core.safety.SqlLexer.tokenize(sql);
    int end = sql.length();
    for (int i = tokens.size() - 1; i >= 0 && tokens.get(i).is(";"); i--) {
      end = tokens.get(i).start();
    }
    if (end == sql.length()) {
      return sql;
    }
    // Keep everything before the last trailing semicolon; comments between them are harmless.
    return sql.substring(0, end);
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  // ---------------------------------------------------------------- streamed

  private PreparedStatement prepare(Connection conn, JdbcSql jdbc, List<?> params, Long maxRows)
      throws SQLException {
    PreparedStatement ps = executor.prepare(conn, jdbc, params);
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
      List<?> params,
      Long maxRows,
      CsvOptions o,
      OutputStream out,
      Progress p)
      throws SQLException {
    try (PreparedStatement ps = prepare(conn, jdbc, params, maxRows)) {
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
        return JSON.writeValueAsString(j);
      } catch (IOException e) {
        return String.valueOf(j);
      }
    }
    return String.valueOf(j);
  }

  private long streamJson(
      Connection conn,
      JdbcSql jdbc,
      List<?> params,
      Long maxRows,
      JsonFormat f,
      OutputStream out,
      Progress p)
      throws SQLException {
    try (PreparedStatement ps = prepare(conn, jdbc, params, maxRows)) {
      if (!ps.execute()) {
        throw noRows();
      }
      try (ResultSet rs = ps.getResultSet();
          JsonGenerator g = JSON.getFactory().createGenerator(out)) {
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
