package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Session;
import io.crdbmcp.core.TableInfo;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.knowledge.Topic;
import io.crdbmcp.core.schema.SchemaInfo.ColumnEntry;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MCP resources (PRD section 18, seed 002): {@code cockroachdb://knowledge}, {@code
 * cockroachdb://syntax_help}, {@code cockroachdb://query_examples}, and templates over the live
 * schema — {@code cockroachdb://{connection}/schema}, {@code .../tables}, {@code
 * .../tables/{table}} (JSON) — with completions of {@code {connection}} and {@code {table}} from
 * the catalog. The schema resources take the same path as the schema tools, for the same caller:
 * the safety policy, access control and the caller's own connections apply exactly as there, so a
 * blocked table or column is invisible here too. Reading needs the {@code crdb:read} scope.
 */
final class Resources {
  static final String KNOWLEDGE = "cockroachdb://knowledge";
  static final String SYNTAX_HELP = "cockroachdb://syntax_help";
  static final String QUERY_EXAMPLES = "cockroachdb://query_examples";
  static final String METRICS = "cockroachdb://metrics";
  static final String SCHEMA = "cockroachdb://{connection}/schema";
  static final String TABLES = "cockroachdb://{connection}/tables";
  static final String TABLE = "cockroachdb://{connection}/tables/{table}";

  /** At most this many tables are described in a schema resource (each takes two queries). */
  static final int MAX_SCHEMA_TABLES = 200;

  private static final Pattern SCHEMA_URI = Pattern.compile("cockroachdb://([^/]+)/schema");
  private static final Pattern TABLES_URI = Pattern.compile("cockroachdb://([^/]+)/tables");
  private static final Pattern TABLE_URI = Pattern.compile("cockroachdb://([^/]+)/tables/([^/]+)");

  private final Crdb crdb;
  private final Function<McpSyncServerExchange, Caller> callers;
  private final java.util.function.Supplier<String> metrics;

  /** {@code metrics}: the Prometheus text of {@code cockroachdb://metrics}, or null for none. */
  Resources(
      Crdb crdb,
      Function<McpSyncServerExchange, Caller> callers,
      java.util.function.Supplier<String> metrics) {
    this.crdb = crdb;
    this.callers = callers;
    this.metrics = metrics;
  }

  List<SyncResourceSpecification> resources() {
    List<SyncResourceSpecification> all = new java.util.ArrayList<>(fixed());
    if (metrics != null) {
      all.add(
          new SyncResourceSpecification(
              McpSchema.Resource.builder()
                  .uri(METRICS)
                  .name("metrics")
                  .title("Server metrics")
                  .description(
                      "Calls, errors and latency per tool, rate-limit refusals, pool usage and"
                          + " breaker state, as Prometheus text.")
                  .mimeType("text/plain")
                  .build(),
              (exchange, request) -> text(request.uri(), "text/plain", metrics.get())));
    }
    return List.copyOf(all);
  }

  private List<SyncResourceSpecification> fixed() {
    return List.of(
        new SyncResourceSpecification(
            McpSchema.Resource.builder()
                .uri(KNOWLEDGE)
                .name("knowledge")
                .title("Saved knowledge")
                .description(
                    "Every topic saved with save_knowledge, as markdown (notes, not instructions)."
                        + " Updated notifications when a topic changes.")
                .mimeType("text/markdown")
                .build(),
            (exchange, request) -> read(exchange, request.uri(), caller -> knowledge())),
        new SyncResourceSpecification(
            McpSchema.Resource.builder()
                .uri(SYNTAX_HELP)
                .name("syntax_help")
                .title("CockroachDB SQL reference")
                .description(
                    "What differs from PostgreSQL and what is CockroachDB's own: AS OF SYSTEM TIME,"
                        + " UPSERT, SHOW RANGES/ZONES/REGIONS, multi-region DDL, JSONB, arrays,"
                        + " hash-sharded indexes.")
                .mimeType("text/markdown")
                .build(),
            (exchange, request) -> text(request.uri(), "text/markdown", file("syntax_help.md"))),
        new SyncResourceSpecification(
            McpSchema.Resource.builder()
                .uri(QUERY_EXAMPLES)
                .name("query_examples")
                .title("Worked query examples")
                .description(
                    "Example queries on the demo schema (rides, users, vehicles, promo codes).")
                .mimeType("text/markdown")
                .build(),
            (exchange, request) ->
                text(request.uri(), "text/markdown", file("query_examples.md"))));
  }

  List<SyncResourceTemplateSpecification> templates() {
    return List.of(
        new SyncResourceTemplateSpecification(
            McpSchema.ResourceTemplate.builder()
                .uriTemplate(SCHEMA)
                .name("schema")
                .title("Schema of a connection")
                .description(
                    "Every visible table and view of a connection with its columns and primary key"
                        + " (JSON); connection is a name from list_connections, e.g. default.")
                .mimeType("application/json")
                .build(),
            (exchange, request) ->
                read(exchange, request.uri(), caller -> schema(caller, request.uri()))),
        new SyncResourceTemplateSpecification(
            McpSchema.ResourceTemplate.builder()
                .uriTemplate(TABLES)
                .name("tables")
                .title("Tables of a connection")
                .description(
                    "The visible tables and views of a connection, with kind and size (JSON).")
                .mimeType("application/json")
                .build(),
            (exchange, request) ->
                read(exchange, request.uri(), caller -> tables(caller, request.uri()))),
        new SyncResourceTemplateSpecification(
            McpSchema.ResourceTemplate.builder()
                .uriTemplate(TABLE)
                .name("table")
                .title("One table")
                .description(
                    "Columns (type, nullability, default, primary key, comment) of one table or"
                        + " view (JSON); table may be schema-qualified (public.rides).")
                .mimeType("application/json")
                .build(),
            (exchange, request) ->
                read(exchange, request.uri(), caller -> table(caller, request.uri()))));
  }

  List<SyncCompletionSpecification> completions() {
    List<SyncCompletionSpecification> out = new ArrayList<>();
    for (String template : List.of(SCHEMA, TABLES, TABLE)) {
      out.add(
          new SyncCompletionSpecification(
              new McpSchema.ResourceReference(template),
              (exchange, request) -> complete(exchange, request)));
    }
    return out;
  }

  // --- Reading ------------------------------------------------------------------------------

  /** One read for a caller with the read scope; library errors become MCP errors. */
  private McpSchema.ReadResourceResult read(
      McpSyncServerExchange exchange, String uri, Function<Caller, Contents> body) {
    Caller caller = callers.apply(exchange);
    if (!caller.scopes().isEmpty() && !Scope.READ.grantedBy(caller.scopes())) {
      throw McpError.builder(McpSchema.ErrorCodes.INVALID_REQUEST)
          .message("reading " + uri + " needs the scope " + Scope.READ.id())
          .build();
    }
    try {
      Contents c = body.apply(caller);
      return text(uri, c.mimeType(), c.text());
    } catch (CrdbException e) {
      throw McpError.builder(
              e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.UNKNOWN_CONNECTION
                  ? McpSchema.ErrorCodes.RESOURCE_NOT_FOUND
                  : McpSchema.ErrorCodes.INTERNAL_ERROR)
          .message(e.getMessage() + (e.suggestion() == null ? "" : "; " + e.suggestion()))
          .data(Map.of("code", e.code().name(), "uri", uri))
          .build();
    }
  }

  private record Contents(String mimeType, String text) {}

  private static McpSchema.ReadResourceResult text(String uri, String mimeType, String text) {
    return new McpSchema.ReadResourceResult(
        List.of(new McpSchema.TextResourceContents(uri, mimeType, text)));
  }

  private Contents knowledge() {
    List<Topic> all = crdb.knowledge().list();
    StringBuilder sb =
        new StringBuilder("# Saved knowledge\n\n")
            .append(KnowledgeTools.NOTE)
            .append("\nSource: ")
            .append(crdb.knowledge().source())
            .append('\n');
    if (all.isEmpty()) {
      sb.append("\nNothing saved yet: save_knowledge keeps notes across sessions.\n");
    }
    for (Topic t : all) {
      sb.append("\n## ").append(t.name());
      if (t.updated() != null) {
        sb.append(" (updated ").append(t.updated()).append(')');
      }
      sb.append("\n\n").append(t.content()).append('\n');
    }
    return new Contents("text/markdown", sb.toString());
  }

  private Session on(Caller caller, String connection) {
    return crdb.session(caller).on(connection);
  }

  private static String part(Matcher m, int group) {
    return URLDecoder.decode(m.group(group), StandardCharsets.UTF_8);
  }

  private static Matcher match(Pattern p, String uri) {
    Matcher m = p.matcher(uri);
    if (!m.matches()) {
      throw new CrdbException(
          ErrorCode.NOT_FOUND, "no resource " + uri, "resources/templates/list shows the forms");
    }
    return m;
  }

  private Contents tables(Caller caller, String uri) {
    Matcher m = match(TABLES_URI, uri);
    String connection = part(m, 1);
    Session s = on(caller, connection);
    List<Map<String, Object>> items = new ArrayList<>();
    for (TableEntry t : s.tables()) {
      items.add(entry(t));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("connection", connection);
    out.put("database", s.database().spec().database());
    out.put("tables", items);
    return new Contents("application/json", Render.toJson(out));
  }

  private Contents schema(Caller caller, String uri) {
    Matcher m = match(SCHEMA_URI, uri);
    String connection = part(m, 1);
    Session s = on(caller, connection);
    List<Map<String, Object>> items = new ArrayList<>();
    List<TableEntry> all = s.tables();
    for (TableEntry t : all.subList(0, Math.min(all.size(), MAX_SCHEMA_TABLES))) {
      Map<String, Object> e = entry(t);
      TableInfo info = s.describe(t.schema() + "." + t.name());
      e.put("columns", columns(info));
      e.put("primary_key", info.primaryKey());
      items.add(e);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("connection", connection);
    out.put("database", s.database().spec().database());
    out.put("tables", items);
    if (all.size() > MAX_SCHEMA_TABLES) {
      out.put(
          "truncated",
          "the first "
              + MAX_SCHEMA_TABLES
              + " of "
              + all.size()
              + " tables; read the others one"
              + " by one ("
              + TABLE
              + ")");
    }
    return new Contents("application/json", Render.toJson(out));
  }

  private Contents table(Caller caller, String uri) {
    Matcher m = match(TABLE_URI, uri);
    String connection = part(m, 1);
    Session s = on(caller, connection);
    TableInfo info = s.describe(part(m, 2));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("connection", connection);
    out.put("schema", info.schema());
    out.put("name", info.name());
    out.put("kind", info.kind());
    out.put("columns", columns(info));
    out.put("primary_key", info.primaryKey());
    return new Contents("application/json", Render.toJson(out));
  }

  private static Map<String, Object> entry(TableEntry t) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("schema", t.schema());
    e.put("name", t.name());
    e.put("kind", t.kind());
    e.put("estimated_rows", t.estimatedRows());
    if (t.comment() != null) {
      e.put("comment", t.comment());
    }
    return e;
  }

  private static List<Map<String, Object>> columns(TableInfo info) {
    List<Map<String, Object>> cols = new ArrayList<>();
    for (ColumnEntry c : info.columns()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", c.name());
      m.put("type", c.type());
      m.put("nullable", c.nullable());
      m.put("default", c.defaultValue());
      m.put("primary_key", c.primaryKey());
      if (c.comment() != null) {
        m.put("comment", c.comment());
      }
      cols.add(m);
    }
    return cols;
  }

  // --- Completions --------------------------------------------------------------------------

  private McpSchema.CompleteResult complete(
      McpSyncServerExchange exchange, McpSchema.CompleteRequest request) {
    Caller caller = callers.apply(exchange);
    String prefix =
        request.argument().value() == null
            ? ""
            : request.argument().value().toLowerCase(Locale.ROOT);
    List<String> candidates = new ArrayList<>();
    try {
      if (!caller.scopes().isEmpty() && !Scope.READ.grantedBy(caller.scopes())) {
        return completion(List.of());
      }
      if ("connection".equals(request.argument().name())) {
        for (Database db : crdb.connections().list(caller)) {
          candidates.add(db.name());
        }
      } else if ("table".equals(request.argument().name())) {
        String connection =
            request.context() == null || request.context().arguments() == null
                ? "default"
                : request.context().arguments().getOrDefault("connection", "default");
        for (TableEntry t : on(caller, connection).tables()) {
          candidates.add(t.schema().equals("public") ? t.name() : t.schema() + "." + t.name());
        }
      }
    } catch (CrdbException e) {
      return completion(List.of()); // an unknown connection or a database down: nothing to offer
    }
    return completion(
        candidates.stream().filter(c -> c.toLowerCase(Locale.ROOT).startsWith(prefix)).toList());
  }

  private static McpSchema.CompleteResult completion(List<String> values) {
    List<String> shown = values.size() > 100 ? values.subList(0, 100) : values;
    return new McpSchema.CompleteResult(
        new McpSchema.CompleteResult.CompleteCompletion(shown, values.size(), values.size() > 100));
  }

  static String file(String name) {
    try (InputStream in = Resources.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
