package io.crdbmcp.tools;

import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.CallObserver;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.safety.Rule;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP server of a {@link Crdb}, for any transport: the tools of the chosen toolsets, each call
 * wrapped once — the interceptor chain ({@link ToolInterceptor}: scope check, rate limit, metrics,
 * audit), arguments checked against the declaration, failures turned into {@code isError} results
 * with a stable code, SQLSTATE and next step — and {@link #configure} to put it all (server info,
 * capabilities, JSON mapper, schema validator, instructions, tools) on an SDK server:
 *
 * <pre>{@code
 * CrdbTools tools = CrdbTools.builder(crdb).build();
 * McpSyncServer server = tools.configure(McpServer.sync(transportProvider)).build();
 * }</pre>
 */
public final class CrdbTools {
  private static final Logger LOG = LoggerFactory.getLogger(CrdbTools.class);

  /** The server's name in {@code serverInfo}. */
  public static final String SERVER_NAME = "cockroachdb-mcp";

  /** The server's version in {@code serverInfo}. */
  public static final String SERVER_VERSION = "0.1.0";

  /** What {@code initialize} tells the client about using the server. */
  public static final String INSTRUCTIONS =
      "CockroachDB/PostgreSQL database server. Start with list_tables and describe_table to learn"
          + " the schema, then execute_query for SQL (one statement per call, $1 params). Results"
          + " are compact tables: values separated by |, NULL is NULL, strings that could be"
          + " mistaken are JSON-quoted. Errors say what to do next. validate_query checks a"
          + " statement without running it. Arguments many tools share: format text (a compact"
          + " table, default) or json (the result as JSON text), accepted by every tool; detail concise (default) or"
          + " detailed (every attribute); table may be schema-qualified (or give schema); database: default the connection's"
          + " current one;"
          + " transaction_id: run inside that transaction (handle from begin_transaction);"
          + " row values (values, set, key) are JSON: numeric, uuid and dates as strings, bytea"
          + " base64;"
          + " connection: a connection name from list_connections (default: the default one).";

  private final Crdb crdb;
  private final Map<String, ToolDef> tools = new LinkedHashMap<>();
  private final List<ToolInterceptor> chain;
  private final List<CallListener> listeners;
  private final Function<McpSyncServerExchange, Caller> callers;
  private final Cancellations cancellations = new Cancellations();
  private final io.crdbmcp.tools.ops.Metrics metrics;

  private CrdbTools(Builder b) {
    this.crdb = b.crdb;
    Set<Toolset> enabled =
        b.toolsets == null ? Toolset.parse(crdb.config().toolsets()) : b.toolsets;
    for (Toolset set : Toolset.values()) {
      if (!enabled.contains(set) || (set.optIn() && crdb.readOnly())) {
        continue; // an opt-in group (admin) is never offered on a read-only server
      }
      for (ToolDef t : set.tools(crdb)) {
        if (crdb.readOnly() && t.writes()) {
          continue; // read-only mode: tools that write are not offered at all
        }
        if (tools.put(t.name(), t) != null) {
          throw new IllegalStateException("tool " + t.name() + " declared twice");
        }
      }
    }
    List<Staged> staged = new ArrayList<>(b.interceptors);
    staged.sort(Comparator.comparing(Staged::stage)); // stable: same stage keeps its order
    List<ToolInterceptor> c = new ArrayList<>();
    staged.forEach(s -> c.add(s.interceptor()));
    this.chain = List.copyOf(c);
    this.listeners = List.copyOf(b.listeners);
    this.callers = b.callers;
    this.metrics = b.metrics;
  }

  /**
   * The tools of every toolset in {@code CRDB_TOOLSETS}, with the scope check and no other
   * interceptor.
   *
   * @param observer told about every call that reaches its tool (as an {@link
   *     ToolInterceptor.Stage#AUDIT} interceptor); may be null. Prefer {@link Builder#interceptor}.
   */
  public CrdbTools(Crdb crdb, CallObserver observer) {
    this(observer == null ? builder(crdb) : builder(crdb).observer(observer));
  }

