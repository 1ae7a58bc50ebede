package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.contract.StartOptions;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rate limits of the packaged HTTP server (CRDB_RATE_LIMIT_*), through the SDK's Streamable HTTP
 * client: a session that used its calls is refused with when to call again, while another session
 * goes on; the server stays up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpRateLimitIT {
  ConnectionSpec db;

  @BeforeAll
  void database() {
    db = TestDb.get().createDatabase("ratelimit", "CREATE TABLE t (id INT PRIMARY KEY)");
  }

  static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> a) {
    return c.callTool(new McpSchema.CallToolRequest(tool, a));
  }

  @Test
  void aSessionBeyondItsCallsIsRefusedWithWhenToRetryAndOthersGoOn() throws Exception {
    try (HttpServerProcess server =
        HttpServerProcess.start(
            Map.of(
                "CRDB_URL", TestDb.url(db),
                "CRDB_RATE_LIMIT_ENABLED", "true",
                "CRDB_RATE_LIMIT_REQUESTS", "3",
                "CRDB_RATE_LIMIT_WINDOW", "60"))) {
      McpSyncClient a = HttpServerFactory.client(server, StartOptions.defaults());
      McpSyncClient b = HttpServerFactory.client(server, StartOptions.defaults());
      try {
        for (int i = 0; i < 3; i++) {
          ok(call(a, "list_tables", args()));
        }
        Map<String, Object> refused = error(call(a, "list_tables", args()), "RATE_LIMITED");
        assertThat((String) refused.get("message")).contains("this session").contains("60 s");
        assertThat((String) refused.get("suggestion")).matches("call again in \\d+ s");
        ok(call(b, "list_tables", args()));
        ok(call(b, "execute_query", args("sql", "SELECT 1")));
        // The refusal is counted in the metrics, which need no token without OAuth.
        java.net.http.HttpResponse<String> metrics =
            RawHttp.send(
                java.net.http.HttpRequest.newBuilder(server.base().resolve("/metrics")).build());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
            .contains("crdb_mcp_rate_limited_total{tool=\"list_tables\"} 1.0")
            .contains(
                "crdb_mcp_tool_calls_seconds_count{outcome=\"success\",tool=\"list_tables\"} 4");
      } finally {
        a.closeGracefully();
        b.closeGracefully();
      }
    }
  }
}
