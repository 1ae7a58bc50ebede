package io.crdbmcp.tools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Output schemas shared by several tools. Loose on purpose: values are any JSON. */
public final class OutputSchemas {
  private OutputSchemas() {}

  /** Rows of a statement, as returned by execute_query and read_rows. */
  public static final Map<String, Object> QUERY_RESULT =
      object(
          Map.of(
              "columns", Map.of("type", "array", "items", Map.of("type", "object")),
              "rows", Map.of("type", "array", "items", Map.of("type", "array")),
              "row_count", Map.of("type", "integer"),
              "truncated", Map.of("type", "boolean")),
          List.of("columns", "rows", "row_count", "truncated"));

  /** A list of objects under {@code key}, and its count. */
  public static Map<String, Object> list(String key) {
    return object(
        Map.of(
            key,
            Map.of("type", "array", "items", Map.of("type", "object")),
            "count",
            Map.of("type", "integer")),
        List.of(key, "count"));
  }

  /** An object with the named required properties, any types. */
  public static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    s.put("properties", properties);
    if (!required.isEmpty()) {
      s.put("required", required);
    }
    return s;
  }

  /** An object with any properties. */
  public static Map<String, Object> anyObject() {
    return Map.of("type", "object");
  }
}