  /** Starts the configuration of the tools of {@code crdb}. */
  public static Builder builder(Crdb crdb) {
    return new Builder(crdb);
  }

  public Crdb crdb() {
    return crdb;
  }

  /** The offered tools, in listing order. */
  public List<ToolDef> definitions() {
    return List.copyOf(tools.values());
  }

  // --- The server specification ----------------------------------------------------------------

  /**
   * Puts the whole server on an SDK specification of any transport: server info, instructions,
   * capabilities, the JSON mapper and schema validator, and every tool. Returns {@code spec}, so an
   * embedder can add to it (or override an item) before {@code build()}.
   */
  public <S extends McpServer.SyncSpecification<S>> McpServer.SyncSpecification<S> configure(
      McpServer.SyncSpecification<S> spec) {
    Resources resources = new Resources(crdb, callers, metrics == null ? null : metrics::scrape);
    List<SyncToolSpecification> specs = specifications();
    return spec.serverInfo(SERVER_NAME, SERVER_VERSION)
        .instructions(INSTRUCTIONS)
        .capabilities(capabilities())
        // Arguments are checked by Args against the same declaration, with messages that say
        // what to send instead.
        .validateToolInputs(false)
        .jsonMapper(jsonMapper())
        .jsonSchemaValidator(new LazySchemaValidator(generatedSchemas(specs)))
        .tools(specs)
        .resources(resources.resources())
        .resourceTemplates(resources.templates())
        .completions(resources.completions())
        .prompts(Prompts.specifications());
  }

  /**
   * {@link #configure} and build, and tell the server's clients when saved knowledge changes
   * ({@code notifications/resources/updated} for {@code cockroachdb://knowledge} to subscribers,
   * {@code notifications/resources/list_changed} to all). What a launcher uses.
   */
  public <S extends McpServer.SyncSpecification<S>> McpSyncServer build(
      McpServer.SyncSpecification<S> spec) {
    McpSyncServer server = configure(spec).build();
    crdb.knowledge()
        .onChange(
            topic -> {
              try {
                server.notifyResourcesUpdated(
                    new McpSchema.ResourcesUpdatedNotification(Resources.KNOWLEDGE));
                server.notifyResourcesListChanged();
              } catch (RuntimeException e) {
                LOG.debug("could not notify clients of a knowledge change: {}", e.toString());
              }
            });
    return server;
  }

  /**
   * What the server offers: tools (a fixed list), resources (with subscriptions), prompts,
   * completions of resource template arguments, and logging.
   */
  public static McpSchema.ServerCapabilities capabilities() {
    return McpSchema.ServerCapabilities.builder()
        .tools(false)
        .resources(true, true)
        .prompts(false)
        .completions()
        .logging()
        .build();
  }

  /**
   * The SDK tool descriptor of one definition, kept small because a model pays for every byte of
   * tools/list in its context: no display title (clients show the name), hints only where they
   * differ from the protocol's defaults (a read-only tool needs no destructive or idempotent hint;
   * the default open-world hint is the cautious one, so it is left out), no output schema unless
   * {@code CRDB_OUTPUT_SCHEMAS} (structured content is returned either way), and the shared
   * arguments only where they mean something ({@link #shown}).
   */
  public McpSchema.Tool descriptor(ToolDef t) {
    boolean ro = t.readOnlyHint(crdb.readOnly());
    // The protocol's defaults: readOnlyHint false, destructiveHint true, idempotentHint false.
    McpSchema.ToolAnnotations hints =
        ro
            ? new McpSchema.ToolAnnotations(null, true, null, null, null, null)
            : t.destructive() && !t.idempotent()
                ? null // every hint at its default: say nothing
                : new McpSchema.ToolAnnotations(
                    null,
                    null,
                    t.destructive() ? null : false,
                    t.idempotent() ? true : null,
                    null,
                    null);
    return McpSchema.Tool.builder()
        .name(t.name())
        .description(t.description())
        .inputSchema(t.params().toJsonSchema(p -> shown(t, p)))
        .outputSchema(crdb.config().outputSchemas() ? t.outputSchema() : null)
        .annotations(hints)
        .build();
  }

