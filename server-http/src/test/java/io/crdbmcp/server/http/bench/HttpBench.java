package io.crdbmcp.server.http.bench;

import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark, not a test: calls per second and p50/p99 latency of a one-row indexed query over
 * Streamable HTTP with 1, 8 and 32 concurrent clients (the SDK's Streamable HTTP client, one
 * session each), against this server and, when it can be started, dbhub (another MCP server for
 * PostgreSQL with a Streamable HTTP transport) on the same database. Run with bench/http.sh.
 */
public final class HttpBench {
  private HttpBench() {}

  static final int[] CONCURRENCY = {1, 8, 32};
  static final Duration RUN = Duration.ofSeconds(Long.getLong("bench.seconds", 10));
  static final String ID = "00000000-0000-4000-8000-00000000000c";

  record Server(
      String name,
      Process process,
      String base,
      String tool,
      Function<String, Map<String, Object>> args) {}

  public static void main(String[] argv) throws Exception {
    Path root = Path.of(argv.length > 0 ? argv[0] : ".").toAbsolutePath().normalize();
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
      pg.createDatabase("rideshare", EmbeddedPostgresServer.rideshareScript());
      String url = pg.url("rideshare");
      System.out.println(
          "database: embedded PostgreSQL, demo sample; query: one user by primary key");
      System.out.printf(
          "each run: %d s after a warm-up; one MCP session per client%n%n", RUN.toSeconds());
      System.out.println("| server | clients | calls/s | p50 ms | p99 ms |");
      System.out.println("|---|---|---|---|---|");
      List<Server> servers = new ArrayList<>();
      servers.add(ours(root, url));
      Server peer = dbhub(url);
      if (peer != null) {
        servers.add(peer);
      }
      try {
        for (Server s : servers) {
          for (int c : CONCURRENCY) {
            run(s, c);
          }
        }
      } finally {
        for (Server s : servers) {
          s.process().destroy();
          s.process().waitFor(20, TimeUnit.SECONDS);
        }
      }
      if (peer == null) {
        System.out.println(
            "\n(dbhub not run: set DBHUB to its executable, or have npx on the PATH)");
      }
    }
  }

  static Server ours(Path root, String url) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            root.resolve("bin/cockroachdb-mcp").toString(), "--streamable-http", "--port", "0");
    pb.environment().keySet().removeIf(k -> k.startsWith("CRDB_"));
    pb.environment().put("CRDB_URL", url);
    // As many pooled connections as the widest run has clients: the pool is not what is measured.
    pb.environment().put("CRDB_POOL_SIZE", "32");
    pb.environment().put("CRDB_RATE_LIMIT_ENABLED", "false"); // thousands of calls per session
    pb.environment().put("CRDB_HTTP_MAX_SESSIONS", "200");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String base = awaitLine(p, Pattern.compile("over Streamable HTTP at (http://[^/\\s]+)/mcp"));
    return new Server(
        "cockroachdb-mcp",
        p,
        base,
        "execute_query",
        id -> Map.of("sql", "SELECT * FROM users WHERE id = $1", "params", List.of(id)));
  }

  /** dbhub on the same database, if it can be started: $DBHUB, else npx. */
  static Server dbhub(String url) throws Exception {
    String exe = System.getenv("DBHUB");
    List<String> cmd = new ArrayList<>();
    if (exe != null && Files.isExecutable(Path.of(exe))) {
      cmd.add(exe);
    } else if (onPath("npx")) {
      cmd.addAll(List.of("npx", "-y", "@bytebase/dbhub"));
    } else {
      return null;
    }
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    cmd.addAll(
        List.of(
            "--transport",
            "http",
            "--port",
            String.valueOf(port),
            "--dsn",
            url.replace("postgresql://", "postgres://")));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return new Server(
            "dbhub",
            p,
            "http://127.0.0.1:" + port,
            "execute_sql",
            id -> Map.of("sql", "SELECT * FROM users WHERE id = '" + id + "'"));
      } catch (java.io.IOException notYet) {
        Thread.sleep(200);
      }
    }
    p.destroyForcibly();
    return null;
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  static String awaitLine(Process p, Pattern pattern) throws Exception {
    CompletableFuture<String> found = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  Matcher m = pattern.matcher(line);
                  if (m.find()) {
                    found.complete(m.group(1));
                  }
                }
              } catch (java.io.IOException ignored) {
                // ended
              }
              found.completeExceptionally(new IllegalStateException("the server ended"));
            });
    t.setDaemon(true);
    t.start();
    return found.get(180, TimeUnit.SECONDS);
  }

  static McpSyncClient client(String base) {
    McpSyncClient c =
        McpClient.sync(HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp").build())
            .requestTimeout(Duration.ofSeconds(60))
            .build();
    c.initialize();
    return c;
  }

  static void run(Server s, int clients) throws Exception {
    List<McpSyncClient> cs = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      cs.add(client(s.base()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      McpSchema.CallToolRequest req = new McpSchema.CallToolRequest(s.tool(), s.args().apply(ID));
      // Warm-up: the JIT, the pools, the clients' connections.
      List<Future<?>> warm = new ArrayList<>();
      for (McpSyncClient c : cs) {
        warm.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    check(c.callTool(req));
                  }
                }));
      }
      for (Future<?> f : warm) {
        f.get();
      }
      long end = System.nanoTime() + RUN.toNanos();
      List<Future<long[]>> runs = new ArrayList<>();
      for (McpSyncClient c : cs) {
        runs.add(
            pool.submit(
                () -> {
                  long[] lat = new long[1 << 20];
                  int n = 0;
                  while (System.nanoTime() < end && n < lat.length) {
                    long t0 = System.nanoTime();
                    check(c.callTool(req));
                    lat[n++] = System.nanoTime() - t0;
                  }
                  return Arrays.copyOf(lat, n);
                }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<long[]> f : runs) {
        for (long v : f.get()) {
          all.add(v);
        }
      }
      all.sort(Long::compare);
      double seconds = RUN.toNanos() / 1e9;
      System.out.printf(
          "| %s | %d | %.0f | %.2f | %.2f |%n",
          s.name(),
          clients,
          all.size() / seconds,
          all.get(all.size() / 2) / 1e6,
          all.get((int) Math.min(all.size() - 1, Math.round(all.size() * 0.99))) / 1e6);
    } finally {
      pool.shutdownNow();
      for (McpSyncClient c : cs) {
        c.closeGracefully();
      }
    }
  }

  static void check(McpSchema.CallToolResult r) {
    if (Boolean.TRUE.equals(r.isError())) {
      throw new IllegalStateException("the call failed: " + r.content());
    }
  }
}
