package io.crdbmcp.tools;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One tool, declared as data: name, group, title, description, arguments, output schema, what it
 * does to the database ({@link Effect}), the scope it needs and the handler. Tool groups return
 * lists of these, built with {@link #reader}, {@link #writer}, {@link #mayWrite} or {@link
 * #fileWriter}:
 *
 * <pre>{@code
 * ToolDef.reader("list_tables")
 *     .group(Toolset.SCHEMA)
 *     .title("List tables and views")
 *     .description("Lists tables ...")
 *     .param(SCHEMA)
 *     .param(Params.CONNECTION)
 *     .output(OutputSchemas.list("tables"))
 *     .handler((args, ctx) -> ...);
 * }</pre>
 *
 * {@link CrdbTools} turns them into SDK specifications: the annotations come from the effect, and
 * every handler runs inside the same interceptor chain and error handling.
 */
public final class ToolDef {

  /** What a tool can do; decides its annotations, its default scope and read-only mode. */
  public enum Effect {
    /** Only reads: read-only and idempotent; offered in read-only mode. */
    READS,
    /** Changes data or schema: not offered at all in read-only mode. */
    WRITES,
    /**
     * Changes data only when the server allows writes (SQL text, transaction control): offered in
     * read-only mode, where it only reads and is annotated read-only.
     */
    MAY_WRITE,
    /**
     * Reads the database but writes files on the server's machine: never annotated read-only, and
     * offered in read-only mode.
     */
    WRITES_FILES
  }

  /** Handles one call with arguments already checked against the declaration. */
  @FunctionalInterface
  public interface Handler {
    ToolResult handle(Args args, ToolContext context);
  }

  /** Handles one call with its arguments read into a typed value {@code A}. */
  @FunctionalInterface
  public interface TypedHandler<A> {
    ToolResult handle(A args, ToolContext context);
  }

  private final String name;
  private final Toolset group;
  private final String title;
  private final String description;
  private final Params params;
  private final Map<String, Object> outputSchema;
  private final Effect effect;
  private final boolean destructive;
  private final boolean idempotent;
  private final Scope scope;
  private final Handler handler;

  private ToolDef(Builder b, Handler handler) {
    this.name = b.name;
    this.group = b.group;
    this.title = b.title;
    this.description = b.description;
    this.params = b.params;
    this.outputSchema = b.outputSchema;
    this.effect = b.effect;
    this.destructive = b.destructive;
    this.idempotent = b.effect == Effect.READS || b.idempotent;
    this.scope = b.scope;
    this.handler = handler;
  }

  /** A tool that only reads. */
  public static Builder reader(String name) {
    return new Builder(name, Effect.READS);
  }

  /** A tool that changes data; it is not offered in read-only mode. */
  public static Builder writer(String name) {
    return new Builder(name, Effect.WRITES);
  }

  /** A tool that changes data only when the server allows writes (see {@link Effect#MAY_WRITE}). */
  public static Builder mayWrite(String name) {
    return new Builder(name, Effect.MAY_WRITE);
  }

  /** A tool that reads the database and writes files (see {@link Effect#WRITES_FILES}). */
  public static Builder fileWriter(String name) {
    return new Builder(name, Effect.WRITES_FILES);
  }

  public String name() {
    return name;
  }

  public Toolset group() {
    return group;
  }

  public String title() {
    return title;
  }

  public String description() {
    return description;
  }

  public Params params() {
    return params;
  }

  public Map<String, Object> outputSchema() {
    return outputSchema;
  }

  public Effect effect() {
    return effect;
  }

  /** The destructive hint as declared (clients see it only when the tool is not read-only). */
  public boolean destructive() {
    return destructive;
  }

  public boolean idempotent() {
    return idempotent;
  }

  public Handler handler() {
    return handler;
  }

  /** True when the tool changes data and is therefore not offered in read-only mode. */
  public boolean writes() {
    return effect == Effect.WRITES;
  }

  /** Whether clients are told the tool only reads, on a server that is or is not read-only. */
  public boolean readOnlyHint(boolean serverReadOnly) {
    return switch (effect) {
      case READS -> true;
      case WRITES, MAY_WRITE -> serverReadOnly;
      case WRITES_FILES -> false;
    };
  }

  /**
   * The scope a caller needs: the declared one, else {@link Scope#READ} for a tool that only reads
   * on this server and {@link Scope#WRITE} for one that can change data or write files.
   */
  public Scope scope(boolean serverReadOnly) {
    if (scope != null) {
      return scope;
    }
    return readOnlyHint(serverReadOnly) ? Scope.READ : Scope.WRITE;
  }

  @Override
  public String toString() {
    return "ToolDef[" + name + ", " + group + ", " + effect + "]";
  }

  /**
   * Declares one tool. Name, group, title, description and output schema are required; {@link
   * #handler} checks the declaration and returns the tool.
   */
  public static final class Builder {
    private final String name;
    private final Effect effect;
    private Toolset group;
    private String title;
    private String description;
    private final Params params = Params.of();
    private Map<String, Object> outputSchema;
    private boolean destructive;
    private boolean idempotent;
    private Scope scope;

    private Builder(String name, Effect effect) {
      if (name == null || !name.matches("[a-z][a-z0-9_]{1,63}")) {
        throw new IllegalArgumentException("tool name '" + name + "' is not snake_case");
      }
      this.name = name;
      this.effect = effect;
    }

    /** The toolset ({@code CRDB_TOOLSETS}) the tool belongs to. */
    public Builder group(Toolset group) {
      this.group = Objects.requireNonNull(group, "group");
      return this;
    }

    /** A short human-readable name, also used as the annotation title. */
    public Builder title(String title) {
      this.title = title;
      return this;
    }

    /** What the tool does, for the model: when to use it and what it returns. */
    public Builder description(String description) {
      this.description = description;
      return this;
    }

    /** Declares the next argument; the input schema lists them in this order. */
    public Builder param(Param<?> p) {
      params.add(p);
      return this;
    }

    /** Declares several arguments in order. */
    public Builder params(Param<?>... ps) {
      for (Param<?> p : ps) {
        params.add(p);
      }
      return this;
    }

    /** Declares every argument of {@code ps}, in order. */
    public Builder params(Params ps) {
      params.addAll(ps);
      return this;
    }

    /** The JSON schema of {@code structuredContent} on success ({@link OutputSchemas}). */
    public Builder output(Map<String, Object> schema) {
      this.outputSchema = schema;
      return this;
    }

    /**
     * The tool may delete or overwrite data (a hint to clients, shown when the tool is not
     * read-only). Not for readers.
     */
    public Builder destructive() {
      if (effect == Effect.READS) {
        throw new IllegalStateException(name + ": a reader cannot be destructive");
      }
      this.destructive = true;
      return this;
    }

    /** Calling twice with the same arguments has no further effect. Readers always are. */
    public Builder idempotent() {
      if (effect == Effect.READS) {
        throw new IllegalStateException(name + ": a reader is idempotent already");
      }
      this.idempotent = true;
      return this;
    }

    /** The scope a caller needs, when it is not the default of the effect ({@link #scope}). */
    public Builder scope(Scope scope) {
      this.scope = Objects.requireNonNull(scope, "scope");
      return this;
    }

    /** The handler, reading arguments itself with {@link Args#get}; returns the tool. */
    public ToolDef handler(Handler handler) {
      Objects.requireNonNull(handler, "handler");
      check();
      return new ToolDef(this, handler);
    }

    /**
     * The handler of typed arguments: {@code arguments} reads them into a record (e.g. {@code
     * ExecuteQuery::from}), then {@code handler} runs with it. Returns the tool.
     */
    public <A> ToolDef handler(Function<Args, A> arguments, TypedHandler<A> handler) {
      Objects.requireNonNull(arguments, "arguments");
      Objects.requireNonNull(handler, "handler");
      return handler((a, ctx) -> handler.handle(arguments.apply(a), ctx));
    }

    private void check() {
      if (group == null) {
        throw new IllegalStateException(name + ": no group");
      }
      if (title == null || title.isBlank()) {
        throw new IllegalStateException(name + ": no title");
      }
      if (description == null || description.isBlank()) {
        throw new IllegalStateException(name + ": no description");
      }
      if (outputSchema == null) {
        throw new IllegalStateException(name + ": no output schema");
      }
    }
  }
}
