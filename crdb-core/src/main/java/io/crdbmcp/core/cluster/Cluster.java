package io.crdbmcp.core.cluster;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.cluster.ClusterInfo.Advice;
import io.crdbmcp.core.cluster.ClusterInfo.Cancel;
import io.crdbmcp.core.cluster.ClusterInfo.CancelRequest;
import io.crdbmcp.core.cluster.ClusterInfo.Health;
import io.crdbmcp.core.cluster.ClusterInfo.IndexAdvice;
import io.crdbmcp.core.cluster.ClusterInfo.Job;
import io.crdbmcp.core.cluster.ClusterInfo.Listing;
import io.crdbmcp.core.cluster.ClusterInfo.Localities;
import io.crdbmcp.core.cluster.ClusterInfo.Metric;
import io.crdbmcp.core.cluster.ClusterInfo.Node;
import io.crdbmcp.core.cluster.ClusterInfo.NodeDetails;
import io.crdbmcp.core.cluster.ClusterInfo.NodeStatus;
import io.crdbmcp.core.cluster.ClusterInfo.Partition;
import io.crdbmcp.core.cluster.ClusterInfo.RangeDistribution;
import io.crdbmcp.core.cluster.ClusterInfo.RangeEntry;
import io.crdbmcp.core.cluster.ClusterInfo.Regions;
import io.crdbmcp.core.cluster.ClusterInfo.RunningStatement;
import io.crdbmcp.core.cluster.ClusterInfo.SessionEntry;
import io.crdbmcp.core.cluster.ClusterInfo.SlowRequest;
import io.crdbmcp.core.cluster.ClusterInfo.SlowStatement;
import io.crdbmcp.core.cluster.ClusterInfo.Status;
import io.crdbmcp.core.cluster.ClusterInfo.Store;
import io.crdbmcp.core.cluster.ClusterInfo.Zone;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.safety.Rule;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.sql.Access;
import io.crdbmcp.core.sql.SqlExecutor;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cluster, distribution and performance introspection: nodes, liveness, stores, ranges, zones,
 * regions, localities, partitions, running statements and sessions, jobs, statement statistics and
 * index advice, and cancelling a running statement. CockroachDB answers from its own views ({@link
 * CockroachViews}); PostgreSQL with its natural equivalents ({@link PostgresViews}), or a result
 * that says plainly that it has no such thing ({@link Listing#available()} false), never a raw SQL
 * error.
 *
 * <p>Everything runs through {@link SqlExecutor#run} with its statement timeout, read-only except
 * {@link #cancel}. Access control applies to every answer: hidden databases and tables are left
 * out, statement text that names them is replaced (see {@link TextFilter}).
 */
public final class Cluster {
  private static final Set<String> ORDERS = Set.of("total_time", "mean_time", "calls");

  private final EngineKey key;
  private final SqlExecutor executor;
  private final SafetyPolicy policy;
  private final boolean cancelOthers;
  private final Dialect.Kind engine;

  /**
   * @param cancelOthers whether {@link #cancel} may cancel statements of other database users
   *     ({@code CRDB_CANCEL_OTHER_USERS}); by default only those of the server's own user
   */
  public Cluster(EngineKey key, SqlExecutor executor, SafetyPolicy policy, boolean cancelOthers) {
    this(key, executor, policy, cancelOthers, null);
  }

  private Cluster(
      EngineKey key,
      SqlExecutor executor,
      SafetyPolicy policy,
      boolean cancelOthers,
      Dialect.Kind engine) {
    EngineKey.check(key);
    this.key = key;
    this.executor = executor;
    this.policy = policy;
    this.cancelOthers = cancelOthers;
    this.engine = engine;
  }

  /**
   * The same service answering as {@code kind} whatever the server says it is: for tests that point
   * the CockroachDB implementation at a PostgreSQL database holding a stand-in {@code
   * crdb_internal} schema.
   */
  Cluster as(Dialect.Kind kind) {
    return new Cluster(key, executor, policy, cancelOthers, kind);
  }

  /** Work on the call's connection, told whether to answer as CockroachDB. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Reader r, boolean cockroach, Dialect d) throws SQLException;
  }

  private <T> T read(Database db, Caller caller, Work<T> work) {
    return run(db, Access.READ, caller, work);
  }

  private <T> T run(Database db, Access access, Caller caller, Work<T> work) {
    return executor.run(
        key,
        db,
        access,
        null,
        caller,
        (c, d) -> {
          boolean cockroach = engine != null ? engine == Dialect.Kind.COCKROACHDB : d.isCockroach();
          return work.run(new Reader(c, executor.dsl(c), policy), cockroach, d);
        });
  }

  private static String engineOf(boolean cockroach) {
    return cockroach ? ClusterInfo.COCKROACHDB : ClusterInfo.POSTGRESQL;
  }

  private static String server(Dialect d, boolean cockroach) {
    return cockroach && !d.isCockroach()
        ? "CockroachDB (stand-in on " + d.displayName() + ")"
        : d.displayName();
  }

  // --- health and status
  // --------------------------------------------------------------------------

  /**
   * The verdict ({@code healthy}, {@code degraded}, {@code down}) with the reasons behind it, each
   * naming what to look at next. A server that cannot be reached is {@code down}, with why, not an
   * error.
   */
  public Health health(Database db, Caller caller) {
    return readings(db, caller).judge();
  }

  /** Nodes, versions, storage, ranges, regions or replicas, and the health verdict. */
  public Status status(Database db, Caller caller) {
    Readings rd = readings(db, caller);
    Health h = rd.judge();
    if (rd.downBecause != null) {
      return new Status(
          rd.engine, rd.server, null, null, List.of(), null, null, null, List.of(), null, null,
          null, h, rd.notes);
    }
    return new Status(
        rd.engine,
        rd.server,
        rd.role,
        rd.nodeCounts(),
        rd.cockroach() ? rd.versions() : List.of(rd.server),
        rd.storage(),
        rd.rangeCounts(),
        rd.regions,
        rd.nodes == null ? List.of() : rd.nodes,
        rd.connections,
        rd.maxConnections,
        rd.uptimeSeconds,
        h,
        rd.notes);
  }

  private Readings readings(Database db, Caller caller) {
    try {
      return read(
          db,
          caller,
          (r, cockroach, d) ->
              cockroach
                  ? CockroachViews.readings(r, server(d, true))
                  : PostgresViews.readings(r, d.displayName(), d.version(), address(db)));
    } catch (CrdbException e) {
      if (!answersNot(e)) {
        throw e;
      }
      Readings rd =
          new Readings(
              engine == Dialect.Kind.COCKROACHDB ? ClusterInfo.COCKROACHDB : knownEngine(db));
      rd.server = address(db);
      rd.downBecause =
          e.getMessage() + (e.suggestion() == null ? "" : " (next: " + e.suggestion() + ")");
      return rd;
    }
  }

  /** Failures that mean the server does not answer SQL, rather than a bad call. */
  private static boolean answersNot(CrdbException e) {
    if (e.code() == ErrorCode.CONNECTION_FAILED || e.code() == ErrorCode.QUERY_TIMEOUT) {
      return true;
    }
    String state = e.sqlState();
    return state != null
        && (state.startsWith("08") || state.startsWith("57P") || state.equals("57014"));
  }

  private static String knownEngine(Database db) {
    try {
      return db.dialect().isCockroach() ? ClusterInfo.COCKROACHDB : ClusterInfo.POSTGRESQL;
    } catch (CrdbException e) {
      return db.spec().port() == 26257 ? ClusterInfo.COCKROACHDB : ClusterInfo.POSTGRESQL;
    }
  }

  private static String address(Database db) {
    return db.spec().host() + ":" + db.spec().port();
  }

  // --- nodes
  // --------------------------------------------------------------------------------------

  /** Every node: CockroachDB nodes with liveness; PostgreSQL this server and its replicas. */
  public Listing<Node> nodes(Database db, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (cockroach) {
            List<Node> nodes = CockroachViews.nodes(r, null);
            return new Listing<>(
                ClusterInfo.COCKROACHDB, nodes != null, nodes == null ? List.of() : nodes, r.notes);
          }
          List<Node> out = new ArrayList<>();
          out.add(PostgresViews.selfNode(r, PostgresViews.self(r), d.version(), address(db)));
          out.addAll(PostgresViews.replicas(r));
          return new Listing<>(ClusterInfo.POSTGRESQL, true, out, r.notes);
        });
  }

  /**
   * One node's liveness, membership, address, locality, version, uptime, ranges and stores. {@code
   * nodeId} null: the node this connection is served by (PostgreSQL: this server, node 1).
   */
  public NodeStatus nodeStatus(Database db, Long nodeId, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            Node self = postgresNode(r, d, db, nodeId);
            return new NodeStatus(ClusterInfo.POSTGRESQL, self, null, null, List.of(), r.notes);
          }
          long id = nodeOrGateway(r, nodeId);
          List<Node> nodes = CockroachViews.nodes(r, id);
          if (nodes == null) {
            return new NodeStatus(ClusterInfo.COCKROACHDB, null, null, null, List.of(), r.notes);
          }
          if (nodes.isEmpty()) {
            throw CockroachViews.notOnThisNode(id);
          }
          Object[] liveness = CockroachViews.liveness(r, id);
          List<Store> stores = CockroachViews.stores(r, id);
          return new NodeStatus(
              ClusterInfo.COCKROACHDB,
              nodes.get(0),
              liveness == null ? null : Reader.asLong(liveness[0]),
              liveness == null ? null : Reader.asText(liveness[1]),
              stores == null ? List.of() : stores,
              r.notes);
        });
  }

  private static final java.util.regex.Pattern METRIC_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,100}");

  /**
   * One node's build, runtime metrics and stores. {@code metrics}: further metric names to show
   * (CockroachDB names such as {@code sys.rss}); empty for the usual ones.
   */
  public NodeDetails nodeDetails(Database db, Long nodeId, List<String> metrics, Caller caller) {
    List<String> names = new ArrayList<>(CockroachViews.DEFAULT_NODE_METRICS);
    for (String m : metrics == null ? List.<String>of() : metrics) {
      if (m == null || !METRIC_NAME.matcher(m).matches()) {
        throw CrdbException.invalidArgument(
            "metric name '" + m + "' is not a metric name (letters, digits, '.', '_', '-')",
            "use names such as sys.rss or sql.conns");
      }
      if (!names.contains(m)) {
        names.add(m);
      }
    }
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            Node self = postgresNode(r, d, db, nodeId);
            List<Metric> ms = new ArrayList<>(PostgresViews.databaseMetrics(r));
            PostgresViews.Self me = PostgresViews.self(r);
            ms.add(new Metric("max_connections", me.maxConnections()));
            r.notes.add(
                "PostgreSQL figures of the current database (pg_stat_database) since its"
                    + " statistics were reset");
            return new NodeDetails(
                ClusterInfo.POSTGRESQL, self, null, null, null, ms, List.of(), r.notes);
          }
          long id = nodeOrGateway(r, nodeId);
          List<Node> nodes = CockroachViews.nodes(r, id);
          CockroachViews.NodeRuntime rt = CockroachViews.runtime(r, id, names);
          List<Store> stores = CockroachViews.stores(r, id);
          if (nodes != null && nodes.isEmpty() && rt == null) {
            throw CockroachViews.notOnThisNode(id);
          }
          return new NodeDetails(
              ClusterInfo.COCKROACHDB,
              nodes == null || nodes.isEmpty() ? null : nodes.get(0),
              rt == null ? null : rt.goVersion(),
              rt == null ? null : rt.platform(),
              rt == null ? null : rt.updatedAt(),
              rt == null ? List.of() : rt.metrics(),
              stores == null ? List.of() : stores,
              r.notes);
        });
  }

  private static Node postgresNode(Reader r, Dialect d, Database db, Long nodeId) {
    if (nodeId != null && nodeId != 1) {
      throw CrdbException.notFound(
          "PostgreSQL has one node, this server (node 1); node " + nodeId + " is not one",
          "list_nodes shows this server and the replicas streaming from it");
    }
    return PostgresViews.selfNode(r, PostgresViews.self(r), d.version(), address(db));
  }

  private static long nodeOrGateway(Reader r, Long nodeId) throws SQLException {
    if (nodeId != null) {
      return nodeId;
    }
    Long gw = CockroachViews.gatewayNode(r);
    if (gw == null) {
      throw CrdbException.invalidArgument(
          "this cluster does not say which node serves the connection: pass node_id",
          "list_nodes shows the node ids");
    }
    return gw;
  }

  // --- ranges
  // -------------------------------------------------------------------------------------

  private static final String NO_RANGES =
      "PostgreSQL has no ranges: each table is stored whole by one server (and copied whole to"
          + " replicas). get_database_info shows sizes, show_partitions shows partitions.";

  /**
   * How ranges, replicas and leases are spread over the stores, the counts of under-replicated and
   * unavailable ranges, and with {@code problemRanges} the ranges with replicas on nodes that are
   * not live.
   */
  public RangeDistribution ranges(Database db, boolean problemRanges, int limit, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            return new RangeDistribution(
                ClusterInfo.POSTGRESQL, false, null, List.of(), List.of(), List.of(NO_RANGES));
          }
          Readings rd = new Readings(ClusterInfo.COCKROACHDB);
          rd.stores = CockroachViews.stores(r, null);
          List<RangeEntry> problems = List.of();
          if (problemRanges || rd.stores != null) {
            rd.nodes = CockroachViews.nodes(r, null);
          }
          if (problemRanges && rd.nodes != null) {
            problems = CockroachViews.problemRanges(r, rd.nodes, limit);
            if (problems == null) {
              problems = List.of();
            }
            if (problems.isEmpty()) {
              r.notes.add(
                  "no range has a replica on a node that is not live; ranges under-replicated for"
                      + " other reasons (a raised replication factor, too few nodes in a locality)"
                      + " are counted but not listed");
            }
          }
          return new RangeDistribution(
              ClusterInfo.COCKROACHDB,
              rd.stores != null,
              rd.rangeCounts(),
              rd.stores == null ? List.of() : rd.stores,
              problems,
              r.notes);
        });
  }

  /**
   * The ranges of a table (or one of its indexes, {@code index}), or of a database (default: the
   * connection's): leaseholder, replicas and their localities, size.
   */
  public Listing<RangeEntry> showRanges(
      Database db,
      String table,
      String schema,
      String index,
      String database,
      int limit,
      Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            return Listing.<RangeEntry>unavailable(ClusterInfo.POSTGRESQL, NO_RANGES);
          }
          CockroachViews.RangeTarget target;
          if (table != null && !table.isBlank()) {
            Reader.Relation rel = r.resolve(table, schema);
            boolean keys = r.columnsVisibleAll(rel);
            target = new CockroachViews.RangeTarget(rel, blankToNull(index), null, keys);
          } else {
            if (index != null && !index.isBlank()) {
              throw CrdbException.invalidArgument(
                  "index needs table", "pass the table the index belongs to");
            }
            String name = r.visibleDatabase(database, db.spec().database());
            target =
                new CockroachViews.RangeTarget(null, null, name, !r.policy.hasAccessControls());
          }
          return CockroachViews.showRanges(r, target, limit);
        });
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  // --- zones, regions, locality, partitions
  // -------------------------------------------------------

  /** Replication zone configurations: all, or the one in effect for a database or a table. */
  public Listing<Zone> zones(
      Database db, String database, String table, String schema, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            return Listing.<Zone>unavailable(
                ClusterInfo.POSTGRESQL,
                "PostgreSQL has no replication zones: replication is set per server"
                    + " (primary_conninfo, synchronous_standby_names); list_nodes shows the"
                    + " replicas");
          }
          Reader.Relation rel = table == null || table.isBlank() ? null : r.resolve(table, schema);
          String name =
              database == null || database.isBlank()
                  ? null
                  : r.visibleDatabase(database, db.spec().database());
          return CockroachViews.zones(r, name, rel);
        });
  }

  /** Cluster regions with their zones, and each database's regions and survival goal. */
  public Regions regions(Database db, String database, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            return new Regions(
                ClusterInfo.POSTGRESQL,
                false,
                List.of(),
                List.of(),
                List.of(
                    "PostgreSQL has no regions or survival goals: a server and its replicas are"
                        + " placed by whoever runs them"));
          }
          String name =
              database == null || database.isBlank()
                  ? null
                  : r.visibleDatabase(database, db.spec().database());
          return CockroachViews.regions(r, name);
        });
  }

  /** The locality of the node serving this connection and of every node. */
  public Localities localities(Database db, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          if (!cockroach) {
            return new Localities(
                ClusterInfo.POSTGRESQL,
                false,
                null,
                List.of(),
                List.of(),
                List.of(
                    "PostgreSQL nodes have no locality tiers (region, zone): that is a"
                        + " CockroachDB setting of each node (cockroach start --locality)"));
          }
          return CockroachViews.localities(r);
        });
  }

  /**
   * Partitions of a table, or of every table of a database (default: the connection's).
   * CockroachDB: SHOW PARTITIONS; PostgreSQL: declarative partitions (pg_partitioned_table,
   * pg_inherits), current database only.
   */
  public Listing<Partition> partitions(
      Database db, String database, String table, String schema, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          String name = r.visibleDatabase(database, db.spec().database());
          Reader.Relation rel = table == null || table.isBlank() ? null : r.resolve(table, schema);
          if (!cockroach) {
            if (!name.equals(db.spec().database())) {
              throw CrdbException.invalidArgument(
                  "on PostgreSQL only the connection's own database ("
                      + db.spec().database()
                      + ") can be read",
                  "switch_database to " + name + " first");
            }
            return PostgresViews.partitions(r, name, rel);
          }
          return CockroachViews.partitions(r, name, rel);
        });
  }

  // --- statements, sessions, jobs
  // -----------------------------------------------------------------

  /**
   * Statements running now in other sessions, oldest first, with their age. {@code minAgeSeconds}
   * and {@code user} narrow them down.
   */
  public Listing<RunningStatement> statements(
      Database db, Double minAgeSeconds, String user, int limit, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          List<RunningStatement> all =
              cockroach
                  ? r.optional(
                      "running statements (crdb_internal.cluster_queries)",
                      () -> CockroachViews.statements(r, cancelOthers, null))
                  : PostgresViews.statements(r, cancelOthers, null);
          if (all == null) {
            return new Listing<RunningStatement>(
                ClusterInfo.COCKROACHDB, false, List.of(), r.notes);
          }
          List<RunningStatement> out = new ArrayList<>();
          for (RunningStatement s : all) {
            if (minAgeSeconds != null
                && (s.ageSeconds() == null || s.ageSeconds() < minAgeSeconds)) {
              continue;
            }
            if (user != null && !user.equals(s.user())) {
              continue;
            }
            if (out.size() == limit) {
              r.notes.add("more than " + limit + " statements: raise limit or narrow them down");
              break;
            }
            out.add(s);
          }
          return new Listing<>(engineOf(cockroach), true, out, r.notes);
        });
  }

  /**
   * Open sessions: who is connected from where, what they run and whether a transaction is open.
   */
  public Listing<SessionEntry> sessions(Database db, int limit, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          List<SessionEntry> all =
              cockroach ? CockroachViews.sessions(r) : PostgresViews.sessions(r);
          if (all == null) {
            return new Listing<SessionEntry>(engineOf(cockroach), false, List.of(), r.notes);
          }
          if (all.size() > limit) {
            r.notes.add("more than " + limit + " sessions: raise limit to see more");
            all = all.subList(0, limit);
          }
          return new Listing<>(engineOf(cockroach), true, all, r.notes);
        });
  }

  /** Background jobs (CockroachDB), or maintenance commands running now (PostgreSQL). */
  public Listing<Job> jobs(Database db, String status, int limit, Caller caller) {
    String st = status == null || status.isBlank() ? null : status.toLowerCase(Locale.ROOT);
    return read(
        db,
        caller,
        (r, cockroach, d) ->
            cockroach ? CockroachViews.jobs(r, st, limit) : PostgresViews.jobs(r, st, limit));
  }

  /**
   * Cancels a running statement: CockroachDB's {@code CANCEL QUERY} by query id, PostgreSQL's
   * {@code pg_cancel_backend} by backend pid. Refused on a read-only server or connection, when
   * CRDB_BLOCKED_COMMANDS names CANCEL, for another user's statement unless {@code
   * CRDB_CANCEL_OTHER_USERS}, and without {@code confirm} ({@code dry_run} shows what would be
   * cancelled).
   */
  public Cancel cancel(Database db, CancelRequest req, Caller caller) {
    String id = req.queryId() == null ? "" : req.queryId().trim();
    if (id.isEmpty()) {
      throw CrdbException.invalidArgument(
          "query_id is required", "show_statements lists running statements with their query_id");
    }
    if (!req.dryRun()) {
      refuseIfNotAllowed(db);
    }
    return run(
        db,
        req.dryRun() ? Access.READ : Access.WRITE,
        caller,
        (r, cockroach, d) -> {
          RunningStatement target = find(r, cockroach, id);
          if (target == null) {
            return new Cancel(
                id,
                "not_running",
                null,
                "no statement with query_id "
                    + id
                    + " is running (it may have finished); show_statements lists the running ones");
          }
          if (!target.yours()) {
            throw new SqlRefusedException(
                Rule.BLOCKED_COMMAND.id(),
                "statement "
                    + id
                    + " belongs to database user '"
                    + target.user()
                    + "', not to this server's user '"
                    + r.currentUser()
                    + "'; only the server's own statements may be cancelled",
                "set CRDB_CANCEL_OTHER_USERS=true to allow cancelling other users' statements");
          }
          String what = describe(target);
          if (req.dryRun()) {
            return new Cancel(
                id, "would_cancel", target, "dry run, nothing cancelled: would cancel " + what);
          }
          if (!req.confirm()) {
            throw new CrdbException(
                ErrorCode.CONFIRMATION_REQUIRED,
                "cancelling needs confirm=true; nothing was cancelled. It would cancel " + what,
                "call again with confirm=true, or dry_run=true to see the statement first");
          }
          if (cockroach) {
            CockroachViews.cancel(r, executor, id);
          } else if (!PostgresViews.cancel(r, target.pid())) {
            return new Cancel(
                id, "not_running", target, "the backend " + id + " had already ended");
          }
          return new Cancel(id, "cancelled", target, "cancelled " + what);
        });
  }

  private RunningStatement find(Reader r, boolean cockroach, String id) throws SQLException {
    List<RunningStatement> found;
    if (cockroach) {
      found = CockroachViews.statements(r, cancelOthers, id);
    } else {
      long pid;
      try {
        pid = Long.parseLong(id);
      } catch (NumberFormatException e) {
        throw CrdbException.invalidArgument(
            "on PostgreSQL query_id is the backend pid (a number), not '" + id + "'",
            "show_statements lists running statements with their query_id");
      }
      found = PostgresViews.statements(r, cancelOthers, pid);
    }
    if (found.isEmpty()) {
      return null;
    }
    return found.get(0);
  }

  private static String describe(RunningStatement s) {
    StringBuilder sb = new StringBuilder("statement ").append(s.queryId());
    sb.append(" of user ").append(s.user());
    if (s.ageSeconds() != null) {
      sb.append(", running ").append(Math.round(s.ageSeconds())).append(" s");
    }
    if (s.query() != null) {
      String q = s.query().replaceAll("\\s+", " ");
      sb.append(": ").append(q.length() > 200 ? q.substring(0, 200) + "…" : q);
    }
    return sb.toString();
  }

  /** Cancelling changes what runs on the server: a write for read-only and blocked commands. */
  private void refuseIfNotAllowed(Database db) {
    if (policy.readOnly() || db.readOnly()) {
      throw new SqlRefusedException(
          Rule.READ_ONLY.id(),
          "cancelling a statement is refused: "
              + (policy.readOnly()
                  ? "the server is read-only"
                  : "connection '" + db.name() + "' is read-only"),
          "use a connection that is not read-only");
    }
    for (String blocked : policy.blockedCommands()) {
      if ("CANCEL QUERY".equals(blocked) || "CANCEL".equals(blocked)) {
        throw new SqlRefusedException(
            Rule.BLOCKED_COMMAND.id(),
            "cancelling a statement is refused: CRDB_BLOCKED_COMMANDS contains " + blocked,
            "remove " + blocked + " from CRDB_BLOCKED_COMMANDS to allow cancel_query");
      }
    }
  }

  // --- statement statistics and index advice
  // ------------------------------------------------------

  /**
   * The statements that took the most time: CockroachDB's statement statistics of the last {@code
   * hours}; PostgreSQL's pg_stat_statements when installed (otherwise a result that says how to
   * install it).
   */
  public Listing<SlowStatement> slowest(Database db, SlowRequest req, Caller caller) {
    if (!ORDERS.contains(req.orderBy())) {
      throw CrdbException.invalidArgument(
          "order_by is '" + req.orderBy() + "'", "use total_time, mean_time or calls");
    }
    return read(
        db,
        caller,
        (r, cockroach, d) ->
            cockroach ? CockroachViews.slowest(r, req) : PostgresViews.slowest(r, req));
  }

  /**
   * Index advice for the current database. CockroachDB: its own index recommendations from
   * statement statistics, indexes no statement read, duplicate and redundant indexes. PostgreSQL:
   * unused indexes, duplicate and redundant indexes, and tables read mostly by sequential scans.
   * Nothing is changed: each piece of advice carries the statement a person may review and run.
   */
  public IndexAdvice indexAdvice(Database db, int hours, int limit, Caller caller) {
    return read(
        db,
        caller,
        (r, cockroach, d) -> {
          List<Advice> out = new ArrayList<>();
          String since;
          if (cockroach) {
            out.addAll(CockroachViews.recommendations(r, hours, limit));
            out.addAll(CockroachViews.unusedIndexes(r, limit));
            List<PostgresViews.IndexDef> defs =
                r.optional(
                    "index definitions (pg_catalog.pg_index)",
                    () -> PostgresViews.indexDefs(r, false));
            if (defs != null) {
              out.addAll(PostgresViews.duplicates(r, defs, true));
            }
            since = null;
            r.notes.add(
                "recommendations from the statement statistics of the last "
                    + hours
                    + " hours; index reads counted since crdb_internal.reset_index_usage_stats() or"
                    + " the nodes' restart");
          } else {
            out.addAll(PostgresViews.unusedIndexes(r, limit));
            out.addAll(PostgresViews.duplicates(r, PostgresViews.indexDefs(r, true), false));
            out.addAll(PostgresViews.seqScanHeavy(r, 1000, limit));
            since = PostgresViews.statsReset(r);
            r.notes.add(
                "usage counted since "
                    + (since == null ? "the statistics were created" : since)
                    + " on this server only (replicas count their own scans)");
          }
          return new IndexAdvice(engineOf(cockroach), out, since, r.notes);
        });
  }
}
