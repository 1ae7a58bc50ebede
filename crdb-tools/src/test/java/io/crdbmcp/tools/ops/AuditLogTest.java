package io.crdbmcp.tools.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.ToolContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log over real calls: one line per call under concurrency, no secrets, rotation. */
class AuditLogTest {
  @TempDir Path dir;

  @Test
  void everyConcurrentCallIsOneLineWithoutSecretsAndAMovedFileIsReopened() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("audit", "CREATE TABLE t (id INT)");
    Path file = dir.resolve("audit.jsonl");
    try (Crdb crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
        AuditLog audit = new AuditLog(file, AuditLog.Level.ALL, false, Set.of()).open()) {
      CrdbTools tools = CrdbTools.builder(crdb).listener(audit).build();
      ExecutorService pool = Executors.newFixedThreadPool(20);
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String client = "c" + i;
        calls.add(
            pool.submit(
                () ->
                    tools.call(
                        "execute_query",
                        Map.of("sql", "SELECT 1 AS one"),
                        new ToolContext(Caller.client(client), Progress.NONE))));
      }
      for (Future<?> f : calls) {
        f.get();
      }
      pool.shutdown();
      List<String> lines = Files.readAllLines(file);
      assertThat(lines).hasSize(20);
      ObjectMapper json = new ObjectMapper();
      for (String l : lines) {
        JsonNode n = json.readTree(l);
        assertThat(n.get("tool").asText()).isEqualTo("execute_query");
        assertThat(n.get("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(n.get("session").asText()).startsWith("c");
        assertThat(n.has("duration_ms")).isTrue();
      }
      String create = "CREATE USER someone WITH PASSWORD 'audit-secret-pw'";
      tools.call(
          "execute_query", Map.of("sql", create), new ToolContext(Caller.local(), Progress.NONE));
      assertThat(Files.readString(file)).doesNotContain("audit-secret-pw").contains("****");
      // logrotate: the file is moved away; the next line goes to a new file at the path.
      Files.move(file, dir.resolve("audit.jsonl.1"));
      tools.call(
          "execute_query",
          Map.of("sql", "SELECT 2"),
          new ToolContext(Caller.local(), Progress.NONE));
      assertThat(Files.readAllLines(file)).hasSize(1);
      assertThat(Files.readAllLines(dir.resolve("audit.jsonl.1"))).hasSize(21);
    }
  }

  @Test
  void literalsCanBeRedacted() {
    assertThat(AuditLog.redactLiterals("SELECT * FROM t WHERE a = 'x' AND b = 42 AND c = $1"))
        .isEqualTo("SELECT * FROM t WHERE a = '?' AND b = ? AND c = $1");
  }
}
