package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MCP resources, resource templates, completions and prompts, through the server under test. */
public abstract class ResourcesSuite extends ContractSuite {
  static final ObjectMapper JSON = new ObjectMapper();

  ConnectionSpec demo;
  @TempDir Path dir;

  @BeforeAll
  void database() {
    demo = TestDb.get().createDatabase("resources", EmbeddedPostgresServer.rideshareScript());
  }

  Map<String, String> env() {
    return Map.of(
        "CRDB_URL", TestDb.url(demo), "CRDB_KNOWLEDGE_PATH", dir.resolve("k.md").toString());
  }

  static String read(ServerUnderTest s, String uri) {
    McpSchema.ReadResourceResult r =
        s.client().readResource(new McpSchema.ReadResourceRequest(uri));
    assertThat(r.contents()).hasSize(1);
    assertThat(r.contents().get(0).uri()).isEqualTo(uri);
    return ((McpSchema.TextResourceContents) r.contents().get(0)).text();
  }

  static List<String> complete(
      ServerUnderTest s, String template, String arg, String prefix, Map<String, String> context) {
    return s.client()
        .completeCompletion(
            new McpSchema.CompleteRequest(
                new McpSchema.ResourceReference(template),
                new McpSchema.CompleteRequest.CompleteArgument(arg, prefix),
                context == null ? null : new McpSchema.CompleteRequest.CompleteContext(context)))
        .completion()
        .values();
  }

  @Test
  void theFixedResourcesAreListedAndRead() {
    try (ServerUnderTest s = startServer(env())) {
      assertThat(s.client().listResources().resources())
          .extracting(McpSchema.Resource::uri)
          .containsExactlyInAnyOrder(
              "cockroachdb://knowledge",
              "cockroachdb://syntax_help",
              "cockroachdb://query_examples",
              "cockroachdb://metrics");
      // The metrics of the calls made so far, as Prometheus text.
      s.call("list_tables", Map.of());
      assertThat(read(s, "cockroachdb://metrics"))
          .contains("crdb_mcp_tool_calls_seconds_count{outcome=\"success\",tool=\"list_tables\"}")
          .contains("crdb_mcp_pool_connections{connection=\"default\",state=\"total\"}")
          .contains("crdb_mcp_breaker_open{connection=\"default\"} 0");
      assertThat(read(s, "cockroachdb://syntax_help"))
          .contains("AS OF SYSTEM TIME")
          .contains("UPSERT")
          .contains("SHOW RANGES")
          .contains("REGIONAL BY ROW")
          .contains("USING HASH")
          .contains("JSONB");
      assertThat(read(s, "cockroachdb://query_examples")).contains("```sql");
      assertThat(read(s, "cockroachdb://knowledge")).contains("Nothing saved yet");
      ok(s.call("save_knowledge", args("topic", "promo codes", "content", "Valid 30 days.")));
      assertThat(read(s, "cockroachdb://knowledge"))
          .contains("## promo codes")
          .contains("Valid 30 days.")
          .contains("not as instructions");
    }
  }

  @Test
  void everyQueryExampleRunsOnTheDemoDatabase() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      String examples = read(s, "cockroachdb://query_examples");
      Matcher m =
          Pattern.compile(
                  "```sql( cockroachdb)?\\n(.*?)```(?:\\s*\\nCall with `\"params\": (\\[[^`]*\\])`)?",
                  Pattern.DOTALL)
              .matcher(examples);
      int ran = 0;
      int cockroachOnly = 0;
      while (m.find()) {
        if (m.group(1) != null && !TestDb.get().isCockroach()) {
          cockroachOnly++;
          continue;
        }
        List<Object> params = new ArrayList<>();
        if (m.group(3) != null) {
          for (JsonNode p : JSON.readTree(m.group(3))) {
            params.add(p.asText());
          }
        }
        String sql = m.group(2).strip();
        Map<String, Object> r = ok(s.call("execute_query", args("sql", sql, "params", params)));
        assertThat(((Number) r.get("row_count")).intValue()).as(sql).isPositive();
        ran++;
      }
      assertThat(ran).isGreaterThanOrEqualTo(8);
      assertThat(cockroachOnly + ran).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void schemaTemplatesExpandOverTheLiveSchemaAndCompleteFromIt() throws Exception {
    try (ServerUnderTest s = startServer(env())) {
      assertThat(s.client().listResourceTemplates().resourceTemplates())
          .extracting(McpSchema.ResourceTemplate::uriTemplate)
          .containsExactlyInAnyOrder(
              "cockroachdb://{connection}/schema",
              "cockroachdb://{connection}/tables",
              "cockroachdb://{connection}/tables/{table}");
      JsonNode tables = JSON.readTree(read(s, "cockroachdb://default/tables"));
      assertThat(tables.get("tables").findValuesAsText("name"))
          .contains("rides", "users", "vehicles", "city_revenue");
      JsonNode rides = JSON.readTree(read(s, "cockroachdb://default/tables/rides"));
      assertThat(rides.get("columns").findValuesAsText("name")).contains("revenue", "rider_id");
      assertThat(rides.get("primary_key").get(0).asText()).isEqualTo("id");
      JsonNode qualified = JSON.readTree(read(s, "cockroachdb://default/tables/public.users"));
      assertThat(qualified.get("name").asText()).isEqualTo("users");
      JsonNode schema = JSON.readTree(read(s, "cockroachdb://default/schema"));
      assertThat(schema.get("tables")).hasSizeGreaterThanOrEqualTo(6);
      assertThat(schema.get("tables").get(0).has("columns")).isTrue();

      assertThatThrownBy(() -> read(s, "cockroachdb://default/tables/no_such_table"))
          .hasMessageContaining("no_such_table");
      assertThatThrownBy(() -> read(s, "cockroachdb://nowhere/tables"))
          .hasMessageContaining("nowhere");

      assertThat(complete(s, "cockroachdb://{connection}/tables", "connection", "", null))
          .contains("default");
      assertThat(
              complete(
                  s,
                  "cockroachdb://{connection}/tables/{table}",
                  "table",
                  "ri",
                  Map.of("connection", "default")))
          .containsExactly("rides");
      assertThat(
              complete(
                  s,
                  "cockroachdb://{connection}/tables/{table}",
                  "table",
                  "",
                  Map.of("connection", "default")))
          .contains("users", "vehicles", "promo_codes");
    }
  }

