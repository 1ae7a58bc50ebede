package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.crdbmcp.contract.StartOptions;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Many clients at once over Streamable HTTP, and the ends of sessions: each session's transactions
 * are its own, and whatever ends a session (DELETE, idle timeout, SIGTERM) leaves no transaction
 * open in the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpSessionsIT {
  ConnectionSpec db;

  @BeforeAll
  void database() {
    db =
        TestDb.get()
            .createDatabase("sessions", "CREATE TABLE notes (id INT PRIMARY KEY, owner TEXT)");
  }

  @AfterAll
  void noTransactionLeft() throws Exception {
    assertThat(TestDb.serverSessionsInTransaction(db)).isZero();
  }

  long count(String where) throws Exception {
    return ((Number) TestDb.scalar(db, "SELECT count(*) FROM notes WHERE " + where)).longValue();
  }

  /** Waits (up to 10 s) until no server session of the test database is inside a transaction. */
  void awaitNoOpenTransaction() throws Exception {
    awaitNoOpenTransaction(10);
  }

  /** Waits (up to {@code seconds}) until no server session is inside a transaction. */
  void awaitNoOpenTransaction(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (TestDb.serverSessionsInTransaction(db) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(TestDb.serverSessionsInTransaction(db)).isZero();
  }

  /** The future's value; a failure carries the server's log, which says what the pool did. */
  static <T> T await(Future<T> f, HttpServerProcess server) throws Exception {
    try {
      return f.get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e.getCause().getMessage() + "\nserver log:\n" + server.stderr(), e);
    }
  }

  @Test
  void twentyConcurrentClientsEachWithItsOwnTransactionSeeNothingOfEachOther() throws Exception {
    int n = 20;
    try (HttpServerProcess server =
        HttpServerProcess.start(
            Map.of(
                "CRDB_URL", TestDb.url(db),
                "CRDB_POOL_SIZE", "30",
                // The pool opens connections one at a time; on a loaded machine twenty logins at
                // once can take longer than the default 10 s a call waits for one.
                "CRDB_TIMEOUT", "30",
                "CRDB_MAX_TRANSACTIONS", "40",
                "CRDB_MAX_TRANSACTIONS_PER_CLIENT", "2"))) {
      List<McpSyncClient> clients = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        List<Future<McpSyncClient>> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          started.add(pool.submit(() -> HttpServerFactory.client(server, StartOptions.defaults())));
        }
        for (Future<McpSyncClient> f : started) {
          clients.add(f.get(120, TimeUnit.SECONDS));
        }
        // Phase 1, all at once: each client opens a transaction and writes its row in it.
        List<String> txs = new ArrayList<>();
        List<Future<String>> begun = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int id = 1000 + i;
          McpSyncClient c = clients.get(i);
          begun.add(
              pool.submit(
                  () -> {
                    String tx =
                        (String) ok(call(c, "begin_transaction", args())).get("transaction_id");
                    ok(
                        call(
                            c,
                            "execute_query",
                            args(
                                "sql",
                                "INSERT INTO notes VALUES ($1, $2)",
                                "params",
                                List.of(id, "client" + id),
                                "transaction_id",
                                tx)));
                    return tx;
                  }));
        }
        for (Future<String> f : begun) {
          txs.add(await(f, server));
        }
        assertThat(txs).doesNotHaveDuplicates();
        // Phase 2, all at once: each sees its own row inside its transaction, none of the others'
        // rows outside, and cannot use its neighbour's handle.
        List<Future<?>> checks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int me = i;
          McpSyncClient c = clients.get(i);
          checks.add(
              pool.submit(
                  (Callable<Void>)
                      () -> {
                        Map<String, Object> inside =
                            ok(
                                call(
                                    c,
                                    "execute_query",
                                    args(
                                        "sql",
                                        "SELECT id FROM notes WHERE id >= 1000 ORDER BY id",
                                        "transaction_id",
                                        txs.get(me))));
                        assertThat(rows(inside)).containsExactly(List.of(1000 + me));
                        Map<String, Object> outside =
                            ok(
                                call(
                                    c,
                                    "execute_query",
                                    args("sql", "SELECT count(*) FROM notes WHERE id >= 1000")));
                        assertThat(((Number) rows(outside).get(0).get(0)).longValue()).isZero();
                        error(
                            call(
                                c,
                                "execute_query",
                                args("sql", "SELECT 1", "transaction_id", txs.get((me + 1) % n))),
                            "TRANSACTION_NOT_FOUND");
                        error(
                            call(
                                c,
                                "commit_transaction",
                                args("transaction_id", txs.get((me + 1) % n))),
                            "TRANSACTION_NOT_FOUND");
                        return null;
                      }));
        }
        for (Future<?> f : checks) {
          await(f, server);
        }
        // Phase 3: even clients commit, odd ones roll back.
        List<Future<?>> ends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int me = i;
          McpSyncClient c = clients.get(i);
          ends.add(
              pool.submit(
                  () ->
                      ok(
                          call(
                              c,
                              me % 2 == 0 ? "commit_transaction" : "rollback_transaction",
                              args("transaction_id", txs.get(me))))));
        }
        for (Future<?> f : ends) {
          await(f, server);
        }
        assertThat(count("id >= 1000")).isEqualTo(n / 2);
        assertThat(count("id >= 1000 AND id % 2 = 1")).isZero();
      } finally {
        for (McpSyncClient c : clients) {
          c.closeGracefully();
        }
        pool.shutdownNow();
        try (java.sql.Connection c = TestDb.open(db);
            java.sql.Statement st = c.createStatement()) {
          st.execute("DELETE FROM notes WHERE id >= 1000");
        }
      }
      awaitNoOpenTransaction();
    }
  }

  static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> a) {
    return c.callTool(new McpSchema.CallToolRequest(tool, a));
  }

  static String beginRaw(URI base, String token, int id) throws Exception {
    JsonNode r = RawHttp.call(base, token, id, "begin_transaction", Map.of());
    return r.at("/result/structuredContent/transaction_id").asText();
  }

  @Test
  void aSessionDeletedMidTransactionLeavesNoTransactionOpen() throws Exception {
    try (HttpServerProcess server = HttpServerProcess.start(Map.of("CRDB_URL", TestDb.url(db)))) {
      URI base = server.base();
      String token = RawHttp.initialize(base);
      String tx = beginRaw(base, token, 2);
      JsonNode insert =
          RawHttp.call(
              base,
              token,
              3,
              "execute_query",
              Map.of("sql", "INSERT INTO notes VALUES (1, 'deleted')", "transaction_id", tx));
      assertThat(insert.at("/result/isError").asBoolean()).isFalse();
      assertThat(TestDb.serverSessionsInTransaction(db)).isEqualTo(1);

      HttpResponse<String> deleted =
          RawHttp.send(
              HttpRequest.newBuilder(base.resolve("/mcp"))
                  .DELETE()
                  .header("Mcp-Session-Id", token)
                  .build());
      assertThat(deleted.statusCode()).isEqualTo(200);
      awaitNoOpenTransaction();
      assertThat(count("id = 1")).isZero();
      // The server goes on serving other sessions.
      String other = RawHttp.initialize(base);
      assertThat(beginRaw(base, other, 2)).startsWith("tx_");
    }
    awaitNoOpenTransaction();
  }

  @Test
  void anIdleSessionIsEndedAndItsTransactionRolledBack() throws Exception {
    try (HttpServerProcess server =
        HttpServerProcess.start(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_HTTP_SESSION_IDLE_TIMEOUT", "2"))) {
      URI base = server.base();
      String token = RawHttp.initialize(base);
      String tx = beginRaw(base, token, 2);
      RawHttp.call(
          base,
          token,
          3,
          "execute_query",
          Map.of("sql", "INSERT INTO notes VALUES (2, 'idle')", "transaction_id", tx));
      assertThat(TestDb.serverSessionsInTransaction(db)).isEqualTo(1);
      awaitNoOpenTransaction(); // the session's idle timeout (2 s) ends it within the wait
      HttpResponse<String> after =
          RawHttp.post(
              base,
              "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}",
              "Mcp-Session-Id",
              token);
      assertThat(after.statusCode()).isEqualTo(404);
      assertThat(count("id = 2")).isZero();
    }
  }

  /**
   * The server registers each call for cancellation by reading the posted body itself (the SDK
   * hands a handler neither the notification nor the request id). It must see a call the way the
   * SDK will: a method or its key written with JSON escapes, a repeated key, or a body in another
   * charset is still a call, and a cancellation still stops it. (A look for the text {@code
   * tools/call} in the raw bytes let both run their full time.)
   */
  @Test
  void aCallSpelledWithJsonEscapesOrSentInAnotherCharsetIsStillCancelled() throws Exception {
    try (HttpServerProcess server = HttpServerProcess.start(Map.of("CRDB_URL", TestDb.url(db)))) {
      URI base = server.base();
      String token = RawHttp.initialize(base);
      // The same call spelled as JSON allows: {method} is where the method key and its value go.
      String call =
          "{\"jsonrpc\":\"2.0\",\"id\":ID,{method},\"params\":{\"name\":\"execute_query\","
              + "\"arguments\":{\"sql\":\"SELECT pg_sleep(60) AS nap_ID\"}}}";
      List<String> spellings =
          List.of(
              "\"method\":\"tools\\/call\"",
              "\"method\":\"tools\\u002fcall\"",
              "\"method\":\"\\u0074ools/call\"",
              "\"m\\u0065thod\":\"tools/call\"",
              "\"method\":\"ping\",\"method\":\"tools/call\""); // a repeated key: the last counts
      int id = 10;
      for (String spelling : spellings) {
        id++;
        String body = call.replace("{method}", spelling).replace("ID", Integer.toString(id));
        cancelledInTime(
            server, base, token, id, body.getBytes(StandardCharsets.UTF_8), "application/json");
      }
      for (java.nio.charset.Charset charset :
          List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE)) {
        id++;
        String body =
            call.replace("{method}", "\"method\":\"tools/call\"")
                .replace("ID", Integer.toString(id));
        cancelledInTime(
            server,
            base,
            token,
            id,
            body.getBytes(charset),
            "application/json; charset=" + charset.name());
      }
      // The session still answers plain calls.
      JsonNode plain =
          RawHttp.call(base, token, 99, "execute_query", Map.of("sql", "SELECT 1 AS one"));
      assertThat(plain.at("/result/isError").asBoolean()).isFalse();
    }
  }

  /** Posts the slow call {@code id}, cancels it, and expects its answer (cancelled) in 15 s. */
  private static void cancelledInTime(
      HttpServerProcess server, URI base, String token, int id, byte[] body, String contentType)
      throws Exception {
    CompletableFuture<JsonNode> slow =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return RawHttp.call(base, token, id, body, contentType);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(1000); // the statement is running by now
    HttpResponse<String> cancel =
        RawHttp.post(
            base,
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
                + "{\"requestId\":"
                + id
                + ",\"reason\":\"stopped by the test\"}}",
            "Mcp-Session-Id",
            token);
    assertThat(cancel.statusCode()).isEqualTo(202);
    JsonNode answered;
    try {
      answered = slow.get(15, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(
          "call " + id + " ran on after its cancellation\nserver log:\n" + server.stderr(), e);
    }
    assertThat(answered.at("/result/isError").asBoolean()).as(answered.toString()).isTrue();
    assertThat(answered.toString()).contains("CANCELLED");
  }

  @Test
  void sigtermLetsACallInFlightFinishRollsBackTransactionsAndExitsZero() throws Exception {
    HttpServerProcess server =
        HttpServerProcess.start(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_HTTP_SHUTDOWN_GRACE", "20"));
    URI base = server.base();
    String token = RawHttp.initialize(base);
    String tx = beginRaw(base, token, 2);
    RawHttp.call(
        base,
        token,
        3,
        "execute_query",
        Map.of("sql", "INSERT INTO notes VALUES (3, 'term')", "transaction_id", tx));
    String other = RawHttp.initialize(base);
    CompletableFuture<JsonNode> slow =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return RawHttp.call(
                    base, other, 5, "execute_query", Map.of("sql", "SELECT pg_sleep(2) AS slept"));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(700); // the slow call is running
    long t0 = System.nanoTime();
    server.process().destroy(); // SIGTERM
    Thread.sleep(200);
    // While it drains, new requests are refused.
    HttpResponse<String> during =
        RawHttp.post(
            base,
            "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}",
            "Mcp-Session-Id",
            other);
    assertThat(during.statusCode()).isEqualTo(503);
    JsonNode answered = slow.get(30, TimeUnit.SECONDS);
    assertThat(answered.at("/result/isError").asBoolean()).isFalse();
    assertThat(answered.at("/result/structuredContent/row_count").asInt()).isEqualTo(1);
    assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(server.process().exitValue()).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    awaitNoOpenTransaction();
    assertThat(count("id = 3")).isZero();
  }

  @Test
  void theLegacySseTransportServesToolsAndItsEndRollsBackTransactions() throws Exception {
    try (HttpServerProcess server =
        HttpServerProcess.start(
            Map.of("CRDB_URL", TestDb.url(db)), List.of(), List.of("--http", "--port", "0"))) {
      assertThat(server.url().getPath()).isEqualTo("/sse");
      io.crdbmcp.contract.CancellingTransport transport =
          new io.crdbmcp.contract.CancellingTransport(
              HttpClientSseClientTransport.builder(server.base().toString())
                  .sseEndpoint("/sse")
                  .build());
      McpSyncClient client =
          McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60)).build();
      client.initialize();
      assertThat(client.listTools().tools()).anyMatch(t -> t.name().equals("execute_query"));
      // A cancellation posted to the session's message endpoint stops the call's statement.
      CompletableFuture<CallToolResult> slow =
          CompletableFuture.supplyAsync(
              () -> call(client, "execute_query", args("sql", "SELECT pg_sleep(60) AS sse_nap")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (transport.runningCalls() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(500); // the statement is running on the server by now
      assertThat(transport.cancelRunningCalls("stopped by the test")).isEqualTo(1);
      error(slow.get(15, TimeUnit.SECONDS), "CANCELLED");
      String tx = (String) ok(call(client, "begin_transaction", args())).get("transaction_id");
      ok(
          call(
              client,
              "execute_query",
              args("sql", "INSERT INTO notes VALUES (4, 'sse')", "transaction_id", tx)));
      assertThat(TestDb.serverSessionsInTransaction(db)).isEqualTo(1);
      // An origin that is not allowed is refused on the SSE endpoints too.
      HttpResponse<String> evil =
          RawHttp.send(
              HttpRequest.newBuilder(server.base().resolve("/sse"))
                  .header("Origin", "https://evil.example")
                  .header("Accept", "text/event-stream")
                  .timeout(Duration.ofSeconds(10))
                  .build());
      assertThat(evil.statusCode()).isEqualTo(403);
      client.closeGracefully(); // closes the event stream: the session ends
      // The server learns that the stream is gone when its next keep-alive write fails (every
      // 5 s); then the session's transaction is rolled back.
      awaitNoOpenTransaction(25);
      assertThat(count("id = 4")).isZero();
    }
  }
}