  /** Names of {@link Params#SHARED}: a required copy of one is described once too. */
  private static final Set<String> SHARED_NAMES =
      Params.SHARED.stream().map(Param::name).collect(java.util.stream.Collectors.toSet());

  /**
   * Toolsets whose results a model may want as JSON, to read exact values of rows and columns:
   * {@code format} is advertised there. Every tool accepts it (the instructions say so); status,
   * cluster and knowledge answers read the same in the compact table.
   */
  private static final Set<Toolset> FORMAT_ADVERTISED =
      EnumSet.of(Toolset.QUERY, Toolset.SCHEMA, Toolset.DATA, Toolset.ASK);

  /**
   * Toolsets whose tools a model would run inside a transaction: its SQL and row tools. Schema and
   * export tools accept {@code transaction_id} too (to see the transaction's own changes), but it
   * is not advertised there; the transaction tools require it.
   */
  private static final Set<Toolset> IN_TRANSACTION = EnumSet.of(Toolset.QUERY, Toolset.DATA);

  /**
   * How the descriptor of {@code t} shows the optional argument {@code p}, or null to leave it out:
   * {@code connection} only when more than one connection is configured (a connection opened with
   * {@code connect} says in its answer how to select it), {@code transaction_id} only on tools that
   * read or change data inside a transaction, {@code schema} beside {@code table} never (a table
   * name may be qualified); the other {@link Params#SHARED} arguments by name and type only, since
   * {@link #INSTRUCTIONS} describes them once. Arguments left out are still accepted.
   */
  private Map<String, Object> shown(ToolDef t, Param<?> p) {
    if (p == Params.CONNECTION && crdb.config().connections().size() <= 1) {
      return null;
    }
    if (p == Params.TRANSACTION_ID && !IN_TRANSACTION.contains(t.group())) {
      return null;
    }
    if (p == Params.FORMAT && !FORMAT_ADVERTISED.contains(t.group())) {
      return null;
    }
    if (p == Params.TABLE_SCHEMA) {
      return null; // table may be schema-qualified; INSTRUCTIONS says schema is accepted too
    }
    return SHARED_NAMES.contains(p.name()) || p.isBrief() ? p.briefSchema() : p.jsonSchema();
  }

  /** SDK specifications for every offered tool. */
  public List<SyncToolSpecification> specifications() {
    List<SyncToolSpecification> out = new ArrayList<>();
    for (ToolDef t : tools.values()) {
      out.add(
          SyncToolSpecification.builder()
              .tool(descriptor(t))
              .callHandler((exchange, request) -> handle(t, exchange, request))
              .build());
    }
    return out;
  }

  private CallToolResult handle(
      ToolDef t, McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
    Caller caller = callers.apply(exchange);
    Object token = request.meta() == null ? null : request.meta().get("progressToken");
    Progress progress =
        token == null || exchange == null
            ? Progress.NONE
            : (done, total, message) ->
                exchange.progressNotification(
                    new McpSchema.ProgressNotification(token, done, total, message, null));
    CallCancel cancel = cancellations.forMeta(request.meta());
    try {
      return call(
          t.name(),
          request.arguments(),
          new ToolContext(caller, progress, null, Sampling.of(exchange), cancel));
    } finally {
      cancellations.ended(request.meta());
    }
  }

