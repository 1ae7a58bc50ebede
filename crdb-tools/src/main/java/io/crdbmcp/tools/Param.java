package io.crdbmcp.tools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One argument of a tool, declared once: name, JSON type, description, constraints and how its
 * value is read. The same constant declares the argument in the tool's input schema ({@link
 * ToolDef.Builder#param}) and reads its value ({@link Args#get}), so the schema a client sees and
 * the value a handler reads cannot drift apart; reading an argument the tool does not declare is a
 * bug that {@link Args#get} reports.
 *
 * @param <T> the Java type a handler reads
 */
public final class Param<T> {
  /** The JSON types an argument can have. */
  public enum Type {
    STRING("string"),
    INTEGER("integer"),
    BOOLEAN("boolean"),
    OBJECT("object"),
    ARRAY("array"),
    /** Any JSON value (row values, filter operands); the schema names no type. */
    ANY(null);

    final String json;

    Type(String json) {
      this.json = json;
    }
  }

  /** How {@link Args#get} turns the JSON value into a {@code T}. */
  enum Read {
    TEXT,
    INT,
    LONG,
    BOOL,
    OBJECT,
    LIST,
    RAW
  }

  private final String name;
  private final Type type;
  private final Read read;
  private final String description;
  private final boolean required;
  private final List<String> allowed;
  private final Object defaultValue;
  private final Integer minimum;
  private final boolean secret;
  private final boolean brief;

  private Param(
      String name,
      Type type,
      Read read,
      String description,
      boolean required,
      List<String> allowed,
      Object defaultValue,
      Integer minimum,
      boolean secret,
      boolean brief) {
    if (!Objects.requireNonNull(name, "name").matches("[a-z][a-z0-9_]{0,63}")) {
      throw new IllegalArgumentException("argument name '" + name + "' is not snake_case");
    }
    if (description == null || description.isBlank()) {
      throw new IllegalArgumentException("argument '" + name + "' needs a description");
    }
    this.name = name;
    this.type = type;
    this.read = read;
    this.description = description;
    this.required = required;
    this.allowed = allowed == null ? null : List.copyOf(allowed);
    this.defaultValue = defaultValue;
    this.minimum = minimum;
    this.secret = secret;
    this.brief = brief;
  }

  private static <T> Param<T> of(String name, Type type, Read read, String description) {
    return new Param<>(name, type, read, description, false, null, null, null, false, false);
  }

  /** An optional string. Made {@link #required()}, it must also not be blank. */
  public static Param<String> text(String name, String description) {
    return of(name, Type.STRING, Read.TEXT, description);
  }

  /** A string from a fixed list, with the value used when it is omitted. */
  public static Param<String> choice(
      String name, String description, String defaultValue, String... allowed) {
    if (!List.of(allowed).contains(defaultValue)) {
      throw new IllegalArgumentException(
          "argument '" + name + "': default '" + defaultValue + "' is not one of the choices");
    }
    return new Param<>(
        name,
        Type.STRING,
        Read.TEXT,
        description,
        false,
        List.of(allowed),
        defaultValue,
        null,
        false,
        false);
  }

  /** An optional whole number, read as an {@code int}; {@code minimum} may be null. */
  public static Param<Integer> integer(String name, String description, Integer minimum) {
    return new Param<>(
        name, Type.INTEGER, Read.INT, description, false, null, null, minimum, false, false);
  }

  /** An optional whole number, read as a {@code long}; {@code minimum} may be null. */
  public static Param<Long> longInteger(String name, String description, Integer minimum) {
    return new Param<>(
        name, Type.INTEGER, Read.LONG, description, false, null, null, minimum, false, false);
  }

  /** A boolean with the value used when it is omitted. */
  public static Param<Boolean> flag(String name, String description, boolean defaultValue) {
    return new Param<>(
        name, Type.BOOLEAN, Read.BOOL, description, false, null, defaultValue, null, false, false);
  }

  /**
   * A boolean without a default: null when omitted (for "leave it unchanged"); {@link Args#get}
   * reads it as given.
   */
  public static Param<Boolean> optionalFlag(String name, String description) {
    return of(name, Type.BOOLEAN, Read.RAW, description);
  }

  /** An optional JSON object. */
  public static Param<Map<String, Object>> object(String name, String description) {
    return of(name, Type.OBJECT, Read.OBJECT, description);
  }

  /** An optional JSON array. */
  public static Param<List<Object>> array(String name, String description) {
    return of(name, Type.ARRAY, Read.LIST, description);
  }

  /** An optional value of any JSON type. */
  public static Param<Object> any(String name, String description) {
    return of(name, Type.ANY, Read.RAW, description);
  }

  /** The same argument, required (a required string must also not be blank). */
  public Param<T> required() {
    if (defaultValue != null) {
      throw new IllegalStateException("argument '" + name + "' has a default: it is not required");
    }
    return new Param<>(
        name, type, read, description, true, allowed, defaultValue, minimum, secret, brief);
  }

  /**
   * The same argument, secret: its value never appears in a {@link CallRecord} (audit logs,
   * metrics). Passwords, tokens.
   */
  public Param<T> secret() {
    return new Param<>(
        name, type, read, description, required, allowed, defaultValue, minimum, true, brief);
  }

  /**
   * The same argument (same name, type and reading) with a description worded for one tool, e.g.
   * {@code sql} that one tool runs and another only checks.
   */
  public Param<T> describedAs(String newDescription) {
    return new Param<>(
        name, type, read, newDescription, required, allowed, defaultValue, minimum, secret, brief);
  }

  /**
   * The same argument, shown to clients by name and type only: what it means is plain from its name
   * and said once in the server's instructions ({@link CrdbTools#INSTRUCTIONS}), like {@code table}
   * or {@code database}. Its description stays for {@code --help} and errors.
   */
  public Param<T> brief() {
    return new Param<>(
        name, type, read, description, required, allowed, defaultValue, minimum, secret, true);
  }

  /** Whether clients are shown only the name and type ({@link #brief()}). */
  public boolean isBrief() {
    return brief;
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  Read read() {
    return read;
  }

  public String description() {
    return description;
  }

  public boolean isRequired() {
    return required;
  }

  /** The allowed values of a choice; null for any. */
  public List<String> allowed() {
    return allowed;
  }

  /** The value read when the argument is omitted; null for none. */
  public Object defaultValue() {
    return defaultValue;
  }

  /** The smallest allowed whole number; null for none. */
  public Integer minimum() {
    return minimum;
  }

  public boolean isSecret() {
    return secret;
  }

  /** True when {@code other} reads the same value: same name, type and reading. */
  boolean sameArgument(Param<?> other) {
    return other != null && name.equals(other.name) && type == other.type && read == other.read;
  }

  /**
   * This argument's schema without description or default: its type and allowed values only. For
   * the {@link Params#SHARED} arguments, described once in the server's instructions.
   */
  Map<String, Object> briefSchema() {
    Map<String, Object> s = new LinkedHashMap<>();
    if (allowed != null) {
      s.put("enum", allowed); // a list of strings: no separate type needed
    } else if (type.json != null) {
      s.put("type", type.json);
    }
    return s;
  }

  /** This argument's JSON schema, as it appears under {@code properties}. */
  Map<String, Object> jsonSchema() {
    Map<String, Object> s = new LinkedHashMap<>();
    if (type.json != null && allowed == null) {
      s.put("type", type.json); // a choice's enum of strings says it
    }
    s.put("description", description);
    if (allowed != null) {
      s.put("enum", allowed);
    }
    // An omitted flag reads as false anyway; a default the description states is not repeated.
    if (defaultValue != null
        && !Boolean.FALSE.equals(defaultValue)
        && !description.toLowerCase(java.util.Locale.ROOT).contains("default")) {
      s.put("default", defaultValue);
    }
    // The minimum is not advertised (a dozen bytes on twenty tools, and models send sensible
    // counts): Args checks it and says what to send instead.
    return s;
  }

  @Override
  public String toString() {
    return name + " (" + (type.json == null ? "any" : type.json) + ")";
  }
}
