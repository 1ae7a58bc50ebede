package io.crdbmcp.tools;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared arguments of one tool, in schema order. They give the input JSON schema the client
 * sees and drive {@link Args} validation, so the two cannot drift apart. Tools declare arguments as
 * {@link Param} constants with {@link ToolDef.Builder#param} and read them with the same constant
 * ({@link Args#get}).
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