  /**
   * The scope {@code caller} lacks for calling {@code tool} on this server, or empty when the call
   * may go on: for a transport that answers with its own challenge before the call starts (HTTP's
   * 403 {@code insufficient_scope}, so the client can ask for the wider scope). Unlike the call's
   * own check, a tool that always writes needs {@code crdb:write} here even from a read-only
   * caller: that is the scope to ask for. A caller without scopes is local use and lacks none; an
   * unknown tool is left to the call, which explains it.
   */
  public java.util.Optional<String> scopeMissing(String tool, Caller caller) {
    ToolDef t = tools.get(tool);
    if (t == null || caller.scopes().isEmpty()) {
      return java.util.Optional.empty();
    }
    // A tool that may write (execute_query) reads for a read-only caller: its own check refuses
    // the writes. One that always writes needs the write scope.
    Scope needed =
        t.scope(crdb.readOnly() || (caller.readOnly() && t.effect() != ToolDef.Effect.WRITES));
    return needed.grantedBy(caller.scopes())
        ? java.util.Optional.empty()
        : java.util.Optional.of(needed.id());
  }

  /**
   * Where the transports register tool calls and deliver the client's {@code
   * notifications/cancelled} (see {@link Cancellations}).
   */
  public Cancellations cancellations() {
    return cancellations;
  }

  // --- One call --------------------------------------------------------------------------------

  /**
   * Calls a tool by name: the single place where calls pass the interceptors and are validated,
   * executed, translated and recorded. Usable without a transport. Each call gets its own {@link
   * CallRecord} (a record in {@code context} is not used).
   */
  public CallToolResult call(String name, Map<String, Object> arguments, ToolContext context) {
    ToolDef t = tools.get(name);
    CallRecord record =
        new CallRecord(name, context.caller(), arguments, t == null ? null : t.params());
    ToolContext ctx =
        new ToolContext(
            context.caller(), context.progress(), record, context.sampling(), context.cancel());
    CallToolResult result;
    try (CallCancel.Binding bound = CallCancel.bind(context.cancel())) {
      result = run(t, name, arguments, context, record, ctx);
    }
    if (!record.isEnded()) {
      record.end(result.isError() ? CallRecord.Outcome.ERROR : CallRecord.Outcome.SUCCESS, null);
    }
    for (CallListener l : listeners) {
      try {
        l.callEnded(record);
      } catch (RuntimeException e) {
        LOG.warn("call listener {} failed on {}", l, name, e);
      }
    }
    return result;
  }

  private CallToolResult run(
      ToolDef t,
      String name,
      Map<String, Object> arguments,
      ToolContext context,
      CallRecord record,
      ToolContext ctx) {
    CallToolResult result;
    if (t == null) {
      result =
          failure(
              record,
              CrdbException.invalidArgument(
                  "unknown tool '" + name + "'",
                  "call tools/list to see the tools this server offers"),
              CallRecord.Outcome.ERROR);
    } else {
      if (arguments != null
          && arguments.get(Params.CONNECTION.name()) instanceof String c
          && !c.isBlank()) {
        record.connection(c); // what was asked for; the tool records what it ran on
      }
      // A read-only caller needs only crdb:read for a tool that reads on a read-only server.
      boolean readOnly = crdb.readOnly() || context.caller().readOnly();
      result = step(new ToolCall(t, t.scope(readOnly), ctx), 0);
    }
    return result;
  }

  /** Runs interceptor {@code i} with the rest of the chain behind it; the tool after the last. */
  private CallToolResult step(ToolCall call, int i) {
    if (i == chain.size()) {
      return invoke(call);
    }
    ToolInterceptor interceptor = chain.get(i);
    CallRecord record = call.record();
    CallToolResult r;
    try {
      r = interceptor.intercept(call, () -> step(call, i + 1));
    } catch (CrdbException e) {
      return failure(record, e, CallRecord.Outcome.REFUSED);
    } catch (RuntimeException e) {
      LOG.error("interceptor {} failed on {}", interceptor, call.tool().name(), e);
      return failure(record, internal(call.tool().name(), e), CallRecord.Outcome.ERROR);
    }
    if (r == null) {
      LOG.error("interceptor {} returned no result for {}", interceptor, call.tool().name());
      return failure(
          record,
          internal(call.tool().name(), new IllegalStateException("no result")),
          CallRecord.Outcome.ERROR);
    }
    if (!record.isEnded()) {
      // Answered without the tool and without refuse(): a refusal if it is an error.
      record.end(r.isError() ? CallRecord.Outcome.REFUSED : CallRecord.Outcome.SUCCESS, codeOf(r));
    }
    return r;
  }

