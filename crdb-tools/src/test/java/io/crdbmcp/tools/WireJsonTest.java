package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The transports' mapper reads and writes the protocol's messages without Jackson's data binding
 * ({@link WireJson}); every test here holds it to what the data binding, configured as the
 * transports' mapper was before, gives for the same input: the same parsed values of the same
 * classes, the same SDK records, the same JSON documents.
 */
class WireJsonTest {
  final McpJsonMapper wire = CrdbTools.jsonMapper();

  /** The data binding alone, configured as the transports' mapper is. */
  static final ObjectMapper BINDING =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  /** Trees with decimals kept exact (1.50 and 1.5 differ), to compare documents. */
  static final ObjectMapper TREES =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** The value with each number's class named beside it, so that Integer 1 and Long 1 differ. */
  static Object typed(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(k, typed(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(typed(x)));
      return out;
    }
    return v == null ? null : v.getClass().getSimpleName() + ":" + v;
  }

  @Test
  void parsesEveryValueAsTheDataBindingDoes() throws Exception {
    List<String> texts =
        List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"q\","
                + "\"arguments\":{\"sql\":\"SELECT 1\",\"params\":[1,2.5,\"x\",null,true,false,"
                + "{\"a\":[]},[],{}]}}}",
            "{\"n\":[0,-0,2147483647,2147483648,-2147483649,9223372036854775807,"
                + "9223372036854775808,-9223372036854775809,123456789012345678901234567890]}",
            "{\"d\":[0.0,-0.0,1.50,1e3,1E-7,12345678901234567890.123456789,-1.5e+300,1e400]}",
            "{\"s\":\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\",\"\u00fc\":\"\u65e5\u672c\"}",
            "{\"order\":{\"z\":1,\"a\":2,\"m\":3}}",
            "[1,{\"a\":null}]",
            "\"text\"",
            "42",
            "null",
            "  {\"padded\" : true }  ");
    for (String text : texts) {
      Object ours = wire.readValue(text, Object.class);
      Object theirs = BINDING.readValue(text, Object.class);
      assertThat(typed(ours)).as(text).isEqualTo(typed(theirs));
      assertThat(typed(wire.readValue(text.getBytes("UTF-8"), Object.class)))
          .as(text)
          .isEqualTo(typed(theirs));
      if (ours instanceof Map<?, ?> m) {
        assertThat(m).isInstanceOf(LinkedHashMap.class);
        assertThat(typed(wire.readValue(text, Map.class))).isEqualTo(typed(theirs));
      }
    }
  }

  @Test
  void refusesWhatIsNotOneJsonValue() {
    List<String> bad =
        List.of(
            "",
            "   ",
            "{",
            "{\"a\":}",
            "{bad json",
            "[1,]",
            "{\"a\":1}}",
            "nul",
            "'x'",
            // Something after the value, of every kind: another value, a word, a bracket, a
            // second message started but not finished.
            "{\"a\":1}null",
            "{\"a\":1}garbage",
            "{\"a\":1}]",
            "[1] 2",
            "{\"a\":1}\t{\"b\"");
    for (String text : bad) {
      assertThatThrownBy(() -> wire.readValue(text, Object.class))
          .as(text)
          .isInstanceOf(IOException.class);
    }
    // Two values on one line: the data binding read the first and ignored the rest; this is
    // refused, with what to do.
    assertThatThrownBy(() -> wire.readValue("{\"a\":1} {\"b\":2}", Object.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("one JSON value per message");
    // Nesting deeper than the parser's limit (1,000) is refused, not a stack overflow.
    String deep = "[".repeat(5000) + "]".repeat(5000);
    assertThatThrownBy(() -> wire.readValue(deep, Object.class)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> wire.readValue("[1]", Map.class)).isInstanceOf(IOException.class);
  }

  @Test
  void initializeRequestsAreTheRecordsTheDataBindingMakes() throws Exception {
    List<String> params =
        List.of(
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\","
                + "\"version\":\"1\"}}",
            "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"roots\":{\"listChanged\":true},"
                + "\"sampling\":{},\"elicitation\":{\"form\":{},\"url\":{}},\"experimental\":{\"x\":"
                + "{\"y\":1}},\"extensions\":{\"io.example/e\":{\"v\":2}}},\"clientInfo\":{\"name\":"
                + "\"claude-ai\",\"title\":\"Claude\",\"version\":\"0.1.0\",\"description\":\"d\","
                + "\"websiteUrl\":\"https://example.com\"},\"_meta\":{\"k\":[1]}}",
            "{\"protocolVersion\":\"2024-11-05\",\"capabilities\":{\"elicitation\":{}},"
                + "\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"},\"unknown\":5}",
            "{\"protocolVersion\":\"2025-06-18\"}",
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":null,\"clientInfo\":null}",
            // Shapes left to the data binding: coercions, records of their own, wrong types.
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"roots\":{\"listChanged\":"
                + "\"true\"}},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}",
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\","
                + "\"version\":\"1\",\"icons\":[{\"src\":\"https://example.com/i.png\"}]}}",
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":5,"
                + "\"version\":\"1\"}}",
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":[],\"clientInfo\":{}}",
            "{\"protocolVersion\":7,\"capabilities\":{}}",
            "{\"capabilities\":{}}");
    int direct = 0;
    for (String json : params) {
      Object parsed = wire.readValue(json, Object.class);
      Object ours = outcome(() -> wire.convertValue(parsed, McpSchema.InitializeRequest.class));
      Object byRef =
          outcome(() -> wire.convertValue(parsed, new TypeRef<McpSchema.InitializeRequest>() {}));
      Object theirs =
          outcome(
              () ->
                  BINDING.convertValue(
                      BINDING.readValue(json, Object.class), McpSchema.InitializeRequest.class));
      assertThat(ours).as(json).isEqualTo(theirs);
      assertThat(byRef).as(json).isEqualTo(theirs);
      McpSchema.InitializeRequest made = WireJson.initializeRequest(parsed);
      if (made != null) {
        assertThat(made).as(json).isEqualTo(theirs);
        direct++;
      }
    }
    assertThat(direct).as("the usual shapes are made without the data binding").isGreaterThan(4);
  }

  @Test
  void envelopesAreTheRecordsTheDataBindingMakes() throws Exception {
    List<String> messages =
        List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775807,\"method\":\"ping\",\"params\":null}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"p\":0.5}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
            "{\"jsonrpc\":2,\"id\":1,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"method\":[]}");
    for (String json : messages) {
      Object parsed = wire.readValue(json, Object.class);
      Object theirsParsed = BINDING.readValue(json, Object.class);
      for (Class<?> type :
          List.of(McpSchema.JSONRPCRequest.class, McpSchema.JSONRPCNotification.class)) {
        Object ours = outcome(() -> wire.convertValue(parsed, type));
        Object theirs = outcome(() -> BINDING.convertValue(theirsParsed, type));
        assertThat(typed(fields(ours))).as(json + " as " + type).isEqualTo(typed(fields(theirs)));
      }
    }
  }

  /** A record as its members (records holding Object members compare them with equals). */
  static Object fields(Object o) {
    if (o instanceof McpSchema.JSONRPCRequest r) {
      return Arrays.asList(r.jsonrpc(), r.method(), r.id(), r.params());
    }
    if (o instanceof McpSchema.JSONRPCNotification n) {
      return Arrays.asList(n.jsonrpc(), n.method(), n.params());
    }
    return o;
  }

  interface Conversion {
    Object run() throws Exception;
  }

  /** The value made, or the kind of failure. */
  static Object outcome(Conversion c) {
    try {
      return c.run();
    } catch (Exception e) {
      return e instanceof IllegalArgumentException ? IllegalArgumentException.class : e.getClass();
    }
  }

  /** Messages of every kind the server sends, with members of every kind. */
  static List<Object> messages() {
    Map<String, Object> structured = new LinkedHashMap<>();
    structured.put("columns", List.of(Map.of("name", "id", "type", "int8")));
    structured.put(
        "rows",
        List.of(
            Arrays.asList(1L, "x", null, new BigDecimal("1.50"), new BigDecimal("1E+3")),
            Arrays.asList(
                Integer.MAX_VALUE, 2.5d, 1.25f, true, new BigInteger("123456789012345"))));
    structured.put("nested", new TreeMap<>(Map.of("b", List.of(), "a", Map.of())));
    structured.put("a_record", new McpSchema.PromptReference("p"));
    Map<Object, Object> notStringKeys = new LinkedHashMap<>();
    notStringKeys.put(1, "one");
    structured.put("int_keys", notStringKeys);
    McpSchema.InitializeResult init =
        new McpSchema.InitializeResult(
            "2025-06-18",
            McpSchema.ServerCapabilities.builder()
                .tools(true)
                .resources(true, false)
                .prompts(false)
                .logging()
                .completions()
                .experimental(Map.of("x", Map.of()))
                .build(),
            new McpSchema.Implementation("cockroachdb-mcp", "CockroachDB", "0.1.0"),
            CrdbTools.INSTRUCTIONS);
    McpSchema.CallToolResult text =
        new McpSchema.CallToolResult(
            List.of(new McpSchema.TextContent("a\nb \"quoted\" \u00e9")),
            false,
            structured,
            Map.of("io.crdbmcp/x", 1));
    McpSchema.CallToolResult annotated =
        new McpSchema.CallToolResult(
            List.of(
                new McpSchema.TextContent(
                    new McpSchema.Annotations(List.of(McpSchema.Role.USER), 0.5), "t", null)),
            true,
            null,
            null);
    McpSchema.CallToolResult image =
        new McpSchema.CallToolResult(
            List.of(new McpSchema.TextContent("t"), new McpSchema.ImageContent(null, "AAAA", "p")),
            null,
            null,
            null);
    List<Object> out = new ArrayList<>();
    out.add(new McpSchema.JSONRPCResponse("2.0", 1, init, null));
    out.add(new McpSchema.JSONRPCResponse("2.0", "s-1", text, null));
    out.add(new McpSchema.JSONRPCResponse("2.0", 2L, annotated, null));
    out.add(new McpSchema.JSONRPCResponse("2.0", 3, image, null));
    out.add(new McpSchema.JSONRPCResponse("2.0", 4, Map.of(), null));
    out.add(
        new McpSchema.JSONRPCResponse(
            "2.0",
            5,
            null,
            new McpSchema.JSONRPCResponse.JSONRPCError(-32602, "bad", Map.of("why", "x"))));
    out.add(
        new McpSchema.JSONRPCNotification(
            "2.0",
            "notifications/message",
            new McpSchema.LoggingMessageNotification(McpSchema.LoggingLevel.INFO, "l", "d")));
    out.add(new McpSchema.JSONRPCRequest("2.0", "ping", "srv-1", null));
    // Values the data binding writes, as members typed Object: without a type id (an elicitation
    // request's "mode" once, content in a map without "type").
    out.add(
        new McpSchema.JSONRPCRequest(
            "2.0",
            "elicitation/create",
            "srv-2",
            new McpSchema.ElicitFormRequest(
                "Confirm?", Map.of("type", "object", "properties", Map.of()), null)));
    out.add(
        Map.of("c", new McpSchema.TextContent("hi"), "l", List.of(new McpSchema.TextContent("x"))));
    out.add(
        new McpSchema.JSONRPCResponse(
            "2.0",
            6,
            new McpSchema.ListToolsResult(
                Arrays.asList(McpSchema.Tool.builder().name("t").build(), null), null),
            null));
    Map<String, Object> errorMap = new LinkedHashMap<>();
    errorMap.put("jsonrpc", "2.0");
    errorMap.put("id", null);
    errorMap.put("error", Map.of("code", -32700, "message", "Parse error"));
    out.add(errorMap);
    return out;
  }

  @Test
  void writesTheDocumentsTheDataBindingWrites() throws Exception {
    for (Object message : messages()) {
      JsonNode ours = TREES.readTree(wire.writeValueAsBytes(message));
      JsonNode theirs = TREES.readTree(BINDING.writeValueAsBytes(message));
      assertThat(ours).as(String.valueOf(message)).isEqualTo(theirs);
      assertThat(TREES.readTree(wire.writeValueAsString(message))).isEqualTo(theirs);
    }
    // A duplicate member is lost in a tree: the elicitation request's "mode" is written once.
    String elicitation =
        wire.writeValueAsString(
            new McpSchema.JSONRPCRequest(
                "2.0",
                "elicitation/create",
                1,
                new McpSchema.ElicitFormRequest("Confirm?", Map.of("type", "object"), null)));
    assertThat(elicitation.split("\"mode\"", -1)).as(elicitation).hasSize(2);
    // Decimals in plain notation, as before.
    assertThat(wire.writeValueAsString(Map.of("v", new BigDecimal("1E+3"))))
        .isEqualTo("{\"v\":1000}");
  }

  @Test
  void aValueThatCannotBeWrittenIsAnIoException() {
    List<Object> failing =
        new ArrayList<>() {
          @Override
          public java.util.Iterator<Object> iterator() {
            throw new IllegalStateException("broken list");
          }
        };
    Object message =
        new McpSchema.JSONRPCResponse(
            "2.0",
            1,
            new McpSchema.CallToolResult(List.of(), false, Map.of("rows", failing), null),
            null);
    assertThatThrownBy(() -> wire.writeValueAsBytes(message))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("broken list");
    assertThatThrownBy(() -> wire.writeValueAsString(message)).isInstanceOf(IOException.class);
  }

  /**
   * The members {@link WireJson} reads and writes by hand, record by record: an SDK that adds one
   * fails here, so that WireJson learns it instead of dropping it.
   */
  @Test
  void everyRecordWrittenOrMadeByHandHasTheMembersWireJsonKnows() {
    Map<Class<?>, List<String>> known = new LinkedHashMap<>();
    known.put(McpSchema.JSONRPCResponse.class, List.of("jsonrpc", "id", "result", "error"));
    known.put(McpSchema.JSONRPCResponse.JSONRPCError.class, List.of("code", "message", "data"));
    known.put(McpSchema.JSONRPCNotification.class, List.of("jsonrpc", "method", "params"));
    known.put(McpSchema.JSONRPCRequest.class, List.of("jsonrpc", "method", "id", "params"));
    known.put(
        McpSchema.CallToolResult.class, List.of("content", "isError", "structuredContent", "meta"));
    known.put(McpSchema.TextContent.class, List.of("annotations", "text", "meta"));
    known.put(McpSchema.ListToolsResult.class, List.of("tools", "nextCursor", "meta"));
    known.put(
        McpSchema.Tool.class,
        List.of(
            "name",
            "title",
            "description",
            "inputSchema",
            "outputSchema",
            "annotations",
            "meta",
            "icons"));
    known.put(
        McpSchema.ToolAnnotations.class,
        List.of(
            "title",
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
            "returnDirect"));
    known.put(
        McpSchema.InitializeResult.class,
        List.of("protocolVersion", "capabilities", "serverInfo", "instructions", "meta"));
    known.put(
        McpSchema.ServerCapabilities.class,
        List.of(
            "completions",
            "experimental",
            "logging",
            "prompts",
            "resources",
            "tools",
            "extensions"));
    known.put(McpSchema.ServerCapabilities.CompletionCapabilities.class, List.of());
    known.put(McpSchema.ServerCapabilities.LoggingCapabilities.class, List.of());
    known.put(McpSchema.ServerCapabilities.PromptCapabilities.class, List.of("listChanged"));
    known.put(
        McpSchema.ServerCapabilities.ResourceCapabilities.class,
        List.of("subscribe", "listChanged"));
    known.put(McpSchema.ServerCapabilities.ToolCapabilities.class, List.of("listChanged"));
    known.put(
        McpSchema.Implementation.class,
        List.of("name", "title", "version", "description", "icons", "websiteUrl"));
    known.put(
        McpSchema.InitializeRequest.class,
        List.of("protocolVersion", "capabilities", "clientInfo", "meta"));
    known.put(
        McpSchema.ClientCapabilities.class,
        List.of("experimental", "roots", "sampling", "elicitation", "extensions"));
    known.put(McpSchema.ClientCapabilities.RootCapabilities.class, List.of("listChanged"));
    known.put(McpSchema.ClientCapabilities.Sampling.class, List.of());
    known.put(McpSchema.ClientCapabilities.Elicitation.class, List.of("form", "url"));
    known.put(McpSchema.ClientCapabilities.Elicitation.Form.class, List.of());
    known.put(McpSchema.ClientCapabilities.Elicitation.Url.class, List.of());
    known.forEach(
        (type, members) ->
            assertThat(
                    Arrays.stream(type.getRecordComponents())
                        .map(java.lang.reflect.RecordComponent::getName)
                        .toList())
                .as(type.getName())
                .isEqualTo(members));
  }

  @Test
  void writesEveryToolListAsTheDataBindingDoes() throws Exception {
    for (String outputSchemas : List.of("false", "true")) {
      List<McpSchema.Tool> tools =
          GeneratedSchemasTest.specifications(
                  Map.of(
                      "CRDB_URL",
                      "postgresql://wire@127.0.0.1:9/wire",
                      "CRDB_OUTPUT_SCHEMAS",
                      outputSchemas))
              .stream()
              .map(s -> s.tool())
              .toList();
      assertThat(tools).hasSizeGreaterThan(40);
      Object message =
          new McpSchema.JSONRPCResponse(
              "2.0", 2, new McpSchema.ListToolsResult(tools, "next", null), null);
      byte[] ours = wire.writeValueAsBytes(message);
      assertThat(TREES.readTree(ours))
          .isEqualTo(TREES.readTree(BINDING.writeValueAsBytes(message)));
      // And it reads back into the same tools.
      McpSchema.ListToolsResult back =
          BINDING.convertValue(TREES.readTree(ours).get("result"), McpSchema.ListToolsResult.class);
      assertThat(back.tools()).hasSameSizeAs(tools);
      assertThat(back.tools().get(0).name()).isEqualTo(tools.get(0).name());
    }
  }
}
