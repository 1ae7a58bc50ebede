package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.tools.Cancellations;
import io.crdbmcp.tools.CrdbTools;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transport's threads, with the SDK's server on it, a tool that answers at once and one that
 * waits until the test lets it finish: a call runs on the thread that read it; calls sent one at a
 * time run on that one thread; while a long call runs, the stand-by hands the reading to another
 * thread; when every exchange thread is busy, the requests still read wait in the SDK's scheduler
 * instead, and the reading never stops (a ping is answered while all calls wait, and every call is
 * answered once).
 */
class StdioTransportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(60) // a reading that stopped would leave the ping unanswered: fail, not hang
  void withEveryExchangeThreadBusyTheReadingGoesOnAndEveryCallIsAnsweredOnce() throws Exception {
    try (Session s = new Session(2, StdioTransport.VACANCY_NANOS)) {
      // A ping answered, and a moment, so that the thread that ran it is idle again: the first
      // call is then read by one exchange thread and run there, the other one reading on.
      send(s.toServer, "{\"jsonrpc\":\"2.0\",\"id\":98,\"method\":\"ping\"}");
      assertThat(JSON.readTree(s.out.readLine()).path("id").asInt()).isEqualTo(98);
      Thread.sleep(200);
      int calls = 4;
      for (int id = 1; id <= calls; id++) {
        s.call(id, "wait");
        if (id == 1) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          while (s.started.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
          }
          assertThat(s.started.get()).as("the first call started").isEqualTo(1);
        }
      }
      send(s.toServer, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"ping\"}");
      // Every call waits, two exchange threads at most: the ping is still read and answered.
      JsonNode first = JSON.readTree(s.out.readLine());
      assertThat(first.path("id").asInt()).isEqualTo(99);
      assertThat(first.has("result")).isTrue();
      s.finish.countDown();
      List<Integer> answered = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        JsonNode r = JSON.readTree(s.out.readLine());
        assertThat(r.path("result").path("content").path(0).path("text").asText())
            .isEqualTo("done");
        answered.add(r.path("id").asInt());
      }
      assertThat(answered).containsExactlyInAnyOrder(1, 2, 3, 4);
      // The first call ran on an exchange thread (the one that read it), the ones read while both
      // were busy (one running it, one reading) on the SDK's scheduler.
      assertThat(s.waitThreads).anyMatch(n -> n.startsWith("stdio-exchange-"));
      assertThat(s.waitThreads).anyMatch(n -> n.startsWith("boundedElastic-"));
      assertThat(s.waitThreads.stream().filter(n -> n.startsWith("stdio-exchange-")))
          .allMatch(n -> n.equals("stdio-exchange-1") || n.equals("stdio-exchange-2"));
    }
  }

  @Test
  @Timeout(60)
  void callsAnsweredOneAtATimeRunOnTheThreadThatReadThemWithNoOtherWoken() throws Exception {
    // A vacancy taken over only after a minute: on a slow machine too, no call here is that slow.
    try (Session s =
        new Session(StdioTransport.MAX_EXCHANGE_THREADS, TimeUnit.MINUTES.toNanos(1))) {
      // The initialized notification is handed to a thread of its own when the next line is read
      // at once; that thread, done, may take a role left vacant (as designed). A ping answered and
      // a pause first, so that every exchange before the calls is over.
      send(s.toServer, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}");
      assertThat(JSON.readTree(s.out.readLine()).path("id").asInt()).isZero();
      Thread.sleep(200);
      // Each call answered before the next is sent: the thread that ran one reads the next.
      for (int id = 1; id <= 5; id++) {
        s.call(id, "fast");
        JsonNode r = JSON.readTree(s.out.readLine());
        assertThat(r.path("id").asInt()).isEqualTo(id);
        assertThat(r.path("result").path("content").path(0).path("text").asText())
            .isEqualTo("fast");
      }
      synchronized (s.fastThreads) {
        assertThat(s.fastThreads).hasSize(5);
        assertThat(Set.copyOf(s.fastThreads)).hasSize(1);
        assertThat(s.fastThreads.get(0)).startsWith("stdio-exchange-");
      }
    }
  }

  @Test
  @Timeout(60) // a reading never taken over would leave the ping unanswered: fail, not hang
  void whileALongCallRunsTheStandByGivesTheReadingToAnotherThread() throws Exception {
    try (Session s =
        new Session(StdioTransport.MAX_EXCHANGE_THREADS, StdioTransport.VACANCY_NANOS)) {
      // A call that runs on and on, alone in its read: its thread left the reading vacant, the
      // stand-by gives it to another thread, so a ping sent afterwards is read and answered.
      s.call(1, "wait");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (s.started.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(s.started.get()).as("the long call started").isEqualTo(1);
      send(s.toServer, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
      JsonNode ping = JSON.readTree(s.out.readLine());
      assertThat(ping.path("id").asInt()).isEqualTo(2);
      assertThat(ping.has("result")).isTrue();
      // And a call sent meanwhile runs beside the long one.
      s.call(3, "fast");
      assertThat(JSON.readTree(s.out.readLine()).path("id").asInt()).isEqualTo(3);
      s.finish.countDown();
      JsonNode done = JSON.readTree(s.out.readLine());
      assertThat(done.path("id").asInt()).isEqualTo(1);
      assertThat(done.path("result").path("content").path(0).path("text").asText())
          .isEqualTo("done");
    }
  }

  /**
   * An initialized session on a transport with at most {@code maxExchangeThreads} exchange threads:
   * "fast" records its thread and answers at once; "wait" records its thread, counts itself started
   * and answers once {@link #finish} is counted down.
   */
  private static final class Session implements AutoCloseable {
    final PipedOutputStream toServer = new PipedOutputStream();
    final BufferedReader out;
    final StdioTransport transport;
    final McpSyncServer server;
    final CountDownLatch finish = new CountDownLatch(1);
    final AtomicInteger started = new AtomicInteger();
    final Set<String> waitThreads = ConcurrentHashMap.newKeySet();
    final List<String> fastThreads = new ArrayList<>();

    Session(int maxExchangeThreads, long vacancyNanos) throws Exception {
      McpJsonMapper json = CrdbTools.jsonMapper();
      PipedInputStream serverIn = new PipedInputStream(toServer, 1 << 16);
      PipedInputStream fromServer = new PipedInputStream(1 << 20);
      PipedOutputStream serverOut = new PipedOutputStream(fromServer);
      transport =
          new StdioTransport(
              json, serverIn, serverOut, new Cancellations(), maxExchangeThreads, vacancyNanos);
      server =
          McpServer.sync(transport)
              .immediateExecution(true)
              .serverInfo("test", "1")
              .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
              .tools(
                  tool(
                      json,
                      "fast",
                      () -> {
                        synchronized (fastThreads) {
                          fastThreads.add(Thread.currentThread().getName());
                        }
                        return "fast";
                      }),
                  tool(
                      json,
                      "wait",
                      () -> {
                        waitThreads.add(Thread.currentThread().getName());
                        started.incrementAndGet();
                        try {
                          finish.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        return "done";
                      }))
              .build();
      out = new BufferedReader(new InputStreamReader(fromServer, StandardCharsets.UTF_8));
      send(
          toServer,
          "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
      assertThat(JSON.readTree(out.readLine()).path("id").asInt()).isZero();
      send(toServer, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    private static SyncToolSpecification tool(
        McpJsonMapper json, String name, Supplier<String> body) {
      return SyncToolSpecification.builder()
          .tool(
              McpSchema.Tool.builder()
                  .name(name)
                  .inputSchema(json, "{\"type\":\"object\"}")
                  .build())
          .callHandler(
              (exchange, request) ->
                  McpSchema.CallToolResult.builder()
                      .addTextContent(body.get())
                      .isError(false)
                      .build())
          .build();
    }

    /** Sends a tools/call of {@code tool}; its answer is read from {@link #out}. */
    void call(int id, String tool) throws Exception {
      send(
          toServer,
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + id
              + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
              + tool
              + "\",\"arguments\":{}}}");
    }

    @Override
    public void close() throws Exception {
      finish.countDown();
      toServer.close();
      // The end of input ends the transport.
      assertTimeoutPreemptively(Duration.ofSeconds(5), transport::awaitEnd);
      server.close();
    }
  }

  private static void send(OutputStream to, String line) throws Exception {
    to.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    to.flush();
  }
}
