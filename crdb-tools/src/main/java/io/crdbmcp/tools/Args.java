package io.crdbmcp.tools;

import io.crdbmcp.core.CrdbException;
import java.util.List;
import java.util.Map;

/**
 * A tool call's arguments, checked once against the declared {@link Params}: unknown names, missing
 * required values, wrong types and values outside an enum become an {@code INVALID_ARGUMENT} error
 * that says what was expected.
 */
public final class Args {
  private final String tool;
  private final Map<String, Object> values;
  private final Params params;

  Args(String tool, Map<String, Object> values, Params params) {
    this.tool = tool;
    this.values = values == null ? Map.of() : values;
    this.params = params;
    validate();
  }

  /** Arguments for calling a handler directly (tests, the library). */
  public static Args of(String tool, Map<String, Object> values, Params params) {
    return new Args(tool, values, params);
  }

  private void validate() {
    for (String k : values.keySet()) {
      if (!params.all().containsKey(k)) {
        throw CrdbException.invalidArgument(
            tool + ": unknown argument '" + k + "'",
            "the arguments of " + tool + " are: " + String.join(", ", params.all().keySet()));
      }
    }
    for (Params.Param p : params.all().values()) {
      Object v = values.get(p.name());
      if (v == null) {
        if (p.required()) {
          throw CrdbException.invalidArgument(
              tool + ": missing required argument '" + p.name() + "' (" + p.description() + ")",
              "call " + tool + " again with " + p.name());
        }
        continue;
      }
      boolean ok =
          switch (p.type()) {
            case STRING -> v instanceof String;
            case INTEGER ->
                v instanceof Integer
                    || v instanceof Long
                    || (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
            case BOOLEAN -> v instanceof Boolean;
            case OBJECT -> v instanceof Map;
            case ARRAY -> v instanceof List;
            case ANY -> true;
          };
      if (!ok) {
        throw CrdbException.invalidArgument(
            tool
                + ": argument '"
                + p.name()
                + "' must be "
                + article(p.type())
                + ", got "
                + describe(v),
            p.description());
      }
      if (p.allowed() != null && !p.allowed().contains(v)) {
        throw CrdbException.invalidArgument(
            tool
                + ": argument '"
                + p.name()
                + "' is '"
                + v
                + "'; allowed: "
                + String.join(", ", p.allowed()),
            p.description());
      }
      if (p.minimum() != null && ((Number) v).longValue() < p.minimum()) {
        throw CrdbException.invalidArgument(
            tool + ": argument '" + p.name() + "' must be at least " + p.minimum() + ", got " + v,
            p.description());
      }
    }
  }

  private static String article(Params.Type t) {
    return switch (t) {
      case STRING -> "a string";
      case INTEGER -> "a whole number";
      case BOOLEAN -> "true or false";
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case ANY -> "a value";
    };
  }

  private static String describe(Object v) {
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof Number) {
      return "the number " + v;
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof List) {
      return "an array";
    }
    return v.getClass().getSimpleName();
  }

  public boolean has(String name) {
    return values.get(name) != null;
  }

  public String string(String name) {
    Object v = values.get(name);
    if (v == null) {
      Object d = defaultOf(name);
      return d == null ? null : d.toString();
    }
    return (String) v;
  }

  /** A required string that must not be blank. */
  public String requireText(String name) {
    String s = string(name);
    if (s == null || s.isBlank()) {
      throw CrdbException.invalidArgument(
          tool + ": argument '" + name + "' must not be empty",
          params.all().containsKey(name) ? params.all().get(name).description() : null);
    }
    return s;
  }

  private Object defaultOf(String name) {
    Params.Param p = params.all().get(name);
    return p == null ? null : p.defaultValue();
  }

  public Integer integer(String name) {
    Object v = values.get(name);
    return v == null ? null : ((Number) v).intValue();
  }

  public boolean bool(String name) {
    Object v = values.get(name);
    if (v == null) {
      return defaultOf(name) instanceof Boolean b && b;
    }
    return (Boolean) v;
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> object(String name) {
    return (Map<String, Object>) values.get(name);
  }

  @SuppressWarnings("unchecked")
  public List<Object> list(String name) {
    return (List<Object>) values.get(name);
  }

  public Object raw(String name) {
    return values.get(name);
  }

  public String connection() {
    return string("connection");
  }

  public String transactionId() {
    return string("transaction_id");
  }

  public boolean json() {
    return "json".equals(string("format"));
  }

  public boolean detailed() {
    return "detailed".equals(string("detail"));
  }
}
