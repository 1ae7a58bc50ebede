package io.crdbmcp.tools;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared arguments of one tool, in schema order. They give the input JSON schema the client
 * sees and drive {@link Args} validation, so the two cannot drift apart. Tools declare arguments
 * with {@link ToolDef.Builder#param}; the string-named methods here ({@link #requiredString} ...)
 * are the older way of declaring the same thing.
 */
public final class Params {
  /** The common {@code connection} argument. */
  public static final Param<String> CONNECTION =
      Param.text(
          "connection",
          "Name of the connection to use (see list_connections). Default: the default connection.");

  /** The common {@code transaction_id} argument. */
  public static final Param<String> TRANSACTION_ID =
      Param.text(
          "transaction_id",
          "Handle returned by begin_transaction; the call then runs inside that transaction.");

  /** The common {@code format} argument. */
  public static final Param<String> FORMAT =
      Param.choice(
          "format",
          "text: a compact table for reading (default); json: the structured result as JSON text.",
          "text",
          "text",
          "json");

  /** The common {@code detail} argument. */
  public static final Param<String> DETAIL =
      Param.choice(
          "detail",
          "concise (default): the essentials; detailed: every attribute.",
          "concise",
          "concise",
          "detailed");

  private final Map<String, Param<?>> params = new LinkedHashMap<>();

  public static Params of() {
    return new Params();
  }

  /** Declares one argument. */
  public Params add(Param<?> p) {
    if (params.putIfAbsent(p.name(), p) != null) {
      throw new IllegalArgumentException("argument '" + p.name() + "' declared twice");
    }
    return this;
  }

  /** Declares every argument of {@code other}, in its order. */
  public Params addAll(Params other) {
    other.params.values().forEach(this::add);
    return this;
  }

  public Params string(String name, String description) {
    return add(Param.text(name, description));
  }

  public Params requiredString(String name, String description) {
    return add(Param.text(name, description).required());
  }

  public Params integer(String name, String description, Integer minimum) {
    return add(Param.integer(name, description, minimum));
  }

  public Params bool(String name, String description, boolean defaultValue) {
    return add(Param.flag(name, description, defaultValue));
  }

  public Params choice(String name, String description, String defaultValue, String... allowed) {
    return add(Param.choice(name, description, defaultValue, allowed));
  }

  public Params object(String name, String description, boolean required) {
    Param<?> p = Param.object(name, description);
    return add(required ? p.required() : p);
  }

  public Params array(String name, String description, boolean required) {
    Param<?> p = Param.array(name, description);
    return add(required ? p.required() : p);
  }

  /** Any JSON value (for row values and filter operands). */
  public Params any(String name, String description, boolean required) {
    Param<?> p = Param.any(name, description);
    return add(required ? p.required() : p);
  }

  /** The common {@code connection} argument. */
  public Params connection() {
    return add(CONNECTION);
  }

  /** The common {@code transaction_id} argument. */
  public Params transaction() {
    return add(TRANSACTION_ID);
  }

  /** The common {@code format} argument. */
  public Params format() {
    return add(FORMAT);
  }

  /** The common {@code detail} argument. */
  public Params detail() {
    return add(DETAIL);
  }

  /** The declared arguments by name, in declaration order. */
  public Map<String, Param<?>> all() {
    return Collections.unmodifiableMap(params);
  }

  /** The declared argument of that name, or null. */
  public Param<?> get(String name) {
    return params.get(name);
  }

  /** The JSON schema of the arguments. */
  public Map<String, Object> toJsonSchema() {
    Map<String, Object> props = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (Param<?> p : params.values()) {
      props.put(p.name(), p.jsonSchema());
      if (p.isRequired()) {
        required.add(p.name());
      }
    }
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "object");
    schema.put("properties", props);
    if (!required.isEmpty()) {
      schema.put("required", required);
    }
    schema.put("additionalProperties", false);
    return schema;
  }
}
