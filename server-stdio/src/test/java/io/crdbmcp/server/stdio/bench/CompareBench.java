package io.crdbmcp.server.stdio.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test: this server beside the official Node.js PostgreSQL server ({@code
 * mcp-server-postgres}) and dbhub, on the same embedded PostgreSQL, driven by the same minimal
 * JSON-RPC line client over stdio, in one run. Prints, per server, start to the initialize answer,
 * the p50 of a warmed one-row indexed query, the size of tools/list and the text of a 100-row,
 * 10-column result, and our figures as ratios of the best peer's, each the median of interleaved
 * rounds ({@link #ROUNDS}). Run with bench/compare.sh.
 *
 * <p>The same SQL text (no bind parameters, which the Node server's one tool does not take) goes to
 * every server, through each one's own query tool.
 */
public final class CompareBench {
  private CompareBench() {}

  static final ObjectMapper JSON = new ObjectMapper();
  static final int STARTS = Integer.getInteger("bench.starts", 6);

  /**
   * Rounds, each measuring every server once (starts, then one session of calls), in alternating
   * order; the figures are the medians of the rounds'. On a shared virtual machine one server's
   * figures drift by a factor of two between minutes, so servers measured one after the other
   * compared that drift as much as the servers.
   */
  static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

  static final int WARM = Integer.getInteger("bench.warm", 2000);
  static final int CALLS = Integer.getInteger("bench.calls", 2000);

  static final String ONE_ROW =
      "SELECT id, name, email FROM users WHERE email = 'user%d@example.com'";
  static final String HUNDRED_ROWS =
      "SELECT r.id, r.city, r.rider_id, r.vehicle_id, r.start_address, r.end_address,"
          + " r.start_time, r.end_time, r.revenue, r.tags FROM rides r ORDER BY r.id LIMIT 100";

  /** One server under comparison: how to start it and how to call its query tool. */
  record Server(String name, List<String> command, Map<String, String> env, String tool) {
    boolean ours() {
      return name.equals("cockroachdb-mcp");
    }
  }

  /** What was measured for one server. */
  record Figures(double startMs, double p50Ms, int toolListBytes, int tools, int hundredRowBytes) {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    Path peers = args.length > 1 ? Path.of(args[1]) : null;
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
      pg.createDatabase("rideshare", EmbeddedPostgresServer.rideshareScript());
      String url = pg.url("rideshare");
      System.out.println("database: embedded PostgreSQL, demo sample (" + url + ")");
      System.out.printf(
          "client: one minimal JSON-RPC line client for every server; %d interleaved rounds, each"
              + " of %d starts, %d warm-up and %d measured calls per server%n%n",
          ROUNDS, STARTS, WARM, CALLS);
      List<Server> servers = new ArrayList<>();
      servers.add(
          new Server(
              "cockroachdb-mcp",
              List.of(root.resolve("bin/cockroachdb-mcp").toString()),
              Map.of("CRDB_URL", url),
              "execute_query"));
      Path node = peers == null ? null : peers.resolve("node_modules/.bin/mcp-server-postgres");
      if (node != null && Files.isExecutable(node)) {
        servers.add(
            new Server("mcp-server-postgres", List.of(node.toString(), url), Map.of(), "query"));
      } else {
        System.out.println("(mcp-server-postgres not found under " + peers + ": not run)");
      }
      Path dbhub = peers == null ? null : peers.resolve("node_modules/.bin/dbhub");
      if (dbhub != null && Files.isExecutable(dbhub)) {
        servers.add(
            new Server(
                "dbhub",
                List.of(dbhub.toString(), "--transport", "stdio", "--dsn", url),
                Map.of(),
                "execute_sql"));
      } else {
        System.out.println("(dbhub not found under " + peers + ": not run)");
      }
      // -Dbench.only=cockroachdb-mcp measures one server (while working on it).
      String only = System.getProperty("bench.only");
      servers.removeIf(s -> only != null && !only.equals(s.name()));
      Map<String, List<Figures>> rounds = new LinkedHashMap<>();
      for (int r = 0; r < ROUNDS; r++) {
        List<Server> order = new ArrayList<>(servers);
        if (r % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        for (Server s : order) {
          Figures f = measure(s);
          rounds.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(f);
          System.out.printf(
              "round %d %-20s start %6.0f ms | one-row p50 %.3f ms | tools/list %6d bytes (%d"
                  + " tools) | 100 rows %6d bytes%n",
              r + 1,
              s.name(),
              f.startMs(),
              f.p50Ms(),
              f.toolListBytes(),
              f.tools(),
              f.hundredRowBytes());
        }
      }
      Map<String, Figures> all = new LinkedHashMap<>();
      for (Server s : servers) {
        List<Figures> fs = rounds.get(s.name());
        Figures last = fs.get(fs.size() - 1);
        Figures median =
            new Figures(
                pct(fs.stream().map(Figures::startMs).toList(), 50),
                pct(fs.stream().map(Figures::p50Ms).toList(), 50),
                last.toolListBytes(),
                last.tools(),
                last.hundredRowBytes());
        all.put(s.name(), median);
        System.out.printf(
            "%nmedian of %d rounds: %-20s start %6.0f ms | one-row p50 %.3f ms",
            fs.size(), s.name(), median.startMs(), median.p50Ms());
      }
      System.out.println();
      report(all);
    }
  }

  static Figures measure(Server s) throws Exception {
    // One start first, so files the server creates on its first run (a class-data-sharing
    // archive, an npm cache) do not count.
    startAndInitialize(s).close();
    List<Double> starts = new ArrayList<>();
    for (int i = 0; i < STARTS; i++) {
      long t0 = System.nanoTime();
      try (Peer p = startAndInitialize(s)) {
        starts.add((System.nanoTime() - t0) / 1e6);
      }
    }
    try (Peer p = startAndInitialize(s)) {
      p.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
      String list = p.request("tools/list", JSON.createObjectNode());
      int tools = JSON.readTree(list).path("result").path("tools").size();
      List<Double> calls = new ArrayList<>();
      for (int i = 0; i < WARM + CALLS; i++) {
        String sql = String.format(ONE_ROW, 1 + i % 500);
        long t0 = System.nanoTime();
        String answer = p.call(s.tool(), sql);
        long t1 = System.nanoTime();
        if (i == 0 && !answer.contains("user1@example.com")) {
          throw new IllegalStateException(s.name() + " answered: " + answer);
        }
        if (i >= WARM) {
          calls.add((t1 - t0) / 1e6);
        }
      }
      JsonNode hundred = JSON.readTree(p.call(s.tool(), HUNDRED_ROWS)).path("result");
      int text = 0;
      for (JsonNode c : hundred.path("content")) {
        text += c.path("text").asText().getBytes(StandardCharsets.UTF_8).length;
      }
      return new Figures(
          pct(starts, 50),
          pct(calls, 50),
          list.getBytes(StandardCharsets.UTF_8).length,
          tools,
          text);
    }
  }

  static void report(Map<String, Figures> all) {
    Figures ours = all.get("cockroachdb-mcp");
    List<Map.Entry<String, Figures>> peers =
        all.entrySet().stream().filter(e -> !e.getKey().equals("cockroachdb-mcp")).toList();
    if (peers.isEmpty()) {
      System.out.println("\nno peer ran: no ratios");
      return;
    }
    System.out.println();
    System.out.println("| figure | ours | best peer | ours / best peer | goal |");
    System.out.println("|---|---|---|---|---|");
    row(
        "process start to `initialize` answered",
        ours.startMs(),
        peers,
        Figures::startMs,
        "%.0f ms",
        "<= 1 (no slower)");
    row(
        "p50 of a one-row indexed query, warmed, stdio",
        ours.p50Ms(),
        peers,
        Figures::p50Ms,
        "%.3f ms",
        "< 1 (faster)");
    row(
        "`tools/list` size",
        ours.toolListBytes(),
        peers,
        f -> (double) f.toolListBytes(),
        "%.0f bytes",
        "ours <= 20 KiB (" + ours.tools() + " tools)");
    row(
        "text of a 100-row, 10-column result",
        ours.hundredRowBytes(),
        peers,
        f -> (double) f.hundredRowBytes(),
        "%.0f bytes",
        "<= 0.5");
  }

  static void row(
      String what,
      double ours,
      List<Map.Entry<String, Figures>> peers,
      java.util.function.ToDoubleFunction<Figures> figure,
      String unit,
      String goal) {
    Map.Entry<String, Figures> best =
        peers.stream()
            .min(
                (a, b) ->
                    Double.compare(
                        figure.applyAsDouble(a.getValue()), figure.applyAsDouble(b.getValue())))
            .orElseThrow();
    double b = figure.applyAsDouble(best.getValue());
    System.out.printf(
        "| %s | " + unit + " | " + unit + " (%s) | %.2f | %s |%n",
        what,
        ours,
        b,
        best.getKey(),
        ours / b,
        goal);
  }

  /** A started server, spoken to one JSON-RPC line at a time. */
  static final class Peer implements AutoCloseable {
    final Process process;
    final OutputStream in;
    final BufferedReader out;
    int id = 1;

    Peer(Process process) {
      this.process = process;
      this.in = process.getOutputStream();
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    void send(String line) throws IOException {
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    /** Sends a request and returns the answer with its id (notifications in between skipped). */
    String request(String method, ObjectNode params) throws IOException {
      int mine = ++id;
      ObjectNode req = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", mine);
      req.put("method", method).set("params", params);
      send(JSON.writeValueAsString(req));
      while (true) {
        String line = out.readLine();
        if (line == null) {
          throw new IllegalStateException("the server closed stdout");
        }
        if (line.contains("\"id\":" + mine + ",") || line.contains("\"id\":" + mine + "}")) {
          return line;
        }
      }
    }

    String call(String tool, String sql) throws IOException {
      ObjectNode params = JSON.createObjectNode().put("name", tool);
      params.putObject("arguments").put("sql", sql);
      String answer = request("tools/call", params);
      if (answer.contains("\"isError\":true") || answer.contains("\"error\":{")) {
        throw new IllegalStateException(tool + " failed: " + answer);
      }
      return answer;
    }

    @Override
    public void close() throws Exception {
      in.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  static Peer startAndInitialize(Server s) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(s.command()).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(s.env());
    Peer p = new Peer(pb.start());
    ObjectNode params = JSON.createObjectNode().put("protocolVersion", "2025-06-18");
    params.putObject("capabilities");
    params.putObject("clientInfo").put("name", "bench").put("version", "1");
    String answer = p.request("initialize", params);
    if (!answer.contains("\"result\"")) {
      throw new IllegalStateException(s.name() + " did not initialize: " + answer);
    }
    return p;
  }

  static double pct(List<Double> values, double p) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int i = (int) Math.min(v.length - 1, Math.max(0, Math.ceil(p / 100.0 * v.length) - 1));
    return v[i];
  }
}
