package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.BufferedReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * export_to_csv and export_to_json end to end: the server with a bounded heap ({@code -Xmx32m}, or
 * the system property {@code export.it.heap}; see {@link StartOptions#jvmArgs()}), driven by the
 * SDK client, against a real database; every exported row compared with a direct JDBC read. The
 * crash test needs a server in a process of its own ({@link ServerFactory#startsProcesses()}).
 */
public abstract class ExportSuite extends ContractSuite {
  static final int ROWS = 200_000;
  static final String HEAP = System.getProperty("export.it.heap", "-Xmx32m");

  /** The 200,000-row table the exports read (also loaded by the export benchmark). */
  public static final String TABLE =
      """
      CREATE TABLE export_rows (
        id INT PRIMARY KEY, amount NUMERIC(20, 6), ts TIMESTAMPTZ, label TEXT, note TEXT,
        doc JSONB, flag BOOLEAN);
      INSERT INTO export_rows
      SELECT g,
        CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 1234.567891)::NUMERIC(20, 6) END,
        CASE WHEN g % 11 = 0 THEN NULL
             ELSE TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 minute'
                  + (g % 1000) * INTERVAL '1 microsecond' END,
        'row ' || g,
        CASE WHEN g % 13 = 0 THEN NULL
             WHEN g % 3 = 0 THEN 'comma, "quote" and' || chr(10) || 'newline ' || g
             WHEN g % 3 = 1 THEN 'plain ' || g
             ELSE 'cr' || chr(13) || chr(10) || 'lf, ''single'' ' || g END,
        CASE WHEN g % 17 = 0 THEN NULL
             ELSE jsonb_build_object('g', g, 's', 'a,"b"', 'arr', jsonb_build_array(g, 'x')) END,
        CASE WHEN g % 19 = 0 THEN NULL ELSE g % 2 = 0 END
      FROM generate_series(1, 200000) g;
      """;

  static final String QUERY = "SELECT * FROM export_rows ORDER BY id";
  static final ObjectMapper JSON = new ObjectMapper();

  ConnectionSpec db;
  Path exportDir;
  ServerUnderTest server;
  final List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    db = TestDb.get().createDatabase("exports", TABLE);
    exportDir = Files.createTempDirectory("crdb-export-it");
    server =
        startServer(
            env(),
            StartOptions.defaults()
                .withJvmArgs(List.of(HEAP, "-Xlog:gc:stderr"))
                .withProgress(progress::add));
  }

  Map<String, String> env() {
    return Map.of(
        "CRDB_URL",
        TestDb.url(db),
        "CRDB_EXPORT_DIR",
        exportDir.toString(),
        "CRDB_QUERY_TIMEOUT",
        "120",
        "CRDB_MAX_ROWS",
        "1000");
  }

  @AfterAll
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
      long[] heap = heapMb(server.logs());
      String line =
          "max heap "
              + HEAP
              + ": "
              + heap[2]
              + " collections; peak heap occupancy (before a collection) "
              + heap[0]
              + " MB; largest heap after a collection "
              + heap[1]
              + " MB";
      System.out.println(getClass().getSimpleName() + ": " + line);
      Files.writeString(Path.of("target", "export-it-heap.txt"), line + "\n");
    }
  }

  /**
   * From -Xlog:gc lines such as "Pause Young ... 12M->3M(64M)": the largest occupancy before a
   * collection, the largest after one, and the number of collections.
   */
  static long[] heapMb(String stderr) {
    Matcher m = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)").matcher(stderr);
    long before = -1;
    long after = -1;
    long count = 0;
    while (m.find()) {
      before = Math.max(before, Long.parseLong(m.group(1)));
      after = Math.max(after, Long.parseLong(m.group(2)));
      count++;
    }
    return new long[] {before, after, count};
  }

  static List<Path> filesIn(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  List<Path> partials() throws Exception {
    return filesIn(exportDir).stream()
        .filter(p -> p.getFileName().toString().endsWith(".partial"))
        .toList();
  }

  // ------------------------------------------------------------------ the 200k exports

  @Test
  void listsTheExportToolsAsToolsThatWriteFiles() {
    List<McpSchema.Tool> tools = server.listTools();
    for (String name : List.of("export_to_csv", "export_to_json")) {
      McpSchema.Tool t = tools.stream().filter(x -> x.name().equals(name)).findFirst().get();
      assertThat(Hints.readOnly(t)).as("writes a file").isFalse();
      assertThat(Hints.destructive(t)).as("never replaces a file unasked").isFalse();
      assertThat(Hints.idempotent(t)).as("fails when repeated").isFalse();
      assertThat(t.description()).contains("WRITES A FILE").contains("CRDB_QUERY_TIMEOUT");
      Map<?, ?> props = (Map<?, ?>) t.inputSchema().get("properties");
      for (String k : List.of("sql", "params", "path", "overwrite", "max_rows")) {
        assertThat(props.containsKey(k)).as(name + "." + k).isTrue();
      }
    }
  }

  @Test
  void exportsCsvWithProgress() throws Exception {
    progress.clear();
    CallToolResult r =
        server.callWithProgress(
            "export_to_csv", args("sql", QUERY, "path", "big/rides.csv"), "csv-copy");
    Map<String, Object> s = ok(r);
    assertThat(((Number) s.get("rows")).longValue()).isEqualTo(ROWS);
    assertThat(s.get("method")).isEqualTo("streamed");
    Path file = exportDir.resolve("big/rides.csv");
    assertThat(s.get("path")).isEqualTo(file.toString());
    assertThat(((Number) s.get("bytes")).longValue()).isEqualTo(Files.size(file));
    assertThat(text(r)).startsWith("Exported 200000 rows (").contains(file.toString());
    assertCsvMatchesTable(file, ',');
    List<McpSchema.ProgressNotification> seen = awaitProgress("csv-copy", ROWS);
    assertThat(seen.size()).isGreaterThanOrEqualTo(ROWS / 10_000);
    // The SDK client may hand notifications to the consumer out of order; check the values.
    List<Double> values = seen.stream().map(n -> n.progress()).sorted().toList();
    for (int k = 1; k <= ROWS / 10_000; k++) {
      assertThat(values).contains((double) k * 10_000);
    }
    assertThat(seen).anyMatch(n -> n.total() != null && n.total() == ROWS);
    assertThat(partials()).isEmpty();
  }

  @Test
  void exportsCsvStreamedWithParamsAndOptions() throws Exception {
    progress.clear();
    CallToolResult r =
        server.callWithProgress(
            "export_to_csv",
            args(
                "sql",
                "SELECT * FROM export_rows WHERE id > $1 ORDER BY id",
                "params",
                List.of(0),
                "path",
                "streamed.csv",
                "delimiter",
                ";",
                "null_string",
                "\\N"),
            "csv-streamed");
    Map<String, Object> s = ok(r);
    assertThat(s.get("method")).isEqualTo("streamed");
    assertThat(((Number) s.get("rows")).longValue()).isEqualTo(ROWS);
    assertCsvMatchesTable(exportDir.resolve("streamed.csv"), ';');
    assertThat(awaitProgress("csv-streamed", ROWS)).hasSizeGreaterThanOrEqualTo(ROWS / 10_000);
  }

  @Test
  void exportsJsonLines() throws Exception {
    Map<String, Object> s =
        ok(
            server.call(
                "export_to_json",
                args("sql", QUERY, "path", "rides.jsonl", "json_format", "jsonl")));
    assertThat(((Number) s.get("rows")).longValue()).isEqualTo(ROWS);
    assertThat(s.get("format")).isEqualTo("jsonl");
    try (BufferedReader in = Files.newBufferedReader(exportDir.resolve("rides.jsonl"))) {
      Iterator<JsonNode> rows =
          in.lines()
              .map(
                  line -> {
                    try {
                      return JSON.readTree(line);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .iterator();
      assertJsonMatchesTable(rows);
    }
  }

  @Test
  void exportsJsonArray() throws Exception {
    Map<String, Object> s =
        ok(server.call("export_to_json", args("sql", QUERY, "path", "rides.json")));
    assertThat(((Number) s.get("rows")).longValue()).isEqualTo(ROWS);
    assertThat(s.get("format")).isEqualTo("json");
    Path file = exportDir.resolve("rides.json");
    assertThat(JSON.getFactory().createParser(file.toFile()).nextToken().isStructStart()).isTrue();
    try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(file.toFile())) {
      assertJsonMatchesTable(it);
    }
  }

  @Test
  void maxRowsLimitsTheExportAndOverwriteReplaces() throws Exception {
    Map<String, Object> s =
        ok(server.call("export_to_csv", args("sql", QUERY, "path", "few.csv", "max_rows", 5)));
    assertThat(((Number) s.get("rows")).longValue()).isEqualTo(5);
    assertThat(Files.readAllLines(exportDir.resolve("few.csv"))).hasSizeGreaterThanOrEqualTo(6);
    error(
        server.call("export_to_csv", args("sql", QUERY, "path", "few.csv", "max_rows", 2)),
        "EXPORT_FAILED");
    ok(
        server.call(
            "export_to_json",
            args("sql", QUERY, "path", "few.csv", "max_rows", 2, "overwrite", true)));
    assertThat(JSON.readTree(exportDir.resolve("few.csv").toFile()).size()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ failures leave no file

  @Test
  void aQueryFailingMidStreamLeavesNoFile() throws Exception {
    String failing = "SELECT 1 / (g - 150000) AS x FROM generate_series(1, 200000) g";
    error(server.call("export_to_csv", args("sql", failing, "path", "fail.csv")), "SQL_ERROR");
    error(server.call("export_to_json", args("sql", failing, "path", "fail.json")), "SQL_ERROR");
    error(
        server.call(
            "export_to_csv",
            args("sql", failing + " WHERE g > $1", "params", List.of(0), "path", "fail2.csv")),
        "SQL_ERROR");
    assertThat(exportDir.resolve("fail.csv")).doesNotExist();
    assertThat(exportDir.resolve("fail.json")).doesNotExist();
    assertThat(exportDir.resolve("fail2.csv")).doesNotExist();
    assertThat(partials()).isEmpty();
    // The server is still fine afterwards.
    ok(server.call("export_to_csv", args("sql", "SELECT 1 AS one", "path", "after-failure.csv")));
  }

  @Test
  void refusesPathsThatLeaveTheExportDirectory() throws Exception {
    Path outside = Files.createTempDirectory("crdb-export-outside");
    Files.createSymbolicLink(exportDir.resolve("escape"), outside);
    for (String p : List.of("../x.csv", "/etc/passwd", "escape/x.csv", "escape/sub/x.csv")) {
      Map<String, Object> e =
          error(server.call("export_to_csv", args("sql", "SELECT 1", "path", p)), "EXPORT_FAILED");
      assertThat((String) e.get("message")).as(p).startsWith("path refused");
      assertThat((String) e.get("suggestion")).contains("rides.csv");
    }
    assertThat(exportDir.getParent().resolve("x.csv")).doesNotExist();
    assertThat(filesIn(outside)).isEmpty();
    assertThat(outside.resolve("sub")).doesNotExist();
  }

  @Test
  void refusesWriteStatementsAndWritesNothing() throws Exception {
    for (String sql :
        List.of(
            "DELETE FROM export_rows RETURNING *",
            "WITH d AS (DELETE FROM export_rows RETURNING id) SELECT * FROM d",
            "UPDATE export_rows SET label = 'x' RETURNING id")) {
      error(server.call("export_to_csv", args("sql", sql, "path", "w.csv")), "SQL_REFUSED");
      error(server.call("export_to_json", args("sql", sql, "path", "w.json")), "SQL_REFUSED");
    }
    assertThat(exportDir.resolve("w.csv")).doesNotExist();
    assertThat(exportDir.resolve("w.json")).doesNotExist();
    try (Connection c = TestDb.open(db);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*), count(*) FILTER (WHERE label = 'x') FROM export_rows")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(ROWS);
      assertThat(rs.getLong(2)).isZero();
    }
  }

  @Test
  void aKilledExportLeavesNoFinalFileAndItsTemporaryFileIsCleanedUpOnRestart() throws Exception {
    assumeTrue(servers().startsProcesses(), "needs a server in a process of its own to kill");
    Path dir = Files.createTempDirectory("crdb-export-kill");
    Map<String, String> env = new java.util.HashMap<>(env());
    env.put("CRDB_EXPORT_DIR", dir.toString());
    List<McpSchema.ProgressNotification> seen = new CopyOnWriteArrayList<>();
    ServerUnderTest victim =
        startServer(
            env, StartOptions.defaults().withJvmArgs(List.of(HEAP)).withProgress(seen::add));
    assertThat(victim.process()).as("server process handle").isPresent();
    String slow = "SELECT g, md5(g::text) AS h FROM (SELECT generate_series(1, 50000000) AS g) s";
    CompletableFuture<CallToolResult> call =
        CompletableFuture.supplyAsync(
            () ->
                victim.callWithProgress(
                    "export_to_json", args("sql", slow, "path", "slow.json"), "slow"));
    long deadline = System.currentTimeMillis() + 60_000;
    while (seen.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(seen).as("progress before the kill").isNotEmpty();
    List<Path> temps =
        filesIn(dir).stream().filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
    assertThat(temps).hasSize(1);
    assertThat(temps.get(0).getFileName().toString())
        .startsWith(".slow.json." + victim.process().get().pid() + ".");
    victim.kill();
    assertThat(call).failsWithin(java.time.Duration.ofSeconds(90));
    assertThat(dir.resolve("slow.json")).doesNotExist();
    assertThat(temps.get(0)).exists();

    try (ServerUnderTest next = startServer(env)) {
      assertThat(temps.get(0)).doesNotExist();
      assertThat(dir.resolve("slow.json")).doesNotExist();
      assertThat(filesIn(dir)).isEmpty();
      ok(next.call("export_to_csv", args("sql", "SELECT 1 AS one", "path", "ok.csv")));
    }
  }

  // ------------------------------------------------------------------ comparisons

  List<McpSchema.ProgressNotification> awaitProgress(String token, long total) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      List<McpSchema.ProgressNotification> mine =
          progress.stream().filter(n -> token.equals(n.progressToken())).toList();
      if (mine.stream().anyMatch(n -> n.total() != null && n.progress() >= total)) {
        return mine;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no final progress notification for " + token + ": " + progress);
  }

  /** Rows of the table, read directly with a cursor (fetch size, no autocommit). */
  interface RowCheck {
    void check(ResultSet expected, long index) throws Exception;
  }

  long forEachTableRow(RowCheck check) throws Exception {
    try (Connection c = TestDb.open(db)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(QUERY)) {
        ps.setFetchSize(5000);
        try (ResultSet rs = ps.executeQuery()) {
          long i = 0;
          while (rs.next()) {
            check.check(rs, i++);
          }
          c.rollback();
          return i;
        }
      }
    }
  }

  static final List<String> COLUMNS = List.of("id", "amount", "ts", "label", "note", "doc", "flag");

  void assertCsvMatchesTable(Path file, char delimiter) throws Exception {
    CSVFormat f = CSVFormat.RFC4180.builder().setDelimiter(delimiter).get();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(in, f)) {
      Iterator<CSVRecord> it = parser.iterator();
      CSVRecord header = it.next();
      assertThat(header.toList()).isEqualTo(COLUMNS);
      String nullString = delimiter == ';' ? "\\N" : "";
      long n =
          forEachTableRow(
              (rs, i) -> {
                assertThat(it.hasNext()).as("row %d present", i).isTrue();
                CSVRecord rec = it.next();
                assertThat(rec.size()).isEqualTo(7);
                String at = "row id " + rs.getLong(1) + " column ";
                assertThat(Long.parseLong(rec.get(0))).as(at + "id").isEqualTo(rs.getLong(1));
                BigDecimal amount = rs.getBigDecimal(2);
                if (amount == null) {
                  assertThat(rec.get(1)).as(at + "amount").isEqualTo(nullString);
                } else {
                  assertThat(new BigDecimal(rec.get(1)))
                      .as(at + "amount")
                      .isEqualByComparingTo(amount);
                }
                OffsetDateTime ts = rs.getObject(3, OffsetDateTime.class);
                if (ts == null) {
                  assertThat(rec.get(2)).as(at + "ts").isEqualTo(nullString);
                } else {
                  assertThat(instant(rec.get(2))).as(at + "ts").isEqualTo(ts.toInstant());
                }
                assertThat(rec.get(3)).as(at + "label").isEqualTo(rs.getString(4));
                String note = rs.getString(5);
                assertThat(rec.get(4)).as(at + "note").isEqualTo(note == null ? nullString : note);
                String doc = rs.getString(6);
                if (doc == null) {
                  assertThat(rec.get(5)).as(at + "doc").isEqualTo(nullString);
                } else {
                  assertThat(JSON.readTree(rec.get(5)))
                      .as(at + "doc")
                      .isEqualTo(JSON.readTree(doc));
                }
                boolean flag = rs.getBoolean(7);
                if (rs.wasNull()) {
                  assertThat(rec.get(6)).as(at + "flag").isEqualTo(nullString);
                } else {
                  assertThat(rec.get(6))
                      .as(at + "flag")
                      .isIn(flag ? List.of("t", "true") : List.of("f", "false"));
                }
              });
      assertThat(n).isEqualTo(ROWS);
      assertThat(it.hasNext()).as("no extra rows").isFalse();
    }
  }

  /** ISO-8601 (streamed) or PostgreSQL's text form "2024-01-01 00:01:00.000001+00" (COPY). */
  static Instant instant(String s) {
    String iso = s.replace(' ', 'T');
    if (iso.matches(".*[+-]\\d\\d$")) {
      iso += ":00";
    }
    return OffsetDateTime.parse(iso).toInstant();
  }

  void assertJsonMatchesTable(Iterator<JsonNode> rows) throws Exception {
    long n =
        forEachTableRow(
            (rs, i) -> {
              assertThat(rows.hasNext()).as("row %d present", i).isTrue();
              JsonNode row = rows.next();
              List<String> names = new ArrayList<>();
              row.fieldNames().forEachRemaining(names::add);
              assertThat(names).isEqualTo(COLUMNS);
              String at = "row id " + rs.getLong(1) + " column ";
              assertThat(row.get("id").isIntegralNumber()).isTrue();
              assertThat(row.get("id").asLong()).as(at + "id").isEqualTo(rs.getLong(1));
              BigDecimal amount = rs.getBigDecimal(2);
              if (amount == null) {
                assertThat(row.get("amount").isNull()).as(at + "amount").isTrue();
              } else {
                assertThat(row.get("amount").textValue())
                    .as(at + "amount")
                    .isEqualTo(amount.toPlainString());
              }
              OffsetDateTime ts = rs.getObject(3, OffsetDateTime.class);
              if (ts == null) {
                assertThat(row.get("ts").isNull()).as(at + "ts").isTrue();
              } else {
                assertThat(OffsetDateTime.parse(row.get("ts").textValue()).toInstant())
                    .as(at + "ts")
                    .isEqualTo(ts.toInstant());
              }
              assertThat(row.get("label").textValue()).as(at + "label").isEqualTo(rs.getString(4));
              String note = rs.getString(5);
              if (note == null) {
                assertThat(row.get("note").isNull()).as(at + "note").isTrue();
              } else {
                assertThat(row.get("note").textValue()).as(at + "note").isEqualTo(note);
              }
              String doc = rs.getString(6);
              if (doc == null) {
                assertThat(row.get("doc").isNull()).as(at + "doc").isTrue();
              } else {
                assertThat(row.get("doc")).as(at + "doc").isEqualTo(JSON.readTree(doc));
              }
              boolean flag = rs.getBoolean(7);
              if (rs.wasNull()) {
                assertThat(row.get("flag").isNull()).as(at + "flag").isTrue();
              } else {
                assertThat(row.get("flag").booleanValue()).as(at + "flag").isEqualTo(flag);
              }
            });
    assertThat(n).isEqualTo(ROWS);
    assertThat(rows.hasNext()).as("no extra rows").isFalse();
  }
}
