package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Start-up behaviour of the packaged server: configuration errors, --help, --demo. */
class StartupIT {
  record Run(int exit, String stdout, String stderr) {}

  static Run run(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder();
    pb.command().add(ServerProcess.java());
    pb.command().add("-jar");
    pb.command().add(ServerProcess.jar().toString());
    pb.command().addAll(List.of(args));
    pb.environment().keySet().removeIf(k -> k.startsWith("CRDB_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void aBadSettingStopsTheServerWithOneClearLine() throws Exception {
    Run r =
        run(
            Map.of(
                "CRDB_HOST", "db.example.com",
                "CRDB_USER", "app",
                "CRDB_PASSWORD", "hunter2-do-not-print",
                "CRDB_PORT", "twenty-six"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr())
        .contains(
            "CRDB_PORT: 'twenty-six' is not a positive whole number. Example: CRDB_PORT=26257")
        .doesNotContain("Exception")
        .doesNotContain("hunter2-do-not-print");
  }

  @Test
  void aBadUrlNeverShowsItsPassword() throws Exception {
    Run r = run(Map.of("CRDB_URL", "mysql://app:hunter2-do-not-print@db.example.com/shop"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr()).contains("CRDB_URL").doesNotContain("hunter2-do-not-print");
    Run h = run(Map.of("CRDB_URL", "postgresql://app:hunter2-do-not-print@bad/host?x/shop"));
    assertThat(h.stderr()).doesNotContain("hunter2-do-not-print");
  }

  @Test
  void noSettingsSuggestsTheDemo() throws Exception {
    Run r = run(Map.of());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr()).contains("--demo").doesNotContain("Exception");
  }

  @Test
  void unknownToolsetIsAConfigurationError() throws Exception {
    Run r = run(Map.of("CRDB_URL", "postgresql://u@h/d", "CRDB_TOOLSETS", "query,teleport"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr()).contains("CRDB_TOOLSETS").contains("teleport").contains("schema");
  }

  @Test
  void helpListsEverySetting() throws Exception {
    Run r = run(Map.of(), "--help");
    assertThat(r.exit()).isZero();
    String config =
        Files.readString(Path.of("../crdb-core/src/main/java/io/crdbmcp/core/CrdbConfig.java"));
    String readme = Files.readString(Path.of("../README.md"));
    Matcher m = Pattern.compile("\"(CRDB_[A-Z_]+)\"").matcher(config);
    int n = 0;
    while (m.find()) {
      assertThat(r.stdout()).as("--help mentions %s", m.group(1)).contains(m.group(1));
      assertThat(readme).as("README mentions %s", m.group(1)).contains("`" + m.group(1) + "`");
      n++;
    }
    assertThat(n).isGreaterThan(20);
  }

  @Test
  void demoServesTheSampleDatabaseAndCleansUp() throws Exception {
    ServerParameters params =
        ServerParameters.builder(ServerProcess.java())
            .args("-jar", ServerProcess.jar().toString(), "--demo")
            .build();
    StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
    StringBuffer err = new StringBuffer();
    transport.setStdErrorHandler(line -> err.append(line).append('\n'));
    McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(120))
            .initializationTimeout(Duration.ofSeconds(120))
            .build();
    try {
      client.initialize();
      McpSchema.CallToolResult r =
          client.callTool(
              new McpSchema.CallToolRequest(
                  "execute_query", Map.of("sql", "SELECT count(*) FROM rides")));
      assertThat(r.isError()).isFalse();
      assertThat(((McpSchema.TextContent) r.content().get(0)).text()).contains("3000");
    } finally {
      client.closeGracefully();
    }
    assertThat(err.toString()).contains("postgresql://postgres@localhost:");
    Matcher dir = Pattern.compile("its data in (\\S+) is removed").matcher(err);
    assertThat(dir.find()).as("stderr says where the demo data is: %s", err).isTrue();
    Path data = Path.of(dir.group(1));
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline && Files.exists(data)) {
      Thread.sleep(200);
    }
    assertThat(data).as("the demo's temporary directory is removed on exit").doesNotExist();
  }
}
