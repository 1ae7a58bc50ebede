package io.crdbmcp.tools;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.Lazy;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.util.Map;

/**
 * The transports' JSON mapper. The protocol's frequent messages go through {@link WireJson}
 * (Jackson's streaming parser and generator): the parse of every incoming line, the JSON-RPC
 * envelopes, the {@code initialize} request, the {@code initialize}, {@code tools/list} and {@code
 * tools/call} results. Everything else goes to Jackson's data binding, configured as before
 * (decimals read as {@link java.math.BigDecimal}, written plain), which is made only when first
 * needed: a session that lists and calls tools does not make it at all before its first answer.
 *
 * <p>A {@code tools/call} request's params, already parsed into a map, become the SDK's {@link
 * McpSchema.CallToolRequest} without a second conversion ({@link WireJson#callToolRequest}):
 * writing the parsed map out as tokens and reading them back was about 2.5% of a one-row call's CPU
 * (async-profiler, 2026-12-07).
 */
final class WireMapper implements McpJsonMapper {
  private final Lazy<JacksonMcpJsonMapper> jackson =
      Lazy.of(
          () ->
              new JacksonMcpJsonMapper(
                  new ObjectMapper()
                      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)));

  private final java.util.function.Supplier<ObjectMapper> binding =
      () -> jackson.get().getObjectMapper();

  WireMapper() {}

  @Override
  public <T> T convertValue(Object fromValue, Class<T> type) {
    Object direct = direct(fromValue, type);
    if (direct != null) {
      return type.cast(direct);
    }
    return jackson.get().convertValue(fromValue, type);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T convertValue(Object fromValue, TypeRef<T> type) {
    Object direct = direct(fromValue, type.getType());
    if (direct != null) {
      return (T) direct;
    }
    return jackson.get().convertValue(fromValue, type);
  }

  /** The value made without the data binding, or null to leave the conversion to it. */
  private static Object direct(Object fromValue, java.lang.reflect.Type type) {
    if (type == McpSchema.CallToolRequest.class) {
      return WireJson.callToolRequest(fromValue);
    }
    if (type == McpSchema.InitializeRequest.class) {
      return WireJson.initializeRequest(fromValue);
    }
    if (type == McpSchema.JSONRPCRequest.class) {
      return WireJson.request(fromValue);
    }
    if (type == McpSchema.JSONRPCNotification.class) {
      return WireJson.notification(fromValue);
    }
    return null;
  }

  /** Whether a read into {@code type} is the untyped parse {@link WireJson} does. */
  private static boolean untyped(java.lang.reflect.Type type) {
    return type == Object.class || type == Map.class;
  }

  @Override
  public <T> T readValue(String content, Class<T> type) throws IOException {
    if (untyped(type)) {
      return type.cast(checked(WireJson.parse(content), type));
    }
    return jackson.get().readValue(content, type);
  }

  @Override
  public <T> T readValue(byte[] content, Class<T> type) throws IOException {
    if (untyped(type)) {
      return type.cast(checked(WireJson.parse(content), type));
    }
    return jackson.get().readValue(content, type);
  }

  /** A parse into Map that found another JSON value fails as Jackson's would. */
  private static Object checked(Object parsed, Class<?> type) throws IOException {
    if (type == Map.class && !(parsed == null || parsed instanceof Map)) {
      throw new com.fasterxml.jackson.core.JsonParseException(
          null, "Cannot read a JSON " + kind(parsed) + " as an object");
    }
    return parsed;
  }

  private static String kind(Object v) {
    return v instanceof java.util.List ? "array" : v instanceof String ? "string" : "value";
  }

  @Override
  public <T> T readValue(String content, TypeRef<T> type) throws IOException {
    return jackson.get().readValue(content, type);
  }

  @Override
  public <T> T readValue(byte[] content, TypeRef<T> type) throws IOException {
    return jackson.get().readValue(content, type);
  }

  @Override
  public String writeValueAsString(Object value) throws IOException {
    if (WireJson.writesItself(value)) {
      return WireJson.writeString(value, binding);
    }
    return jackson.get().writeValueAsString(value);
  }

  @Override
  public byte[] writeValueAsBytes(Object value) throws IOException {
    if (WireJson.writesItself(value)) {
      return WireJson.writeBytes(value, binding);
    }
    return jackson.get().writeValueAsBytes(value);
  }
}
