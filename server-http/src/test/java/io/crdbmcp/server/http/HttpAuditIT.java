package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.contract.StartOptions;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log under load, through the packaged HTTP server: twenty clients at once, each making
 * calls that succeed, fail and are refused; the file then holds exactly one valid JSON line per
 * call, and the database password is in no line and nowhere in the server's log.
 */
class HttpAuditIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void twentyConcurrentClientsGetOneAuditLinePerCallAndThePasswordIsNowhere() throws Exception {
    ConnectionSpec db = TestDb.get().createDatabase("audit_load", "CREATE TABLE t (id INT)");
    String password = "pw-" + UUID.randomUUID();
    String role = "auditor_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
      s.execute("GRANT SELECT, INSERT ON t TO " + role);
    }
    String url = TestDb.url(db).replaceFirst("://[^@/]*@", "://" + role + ":" + password + "@");
    assertThat(url).contains(password);
    Path audit = dir.resolve("audit.jsonl");
    int clients = 20;
    int callsEach = 5;
    Map<String, String> env = new HashMap<>();
    env.put("CRDB_URL", url);
    env.put("CRDB_POOL_SIZE", "10");
    env.put("CRDB_TIMEOUT", "30");
    env.put("CRDB_AUDIT_ENABLED", "true");
    env.put("CRDB_AUDIT_PATH", audit.toString());
    try (HttpServerProcess server = HttpServerProcess.start(env)) {
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<McpSyncClient> started = new ArrayList<>();
      try {
        List<Future<Integer>> done = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          int me = i;
          done.add(
              pool.submit(
                  () -> {
                    McpSyncClient c = HttpServerFactory.client(server, StartOptions.defaults());
                    synchronized (started) {
                      started.add(c);
                    }
                    int errors = 0;
                    for (Map<String, Object> a :
                        List.of(
                            args("sql", "INSERT INTO t VALUES (" + me + ")"),
                            args("sql", "SELECT count(*) FROM t WHERE id = " + me),
                            args("sql", "SELECT * FROM no_such_table"),
                            args("sql", "SET search_path = public"))) {
                      McpSchema.CallToolResult r =
                          c.callTool(new McpSchema.CallToolRequest("execute_query", a));
                      errors += Boolean.TRUE.equals(r.isError()) ? 1 : 0;
                    }
                    c.callTool(new McpSchema.CallToolRequest("list_tables", Map.of()));
                    return errors;
                  }));
        }
        for (Future<Integer> f : done) {
          assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(2);
        }
      } finally {
        for (McpSyncClient c : started) {
          c.closeGracefully();
        }
        pool.shutdownNow();
      }
      List<String> lines = Files.readAllLines(audit);
      assertThat(lines).hasSize(clients * callsEach);
      Map<String, Integer> byOutcome = new HashMap<>();
      for (String line : lines) {
        JsonNode n = JSON.readTree(line);
        assertThat(n.get("tool").asText()).isIn("execute_query", "list_tables");
        assertThat(n.get("session").asText()).isNotBlank();
        byOutcome.merge(n.get("outcome").asText(), 1, Integer::sum);
      }
      assertThat(byOutcome)
          .containsEntry("SUCCESS", clients * 3)
          .containsEntry("ERROR", clients)
          .containsEntry("REFUSED", clients);
      assertThat(String.join("\n", lines)).doesNotContain(password);
      assertThat(server.stderr()).doesNotContain(password);
    }
  }
}
