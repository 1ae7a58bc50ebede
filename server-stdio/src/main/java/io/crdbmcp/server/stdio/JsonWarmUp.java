package io.crdbmcp.server.stdio;

import io.crdbmcp.tools.CrdbTools;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.LoggerFactory;

/**
 * Runs the first exchange of a session (the {@code initialize} request, its answer, the {@code
 * initialized} notification, a {@code tools/list} answer) through the transport's JSON mapper on a
 * background thread while the main thread opens the library and builds the tools.
 *
 * <p>Since 2026-12-08 the mapper handles these messages without Jackson's data binding ({@code
 * WireJson} in crdb-tools; the data binding's reflection over the SDK's records was most of this
 * thread's work, and about 15% of a start's CPU): what is warmed here now is the streaming parser
 * and generator, the SDK's record classes and this server's tool library (whose first logger sets
 * up slf4j), class loading and initialisation the main thread would otherwise do itself. Done here,
 * it overlaps the start-up work on the other core. It only decodes and encodes constant messages
 * with the transport's own mapper: nothing is sent, and a failure costs only the head start.
 */
final class JsonWarmUp {
  // No static logger: the first one a process makes sets up slf4j (its configuration file, a
  // String.format), about 15 ms that the main thread would spend before it starts this class's
  // thread (async-profiler, 2026-12-07). Only a failure logs, from the warm-up thread.

  /** An initialize request as clients send it, with the capabilities they commonly declare. */
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"roots\":{\"listChanged\":true},"
          + "\"sampling\":{},\"elicitation\":{}},\"clientInfo\":{\"name\":\"warm-up\","
          + "\"version\":\"0\"},\"_meta\":{}}}";

  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  private JsonWarmUp() {}

  /**
   * Makes the transport's JSON mapper on a daemon thread, then warms it up there; returns at once.
   * Making the mapper (Jackson's classes) is itself about 40 ms that the main thread need not wait
   * for until it builds the transport.
   */
  static CompletableFuture<McpJsonMapper> start() {
    CompletableFuture<McpJsonMapper> mapper = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              McpJsonMapper json;
              try {
                json = CrdbTools.jsonMapper();
              } catch (Throwable e) { // any failure, an Error too: main must not wait forever
                mapper.completeExceptionally(e);
                return;
              }
              mapper.complete(json);
              run(json);
            },
            "stdio-json-warm-up");
    thread.setDaemon(true);
    thread.start();
    return mapper;
  }

  /** The mapper {@link #start()} made, or (should that have failed) one made here. */
  static McpJsonMapper mapper(CompletableFuture<McpJsonMapper> started) {
    try {
      return started.join();
    } catch (CompletionException e) {
      return CrdbTools.jsonMapper();
    }
  }

  /** Decodes and encodes the first exchange; true when all of it went through. */
  static boolean run(McpJsonMapper json) {
    try {
      // The transport's decoding: text to a map, the map to the JSON-RPC type, then (in the SDK's
      // session) the params to the request type.
      Map<?, ?> map = (Map<?, ?>) json.readValue(INITIALIZE, Object.class);
      McpSchema.JSONRPCRequest request = json.convertValue(map, McpSchema.JSONRPCRequest.class);
      McpSchema.InitializeRequest init =
          json.convertValue(request.params(), new TypeRef<McpSchema.InitializeRequest>() {});
      json.convertValue(
          json.readValue(INITIALIZED, Object.class), McpSchema.JSONRPCNotification.class);
      // The answer's encoding.
      McpSchema.InitializeResult result =
          new McpSchema.InitializeResult(
              init.protocolVersion(),
              McpSchema.ServerCapabilities.builder()
                  .tools(true)
                  .resources(true, true)
                  .prompts(true)
                  .logging()
                  .completions()
                  .build(),
              new McpSchema.Implementation("warm-up", "0"),
              "");
      json.writeValueAsBytes(
          new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, request.id(), result, null));
      // The tools/list answer a client asks for next: a tool of the shape CrdbTools.descriptor
      // makes (hints, an input schema of nested maps and lists). Its serializers were about 16 ms
      // of the time between the initialize and tools/list answers (async-profiler, 2026-12-07).
      Map<String, Object> argument = new LinkedHashMap<>();
      argument.put("type", "string");
      argument.put("description", "warm-up");
      argument.put("enum", List.of("a", "b"));
      Map<String, Object> properties = new LinkedHashMap<>();
      properties.put("sql", argument);
      properties.put("limit", Map.of("type", "integer", "minimum", 1));
      Map<String, Object> schema = new LinkedHashMap<>();
      schema.put("type", "object");
      schema.put("properties", properties);
      schema.put("required", List.of("sql"));
      McpSchema.Tool tool =
          McpSchema.Tool.builder()
              .name("warm_up")
              .description("warm-up")
              .inputSchema(schema)
              .annotations(new McpSchema.ToolAnnotations(null, true, false, true, null, null))
              .build();
      json.writeValueAsBytes(
          new McpSchema.JSONRPCResponse(
              McpSchema.JSONRPC_VERSION,
              2,
              new McpSchema.ListToolsResult(List.of(tool), null),
              null));
      return true;
    } catch (Exception | LinkageError e) {
      LoggerFactory.getLogger(JsonWarmUp.class)
          .debug("JSON warm-up failed (no effect on the session): {}", e.toString());
      return false;
    }
  }
}
