package io.crdbmcp.tools;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.util.Map;

/**
 * The transports' JSON mapper: Jackson's ({@link CrdbTools#jsonMapper}), except that a {@code
 * tools/call} request's params, already parsed into a map, become the SDK's {@link
 * McpSchema.CallToolRequest} without a second conversion when they have the shapes Jackson would
 * give them (a string {@code name}, an object or no {@code arguments} and {@code _meta}); the
 * record then holds those same maps. Anything else is converted by Jackson as before. Writing the
 * parsed map out as tokens and reading them back was about 2.5% of a one-row call's CPU
 * (async-profiler, 2026-12-07).
 */
final class CallRequestMapper implements McpJsonMapper {
  private final McpJsonMapper jackson;

  CallRequestMapper(McpJsonMapper jackson) {
    this.jackson = jackson;
  }

  @Override
  public <T> T convertValue(Object fromValue, Class<T> type) {
    if (type == McpSchema.CallToolRequest.class) {
      McpSchema.CallToolRequest r = callToolRequest(fromValue);
      if (r != null) {
        return type.cast(r);
      }
    }
    return jackson.convertValue(fromValue, type);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T convertValue(Object fromValue, TypeRef<T> type) {
    if (type.getType() == McpSchema.CallToolRequest.class) {
      McpSchema.CallToolRequest r = callToolRequest(fromValue);
      if (r != null) {
        return (T) r;
      }
    }
    return jackson.convertValue(fromValue, type);
  }

  /** The request made directly from parsed params, or {@code null} to leave it to Jackson. */
  @SuppressWarnings("unchecked")
  private static McpSchema.CallToolRequest callToolRequest(Object fromValue) {
    if (fromValue instanceof Map<?, ?> params
        && params.get("name") instanceof String name
        && isObjectOrAbsent(params.get("arguments"))
        && isObjectOrAbsent(params.get("_meta"))
        && stringKeys(params.get("arguments"))
        && stringKeys(params.get("_meta"))) {
      return new McpSchema.CallToolRequest(
          name,
          (Map<String, Object>) params.get("arguments"),
          (Map<String, Object>) params.get("_meta"));
    }
    return null;
  }

  private static boolean isObjectOrAbsent(Object v) {
    return v == null || v instanceof Map;
  }

  /** Whether a map's keys are all strings, as in one parsed from JSON. */
  private static boolean stringKeys(Object v) {
    if (v instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) {
        if (!(k instanceof String)) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public <T> T readValue(String content, Class<T> type) throws IOException {
    return jackson.readValue(content, type);
  }

  @Override
  public <T> T readValue(byte[] content, Class<T> type) throws IOException {
    return jackson.readValue(content, type);
  }

  @Override
  public <T> T readValue(String content, TypeRef<T> type) throws IOException {
    return jackson.readValue(content, type);
  }

  @Override
  public <T> T readValue(byte[] content, TypeRef<T> type) throws IOException {
    return jackson.readValue(content, type);
  }

  @Override
  public String writeValueAsString(Object value) throws IOException {
    return jackson.writeValueAsString(value);
  }

  @Override
  public byte[] writeValueAsBytes(Object value) throws IOException {
    return jackson.writeValueAsBytes(value);
  }
}