  /** The end of the chain: arguments checked, the tool run, failures translated. */
  private CallToolResult invoke(ToolCall call) {
    ToolDef t = call.tool();
    ToolContext ctx = call.context();
    CallRecord record = ctx.record();
    try {
      Args args = new Args(t.name(), record.rawArguments(), t.params());
      CallToolResult out = success(t.handler().handle(args, ctx));
      record.end(CallRecord.Outcome.SUCCESS, null);
      return out;
    } catch (SqlRefusedException e) {
      record.rule(Rule.find(e.rule()).orElse(null));
      return failure(record, e, CallRecord.Outcome.REFUSED);
    } catch (CrdbException e) {
      return failure(record, e, CallRecord.Outcome.ERROR);
    } catch (RuntimeException e) {
      LOG.error("tool {} failed unexpectedly", t.name(), e);
      return failure(record, internal(t.name(), e), CallRecord.Outcome.ERROR);
    }
  }

  /** A tool's result as the answer of its call. */
  static CallToolResult success(ToolResult r) {
    return CallToolResult.builder()
        .addTextContent(r.text())
        .structuredContent(r.structured())
        .isError(false)
        .build();
  }

  private static CrdbException internal(String tool, RuntimeException e) {
    return new CrdbException(
        ErrorCode.INTERNAL,
        "internal error in " + tool + ": " + e.getClass().getSimpleName(),
        "this is a bug in the server; the server is still running, try again or report it",
        null,
        e);
  }

  private static CallToolResult failure(
      CallRecord record, CrdbException e, CallRecord.Outcome outcome) {
    record.end(outcome, e.code().name());
    return error(e);
  }

  /** The {@code code} in an error result's {@code _meta}; null for none. */
  private static String codeOf(CallToolResult r) {
    if (r.meta() != null && r.meta().get(ERROR_META) instanceof Map<?, ?> m) {
      return m.get("code") instanceof String s ? s : null;
    }
    return null;
  }

  // --- Error results -----------------------------------------------------------------------------

  /**
   * The {@code _meta} key of an error result's machine-readable error (code, message, sqlstate,
   * rule, suggestion). Error results carry no structuredContent: clients validate structured
   * content against the tool's output schema, which describes successful results.
   */
  public static final String ERROR_META = "io.crdbmcp/error";

  /** An isError result for a refusal by an interceptor: code, message and next step. */
  static CallToolResult refusal(String code, String message, String suggestion) {
    StringBuilder text = new StringBuilder();
    text.append("ERROR ").append(code).append(": ").append(message);
    if (suggestion != null) {
      text.append("\nNext step: ").append(suggestion);
    }
    Map<String, Object> err = new LinkedHashMap<>();
    err.put("code", code);
    err.put("message", message);
    if (suggestion != null) {
      err.put("suggestion", suggestion);
    }
    return CallToolResult.builder()
        .addTextContent(text.toString())
        .meta(Map.of(ERROR_META, err))
        .isError(true)
        .build();
  }