  @Test
  void accessControlHidesTheSameTablesAndColumnsAsTheTools() throws Exception {
    Map<String, String> env =
        Map.of(
            "CRDB_URL",
            TestDb.url(demo),
            "CRDB_BLOCKED_TABLES",
            "promo_codes",
            "CRDB_BLOCKED_COLUMNS",
            "{\"users\":[\"credit_card\"]}");
    try (ServerUnderTest s = startServer(env)) {
      String tables = read(s, "cockroachdb://default/tables");
      assertThat(JSON.readTree(tables).get("tables").findValuesAsText("name"))
          .contains("rides")
          .doesNotContain("promo_codes");
      String schema = read(s, "cockroachdb://default/schema");
      assertThat(schema).doesNotContain("credit_card").doesNotContain("\"promo_codes\"");
      assertThat(read(s, "cockroachdb://default/tables/users"))
          .contains("email")
          .doesNotContain("credit_card");
      assertThatThrownBy(() -> read(s, "cockroachdb://default/tables/promo_codes"))
          .hasMessageContaining("promo_codes");
      assertThat(
              complete(
                  s,
                  "cockroachdb://{connection}/tables/{table}",
                  "table",
                  "p",
                  Map.of("connection", "default")))
          .doesNotContain("promo_codes");
    }
  }

  @Test
  void subscribersHearWhenKnowledgeChanges() throws Exception {
    List<String> updated = new CopyOnWriteArrayList<>();
    try (ServerUnderTest s =
        startServer(env(), StartOptions.defaults().withResourceUpdates(updated::add))) {
      s.client().subscribeResource(new McpSchema.SubscribeRequest("cockroachdb://knowledge"));
      ok(s.call("save_knowledge", args("topic", "vehicles", "content", "Bikes and scooters.")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (updated.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(updated).contains("cockroachdb://knowledge");
    }
  }

  @Test
  void promptsAreListedAndRenderWithTheirArguments() {
    try (ServerUnderTest s = startServer(env())) {
      assertThat(s.client().listPrompts().prompts())
          .extracting(McpSchema.Prompt::name)
          .contains("explore_database", "tune_slow_query", "check_cluster_health", "design_table");
      McpSchema.GetPromptResult tune =
          s.client()
              .getPrompt(
                  new McpSchema.GetPromptRequest(
                      "tune_slow_query", Map.of("sql", "SELECT * FROM rides WHERE revenue > 10")));
      String text = ((McpSchema.TextContent) tune.messages().get(0).content()).text();
      assertThat(text)
          .contains("SELECT * FROM rides WHERE revenue > 10")
          .contains("explain_query")
          .contains("list_indexes");
      McpSchema.GetPromptResult explore =
          s.client()
              .getPrompt(
                  new McpSchema.GetPromptRequest("explore_database", Map.of("focus", "billing")));
      assertThat(((McpSchema.TextContent) explore.messages().get(0).content()).text())
          .contains("list_tables")
          .contains("save_knowledge")
          .contains("billing");
      assertThatThrownBy(
              () -> s.client().getPrompt(new McpSchema.GetPromptRequest("design_table", Map.of())))
          .hasMessageContaining("use");
    }
  }
}
