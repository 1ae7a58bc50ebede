package io.crdbmcp.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Output schemas shared by several tools. Loose on purpose: values are any JSON. Every schema built
 * here has a fixed key order, so {@code tools/list} is the same bytes on every start (a {@code
 * Map.of} iterates in an order that changes from one JVM to the next).
 */
public final class OutputSchemas {
  private OutputSchemas() {}

  /** Rows of a statement, as returned by execute_query and read_rows. */
  public static final Map<String, Object> QUERY_RESULT =
      object(
          properties(
              "columns", arrayOf(type("object")),
              "rows", arrayOf(type("array")),
              "row_count", type("integer"),
              "truncated", type("boolean")),
          List.of("columns", "rows", "row_count", "truncated"));

  /** A list of objects under {@code key}, and its count. */
  public static Map<String, Object> list(String key) {
    return object(
        properties(key, arrayOf(type("object")), "count", type("integer")), List.of(key, "count"));
  }

  /** {@code {"type": type}}. */
  public static Map<String, Object> type(String type) {
    return Map.of("type", type);
  }

  /** {@code {"type": "array", "items": items}}. */
  public static Map<String, Object> arrayOf(Map<String, Object> items) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "array");
    s.put("items", items);
    return s;
  }

  /** Property name → schema, in the order given: {@code properties("a", type("string"), ...)}. */
  public static Map<String, Object> properties(Object... nameSchema) {
    if (nameSchema.length % 2 != 0) {
      throw new IllegalArgumentException("properties come in name, schema pairs");
    }
    Map<String, Object> p = new LinkedHashMap<>();
    for (int i = 0; i < nameSchema.length; i += 2) {
      p.put((String) nameSchema[i], nameSchema[i + 1]);
    }
    return p;
  }

  /**
   * An object with the named required properties, any types. Properties keep the order of an
   * ordered map ({@link #properties}); from an unordered one they are listed required first, then
   * by name.
   */
  public static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    s.put("properties", ordered(properties, required));
    if (!required.isEmpty()) {
      s.put("required", required);
    }
    return s;
  }

  /** An object with any properties. */
  public static Map<String, Object> anyObject() {
    return Map.of("type", "object");
  }

  private static Map<String, Object> ordered(Map<String, Object> props, List<String> required) {
    List<String> names = new ArrayList<>();
    if (isOrdered(props) || props.size() < 2) {
      names.addAll(props.keySet());
    } else {
      required.stream().filter(props::containsKey).forEach(names::add);
      new TreeSet<>(props.keySet()).stream().filter(n -> !names.contains(n)).forEach(names::add);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (String n : names) {
      out.put(n, schema(props.get(n)));
    }
    return out;
  }

  private static boolean isOrdered(Map<?, ?> m) {
    return m instanceof LinkedHashMap<?, ?> || m instanceof SortedMap<?, ?>;
  }

  /** A property's schema with its keys in a fixed order: type first, the rest by name. */
  @SuppressWarnings("unchecked")
  private static Object schema(Object s) {
    if (!(s instanceof Map<?, ?> m) || isOrdered(m) || m.size() < 2) {
      return s;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if (m.containsKey("type")) {
      out.put("type", m.get("type"));
    }
    for (String k : new TreeSet<>(((Map<String, Object>) m).keySet())) {
      out.putIfAbsent(k, schema(m.get(k)));
    }
    return out;
  }
}
