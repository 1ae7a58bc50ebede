package io.crdbmcp.tools;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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
          "connection", "Connection name (list_connections); default: the default connection.");

  /** The common {@code transaction_id} argument. */
  public static final Param<String> TRANSACTION_ID =
      Param.text("transaction_id", "Run inside this transaction (handle from begin_transaction).");

  /** The common {@code format} argument. */
  public static final Param<String> FORMAT =
      Param.choice(
          "format",
          "text: a compact table (default); json: the result as JSON text.",
          "text",
          "text",
          "json");

  /** The common {@code detail} argument. */
  public static final Param<String> DETAIL =
      Param.choice(
          "detail",
          "concise (default) or detailed: every attribute.",
          "concise",
          "concise",
          "detailed");

  /**
   * The common {@code schema} argument of tools that take a table (which may also be
   * schema-qualified).
   */
  public static final Param<String> TABLE_SCHEMA =
      Param.text("schema", "Schema of the table (default: searched in the user schemas).");

  /**
   * The arguments many tools share. Their descriptors show them by name and type only ({@link
   * Param#briefSchema}); the server's instructions ({@link CrdbTools#INSTRUCTIONS}) describe them
   * once instead of in every tool.
   */
  static final java.util.Set<Param<?>> SHARED =
      java.util.Set.of(CONNECTION, TRANSACTION_ID, FORMAT, DETAIL, TABLE_SCHEMA);

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
    Map<String, Object> schema = toJsonSchema(Param::jsonSchema);
    schema.put("additionalProperties", false);
    return schema;
  }

  /**
   * The JSON schema a client is shown: each argument as {@code shown} gives it, and none where it
   * gives null (a required argument is always shown). Arguments left out are still accepted, so the
   * schema does not forbid additional properties; {@link Args} refuses undeclared ones by name.
   */
  public Map<String, Object> toJsonSchema(Function<Param<?>, Map<String, Object>> shown) {
    Map<String, Object> props = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (Param<?> p : params.values()) {
      Map<String, Object> schema = shown.apply(p);
      if (schema == null && p.isRequired()) {
        schema = p.jsonSchema();
      }
      if (schema == null) {
        continue;
      }
      props.put(p.name(), schema);
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
    return schema;
  }
}
