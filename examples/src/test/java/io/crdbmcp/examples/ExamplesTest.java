package io.crdbmcp.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.tools.CrdbTools;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The examples are run against a real database, so they cannot drift from the API. */
class ExamplesTest {
  static ConnectionSpec db;

  @BeforeAll
  static void setUp() {
    db = TestDb.get().createDatabase("examples", EmbeddedPostgresServer.rideshareScript());
  }

  @Test
  void embeddedAgentExampleRuns() {
    String report = EmbeddedAgentExample.run(cfg -> cfg.url(TestDb.url(db)));
    assertThat(report)
        .contains("Connected to ")
        .contains("table public.rides")
        .containsPattern("\n[a-z ]+: \\d+ rides\n");
  }

  @Test
  void toolsExampleShowsTableAndActionableError() {
    String out = ToolsExample.run(cfg -> cfg.url(TestDb.url(db)));
    assertThat(out)
        .contains("table public.promo_codes")
        .contains("ERROR NOT_FOUND")
        .contains("list_tables");
  }

  @Test
  void agentServerOffersItsOwnToolBesideTheDatabaseTools() throws Exception {
    // The example's main, as its own process on the runtime class path, driven by the SDK client.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath =
        Path.of("target/classes").toAbsolutePath()
            + File.pathSeparator
            + Files.readString(Path.of("target/classpath.txt")).strip();
    ServerParameters params =
        ServerParameters.builder(java)
            .args("-cp", classPath, AgentServerExample.class.getName())
            .env(Map.of("CRDB_URL", TestDb.url(db)))
            .build();
    McpSyncClient client =
        McpClient.sync(new StdioClientTransport(params, CrdbTools.jsonMapper()))
            .requestTimeout(Duration.ofSeconds(60))
            .build();
    try {
      McpSchema.InitializeResult init = client.initialize();
      assertThat(init.serverInfo().name()).isEqualTo("example-agent");
      assertThat(client.listTools().tools())
          .extracting(McpSchema.Tool::name)
          .contains("agent_status", "list_tables", "describe_table", "execute_query")
          .doesNotContain("insert_row", "connect", "export_to_csv");

      CallToolResult tables = client.callTool(new CallToolRequest("list_tables", Map.of()));
      assertThat(ToolsExample.text(tables)).contains("\npublic|rides|table|");
      // The library instance is read-only: the guard refuses a write through execute_query.
      CallToolResult delete =
          client.callTool(
              new CallToolRequest("execute_query", Map.of("sql", "DELETE FROM promo_codes")));
      assertThat(delete.isError()).isTrue();
      assertThat(ToolsExample.text(delete)).contains("read_only");

      CallToolResult status = client.callTool(new CallToolRequest("agent_status", Map.of()));
      assertThat(ToolsExample.text(status))
          .contains("read-only")
          .endsWith(": 2 database tool calls");
    } finally {
      client.closeGracefully();
    }
  }

  @Test
  void jshellScriptRunsOnAnyDatabase() throws Exception {
    String out = jshell(db);
    assertThat(out)
        .contains("Connected to PostgreSQL")
        .contains("schema|name|kind|estimated_rows|comment\npublic|city_revenue|view|")
        .contains("table public.rides");
    assertThat(out).containsPattern("DELETE FROM \"public\"\\.\"[a-z_]+\" allowed\\? true");

    ConnectionSpec other =
        TestDb.get()
            .createDatabase(
                "examples_any",
                "CREATE TABLE \"Gadgets\" (id INT PRIMARY KEY, label TEXT);"
                    + " INSERT INTO \"Gadgets\" VALUES (1, 'lamp');");
    assertThat(jshell(other))
        .contains("table public.Gadgets")
        .contains("public.Gadgets: 2 columns, first rows:\nid|label\n1|lamp\n(1 row)");

    ConnectionSpec empty = TestDb.get().createDatabase("examples_empty", "");
    assertThat(jshell(empty)).contains("No tables yet");
  }

  private static String jshell(ConnectionSpec target) throws Exception {
    Path script = Path.of("jshell/explore.jsh");
    String jshell = Path.of(System.getProperty("java.home"), "bin", "jshell").toString();
    // The class path the README tells users to pass: runtime dependencies only.
    String classPath = Files.readString(Path.of("target/classpath.txt")).strip();
    ProcessBuilder pb =
        new ProcessBuilder(jshell, "--class-path", classPath, script.toString())
            .redirectErrorStream(true);
    pb.environment().put("CRDB_URL", TestDb.url(target));
    Process p = pb.start();
    p.getOutputStream().close();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("Exception").doesNotContain("Error:");
    return out;
  }

  @Test
  void claudeDesktopConfigIsValidAndUsesTheLauncher() throws Exception {
    JsonNode cfg =
        new ObjectMapper()
            .readTree(Files.readString(Path.of("clients/claude_desktop_config.json")));
    JsonNode servers = cfg.get("mcpServers");
    assertThat(servers.get("cockroachdb-demo").get("command").asText())
        .endsWith("bin/cockroachdb-mcp");
    assertThat(servers.get("cockroachdb-demo").get("args").get(0).asText()).isEqualTo("--demo");
    servers
        .get("cockroachdb")
        .get("env")
        .fieldNames()
        .forEachRemaining(name -> assertThat(name).startsWith("CRDB_"));
    Map<String, String> env =
        new ObjectMapper().convertValue(servers.get("cockroachdb").get("env"), Map.class);
    env.put("CRDB_PASSWORD", "x");
    // verify-full needs the CA file, and the example names one; stand in a real file for it.
    assertThat(env.get("CRDB_SSLROOTCERT")).endsWith("root.crt");
    Path ca = Files.createTempFile("root", ".crt");
    try {
      env.put("CRDB_SSLROOTCERT", ca.toString());
      CrdbConfig parsed = CrdbConfig.fromEnvironment(env);
      assertThat(parsed.safety().readOnly()).isTrue();
      env.remove("CRDB_SSLROOTCERT");
      if (!Files.exists(Path.of(System.getProperty("user.home"), ".postgresql", "root.crt"))) {
        assertThatThrownBy(() -> CrdbConfig.fromEnvironment(env))
            .hasMessageContaining("CRDB_SSLROOTCERT");
      }
    } finally {
      Files.deleteIfExists(ca);
    }
  }
}
