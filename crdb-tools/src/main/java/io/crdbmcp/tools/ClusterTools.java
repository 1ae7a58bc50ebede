package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.cluster.ClusterInfo;
import io.crdbmcp.core.cluster.ClusterInfo.Cancel;
import io.crdbmcp.core.cluster.ClusterInfo.Health;
import io.crdbmcp.core.cluster.ClusterInfo.Listing;
import io.crdbmcp.core.cluster.ClusterInfo.Reason;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.StatementKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The cluster, distribution and performance tools (PRD sections 1, 8, 9, 10): cluster_status,
 * cluster_health, node_status, list_nodes, node_details, list_ranges, show_ranges, show_zones,
 * show_regions, show_locality, show_partitions, show_statements, show_sessions, show_jobs,
 * cancel_query, and slowest_statements and index_advice. Each answers from crdb-core's {@code
 * Cluster}: CockroachDB's own views, PostgreSQL's equivalents, or a result that says the server has
 * no such thing ({@code available: false}).
 */
final class ClusterTools {
  private ClusterTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(
        clusterStatus(crdb),
        clusterHealth(crdb),
        nodeStatus(crdb),
        listNodes(crdb),
        nodeDetails(crdb),
        listRanges(crdb),
        showRanges(crdb),
        showZones(crdb),
        showRegions(crdb),
        showLocality(crdb),
        showPartitions(crdb),
        showStatements(crdb),
        showSessions(crdb),
        showJobs(crdb),
        cancelQuery(crdb),
        slowestStatements(crdb),
        indexAdvice(crdb));
  }

  // --- arguments
  // ----------------------------------------------------------------------------------

  static final Param<Long> NODE_ID = Param.longInteger("node_id", "Default: this node.", 1);

  static final Param<List<Object>> METRICS =
      Param.array("metrics", "Extra metric names, e.g. [\"sys.rss\"].");

  static final Param<Boolean> PROBLEM_RANGES =
      Param.flag("problem_ranges", "List ranges with a dead replica.", false);

  static final Param<Integer> LIMIT = Param.integer("limit", "Default 50.", 1);

  static final Param<String> TABLE = Param.text("table", "May be schema-qualified.").brief();

  static final Param<String> SCHEMA = Params.TABLE_SCHEMA;

  static final Param<String> INDEX = Param.text("index", "Only this index.");

  static final Param<String> DATABASE = Param.text("database", "Default: current.").brief();

  static final Param<Integer> MIN_AGE =
      Param.integer("min_age_seconds", "Minimum running time.", 0);

  static final Param<String> USER = Param.text("user", "Only this user's.");

  static final Param<String> STATUS = Param.text("status", "e.g. running, failed.");

  static final Param<String> QUERY_ID = Param.text("query_id", "From show_statements.").required();

  static final Param<Boolean> CONFIRM =
      Param.flag("confirm", "Must be true to cancel.", false).brief();

  static final Param<Boolean> DRY_RUN = Param.flag("dry_run", "Preview only.", false).brief();

  static final Param<String> ORDER_BY =
      Param.choice(
          "order_by", "Default total_time.", "total_time", "total_time", "mean_time", "calls");

  static final Param<Integer> HOURS = Param.integer("hours", "Default 24.", 1);

  record On(Target target, boolean json, boolean detailed) {
    static On from(Args a) {
      return new On(Target.connectionOnly(a), a.json(), a.detailed());
    }

    Database open(Crdb crdb, ToolContext ctx) {
      return target.open(crdb, ctx);
    }
  }

  record WithId(Long nodeId, List<String> metrics, On on) {}

  record Ranges(boolean problems, int limit, On on) {}

  record ShowRanges(String table, String schema, String index, String database, int limit, On on) {}

  record Objects(String table, String schema, String database, On on) {}

  record Statements(Integer minAge, String user, int limit, On on) {}

  record Jobs(String status, int limit, On on) {}

  record CancelArgs(ClusterInfo.CancelRequest request, On on) {}

  record Slow(String orderBy, int hours, int limit, On on) {}

  private static int limit(Args a) {
    Integer n = a.get(LIMIT);
    return n == null ? 50 : n;
  }

  private static int hours(Args a) {
    Integer n = a.get(HOURS);
    return n == null ? 24 : n;
  }

  private static ToolDef.Builder reader(String name, String title, String description) {
    return ToolDef.reader(name).group(Toolset.CLUSTER).title(title).description(description);
  }

  // --- output
  // -------------------------------------------------------------------------------------

  private static final Map<String, Object> OBJECT_OUTPUT =
      OutputSchemas.object(
          OutputSchemas.properties(
              "engine", OutputSchemas.type("string"),
              "available", OutputSchemas.type("boolean"),
              "notes", OutputSchemas.arrayOf(OutputSchemas.type("string"))),
          List.of("engine"));

  private static Map<String, Object> listOutput(String key) {
    return OutputSchemas.object(
        OutputSchemas.properties(
            "engine",
            OutputSchemas.type("string"),
            "available",
            OutputSchemas.type("boolean"),
            "count",
            OutputSchemas.type("integer"),
            key,
            OutputSchemas.arrayOf(OutputSchemas.type("object")),
            "notes",
            OutputSchemas.arrayOf(OutputSchemas.type("string"))),
        List.of("engine", "available", "count", key));
  }

  /** A listing: its entries as a table with the chosen columns, then its notes. */
  static ToolResult listing(
      String tool, Listing<? extends Record> l, String key, List<String> columns, boolean json) {
    List<Map<String, Object>> items = RecordMaps.maps(l.items());
    ToolResult table = Render.records(items, columns, key, false, "Pass a smaller limit.");
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("engine", l.engine());
    s.put("available", l.available());
    s.put("count", items.size());
    s.put(key, table.structured().get(key));
    s.put("notes", l.notes());
    if (json) {
      s.put(key, items);
      return Render.fitJson(s, key, items.size(), false);
    }
    StringBuilder text = new StringBuilder();
    if (!l.available()) {
      text.append(tool)
          .append(" has nothing to show on this ")
          .append(engineName(l.engine()))
          .append(" server:\n");
    } else {
      text.append(table.text());
    }
    appendNotes(text, l.notes());
    return new ToolResult(text.toString(), s);
  }

  private static String engineName(String engine) {
    return ClusterInfo.COCKROACHDB.equals(engine) ? "CockroachDB" : "PostgreSQL";
  }

  private static void appendNotes(StringBuilder text, List<String> notes) {
    for (String n : notes) {
      if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') {
        text.append('\n');
      }
      text.append("Note: ").append(n);
    }
  }

  /** A single result record: key: value lines (nested lists as tables), or JSON. */
  static ToolResult object(Record r, boolean json, Map<String, List<String>> tables) {
    Map<String, Object> s = RecordMaps.map(r);
    if (json) {
      return new ToolResult(Render.toJson(s), s);
    }
    StringBuilder text = new StringBuilder();
    Map<String, Object> flat = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    s.forEach(
        (k, v) -> {
          if (k.equals("notes") && v instanceof List<?> l) {
            l.forEach(n -> notes.add(String.valueOf(n)));
          } else if (!(v instanceof List<?>) || !tables.containsKey(k)) {
            flat.put(k, v);
          }
        });
    text.append(Render.keyValues(flat));
    tables.forEach(
        (k, cols) -> {
          Object v = s.get(k);
          if (v instanceof List<?> l && !l.isEmpty()) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> rows = (List<Map<String, Object>>) v;
            text.append(k).append(":\n").append(Render.records(rows, cols, k, false, "").text());
            text.append('\n');
          }
        });
    appendNotes(text, notes);
    return new ToolResult(text.toString().stripTrailing(), s);
  }

  private static <A> ToolDef.TypedHandler<A> on(
      Crdb crdb, java.util.function.Function<A, On> on, BiFunction<A, Database, ToolResult> body) {
    return (q, ctx) -> body.apply(q, on.apply(q).open(crdb, ctx));
  }

  // --- cluster_status, cluster_health
  // -------------------------------------------------------------

  private static ToolDef clusterStatus(Crdb crdb) {
    return reader(
            "cluster_status",
            "Cluster status",
            "First look at a cluster: versions, nodes, storage, ranges, regions, health. PostgreSQL: role, replicas.")
        .params(Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            On::from,
            (q, ctx) -> {
              Database db = q.open(crdb, ctx);
              ClusterInfo.Status s = crdb.cluster().status(db, ctx.caller());
              return object(
                  s,
                  q.json(),
                  Map.of(
                      "members",
                      List.of("node_id", "role", "address", "locality", "version", "live")));
            });
  }

  private static ToolDef clusterHealth(Crdb crdb) {
    return reader(
            "cluster_health",
            "Cluster health",
            "Verdict healthy, degraded or down, with reasons and what to check next.")
        .params(Params.CONNECTION, Params.FORMAT)
        .output(
            OutputSchemas.object(
                OutputSchemas.properties(
                    "verdict", OutputSchemas.type("string"),
                    "engine", OutputSchemas.type("string"),
                    "summary", OutputSchemas.type("string"),
                    "reasons", OutputSchemas.arrayOf(OutputSchemas.type("object")),
                    "checks", OutputSchemas.arrayOf(OutputSchemas.type("object"))),
                List.of("verdict", "engine", "reasons")))
        .handler(
            On::from,
            (q, ctx) -> {
              Health h = crdb.cluster().health(q.open(crdb, ctx), ctx.caller());
              Map<String, Object> s = RecordMaps.map(h);
              if (q.json()) {
                return new ToolResult(Render.toJson(s), s);
              }
              StringBuilder text = new StringBuilder();
              text.append("verdict: ").append(h.verdict()).append('\n');
              text.append("summary: ").append(h.summary()).append('\n');
              if (h.server() != null) {
                text.append("server: ").append(h.server()).append('\n');
              }
              for (Reason r : h.reasons()) {
                text.append("- ")
                    .append(r.severity())
                    .append(" [")
                    .append(r.check())
                    .append("] ")
                    .append(r.message())
                    .append(" → next: ")
                    .append(r.next())
                    .append('\n');
              }
              text.append("checks: ");
              for (int i = 0; i < h.checks().size(); i++) {
                ClusterInfo.Check c = h.checks().get(i);
                text.append(i == 0 ? "" : "; ").append(c.check()).append(' ').append(c.status());
              }
              return new ToolResult(text.toString(), s);
            });
  }

  // --- nodes
  // --------------------------------------------------------------------------------------

  private static final List<String> STORE_COLUMNS =
      List.of(
          "node_id",
          "store_id",
          "capacity_bytes",
          "used_bytes",
          "percent_free",
          "ranges",
          "leases");

  private static ToolDef nodeStatus(Crdb crdb) {
    return reader(
            "node_status",
            "Node status",
            "Node node_id: liveness, membership, locality, version, uptime, ranges, leases, stores.")
        .params(NODE_ID, Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            a -> new WithId(a.get(NODE_ID), List.of(), On.from(a)),
            (q, ctx) ->
                object(
                    crdb.cluster().nodeStatus(q.on().open(crdb, ctx), q.nodeId(), ctx.caller()),
                    q.on().json(),
                    Map.of("stores", STORE_COLUMNS)));
  }

  private static final List<String> NODE_COLUMNS =
      List.of(
          "node_id",
          "role",
          "address",
          "locality",
          "version",
          "live",
          "membership",
          "ranges",
          "leases");

  private static ToolDef listNodes(Crdb crdb) {
    return reader(
            "list_nodes",
            "List nodes",
            "Every node: address, locality, version, liveness, ranges, leases, uptime. PostgreSQL: replicas, lag.")
        .params(Params.CONNECTION, Params.FORMAT, Params.DETAIL)
        .output(listOutput("nodes"))
        .handler(
            On::from,
            (q, ctx) -> {
              Listing<ClusterInfo.Node> l = crdb.cluster().nodes(q.open(crdb, ctx), ctx.caller());
              ctx.record().rows(l.items().size());
              List<String> cols = new ArrayList<>(NODE_COLUMNS);
              if (q.detailed()) {
                cols.addAll(
                    List.of(
                        "sql_address",
                        "started_at",
                        "uptime_seconds",
                        "draining",
                        "application_name",
                        "replication_state",
                        "replay_lag_seconds"));
              }
              return listing("list_nodes", l, "nodes", cols, q.json());
            });
  }

  private static ToolDef nodeDetails(Crdb crdb) {
    return reader(
            "node_details",
            "Node metrics",
            "Metrics of node node_id: build, CPU, memory, connections, queries, clock offset, stores.")
        .params(NODE_ID, METRICS, Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            a -> {
              List<String> names = new ArrayList<>();
              for (Object o : a.get(METRICS) == null ? List.of() : a.get(METRICS)) {
                names.add(String.valueOf(o));
              }
              return new WithId(a.get(NODE_ID), names, On.from(a));
            },
            (q, ctx) ->
                object(
                    crdb.cluster()
                        .nodeDetails(q.on().open(crdb, ctx), q.nodeId(), q.metrics(), ctx.caller()),
                    q.on().json(),
                    Map.of("metrics", List.of("name", "value"), "stores", STORE_COLUMNS)));
  }

  // --- ranges
  // -------------------------------------------------------------------------------------

  private static ToolDef listRanges(Crdb crdb) {
    return reader(
            "list_ranges",
            "Range distribution",
            "Ranges: replicas, leases, under-replicated, unavailable (problem_ranges lists them). CockroachDB only.")
        .params(PROBLEM_RANGES, LIMIT, Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            a -> new Ranges(a.get(PROBLEM_RANGES), limit(a), On.from(a)),
            (q, ctx) ->
                object(
                    crdb.cluster()
                        .ranges(q.on().open(crdb, ctx), q.problems(), q.limit(), ctx.caller()),
                    q.on().json(),
                    Map.of(
                        "stores",
                        STORE_COLUMNS,
                        "problem_ranges",
                        List.of(
                            "range_id", "problem", "replicas", "voting_replicas", "start_key"))));
  }

  private static ToolDef showRanges(Crdb crdb) {
    return reader(
            "show_ranges",
            "Show range locations",
            "Ranges of table (or index, or database): leaseholder, replicas, localities, size. CockroachDB only.")
        .params(
            TABLE, SCHEMA, INDEX, DATABASE, LIMIT, Params.CONNECTION, Params.FORMAT, Params.DETAIL)
        .output(listOutput("ranges"))
        .handler(
            a ->
                new ShowRanges(
                    a.get(TABLE),
                    a.get(SCHEMA),
                    a.get(INDEX),
                    a.get(DATABASE),
                    limit(a),
                    On.from(a)),
            (q, ctx) -> {
              Listing<ClusterInfo.RangeEntry> l =
                  crdb.cluster()
                      .showRanges(
                          q.on().open(crdb, ctx),
                          q.table(),
                          q.schema(),
                          q.index(),
                          q.database(),
                          q.limit(),
                          ctx.caller());
              ctx.record().rows(l.items().size());
              List<String> cols =
                  new ArrayList<>(
                      List.of(
                          "range_id", "lease_holder", "replicas", "replica_localities", "size_mb"));
              if (q.on().detailed()) {
                cols.addAll(
                    List.of("table", "index", "start_key", "end_key", "lease_holder_locality"));
              }
              return listing("show_ranges", l, "ranges", cols, q.on().json());
            });
  }

  // --- zones, regions, locality, partitions
  // -------------------------------------------------------

  private static ToolDef showZones(Crdb crdb) {
    return reader(
            "show_zones",
            "Show zone configurations",
            "Replication zones (replicas, constraints), or those of table or database. CockroachDB only.")
        .params(TABLE, SCHEMA, DATABASE, Params.CONNECTION, Params.FORMAT)
        .output(listOutput("zones"))
        .handler(
            a -> new Objects(a.get(TABLE), a.get(SCHEMA), a.get(DATABASE), On.from(a)),
            (q, ctx) ->
                listing(
                    "show_zones",
                    crdb.cluster()
                        .zones(
                            q.on().open(crdb, ctx),
                            q.database(),
                            q.table(),
                            q.schema(),
                            ctx.caller()),
                    "zones",
                    List.of("target", "num_replicas", "config"),
                    q.on().json()));
  }

  private static ToolDef showRegions(Crdb crdb) {
    return reader(
            "show_regions",
            "Show regions",
            "Regions and zones; each database's primary region and survival goal. CockroachDB only.")
        .params(DATABASE, Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            a -> new Objects(null, null, a.get(DATABASE), On.from(a)),
            (q, ctx) ->
                object(
                    crdb.cluster().regions(q.on().open(crdb, ctx), q.database(), ctx.caller()),
                    q.on().json(),
                    Map.of(
                        "cluster",
                        List.of("region", "zones"),
                        "databases",
                        List.of(
                            "database",
                            "primary_region",
                            "secondary_region",
                            "regions",
                            "survival_goal"))));
  }

  private static ToolDef showLocality(Crdb crdb) {
    return reader(
            "show_locality",
            "Show node localities",
            "Locality tiers (region, zone) of every node. CockroachDB only.")
        .params(Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            On::from,
            (q, ctx) ->
                object(
                    crdb.cluster().localities(q.open(crdb, ctx), ctx.caller()),
                    q.json(),
                    Map.of("nodes", List.of("node_id", "locality", "live"))));
  }

  private static ToolDef showPartitions(Crdb crdb) {
    return reader(
            "show_partitions",
            "Show table partitions",
            "Partitions of table (or all tables): values or bounds, zones or size.")
        .params(TABLE, SCHEMA, DATABASE, Params.CONNECTION, Params.FORMAT)
        .output(listOutput("partitions"))
        .handler(
            a -> new Objects(a.get(TABLE), a.get(SCHEMA), a.get(DATABASE), On.from(a)),
            (q, ctx) -> {
              Listing<ClusterInfo.Partition> l =
                  crdb.cluster()
                      .partitions(
                          q.on().open(crdb, ctx),
                          q.database(),
                          q.table(),
                          q.schema(),
                          ctx.caller());
              ctx.record().rows(l.items().size());
              return listing(
                  "show_partitions",
                  l,
                  "partitions",
                  List.of(
                      "table", "partition", "strategy", "columns", "values", "bound", "size_bytes"),
                  q.on().json());
            });
  }

  // --- statements, sessions, jobs, cancel
  // ---------------------------------------------------------

  private static ToolDef showStatements(Crdb crdb) {
    return reader(
            "show_statements",
            "Show running statements",
            "Running statements, oldest first: query_id (for cancel_query), user, age, text; min_age_seconds filters.")
        .params(MIN_AGE, USER, LIMIT, Params.CONNECTION, Params.FORMAT, Params.DETAIL)
        .output(listOutput("statements"))
        .handler(
            a -> new Statements(a.get(MIN_AGE), a.get(USER), limit(a), On.from(a)),
            (q, ctx) -> {
              Listing<ClusterInfo.RunningStatement> l =
                  crdb.cluster()
                      .statements(
                          q.on().open(crdb, ctx),
                          q.minAge() == null ? null : q.minAge().doubleValue(),
                          q.user(),
                          q.limit(),
                          ctx.caller());
              ctx.record().rows(l.items().size());
              List<String> cols =
                  new ArrayList<>(
                      List.of("query_id", "user", "age_seconds", "phase", "yours", "query"));
              if (q.on().detailed()) {
                cols.addAll(
                    List.of(
                        "node_id",
                        "session_id",
                        "application",
                        "client_address",
                        "database",
                        "started_at",
                        "wait_event",
                        "distributed"));
              }
              return listing("show_statements", l, "statements", cols, q.on().json());
            });
  }

  private static ToolDef showSessions(Crdb crdb) {
    return reader(
            "show_sessions",
            "Show sessions",
            "Open sessions: user, client, application, start, open transaction, last statement.")
        .params(LIMIT, Params.CONNECTION, Params.FORMAT, Params.DETAIL)
        .output(listOutput("sessions"))
        .handler(
            a -> new Jobs(null, limit(a), On.from(a)),
            (q, ctx) -> {
              Listing<ClusterInfo.SessionEntry> l =
                  crdb.cluster().sessions(q.on().open(crdb, ctx), q.limit(), ctx.caller());
              ctx.record().rows(l.items().size());
              List<String> cols =
                  new ArrayList<>(
                      List.of(
                          "session_id",
                          "user",
                          "application",
                          "state",
                          "in_transaction",
                          "active_query"));
              if (q.on().detailed()) {
                cols.addAll(
                    List.of(
                        "node_id",
                        "client_address",
                        "database",
                        "session_start",
                        "transaction_start",
                        "active_query_start",
                        "wait_event",
                        "last_query"));
              }
              return listing("show_sessions", l, "sessions", cols, q.on().json());
            });
  }

  private static ToolDef showJobs(Crdb crdb) {
    return reader(
            "show_jobs",
            "Show background jobs",
            "Background jobs (schema changes, backups, imports): status, progress; PostgreSQL: VACUUM, CREATE INDEX.")
        .params(STATUS, LIMIT, Params.CONNECTION, Params.FORMAT, Params.DETAIL)
        .output(listOutput("jobs"))
        .handler(
            a -> new Jobs(a.get(STATUS), limit(a), On.from(a)),
            (q, ctx) -> {
              Listing<ClusterInfo.Job> l =
                  crdb.cluster().jobs(q.on().open(crdb, ctx), q.status(), q.limit(), ctx.caller());
              ctx.record().rows(l.items().size());
              List<String> cols =
                  new ArrayList<>(
                      List.of("job_id", "type", "status", "fraction_completed", "description"));
              if (q.on().detailed()) {
                cols.addAll(
                    List.of(
                        "running_status",
                        "user",
                        "created",
                        "started",
                        "finished",
                        "error",
                        "coordinator_id",
                        "relation"));
              }
              return listing("show_jobs", l, "jobs", cols, q.on().json());
            });
  }

  private static ToolDef cancelQuery(Crdb crdb) {
    return ToolDef.writer("cancel_query")
        .group(Toolset.CLUSTER)
        .title("Cancel a running statement")
        .description(
            "Cancels running statement query_id (from show_statements); needs confirm=true, dry_run=true previews. Own user's only unless CRDB_CANCEL_OTHER_USERS.")
        .params(QUERY_ID, CONFIRM, DRY_RUN, Params.CONNECTION, Params.FORMAT)
        .destructive()
        .output(
            OutputSchemas.object(
                OutputSchemas.properties(
                    "query_id", OutputSchemas.type("string"),
                    "action", OutputSchemas.type("string"),
                    "statement", OutputSchemas.type("object"),
                    "message", OutputSchemas.type("string")),
                List.of("query_id", "action", "message")))
        .handler(
            a ->
                new CancelArgs(
                    new ClusterInfo.CancelRequest(a.get(QUERY_ID), a.get(CONFIRM), a.get(DRY_RUN)),
                    On.from(a)),
            (q, ctx) -> {
              Database db = q.on().open(crdb, ctx);
              boolean dry = q.request().dryRun();
              ctx.record()
                  .classification(
                      new Classification(
                          StatementKind.UTILITY,
                          "CANCEL QUERY",
                          !dry,
                          List.of(),
                          List.of(),
                          List.of("built from structured arguments")));
              Cancel c = crdb.cluster().cancel(db, q.request(), ctx.caller());
              ctx.record().rows(c.action().equals("cancelled") ? 1 : 0);
              Map<String, Object> s = RecordMaps.map(c);
              if (q.on().json()) {
                return new ToolResult(Render.toJson(s), s);
              }
              String head =
                  switch (c.action()) {
                    case "cancelled" -> "CANCELLED";
                    case "would_cancel" -> "DRY RUN (nothing cancelled)";
                    default -> "NOT RUNNING";
                  };
              return new ToolResult(head + ": " + c.message(), s);
            });
  }

  // --- statement statistics and index advice
  // ------------------------------------------------------

  private static ToolDef slowestStatements(Crdb crdb) {
    return reader(
            "slowest_statements",
            "Slowest statements",
            "Costliest statement fingerprints by order_by: calls, total and mean time, rows, full scans (PostgreSQL: pg_stat_statements).")
        .params(ORDER_BY, HOURS, LIMIT, Params.CONNECTION, Params.FORMAT)
        .output(listOutput("statements"))
        .handler(
            a ->
                new Slow(
                    a.get(ORDER_BY),
                    hours(a),
                    a.get(LIMIT) == null ? 10 : a.get(LIMIT),
                    On.from(a)),
            (q, ctx) -> {
              Listing<ClusterInfo.SlowStatement> l =
                  crdb.cluster()
                      .slowest(
                          q.on().open(crdb, ctx),
                          new ClusterInfo.SlowRequest(q.orderBy(), q.hours(), q.limit()),
                          ctx.caller());
              ctx.record().rows(l.items().size());
              return listing(
                  "slowest_statements",
                  l,
                  "statements",
                  List.of("calls", "total_ms", "mean_ms", "rows_mean", "database", "query"),
                  q.on().json());
            });
  }

  private static ToolDef indexAdvice(Crdb crdb) {
    return reader(
            "index_advice",
            "Index advice",
            "Index advice over hours of statistics: recommended, unused, duplicate and redundant indexes, each with its statement.")
        .params(HOURS, LIMIT, Params.CONNECTION, Params.FORMAT)
        .output(OBJECT_OUTPUT)
        .handler(
            a -> new Slow("total_time", hours(a), limit(a), On.from(a)),
            (q, ctx) -> {
              ClusterInfo.IndexAdvice adv =
                  crdb.cluster()
                      .indexAdvice(q.on().open(crdb, ctx), q.hours(), q.limit(), ctx.caller());
              ctx.record().rows(adv.advice().size());
              return object(
                  adv,
                  q.on().json(),
                  Map.of("advice", List.of("kind", "table", "index", "reason", "statement")));
            });
  }
}
