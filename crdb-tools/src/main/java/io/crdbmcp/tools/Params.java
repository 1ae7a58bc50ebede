package io.crdbmcp.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a tool's input JSON schema, one described argument at a time. The same declaration drives
 * {@link Args} validation, so the schema the client sees and the checks the server makes cannot
 * drift apart.
 */
public final class Params {
  /** The kinds of argument a tool can take. */
  public enum Type {
    STRING("string"),
    INTEGER("integer"),
    BOOLEAN("boolean"),
    OBJECT("object"),
    ARRAY("array"),
    ANY(null);

    final String json;

    Type(String json) {
      this.json = json;
    }
  }

  /** One declared argument. */
  public record Param(
      String name,
      Type type,
      String description,
      boolean required,
      List<String> allowed,
      Object defaultValue,
      Integer minimum) {}

  private final Map<String, Param> params = new LinkedHashMap<>();

  public static Params of() {
    return new Params();
  }

  public Params string(String name, String description) {
    return add(new Param(name, Type.STRING, description, false, null, null, null));
  }

  public Params requiredString(String name, String description) {
    return add(new Param(name, Type.STRING, description, true, null, null, null));
  }

  public Params integer(String name, String description, Integer minimum) {
    return add(new Param(name, Type.INTEGER, description, false, null, null, minimum));
  }

  public Params bool(String name, String description, boolean defaultValue) {
    return add(new Param(name, Type.BOOLEAN, description, false, null, defaultValue, null));
  }

  public Params choice(String name, String description, String defaultValue, String... allowed) {
    return add(
        new Param(name, Type.STRING, description, false, List.of(allowed), defaultValue, null));
  }

  public Params object(String name, String description, boolean required) {
    return add(new Param(name, Type.OBJECT, description, required, null, null, null));
  }

  public Params array(String name, String description, boolean required) {
    return add(new Param(name, Type.ARRAY, description, required, null, null, null));
  }

  /** Any JSON value (for row values and filter operands). */
  public Params any(String name, String description, boolean required) {
    return add(new Param(name, Type.ANY, description, required, null, null, null));
  }

  /** The common {@code connection} argument. */
  public Params connection() {
    return string(
        "connection",
        "Name of the connection to use (see list_connections). Default: the default connection.");
  }

  /** The common {@code transaction_id} argument. */
  public Params transaction() {
    return string(
        "transaction_id",
        "Handle returned by begin_transaction; the call then runs inside that transaction.");
  }

  /** The common {@code format} argument. */
  public Params format() {
    return choice(
        "format",
        "text: a compact table for reading (default); json: the structured result as JSON text.",
        "text",
        "text",
        "json");
  }

  /** The common {@code detail} argument. */
  public Params detail() {
    return choice(
        "detail",
        "concise (default): the essentials; detailed: every attribute.",
        "concise",
        "concise",
        "detailed");
  }

  private Params add(Param p) {
    if (params.put(p.name(), p) != null) {
      throw new IllegalArgumentException("argument '" + p.name() + "' declared twice");
    }
    return this;
  }

  public Map<String, Param> all() {
    return params;
  }

  /** The JSON schema of the arguments. */
  public Map<String, Object> toJsonSchema() {
    Map<String, Object> props = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (Param p : params.values()) {
      Map<String, Object> s = new LinkedHashMap<>();
      if (p.type().json != null) {
        s.put("type", p.type().json);
      }
      s.put("description", p.description());
      if (p.allowed() != null) {
        s.put("enum", p.allowed());
      }
      if (p.defaultValue() != null) {
        s.put("default", p.defaultValue());
      }
      if (p.minimum() != null) {
        s.put("minimum", p.minimum());
      }
      props.put(p.name(), s);
      if (p.required()) {
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
