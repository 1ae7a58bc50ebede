package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults through the packaged server, on a real database: a client's cancellation stops the query
 * on the database server (and an export, leaving no file), a backend killed from outside fails only
 * its own call, and a query past the timeout does not keep running on the server. After each the
 * server answers the next call and no transaction is left open.
 */
public abstract class FaultsSuite extends ContractSuite {
  ConnectionSpec db;
  @TempDir Path exports;

  @BeforeAll
  void database() {
    db = TestDb.get().createDatabase("faults", "CREATE TABLE t (id INT PRIMARY KEY)");
  }

  Map<String, String> env(String... more) {
    java.util.HashMap<String, String> e = new java.util.HashMap<>();
    e.put("CRDB_URL", TestDb.url(db));
    e.put("CRDB_EXPORT_DIR", exports.toString());
    for (int i = 0; i + 1 < more.length; i += 2) {
      e.put(more[i], more[i + 1]);
    }
    return e;
  }

  /** A name to find a statement by in the server's activity view. */
  static String marker() {
    return "m" + UUID.randomUUID().toString().replace("-", "");
  }

  /** Backend pids of statements running now whose text contains {@code marker}. */
  List<Integer> running(String marker) throws SQLException {
    try (Connection c = TestDb.open(db);
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND pid <>"
                    + " pg_backend_pid() AND position(? in query) > 0")) {
      ps.setString(1, marker);
      try (ResultSet rs = ps.executeQuery()) {
        List<Integer> out = new java.util.ArrayList<>();
        while (rs.next()) {
          out.add(rs.getInt(1));
        }
        return out;
      }
    }
  }

  /**
   * Waits until {@code marker}'s statement runs; fails with the call's answer if it ended first.
   */
  void awaitStarted(String marker, CompletableFuture<CallToolResult> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (running(marker).isEmpty() && System.nanoTime() < deadline) {
      if (call.isDone()) {
        throw new AssertionError(
            "the call ended before its statement was seen running: " + ToolCalls.text(call.get()));
      }
      Thread.sleep(50);
    }
    assertThat(running(marker)).as("statement %s running on the server", marker).isNotEmpty();
  }

  /** Waits up to {@code seconds} until {@code marker}'s statement runs (true) or not (false). */
  void awaitRunning(String marker, boolean wanted, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (running(marker).isEmpty() == wanted && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(running(marker).isEmpty())
        .as("statement %s running on the server", marker)
        .isEqualTo(!wanted);
  }

  /** The server still answers and left nothing open. */
  void stillServes(ServerUnderTest s) throws Exception {
    assertThat(rows(ok(s.call("execute_query", args("sql", "SELECT 41 + 1 AS answer")))))
        .containsExactly(List.of(42));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (TestDb.serverSessionsInTransaction(db) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(TestDb.serverSessionsInTransaction(db)).isZero();
  }

  @Test
  void aCancelledCallStopsItsQueryOnTheDatabaseServer() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      String m = marker();
      CompletableFuture<CallToolResult> call =
          CompletableFuture.supplyAsync(
              () -> s.call("execute_query", args("sql", "SELECT pg_sleep(60) AS " + m)));
      awaitStarted(m, call);
      long t0 = System.nanoTime();
      assertThat(s.cancelRunningCalls()).isEqualTo(1);
      awaitRunning(m, false, 10);
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
      // The server answers anyway (the SDK's client still waits for it), saying what happened.
      Map<String, Object> e = error(call.get(30, TimeUnit.SECONDS), "CANCELLED");
      assertThat((String) e.get("message")).contains("notifications/cancelled");
      stillServes(s);
    }
  }

  @Test
  void aCancelledCallInsideATransactionLeavesTheTransactionToRollBack() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      String tx = (String) ok(s.call("begin_transaction", args())).get("transaction_id");
      String m = marker();
      CompletableFuture<CallToolResult> call =
          CompletableFuture.supplyAsync(
              () ->
                  s.call(
                      "execute_query",
                      args("sql", "SELECT pg_sleep(60) AS " + m, "transaction_id", tx)));
      awaitStarted(m, call);
      assertThat(s.cancelRunningCalls()).isEqualTo(1);
      error(call.get(30, TimeUnit.SECONDS), "CANCELLED");
      awaitRunning(m, false, 10);
      ok(s.call("rollback_transaction", args("transaction_id", tx)));
      stillServes(s);
    }
  }

  @Test
  void aCancelledExportStopsAndLeavesNoFile() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      String m = marker();
      // Rows come slowly (an md5 of 100 kB each; pg_sleep is refused in exports, which only
      // read), so the export is mid-file when it is cancelled.
      String sql =
          "SELECT g AS "
              + m
              + ", md5(repeat(g::text, 20000)) AS h FROM generate_series(1, 1000000) g";
      for (String tool : List.of("export_to_csv", "export_to_json")) {
        String file = tool + "-" + m + ".out";
        CompletableFuture<CallToolResult> call =
            CompletableFuture.supplyAsync(() -> s.call(tool, args("sql", sql, "path", file)));
        awaitStarted(m, call);
        Thread.sleep(300);
        assertThat(s.cancelRunningCalls()).isEqualTo(1);
        error(call.get(30, TimeUnit.SECONDS), "CANCELLED");
        awaitRunning(m, false, 10);
        assertThat(exports.resolve(file)).doesNotExist();
        try (Stream<Path> left = Files.list(exports)) {
          assertThat(left.map(p -> p.getFileName().toString()))
              .as("no partial file of %s", tool)
              .noneMatch(n -> n.contains(m));
        }
      }
      stillServes(s);
    }
  }

  @Test
  void aCancellationForACallThatEndedChangesNothing() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      ok(s.call("execute_query", args("sql", "SELECT 1 AS one")));
      assertThat(s.cancelRunningCalls()).isZero();
      stillServes(s);
    }
  }

  @Test
  void aBackendTerminatedFromOutsideFailsOnlyItsCall() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      String m = marker();
      CompletableFuture<CallToolResult> call =
          CompletableFuture.supplyAsync(
              () -> s.call("execute_query", args("sql", "SELECT pg_sleep(60) AS " + m)));
      awaitStarted(m, call);
      try (Connection c = TestDb.open(db);
          PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
        ps.setInt(1, running(m).get(0));
        ps.execute();
      }
      CallToolResult r = call.get(30, TimeUnit.SECONDS);
      assertThat(r.isError()).isTrue();
      assertThat(ToolCalls.text(r)).doesNotContain("Exception").doesNotContain("\tat ");
      stillServes(s);
      stillServes(s); // and again, on whichever pooled connection comes next
    }
  }

  @Test
  void aQueryPastTheTimeoutIsStoppedOnTheServer() throws Exception {
    try (ServerUnderTest s = startServer(env("CRDB_QUERY_TIMEOUT", "1"))) {
      String m = marker();
      long t0 = System.nanoTime();
      error(s.call("execute_query", args("sql", "SELECT pg_sleep(30) AS " + m)), "QUERY_TIMEOUT");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
      // Not abandoned by the client only: the server no longer runs it.
      awaitRunning(m, false, 3);
      stillServes(s);
    }
  }

  /** The one connection as list_connections shows it in detail. */
  static Map<String, Object> connection(ServerUnderTest s) {
    List<Map<String, Object>> all =
        ToolCalls.list(
            ok(s.call("list_connections", args("detail", "detailed", "format", "json"))),
            "connections");
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  @Test
  void theWatchdogCancelsOverdueWorkOnTheServerAndListConnectionsShowsIt() throws Exception {
    try (ServerUnderTest s =
        startServer(
            env(
                "CRDB_WATCHDOG_INTERVAL", "1",
                "CRDB_WATCHDOG_TIMEOUT", "2",
                "CRDB_QUERY_TIMEOUT", "60"))) {
      Map<String, Object> before = connection(s);
      assertThat(before.get("breaker")).isEqualTo("closed");
      assertThat(((Number) before.get("watchdog_cancelled")).longValue()).isZero();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (!String.valueOf(connection(s).get("watchdog")).startsWith("ok at")
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat((String) connection(s).get("watchdog")).startsWith("ok at");
      String m = marker();
      long t0 = System.nanoTime();
      Map<String, Object> e =
          error(
              s.call("execute_query", args("sql", "SELECT pg_sleep(40) AS " + m)), "QUERY_TIMEOUT");
      assertThat((String) e.get("message")).contains("watchdog").contains("CRDB_WATCHDOG_TIMEOUT");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
      awaitRunning(m, false, 3);
      assertThat(((Number) connection(s).get("watchdog_cancelled")).longValue()).isEqualTo(1);
      assertThat(s.logs()).contains("watchdog: cancelled the statement");
      stillServes(s);
    }
  }
}
