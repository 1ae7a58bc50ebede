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
    for (Param<?> p : params.all().values()) {
      Object v = values.get(p.name());
      if (v == null) {
        if (p.isRequired()) {
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

  private static String article(Param.Type t) {
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

  /**
   * The value of a declared argument, read as its declaration says: the default when omitted, a
   * required string checked not to be blank. Reading an argument the tool does not declare is a bug
   * and throws {@link IllegalStateException}.
   */
  @SuppressWarnings("unchecked")
  public <T> T get(Param<T> p) {
    Param<?> declared = params.get(p.name());
    if (!p.sameArgument(declared)) {
      throw new IllegalStateException(
          tool
              + " reads argument "
              + p
              + " but declares "
              + (declared == null ? "none" : declared));
    }
    return (T)
        switch (p.read()) {
          case TEXT -> declared.isRequired() ? requireText(p.name()) : string(p.name());
          case INT -> integer(p.name());
          case LONG ->
              values.get(p.name()) == null ? null : ((Number) values.get(p.name())).longValue();
          case BOOL -> bool(p.name());
          case OBJECT -> object(p.name());
          case LIST -> list(p.name());
          case RAW -> raw(p.name());
        };
  }

  /** Whether a declared argument was given (not omitted, not null). */
  public boolean has(Param<?> p) {
    return has(p.name());
  }

  private boolean has(String name) {
    return values.get(name) != null;
  }

  /** The name of the tool these arguments are for. */
  public String tool() {
    return tool;
  }

  private String string(String name) {
    Object v = values.get(name);
    if (v == null) {
      Object d = defaultOf(name);
      return d == null ? null : d.toString();
    }
    return (String) v;
  }

  /** A required string that must not be blank. */
  private String requireText(String name) {
    String s = string(name);
    if (s == null || s.isBlank()) {
      throw CrdbException.invalidArgument(
          tool + ": argument '" + name + "' must not be empty",
          params.get(name) == null ? null : params.get(name).description());
    }
    return s;
  }

  private Object defaultOf(String name) {
    Param<?> p = params.get(name);
    return p == null ? null : p.defaultValue();
  }

  private Integer integer(String name) {
    Object v = values.get(name);
    return v == null ? null : ((Number) v).intValue();
  }

  private boolean bool(String name) {
    Object v = values.get(name);
    if (v == null) {
      return defaultOf(name) instanceof Boolean b && b;
    }
    return (Boolean) v;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> object(String name) {
    return (Map<String, Object>) values.get(name);
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(String name) {
    return (List<Object>) values.get(name);
  }

  private Object raw(String name) {
    return values.get(name);
  }

  /** Whether {@link Params#FORMAT} asks for JSON; false when omitted or not declared. */
  public boolean json() {
    return "json".equals(string(Params.FORMAT.name()));
  }

  /** Whether {@link Params#DETAIL} asks for every attribute; false when omitted or not declared. */
  public boolean detailed() {
    return "detailed".equals(string(Params.DETAIL.name()));
  }
}
