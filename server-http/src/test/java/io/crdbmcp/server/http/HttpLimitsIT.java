package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.contract.StartOptions;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What one remote client may make the server do to others and to the network: reach hosts with
 * {@code connect} only when the operator listed them, and hold a pool only for a bounded time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpLimitsIT {
  ConnectionSpec db;

  @BeforeAll
  void database() {
    db = TestDb.get().createDatabase("limits", "CREATE TABLE t (id INT PRIMARY KEY)");
  }

  static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> a) {
    return c.callTool(new McpSchema.CallToolRequest(tool, a));
  }

  @Test
  void overHttpConnectReachesOnlyListedHostsAndNothingByDefault() throws Exception {
    try (HttpServerProcess server = HttpServerProcess.start(Map.of("CRDB_URL", TestDb.url(db)))) {
      McpSyncClient c = HttpServerFactory.client(server, StartOptions.defaults());
      try {
        Map<String, Object> refused =
            error(
                call(c, "connect", args("name", "x", "url", TestDb.url(db))),
                "CONNECT_NOT_ALLOWED");
        assertThat((String) refused.get("message")).contains("configured connections");
        assertThat((String) refused.get("suggestion")).contains("CRDB_HTTP_CONNECT_HOSTS");
        // host/port arguments, an internal address, an upper-case spelling: all refused.
        error(
            call(
                c,
                "connect",
                args("name", "y", "host", "169.254.169.254", "port", 80, "user", "u")),
            "CONNECT_NOT_ALLOWED");
        error(
            call(c, "connect", args("name", "z", "host", "LOCALHOST", "user", "u")),
            "CONNECT_NOT_ALLOWED");
        // The configured connection still works.
        assertThat(rows(ok(call(c, "execute_query", args("sql", "SELECT 1 AS one")))))
            .containsExactly(List.of(1));
        assertThat(server.stderr()).doesNotContain("169.254.169.254:80 ");
      } finally {
        c.closeGracefully();
      }
    }
    int port = db.port();
    try (HttpServerProcess server =
        HttpServerProcess.start(
            Map.of(
                "CRDB_URL", TestDb.url(db), "CRDB_HTTP_CONNECT_HOSTS", db.host() + ":" + port))) {
      McpSyncClient c = HttpServerFactory.client(server, StartOptions.defaults());
      try {
        ok(call(c, "connect", args("name", "second", "url", TestDb.url(db))));
        assertThat(
                rows(
                    ok(
                        call(
                            c,
                            "execute_query",
                            args("sql", "SELECT 2 AS two", "connection", "second")))))
            .containsExactly(List.of(2));
        // Another port of the same host is another server.
        error(
            call(
                c,
                "connect",
                args("name", "other", "host", db.host(), "port", port + 1, "user", "u")),
            "CONNECT_NOT_ALLOWED");
      } finally {
        c.closeGracefully();
      }
    }
  }

  @Test
  void anExhaustedPoolMakesACallWaitABoundedTimeThenSaysWhichSettingToRaise() throws Exception {
    try (HttpServerProcess server =
        HttpServerProcess.start(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_POOL_SIZE", "1", "CRDB_TIMEOUT", "2"))) {
      McpSyncClient a = HttpServerFactory.client(server, StartOptions.defaults());
      McpSyncClient b = HttpServerFactory.client(server, StartOptions.defaults());
      try {
        CompletableFuture<CallToolResult> slow =
            CompletableFuture.supplyAsync(
                () -> call(a, "execute_query", args("sql", "SELECT pg_sleep(5) AS slept")));
        Thread.sleep(800);
        long t0 = System.nanoTime();
        Map<String, Object> busy =
            error(call(b, "execute_query", args("sql", "SELECT 1")), "CONNECTION_FAILED");
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waitedMs).isBetween(1500L, 4500L);
        assertThat((String) busy.get("message"))
            .contains("'default'")
            .contains("all are busy (1 of 1 open in use");
        assertThat((String) busy.get("suggestion")).contains("CRDB_POOL_SIZE");
        ok(slow.get(30, TimeUnit.SECONDS));
        // The pool recovers.
        assertThat(rows(ok(call(b, "execute_query", args("sql", "SELECT 3 AS three")))))
            .containsExactly(List.of(3));
      } finally {
        a.closeGracefully();
        b.closeGracefully();
      }
    }
  }
}
