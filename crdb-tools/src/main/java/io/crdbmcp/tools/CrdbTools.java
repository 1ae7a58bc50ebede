package io.crdbmcp.tools;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.CallObserver;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.SqlRefusedException;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tool of the server, assembled from the tool groups and wrapped once: arguments checked
 * against the declared schema, failures turned into {@code isError} results with a stable code,
 * SQLSTATE and next step, and every call observed at this one place.
 */
public final class CrdbTools {
  private static final Logger LOG = LoggerFactory.getLogger(CrdbTools.class);

  private final Crdb crdb;
  private final CallObserver observer;
  private final Map<String, ToolDef> tools = new LinkedHashMap<>();

  public CrdbTools(Crdb crdb, CallObserver observer) {
    this.crdb = crdb;
    this.observer = observer == null ? CallObserver.NONE : observer;
    Set<Toolset> enabled = Toolset.parse(crdb.config().toolsets());
    List<ToolDef> all = new ArrayList<>();
    all.addAll(ConnectionTools.all(crdb));
    all.addAll(QueryTools.all(crdb));
    all.addAll(SchemaTools.all(crdb));
    all.addAll(DataTools.all(crdb));
    all.addAll(PlanTools.all(crdb));
    all.addAll(DatabaseTools.all(crdb));
    all.addAll(TransactionTools.all(crdb));
    all.addAll(ExportTools.all(crdb));
    for (ToolDef t : all) {
      if (!enabled.contains(t.group())) {
        continue;
      }
      if (crdb.readOnly() && t.writes()) {
        continue; // read-only mode: tools that write are not offered at all
      }
      if (tools.put(t.name(), t) != null) {
        throw new IllegalStateException("tool " + t.name() + " declared twice");
      }
    }
  }

  public Crdb crdb() {
    return crdb;
  }

  public List<ToolDef> definitions() {
    return List.copyOf(tools.values());
  }

  /** The SDK tool descriptor of one definition, with hints adjusted for read-only mode. */
  public McpSchema.Tool descriptor(ToolDef t) {
    // In read-only mode every offered tool reads the database; exports still write a file.
    boolean ro = t.readOnly() || (crdb.readOnly() && t.group() != Toolset.EXPORT);
    return McpSchema.Tool.builder()
        .name(t.name())
        .title(t.title())
        .description(t.description())
        .inputSchema(t.params().toJsonSchema())
        .outputSchema(t.outputSchema())
        .annotations(
            new McpSchema.ToolAnnotations(
                t.title(), ro, !ro && t.destructive(), t.idempotent(), false, null))
        .build();
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
    Caller caller = Caller.client(exchange == null ? null : exchange.sessionId());
    Object token = request.meta() == null ? null : request.meta().get("progressToken");
    Progress progress =
        token == null || exchange == null
            ? Progress.NONE
            : (done, total, message) ->
                exchange.progressNotification(
                    new McpSchema.ProgressNotification(token, done, total, message, null));
    return call(t.name(), request.arguments(), new ToolContext(caller, progress));
  }

  /**
   * Calls a tool by name: the single place where calls are validated, executed, translated and
   * observed. Usable without a transport.
   */
  public CallToolResult call(String name, Map<String, Object> arguments, ToolContext context) {
    long start = System.nanoTime();
    ErrorCode failure = null;
    try {
      ToolDef t = tools.get(name);
      if (t == null) {
        throw CrdbException.invalidArgument(
            "unknown tool '" + name + "'", "call tools/list to see the tools this server offers");
      }
      Args args = new Args(name, arguments, t.params());
      ToolResult r = t.handler().handle(args, context);
      return CallToolResult.builder()
          .addTextContent(r.text())
          .structuredContent(r.structured())
          .isError(false)
          .build();
    } catch (CrdbException e) {
      failure = e.code();
      return error(e);
    } catch (RuntimeException e) {
      failure = ErrorCode.INTERNAL;
      LOG.error("tool {} failed unexpectedly", name, e);
      return error(
          new CrdbException(
              ErrorCode.INTERNAL,
              "internal error in " + name + ": " + e.getClass().getSimpleName(),
              "this is a bug in the server; the server is still running, try again or report it",
              null,
              e));
    } finally {
      observer.onCall(name, context.caller(), (System.nanoTime() - start) / 1e6, failure);
    }
  }

  /**
   * The {@code _meta} key of an error result's machine-readable error (code, message, sqlstate,
   * rule, suggestion). Error results carry no structuredContent: clients validate structured
   * content against the tool's output schema, which describes successful results.
   */
  public static final String ERROR_META = "io.crdbmcp/error";

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
                    ? toolForRule(r.rule())
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
  private static String toolForRule(String rule) {
    if (rule == null) {
      return null;
    }
    return switch (rule) {
      case "transaction_control", "multiple_statements" ->
          "begin_transaction, then execute_query with its transaction_id per statement, then"
              + " commit_transaction or rollback_transaction";
      case "blocked_table", "table_not_allowed" -> "list_tables shows the visible tables";
      case "schema_not_allowed" -> "list_schemas shows the allowed schemas";
      case "blocked_database" -> "list_databases shows the visible databases";
      case "blocked_column" -> "describe_table shows the visible columns";
      case "catalog_access", "statistics_catalog" ->
          "list_tables, describe_table, list_indexes and get_constraints show the visible schema";
      case "syntax", "read_only", "side_effect_function" -> "validate_query checks a statement";
      default -> null;
    };
  }

  /** The schema validator the server should use: the SDK's, created on first use. */
  public static JsonSchemaValidator schemaValidator() {
    return new LazySchemaValidator();
  }

  /**
   * The JSON mapper the transport should use: decimals in tool arguments are read as {@link
   * java.math.BigDecimal}, so a numeric value such as 12345678901234567890.123456789 reaches the
   * database exactly instead of as a rounded double.
   */
  public static McpJsonMapper jsonMapper() {
    return new JacksonMcpJsonMapper(
        new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN));
  }
}
