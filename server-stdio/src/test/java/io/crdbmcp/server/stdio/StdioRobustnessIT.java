package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stdio channel against hostile input, through the packaged server as a separate process and a
 * raw line client (bytes written to its stdin, JSON lines read from its stdout): blank lines, lines
 * that are not JSON, invalid UTF-8 and over-long lines never stop the session, and the end of input
 * always ends the process promptly.
 */
class StdioRobustnessIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Charset UTF8 = StandardCharsets.UTF_8;
  static ConnectionSpec db;

  @BeforeAll
  static void database() {
    db =
        TestDb.get().createDatabase("robust", "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)");
  }

  /** The packaged server with raw pipes. */
  static final class RawServer implements AutoCloseable {
    final Process process;
    final OutputStream stdin;
    final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    final StringBuffer stderr = new StringBuffer();

    RawServer(Map<String, String> env, String... jvmArgs) throws IOException {
      ProcessBuilder pb = new ProcessBuilder();
      pb.command().add(ServerProcess.java());
      pb.command().addAll(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"));
      pb.command().addAll(List.of(jvmArgs));
      pb.command().addAll(List.of("-jar", ServerProcess.jar().toString()));
      pb.environment().keySet().removeIf(k -> k.startsWith("CRDB_"));
      pb.environment().putAll(env);
      process = pb.start();
      stdin = process.getOutputStream();
      pump(new BufferedReader(new InputStreamReader(process.getInputStream(), UTF8)), true);
      pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), UTF8)), false);
    }

    private void pump(BufferedReader r, boolean out) {
      Thread t =
          new Thread(
              () -> {
                try {
                  String line;
                  while ((line = r.readLine()) != null) {
                    if (out) {
                      stdout.add(line);
                    } else {
                      stderr.append(line).append('\n');
                    }
                  }
                } catch (IOException ignored) {
                  // The process ended.
                }
              });
      t.setDaemon(true);
      t.start();
    }

    void sendBytes(byte[] b) throws IOException {
      stdin.write(b);
      stdin.flush();
    }

    void send(String line) throws IOException {
      sendBytes((line + "\n").getBytes(UTF8));
    }

    /** The next message that is not a notification. */
    JsonNode next() throws Exception {
      while (true) {
        String line = stdout.poll(60, TimeUnit.SECONDS);
        assertThat(line).as("an answer within 60 s; stderr: %s", stderr).isNotNull();
        JsonNode n = JSON.readTree(line);
        if (!(n.has("method") && !n.has("id"))) {
          return n;
        }
      }
    }

    /** Sends a request and returns its response, which must be the very next message. */
    JsonNode request(int id, String method, Object params) throws Exception {
      send(
          JSON.writeValueAsString(
              Map.of("jsonrpc", "2.0", "id", id, "method", method, "params", params)));
      JsonNode r = next();
      assertThat(r.path("id").asInt()).as("response to %s: %s", method, r).isEqualTo(id);
      return r;
    }

    /** The initialize request (id 1), its answer, then the initialized notification. */
    JsonNode initialize() throws Exception {
      JsonNode init =
          request(
              1,
              "initialize",
              Map.of(
                  "protocolVersion",
                  "2025-06-18",
                  "capabilities",
                  Map.of(),
                  "clientInfo",
                  Map.of("name", "raw", "version", "1")));
      send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
      return init;
    }

    JsonNode callTool(int id, String tool, Map<String, Object> args) throws Exception {
      JsonNode r = request(id, "tools/call", Map.of("name", tool, "arguments", args));
      assertThat(r.has("result")).as("%s", r).isTrue();
      return r.get("result");
    }

    /** Closes stdin and returns how long the process took to exit, in milliseconds. */
    long endInput() throws Exception {
      long t0 = System.nanoTime();
      stdin.close();
      boolean exited = process.waitFor(30, TimeUnit.SECONDS);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(exited).as("the process exits after end of input; stderr: %s", stderr).isTrue();
      return ms;
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** A tools/call request as one JSON line (without its line end). */
  static String toolCallLine(int id, String tool, Map<String, Object> args) throws IOException {
    return JSON.writeValueAsString(
        Map.of(
            "jsonrpc",
            "2.0",
            "id",
            id,
            "method",
            "tools/call",
            "params",
            Map.of("name", tool, "arguments", args)));
  }

  static void assertError(JsonNode r, int code) {
    assertThat(r.has("result")).as("%s", r).isFalse();
    assertThat(r.path("error").path("code").asInt()).as("%s", r).isEqualTo(code);
  }

  static void assertParseError(JsonNode r) {
    assertThat(r.has("id")).as("a parse error carries \"id\": null: %s", r).isTrue();
    assertThat(r.get("id").isNull()).as("%s", r).isTrue();
    assertError(r, -32700);
    assertThat(r.path("error").path("message").asText()).startsWith("Parse error: ");
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Writes a line of {@code size} bytes in 1 MiB pieces (the line end included). */
  static void sendLongLine(RawServer s, String head, long size, String tail) throws IOException {
    byte[] piece = new byte[1 << 20];
    Arrays.fill(piece, (byte) 'x');
    s.sendBytes(ascii(head));
    long left = size - head.length() - tail.length() - 1;
    while (left > 0) {
      int n = (int) Math.min(piece.length, left);
      s.stdin.write(piece, 0, n);
      left -= n;
    }
    s.sendBytes(ascii(tail + "\n"));
  }

  @Test
  void garbageBlankLinesInvalidUtf8AndOverlongLinesNeverStopTheSession() throws Exception {
    // A small heap: a server that held the whole 100 MiB line in memory would fail here.
    try (RawServer s = new RawServer(Map.of("CRDB_URL", TestDb.url(db)), "-Xmx64m")) {
      s.send("");
      s.send("   ");
      s.sendBytes(ascii("\t\r\n\n"));
      JsonNode init = s.initialize();
      assertThat(init.path("result").path("serverInfo").path("name").asText())
          .isEqualTo("cockroachdb-mcp");
      s.send("");

      List<byte[]> garbage = new ArrayList<>();
      garbage.add(ascii("hello"));
      garbage.add(ascii("{not json"));
      garbage.add(ascii("{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"ping\""));
      garbage.add(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0x80, 'a'});
      // A well-formed request except for an invalid UTF-8 sequence inside a string.
      garbage.add(
          concat(
              ascii("{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"ping\",\"params\":{\"x\":\""),
              new byte[] {(byte) 0xc3, (byte) 0x28},
              ascii("\"}}")));
      int id = 2;
      for (byte[] g : garbage) {
        s.sendBytes(concat(g, ascii("\n")));
        assertParseError(s.next());
        s.send("");
        assertThat(s.request(id++, "ping", Map.of()).has("result")).isTrue();
      }

      JsonNode tools = s.request(100, "tools/list", Map.of());
      assertThat(tools.path("result").path("tools").findValuesAsText("name"))
          .contains("execute_query", "list_tables");

      // Over the 16 MiB limit: refused, the bytes up to the line end discarded, the session goes
      // on.
      sendLongLine(
          s,
          "{\"jsonrpc\":\"2.0\",\"id\":101,\"method\":\"tools/call\",\"params\":{\"name\":"
              + "\"execute_query\",\"arguments\":{\"sql\":\"SELECT '",
          20L << 20,
          "'\"}}}");
      JsonNode tooLong = s.next();
      assertParseError(tooLong);
      assertThat(tooLong.path("error").path("message").asText()).contains("16 MiB");
      sendLongLine(s, "", 100L << 20, "");
      assertParseError(s.next());

      JsonNode one = s.callTool(102, "execute_query", Map.of("sql", "SELECT 1 AS one"));
      assertThat(one.path("isError").asBoolean()).as("%s", one).isFalse();
      assertThat(one.path("structuredContent").path("rows").get(0).get(0).asInt()).isEqualTo(1);

      // A long line under the limit is served (the statement itself stays under the 1,000,000
      // characters of CRDB_MAX_SQL_LENGTH).
      String big = "y".repeat(900_000);
      JsonNode length =
          s.callTool(103, "execute_query", Map.of("sql", "SELECT length('" + big + "') AS n"));
      assertThat(length.path("structuredContent").path("rows").get(0).get(0).asInt())
          .as("%s", length.path("content"))
          .isEqualTo(900_000);

      // CRLF line ends and surrounding whitespace are fine.
      s.sendBytes(ascii("  {\"jsonrpc\":\"2.0\",\"id\":104,\"method\":\"ping\"}  \r\n"));
      assertThat(s.next().path("id").asInt()).isEqualTo(104);

      // JSON that is not a JSON-RPC message: Invalid Request, with the id when there is one.
      s.send("[1, 2]");
      JsonNode batch = s.next();
      assertError(batch, -32600);
      assertThat(batch.get("id").isNull()).isTrue();
      s.send("42");
      assertError(s.next(), -32600);
      s.send("{\"jsonrpc\":\"2.0\",\"id\":105}");
      JsonNode noMethod = s.next();
      assertError(noMethod, -32600);
      assertThat(noMethod.path("id").asInt()).isEqualTo(105);
      assertError(s.request(106, "no/such/method", Map.of()), -32601);

      JsonNode last = s.callTool(107, "execute_query", Map.of("sql", "SELECT 2 AS two"));
      assertThat(last.path("isError").asBoolean()).isFalse();
      assertThat(s.stdout).as("nothing unanswered or unexpected").isEmpty();

      long ms = s.endInput();
      assertThat(ms).as("exit after end of input, ms").isLessThan(2_000);
      assertThat(s.process.exitValue()).isZero();
    }
  }

  @Test
  void endOfInputAfterGarbageStillEndsTheProcess() throws Exception {
    try (RawServer s = new RawServer(Map.of("CRDB_URL", TestDb.url(db)))) {
      s.send("hello");
      assertParseError(s.next());
      s.sendBytes(new byte[] {'{', (byte) 0xff}); // no line end before the end of input
      long ms = s.endInput();
      assertThat(ms).isLessThan(2_000);
    }
  }

  @Test
  void endOfInputRollsBackOpenTransactionsAndClosesConnectionsWithinTwoSeconds() throws Exception {
    try (RawServer s =
        new RawServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_QUERY_TIMEOUT", "120"))) {
      s.initialize();
      JsonNode begin = s.callTool(2, "begin_transaction", Map.of());
      String tx = begin.path("structuredContent").path("transaction_id").asText();
      assertThat(tx).as("%s", begin).startsWith("tx_");
      JsonNode insert =
          s.callTool(
              3,
              "execute_query",
              Map.of("sql", "INSERT INTO notes VALUES (1, 'uncommitted')", "transaction_id", tx));
      assertThat(insert.path("isError").asBoolean()).as("%s", insert).isFalse();
      // A statement still running when the input ends.
      s.send(toolCallLine(4, "execute_query", Map.of("sql", "SELECT pg_sleep(60)")));
      long deadline = System.currentTimeMillis() + 10_000;
      while (sessions(Sessions.SLEEPING) == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(sessions(Sessions.SLEEPING)).as("the pg_sleep is running").isPositive();

      long ms = s.endInput();
      assertThat(ms).as("exit after end of input, ms; stderr: %s", s.stderr).isLessThan(2_000);
      assertThat(s.stderr.toString())
          .as("the connections were closed in order, not abandoned at the deadline")
          .doesNotContain("did not confirm closing");
    }
    // The open transaction was rolled back: the same key can be inserted at once (an open
    // transaction would hold its lock, a committed one would make it a duplicate).
    try (Connection c = TestDb.open(db);
        Statement st = c.createStatement()) {
      st.execute("SET lock_timeout = '2s'");
      assertThat(st.executeUpdate("INSERT INTO notes VALUES (1, 'after')")).isEqualTo(1);
      st.execute("DELETE FROM notes");
    }
    long closed = System.currentTimeMillis() + 2_000;
    while (sessions(Sessions.NOT_SLEEPING) > 0 && System.currentTimeMillis() < closed) {
      Thread.sleep(50);
    }
    assertThat(sessions(Sessions.NOT_SLEEPING))
        .as("no idle or idle-in-transaction session of the server is left")
        .isZero();
    // A backend busy with a statement would notice its client is gone only when the statement
    // ends (here after 60 s; the query timeout is 120 s): the server cancels it on the way out.
    long deadline = System.currentTimeMillis() + 2_000;
    while (sessions(Sessions.ALL) > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(sessions(Sessions.ALL)).as("no session of the server is left").isZero();
  }

  enum Sessions {
    ALL,
    SLEEPING,
    NOT_SLEEPING
  }

  /** The server's sessions on the test database: all, those running pg_sleep, the others. */
  static int sessions(Sessions which) throws Exception {
    boolean crdb = TestDb.get().isCockroach();
    String sleeping =
        crdb
            ? "active_queries LIKE '%pg_sleep%'"
            : "(query LIKE '%pg_sleep%' AND state = 'active')";
    String sql =
        (crdb
                ? "SELECT count(*) FROM crdb_internal.cluster_sessions"
                    + " WHERE application_name = 'cockroachdb-mcp'"
                    + " AND active_queries NOT LIKE '%cluster_sessions%'"
                : "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cockroachdb-mcp'"
                    + " AND datname = current_database() AND pid <> pg_backend_pid()")
            + switch (which) {
              case ALL -> "";
              case SLEEPING -> " AND " + sleeping;
              case NOT_SLEEPING -> " AND NOT " + sleeping;
            };
    return ((Number) TestDb.scalar(db, sql)).intValue();
  }

  /**
   * Answers written by several worker threads at once, beside the reader thread's own answers
   * (parse errors, pings), come out as whole lines: each one JSON, each request answered once, each
   * result intact.
   */
  /**
   * A call is registered for cancellation as the SDK will read it, whatever its spelling (here the
   * method with a JSON escape), and a cancellation stops it without the SDK's warning that nothing
   * handles {@code notifications/cancelled}.
   */
  @Test
  void aCallSpelledWithAJsonEscapeIsCancelledAndTheCancellationLogsNoWarning() throws Exception {
    try (RawServer s = new RawServer(Map.of("CRDB_URL", TestDb.url(db)))) {
      s.initialize();
      s.send(
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools\\/call\",\"params\":{\"name\":"
              + "\"execute_query\",\"arguments\":{\"sql\":\"SELECT pg_sleep(60) AS nap\"}}}");
      Thread.sleep(1000); // the statement is running by now
      long t0 = System.nanoTime();
      s.send(
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
              + "{\"requestId\":7,\"reason\":\"stopped by the test\"}}");
      JsonNode r = s.next();
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(15);
      assertThat(r.path("id").asInt()).isEqualTo(7);
      assertThat(r.at("/result/isError").asBoolean()).as("%s", r).isTrue();
      assertThat(r.toString()).contains("CANCELLED");
      assertThat(
              s.callTool(8, "execute_query", Map.of("sql", "SELECT 1 AS one"))
                  .path("isError")
                  .asBoolean())
          .isFalse();
      assertThat(s.stderr.toString()).doesNotContain("No handler registered");
    }
  }

  @Test
  void concurrentAnswersNeverInterleave() throws Exception {
    try (RawServer s = new RawServer(Map.of("CRDB_URL", TestDb.url(db)))) {
      s.initialize();
      int calls = 40;
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int i = 0; i < calls; i++) {
        // Answers of about 10 KB each, which several threads write at once.
        String sql =
            "SELECT g, repeat('x', 100) || g AS pad FROM generate_series(1, " + (40 + i) + ") g";
        burst.writeBytes(
            ascii(
                toolCallLine(100 + i, "execute_query", Map.of("sql", sql, "max_rows", 1000))
                    + "\n"));
        burst.writeBytes(ascii("not json " + i + "\n"));
        burst.writeBytes(
            ascii("{\"jsonrpc\":\"2.0\",\"id\":" + (500 + i) + ",\"method\":\"ping\"}\n"));
      }
      s.sendBytes(burst.toByteArray());
      Map<Integer, JsonNode> answers = new java.util.HashMap<>();
      int parseErrors = 0;
      while (answers.size() < 2 * calls || parseErrors < calls) {
        JsonNode r = s.next(); // every line parses as one JSON message
        if (r.get("id").isNull()) {
          assertParseError(r);
          parseErrors++;
          continue;
        }
        assertThat(answers.put(r.get("id").asInt(), r))
            .as("answered once: %s", r.get("id"))
            .isNull();
      }
      assertThat(parseErrors).isEqualTo(calls);
      for (int i = 0; i < calls; i++) {
        JsonNode call = answers.get(100 + i);
        assertThat(call).as("call %d answered", i).isNotNull();
        JsonNode rows = call.path("result").path("structuredContent").path("rows");
        assertThat(rows.size()).as("rows of call %d", i).isEqualTo(40 + i);
        assertThat(rows.get(39 + i).get(1).asText()).isEqualTo("x".repeat(100) + (40 + i));
        assertThat(answers.get(500 + i).has("result")).as("ping %d", i).isTrue();
      }
    }
  }
}
