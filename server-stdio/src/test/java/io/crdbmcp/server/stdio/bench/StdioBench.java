package io.crdbmcp.server.stdio.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark, not a test: start-up to the initialize answer, per-call overhead through stdio, and
 * result size. Run with bench/run.sh from the repository root.
 */
public final class StdioBench {
  private StdioBench() {}

  static final String INIT =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n";

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    String launcher = root.resolve("bin/cockroachdb-mcp").toString();
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
      pg.createDatabase("rideshare", EmbeddedPostgresServer.rideshareScript());
      String url = pg.url("rideshare");
      System.out.println("database: embedded PostgreSQL, demo sample, " + url);

      coldStart(launcher, url);
      perCall(launcher, url, pg);
      perCallRaw(launcher, url);
      resultSize(launcher, url);
    }
  }

  static void coldStart(String launcher, String url) throws Exception {
    // One start to make sure the jars and the class-data-sharing archive exist.
    startAndInitialize(List.of(launcher), url);
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      ms.add(startAndInitialize(List.of(launcher), url));
    }
    System.out.printf(
        "cold start to initialize answer (bin/cockroachdb-mcp, 15 runs): p50 %.0f ms, min %.0f ms, max %.0f ms%n",
        pct(ms, 50), pct(ms, 0), pct(ms, 100));
  }

  static double startAndInitialize(List<String> command, String url) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("CRDB_URL", url);
    long t0 = System.nanoTime();
    Process p = pb.start();
    OutputStream in = p.getOutputStream();
    in.write(INIT.getBytes(StandardCharsets.UTF_8));
    in.flush();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    double ms = (System.nanoTime() - t0) / 1e6;
    if (line == null || !line.contains("\"result\"")) {
      throw new IllegalStateException("no initialize answer: " + line);
    }
    in.close();
    p.waitFor();
    return ms;
  }

  static McpSyncClient client(String launcher, String url) {
    ServerParameters params =
        ServerParameters.builder(launcher).env(Map.of("CRDB_URL", url)).build();
    McpSyncClient c =
        McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
            .requestTimeout(Duration.ofSeconds(60))
            .build();
    c.initialize();
    return c;
  }

  static void perCall(String launcher, String url, EmbeddedPostgresServer pg) throws Exception {
    String sql = "SELECT id, name, email FROM users WHERE email = $1";
    String jdbcSql = "SELECT id, name, email FROM users WHERE email = ?";
    int warm = 3000;
    int n = 5000;
    McpSyncClient c = client(launcher, url);
    try {
      List<Double> tool = new ArrayList<>();
      for (int i = 0; i < warm + n; i++) {
        McpSchema.CallToolRequest req =
            new McpSchema.CallToolRequest(
                "execute_query",
                Map.of("sql", sql, "params", List.of("user" + (1 + i % 500) + "@example.com")));
        long t0 = System.nanoTime();
        McpSchema.CallToolResult r = c.callTool(req);
        long t1 = System.nanoTime();
        if (Boolean.TRUE.equals(r.isError())) {
          throw new IllegalStateException(r.toString());
        }
        if (i >= warm) {
          tool.add((t1 - t0) / 1e6);
        }
      }
      List<Double> db = new ArrayList<>();
      try (Connection conn = DriverManager.getConnection(pg.jdbcUrl("rideshare"));
          PreparedStatement ps = conn.prepareStatement(jdbcSql)) {
        for (int i = 0; i < warm + n; i++) {
          ps.setString(1, "user" + (1 + i % 500) + "@example.com");
          long t0 = System.nanoTime();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rs.getString(1);
            }
          }
          long t1 = System.nanoTime();
          if (i >= warm) {
            db.add((t1 - t0) / 1e6);
          }
        }
      }
      System.out.printf(
          "one-row indexed query through stdio (%d calls after %d warm-up): p50 %.3f ms, p99 %.3f ms%n",
          n, warm, pct(tool, 50), pct(tool, 99));
      System.out.printf(
          "same query over plain JDBC, autocommit (the database's own time incl. one round trip): p50 %.3f ms, p99 %.3f ms%n",
          pct(db, 50), pct(db, 99));
      System.out.printf(
          "overhead per call (p50 difference): %.3f ms%n", pct(tool, 50) - pct(db, 50));
    } finally {
      c.closeGracefully();
    }
  }

  static void resultSize(String launcher, String url) throws Exception {
    resultSize(
        launcher,
        url,
        "rides (3 uuid columns)",
        "SELECT r.id, r.city, r.rider_id, r.vehicle_id, r.start_address, r.end_address,"
            + " r.start_time, r.end_time, r.revenue, r.tags FROM rides r ORDER BY r.id LIMIT 100");
    resultSize(
        launcher,
        url,
        "users joined with rides",
        "SELECT u.name, u.email, u.city, r.start_address, r.end_address, r.start_time,"
            + " r.revenue, r.tags, r.end_time IS NULL AS open, length(u.address) AS n"
            + " FROM rides r JOIN users u ON u.id = r.rider_id ORDER BY r.start_time LIMIT 100");
  }

  /**
   * The same calls with a minimal client that writes JSON-RPC lines and reads answers, to separate
   * the server's cost from the SDK client's.
   */
  static void perCallRaw(String launcher, String url) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(launcher).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("CRDB_URL", url);
    Process p = pb.start();
    OutputStream in = p.getOutputStream();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    in.write(INIT.getBytes(StandardCharsets.UTF_8));
    in.write(
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
            .getBytes(StandardCharsets.UTF_8));
    in.flush();
    out.readLine();
    List<Double> ms = new ArrayList<>();
    int warm = 3000;
    int n = 5000;
    for (int i = 0; i < warm + n; i++) {
      String req =
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + (i + 2)
              + ",\"method\":\"tools/call\",\"params\":{\"name\":\"execute_query\",\"arguments\":"
              + "{\"sql\":\"SELECT id, name, email FROM users WHERE email = $1\",\"params\":[\"user"
              + (1 + i % 500)
              + "@example.com\"]}}}\n";
      byte[] bytes = req.getBytes(StandardCharsets.UTF_8);
      long t0 = System.nanoTime();
      in.write(bytes);
      in.flush();
      String line = out.readLine();
      long t1 = System.nanoTime();
      if (line == null || line.contains("\"isError\":true")) {
        throw new IllegalStateException("call failed: " + line);
      }
      if (i >= warm) {
        ms.add((t1 - t0) / 1e6);
      }
    }
    in.close();
    p.waitFor();
    System.out.printf(
        "same query with a minimal line client (no SDK client cost): p50 %.3f ms, p99 %.3f ms%n",
        pct(ms, 50), pct(ms, 99));
  }

  @SuppressWarnings("unchecked")
  static void resultSize(String launcher, String url, String label, String sql) throws Exception {
    McpSyncClient c = client(launcher, url);
    try {
      McpSchema.CallToolResult r =
          c.callTool(new McpSchema.CallToolRequest("execute_query", Map.of("sql", sql)));
      String text = ((McpSchema.TextContent) r.content().get(0)).text();
      Map<String, Object> s = (Map<String, Object>) r.structuredContent();
      List<Map<String, Object>> cols = (List<Map<String, Object>>) s.get("columns");
      List<List<Object>> rows = (List<List<Object>>) s.get("rows");
      List<Map<String, Object>> objects = new ArrayList<>();
      for (List<Object> row : rows) {
        Map<String, Object> o = new LinkedHashMap<>();
        for (int i = 0; i < cols.size(); i++) {
          o.put((String) cols.get(i).get("name"), row.get(i));
        }
        objects.add(o);
      }
      String pretty =
          new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(objects);
      int t = text.getBytes(StandardCharsets.UTF_8).length;
      int p = pretty.getBytes(StandardCharsets.UTF_8).length;
      System.out.printf(
          "100 rows x 10 columns, %s: text table %d bytes, pretty-printed JSON %d bytes (%.0f%%)%n",
          label, t, p, 100.0 * t / p);
    } finally {
      c.closeGracefully();
    }
  }

  static double pct(List<Double> values, double p) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int i = (int) Math.min(v.length - 1, Math.max(0, Math.ceil(p / 100.0 * v.length) - 1));
    return v[i];
  }
}
