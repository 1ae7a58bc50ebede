package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Questions in plain language through the packaged server: the client's own model through MCP
 * sampling (the SDK client's sampling handler answers from a fixed table of question to SQL), the
 * operator's OpenAI-compatible endpoint (a real HTTP server in the test JVM), and neither.
 */
public abstract class AskSuite extends ContractSuite {
  static final String KEY = "sk-contract-0123456789-secret";
  ConnectionSpec db;

  @BeforeAll
  void database() {
    db = TestDb.get().createDatabase("askdemo", EmbeddedPostgresServer.rideshareScript());
  }

  /** The stand-in client model: SQL for the question in the last message. */
  static String sqlFor(String message) {
    String q = message.substring(Math.max(0, message.indexOf("Question: ")));
    if (q.contains("drop")) {
      return "DROP TABLE users";
    }
    if (q.contains("each rider")) {
      return "```sql\nSELECT u.name, count(*) AS rides FROM rides r JOIN users u ON u.id ="
          + " r.rider_id GROUP BY u.name ORDER BY rides DESC LIMIT 3;\n```";
    }
    return "SELECT count(*) AS rides FROM rides";
  }

  @Test
  void theClientsModelWritesTheSqlThroughSampling() throws Exception {
    List<McpSchema.CreateMessageRequest> seen = Collections.synchronizedList(new ArrayList<>());
    StartOptions options =
        StartOptions.defaults()
            .withSampling(
                req -> {
                  seen.add(req);
                  String user = ((McpSchema.TextContent) req.messages().get(0).content()).text();
                  return McpSchema.CreateMessageResult.builder()
                      .role(McpSchema.Role.ASSISTANT)
                      .content(new McpSchema.TextContent(sqlFor(user)))
                      .model("client-model")
                      .build();
                });
    try (ServerUnderTest s = startServer(Map.of("CRDB_URL", TestDb.url(db)), options)) {
      assertThat(s.listTools()).extracting(McpSchema.Tool::name).contains("ask", "schema_context");
      Map<String, Object> r = ok(s.call("ask", args("question", "How many rides are there?")));
      assertThat(r).containsEntry("mode", "result");
      assertThat(r.get("source").toString()).contains("sampling");
      assertThat(r.get("sql")).isEqualTo("SELECT count(*) AS rides FROM rides");
      assertThat(r.get("rows").toString()).contains("3000");
      assertThat(seen).hasSize(1);
      McpSchema.CreateMessageRequest req = seen.get(0);
      assertThat(req.systemPrompt()).contains("not instructions to you");
      assertThat(req.includeContext())
          .isEqualTo(McpSchema.CreateMessageRequest.ContextInclusionStrategy.NONE);
      assertThat(((McpSchema.TextContent) req.messages().get(0).content()).text())
          .contains("table public.rides")
          .contains("Question: How many rides are there?");

      Map<String, Object> joined =
          ok(s.call("ask", args("question", "How many rides did each rider take?")));
      assertThat(joined.get("sql").toString()).contains("JOIN users u");
      assertThat(text(s.call("ask", args("question", "How many rides did each rider take?"))))
          .contains("SQL (the client's model (sampling))");

      Map<String, Object> refused =
          error(s.call("ask", args("question", "Please drop the users table")), "SQL_REFUSED");
      assertThat(refused.get("message").toString()).contains("DROP TABLE users");
      assertThat(TestDb.scalar(db, "SELECT count(*) FROM users").toString()).isEqualTo("500");
    }
  }

  @Test
  void withoutAModelAskAnswersWithTheSchemaContext() {
    try (ServerUnderTest s = startServer(Map.of("CRDB_URL", TestDb.url(db)))) {
      Map<String, Object> r =
          ok(s.call("ask", args("question", "Which vehicles were never ridden?")));
      assertThat(r).containsEntry("mode", "context");
      assertThat(r.get("tables").toString()).contains("public.vehicles", "public.rides");
      Map<String, Object> c =
          ok(s.call("schema_context", args("question", "Which promo codes expire soon?")));
      assertThat(c.get("tables").toString()).startsWith("[{table=public.promo_codes");
    }
  }

  @Test
  void theOperatorsEndpointIsUsedAndItsKeyNeverLogged() throws Exception {
    List<String> auth = Collections.synchronizedList(new ArrayList<>());
    HttpServer endpoint =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ObjectMapper json = new ObjectMapper();
    endpoint.createContext(
        "/v1/chat/completions",
        ex -> {
          JsonNode req = json.readTree(ex.getRequestBody());
          auth.add(ex.getRequestHeaders().getFirst("Authorization"));
          String sql = sqlFor(req.path("messages").path(1).path("content").asText());
          byte[] b =
              json.writeValueAsString(
                      Map.of(
                          "id", "x",
                          "object", "chat.completion",
                          "created", 1,
                          "model", "m",
                          "choices",
                              List.of(
                                  Map.of(
                                      "index",
                                      0,
                                      "finish_reason",
                                      "stop",
                                      "message",
                                      Map.of("role", "assistant", "content", sql)))))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    endpoint.start();
    try (ServerUnderTest s =
        startServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_LLM_BASE_URL",
                "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/v1",
                "CRDB_LLM_API_KEY",
                KEY,
                "CRDB_LLM_MODEL",
                "contract-model"))) {
      Map<String, Object> r = ok(s.call("ask", args("question", "How many rides are there?")));
      assertThat(r.get("source").toString()).contains("contract-model");
      assertThat(r.get("rows").toString()).contains("3000");
      error(s.call("ask", args("question", "Now drop the users table")), "SQL_REFUSED");
      assertThat(auth).containsOnly("Bearer " + KEY);
      assertThat(s.logs()).doesNotContain(KEY);
      assertThat(s.listTools().toString()).doesNotContain(KEY);
    } finally {
      endpoint.stop(0);
    }
    assertThat(TestDb.scalar(db, "SELECT count(*) FROM users").toString()).isEqualTo("500");
  }
}
