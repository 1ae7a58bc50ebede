package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ExportSuite;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: times export_to_csv of 200,000 rows through the packaged server (SDK client over
 * stdio) beside {@code psql -c "\copy (query) TO file CSV HEADER"} of the same query, on an
 * embedded PostgreSQL loaded with the demo schema and the ExportSuite table. Run by {@code
 * bench/export-vs-psql.sh}; the only argument is the psql executable (empty to skip psql).
 */
public final class ExportVsPsqlBench {
  static final int RUNS = 5;
  static final String QUERY = "SELECT * FROM export_rows ORDER BY id";

  private ExportVsPsqlBench() {}

  public static void main(String[] argv) throws Exception {
    String psql = argv.length > 0 && !argv[0].isBlank() ? argv[0] : null;
    Path out = Files.createTempDirectory("crdb-export-bench");
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
      long t0 = System.nanoTime();
      pg.createDatabase(
          "bench", EmbeddedPostgresServer.rideshareScript() + "\n" + ExportSuite.TABLE);
      System.out.printf(
          "database ready (demo schema + 200,000-row export_rows) in %d ms%n", ms(t0));
      String url = pg.url("bench");
      try (ServerProcess server =
          ServerProcess.start(
              Map.of(
                  "CRDB_URL", url, "CRDB_EXPORT_DIR", out.toString(), "CRDB_QUERY_TIMEOUT", "300"),
              List.of("-XX:TieredStopAtLevel=4"),
              n -> {})) {
        run("export_to_csv (streamed)", server, args("sql", QUERY), out);
        run(
            "export_to_csv (streamed, with params)",
            server,
            args(
                "sql", "SELECT * FROM export_rows WHERE id > $1 ORDER BY id", "params", List.of(0)),
            out);
      }
      if (psql == null) {
        System.out.println("psql: not found on PATH; skipping the psql \\copy comparison");
        return;
      }
      Process v = new ProcessBuilder(psql, "--version").redirectErrorStream(true).start();
      String version = new String(v.getInputStream().readAllBytes()).trim();
      v.waitFor();
      List<Long> times = new ArrayList<>();
      Path file = out.resolve("psql.csv");
      for (int i = 0; i <= RUNS; i++) {
        Files.deleteIfExists(file);
        long s = System.nanoTime();
        Process p =
            new ProcessBuilder(
                    psql,
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    url,
                    "-c",
                    "\\copy (" + QUERY + ") TO '" + file + "' CSV HEADER")
                .inheritIO()
                .start();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("psql failed");
        }
        if (i > 0) {
          times.add(ms(s));
        }
      }
      report(version + " \\copy ... CSV HEADER (process wall time)", times, Files.size(file));
      Path ours = out.resolve("bench-1.csv");
      System.out.println(
          "rows in both files equal in count: "
              + (Files.readAllLines(ours).size() == Files.readAllLines(file).size()));
    } finally {
      try (var s = Files.walk(out)) {
        s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static int counter;

  static void run(String label, ServerProcess server, Map<String, Object> a, Path out)
      throws Exception {
    List<Long> client = new ArrayList<>();
    List<Long> reported = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i <= RUNS; i++) {
      Map<String, Object> call = new java.util.LinkedHashMap<>(a);
      call.put("path", "bench-" + ++counter + ".csv");
      long s = System.nanoTime();
      McpSchema.CallToolResult result = server.call("export_to_csv", call);
      if (Boolean.TRUE.equals(result.isError())) {
        throw new IllegalStateException("export failed: " + text(result));
      }
      Map<String, Object> r = structured(result);
      long wall = ms(s);
      if (i == 0) {
        continue; // warm-up
      }
      client.add(wall);
      reported.add(((Number) r.get("duration_ms")).longValue());
      bytes = ((Number) r.get("bytes")).longValue();
    }
    report(label + ", client round trip", client, bytes);
    report(label + ", server-reported duration_ms", reported, bytes);
  }

  static void report(String label, List<Long> times, long bytes) {
    List<Long> sorted = new ArrayList<>(times);
    Collections.sort(sorted);
    System.out.printf(
        "%-70s min %5d ms  median %5d ms  (%d runs, %.1f MB)%n",
        label, sorted.get(0), sorted.get(sorted.size() / 2), sorted.size(), bytes / 1e6);
  }

  // Own helpers, not ToolCalls: bench/export-vs-psql.sh runs this class with the test classes, the
  // server jar and its runtime dependencies only, without the contract-tests jar (ExportSuite.TABLE
  // is a constant, compiled into this class).

  static Map<String, Object> args(Object... kv) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static String text(McpSchema.CallToolResult r) {
    StringBuilder sb = new StringBuilder();
    for (McpSchema.Content c : r.content()) {
      if (c instanceof McpSchema.TextContent t) {
        sb.append(t.text());
      }
    }
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> structured(McpSchema.CallToolResult r) {
    return (Map<String, Object>) r.structuredContent();
  }

  static long ms(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