  /**
   * An isError result: code, message (with the database's DETAIL, HINT and position), SQLSTATE and
   * next step, as text and in _meta.
   */
  static CallToolResult error(CrdbException e) {
    String suggestion = withTool(e);
    StringBuilder text = new StringBuilder();
    text.append("ERROR ").append(e.code()).append(": ").append(e.getMessage());
    if (e instanceof SqlRefusedException r) {
      text.append("\nRule: ").append(r.rule());
    }
    if (e.sqlState() != null) {
      text.append("\nSQLSTATE: ").append(e.sqlState());
    }
    if (suggestion != null) {
      text.append("\nNext step: ").append(suggestion);
    }
    Map<String, Object> err = new LinkedHashMap<>();
    err.put("code", e.code().name());
    err.put("message", e.getMessage());
    if (e instanceof SqlRefusedException r) {
      err.put("rule", r.rule());
    }
    if (e.sqlState() != null) {
      err.put("sqlstate", e.sqlState());
    }
    if (e.detail() != null) {
      err.put("detail", e.detail());
    }
    if (e.hint() != null) {
      err.put("hint", e.hint());
    }
    if (e.position() > 0) {
      err.put("position", e.position());
    }
    if (!e.didYouMean().isEmpty()) {
      err.put("did_you_mean", e.didYouMean());
    }
    if (suggestion != null) {
      err.put("suggestion", suggestion);
    }
    return CallToolResult.builder()
        .addTextContent(text.toString())
        .meta(Map.of(ERROR_META, err))
        .isError(true)
        .build();
  }

  /**
   * The library's next steps name settings and SQL, not tools; here the tool that shows what is
   * missing is added (unless the next step already names a tool).
   */
  private static String withTool(CrdbException e) {
    String tool =
        e.code() == ErrorCode.UNKNOWN_CONNECTION
            ? "list_connections shows the open connections; connect opens one"
            : e.code() == ErrorCode.TRANSACTION_NOT_FOUND
                ? "begin_transaction starts a new one"
                : e instanceof SqlRefusedException r
                    ? Rule.find(r.rule()).map(CrdbTools::toolForRule).orElse(null)
                    : e.sqlState() == null
                        ? null
                        : switch (e.sqlState()) {
                          case "42P01" -> "list_tables shows the tables and views";
                          case "42703" -> "describe_table shows the columns";
                          case "3D000" -> "list_databases shows the databases";
                          case "3F000" -> "list_schemas shows the schemas";
                          case "42601" -> "validate_query checks a statement";
                          case "40001" -> "begin again with begin_transaction";
                          case "25P02" -> "call rollback_transaction";
                          default -> null;
                        };
    String s = e.suggestion();
    if (tool == null) {
      return s;
    }
    for (String word : tool.split(" ")) {
      if (word.contains("_") && s != null && s.contains(word)) {
        return s; // names the tool already
      }
    }
    return s == null ? tool : s + "; " + tool;
  }

  /** The tool that helps after a safety refusal, by the refusing rule; null for none. */
  private static String toolForRule(Rule rule) {
    return switch (rule) {
      case TRANSACTION_CONTROL, MULTIPLE_STATEMENTS ->
          "begin_transaction, then execute_query with its transaction_id per statement, then"
              + " commit_transaction or rollback_transaction";
      case BLOCKED_TABLE, TABLE_NOT_ALLOWED -> "list_tables shows the visible tables";
      case SCHEMA_NOT_ALLOWED -> "list_schemas shows the allowed schemas";
      case BLOCKED_DATABASE -> "list_databases shows the visible databases";
      case BLOCKED_COLUMN -> "describe_table shows the visible columns";
      case CATALOG_ACCESS, STATISTICS_CATALOG ->
          "list_tables, describe_table, list_indexes and get_constraints show the visible schema";
      case SYNTAX, READ_ONLY, SIDE_EFFECT_FUNCTION -> "validate_query checks a statement";
      default -> null;
    };
  }

  // --- Transport pieces
  // ----------------------------------------------------------------------------

  /** The schema validator the server should use: the SDK's, created on first use. */
  public static JsonSchemaValidator schemaValidator() {
    return new LazySchemaValidator(List.of());
  }

  /** The input and output schemas of {@code specs}, which our own code generated. */
  static List<Map<String, Object>> generatedSchemas(List<SyncToolSpecification> specs) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (SyncToolSpecification s : specs) {
      if (s.tool().inputSchema() != null) {
        out.add(s.tool().inputSchema());
      }
      if (s.tool().outputSchema() != null) {
        out.add(s.tool().outputSchema());
      }
    }
    return out;
  }

  /**
   * The JSON mapper the transport should use: decimals in tool arguments are read as {@link
   * java.math.BigDecimal}, so a numeric value such as 12345678901234567890.123456789 reaches the
   * database exactly instead of as a rounded double.
   */
  public static McpJsonMapper jsonMapper() {
    return new WireMapper();
  }

  // --- Configuration
  // -------------------------------------------------------------------------------

  private record Staged(ToolInterceptor.Stage stage, ToolInterceptor interceptor) {}

  /** Which tools, which interceptors, and how a transport's session becomes a {@link Caller}. */
  public static final class Builder {
    private final Crdb crdb;
    private Set<Toolset> toolsets;
    private final List<Staged> interceptors = new ArrayList<>();
    private final List<CallListener> listeners = new ArrayList<>();
    private io.crdbmcp.tools.ops.Metrics metrics;
    private Function<McpSyncServerExchange, Caller> callers =
        exchange -> Caller.client(exchange == null ? null : exchange.sessionId());

    private Builder(Crdb crdb) {
      this.crdb = Objects.requireNonNull(crdb, "crdb");
      interceptors.add(new Staged(ToolInterceptor.Stage.SCOPE, new ScopeCheck()));
    }

    /** Offers only these toolsets (default: {@code CRDB_TOOLSETS}, else all). */
    public Builder toolsets(Collection<Toolset> sets) {
      this.toolsets = sets.isEmpty() ? EnumSet.noneOf(Toolset.class) : EnumSet.copyOf(sets);
      return this;
    }

    /** Offers only these toolsets (default: {@code CRDB_TOOLSETS}, else all). */
    public Builder toolsets(Toolset... sets) {
      return toolsets(List.of(sets));
    }

    /**
     * Adds an interceptor at {@code stage}: after the interceptors of earlier stages and those
     * added before at the same stage. The scope check is always first.
     */
    public Builder interceptor(ToolInterceptor.Stage stage, ToolInterceptor interceptor) {
      interceptors.add(
          new Staged(
              Objects.requireNonNull(stage, "stage"),
              Objects.requireNonNull(interceptor, "interceptor")));
      return this;
    }

    /** Adds a listener told about every ended call, refused ones included. */
    public Builder listener(CallListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Records every call in {@code m} and offers its Prometheus text as the {@code
     * cockroachdb://metrics} resource.
     */
    public Builder metrics(io.crdbmcp.tools.ops.Metrics m) {
      this.metrics = Objects.requireNonNull(m, "metrics");
      return listener(m);
    }

    /**
     * How a call's {@link Caller} is made from the SDK exchange (default: the session id as client,
     * no user, no scopes). An HTTP transport with authentication supplies the user and the token's
     * scopes here, read from {@code exchange.transportContext()}.
     */
    public Builder callers(Function<McpSyncServerExchange, Caller> callers) {
      this.callers = Objects.requireNonNull(callers, "callers");
      return this;
    }

    /** A {@link CallObserver} as an {@link ToolInterceptor.Stage#AUDIT} interceptor. */
    Builder observer(CallObserver observer) {
      return interceptor(
          ToolInterceptor.Stage.AUDIT,
          (call, next) -> {
            CallToolResult r = next.proceed();
            CallRecord rec = call.record();
            observer.onCall(
                rec.tool(),
                rec.caller(),
                rec.duration() == null ? 0 : rec.duration().toNanos() / 1e6,
                errorCode(rec.errorCode()));
            return r;
          });
    }

    private static ErrorCode errorCode(String code) {
      if (code == null) {
        return null;
      }
      for (ErrorCode c : ErrorCode.values()) {
        if (c.name().equals(code)) {
          return c;
        }
      }
      return ErrorCode.INTERNAL; // not reached: only tools' codes get past the earlier stages
    }

    /**
     * The tools.
     *
     * @throws io.crdbmcp.core.ConfigException when {@code CRDB_TOOLSETS} names an unknown toolset
     */
    public CrdbTools build() {
      return new CrdbTools(this);
    }
  }
}
