package io.crdbmcp.core.cluster;

import static io.crdbmcp.core.cluster.Reader.attr;
import static io.crdbmcp.core.cluster.Reader.b;
import static io.crdbmcp.core.cluster.Reader.d;
import static io.crdbmcp.core.cluster.Reader.get;
import static io.crdbmcp.core.cluster.Reader.iso;
import static io.crdbmcp.core.cluster.Reader.j;
import static io.crdbmcp.core.cluster.Reader.l;
import static io.crdbmcp.core.cluster.Reader.metric;
import static io.crdbmcp.core.cluster.Reader.obj;
import static io.crdbmcp.core.cluster.Reader.s;
import static io.crdbmcp.core.cluster.Reader.show;
import static io.crdbmcp.core.cluster.Reader.t;
import static io.crdbmcp.core.cluster.Reader.text;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.cluster.ClusterInfo.Advice;
import io.crdbmcp.core.cluster.ClusterInfo.DatabaseRegions;
import io.crdbmcp.core.cluster.ClusterInfo.Job;
import io.crdbmcp.core.cluster.ClusterInfo.Listing;
import io.crdbmcp.core.cluster.ClusterInfo.Localities;
import io.crdbmcp.core.cluster.ClusterInfo.Metric;
import io.crdbmcp.core.cluster.ClusterInfo.Node;
import io.crdbmcp.core.cluster.ClusterInfo.NodeLocality;
import io.crdbmcp.core.cluster.ClusterInfo.Partition;
import io.crdbmcp.core.cluster.ClusterInfo.RangeEntry;
import io.crdbmcp.core.cluster.ClusterInfo.Region;
import io.crdbmcp.core.cluster.ClusterInfo.Regions;
import io.crdbmcp.core.cluster.ClusterInfo.RunningStatement;
import io.crdbmcp.core.cluster.ClusterInfo.SessionEntry;
import io.crdbmcp.core.cluster.ClusterInfo.SlowRequest;
import io.crdbmcp.core.cluster.ClusterInfo.SlowStatement;
import io.crdbmcp.core.cluster.ClusterInfo.Store;
import io.crdbmcp.core.cluster.ClusterInfo.Tier;
import io.crdbmcp.core.cluster.ClusterInfo.Zone;
import io.crdbmcp.core.sql.Sql;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Name;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The CockroachDB side of {@link Cluster}, written from CockroachDB's documentation: jOOQ over the
 * {@code crdb_internal} views (gossip_nodes, gossip_liveness, kv_node_status, kv_store_status,
 * ranges_no_leases, cluster_queries, cluster_sessions, statement_statistics,
 * index_usage_statistics, table_indexes, tables), and {@code [SHOW ...]} statements as plain-SQL
 * data sources ({@link Reader#show}) for RANGES, ZONE CONFIGURATIONS, REGIONS, DATABASES, LOCALITY,
 * PARTITIONS and JOBS. Node-level views are each read as an optional part: a server that does not
 * offer one (Serverless/Basic, an older version, a user without the admin role) gets a note saying
 * so instead of an error.
 *
 * <p>Every query here is also exercised on PostgreSQL against a stand-in {@code crdb_internal}
 * schema that reproduces the documented columns (ClusterStandInTest); SHOW statements and {@code
 * CANCEL QUERY} run only on a real cluster.
 */
final class CockroachViews {
  private static final String ENGINE = ClusterInfo.COCKROACHDB;

  /** Node metrics node_details shows unless asked for others (CockroachDB metric names). */
  static final List<String> DEFAULT_NODE_METRICS =
      List.of(
          "sys.uptime",
          "sys.cpu.combined.percent-normalized",
          "sys.rss",
          "sys.goroutines",
          "sql.conns",
          "sql.query.count",
          "sql.failure.count",
          "clock-offset.meannanos");

  /** Application names of CockroachDB's internal statements, and this server's own. */
  static final String INTERNAL_APPS = "$ internal%";

  static final String OWN_APP = "cockroachdb-mcp";

  private CockroachViews() {}

  // --- nodes and stores
  // ---------------------------------------------------------------------------

  /** Every node with its liveness, or null (note added) when the node views are not visible. */
  static List<Node> nodes(Reader r, Long only) throws SQLException {
    return r.optional(
        "node liveness (crdb_internal.gossip_nodes, gossip_liveness)",
        () -> {
          Condition where = only == null ? DSL.noCondition() : l("g", "node_id").eq(only);
          var rows =
              r.dsl
                  .select(
                      l("g", "node_id"),
                      s("g", "address"),
                      s("g", "sql_address"),
                      s("g", "locality"),
                      s("g", "server_version"),
                      s("g", "build_tag"),
                      text("g", "started_at"),
                      b("g", "is_live"),
                      l("g", "ranges"),
                      l("g", "leases"),
                      s("v", "membership"),
                      b("v", "draining"),
                      text("v", "updated_at"))
                  .from(t("crdb_internal", "gossip_nodes", "g"))
                  .leftJoin(t("crdb_internal", "gossip_liveness", "v"))
                  .on(l("v", "node_id").eq(l("g", "node_id")))
                  .where(where)
                  .orderBy(l("g", "node_id"))
                  .fetch();
          List<Node> out = new ArrayList<>();
          for (var x : rows) {
            out.add(
                new Node(
                    x.value1(),
                    "node",
                    x.value2(),
                    x.value3(),
                    x.value4(),
                    x.value6() == null || x.value6().isBlank() ? x.value5() : x.value6(),
                    x.value6(),
                    iso(x.value7()),
                    r.uptime(x.value7()),
                    x.value8(),
                    x.value11() == null ? "active" : x.value11().toLowerCase(Locale.ROOT),
                    x.value12(),
                    x.value9(),
                    x.value10(),
                    iso(x.value13()),
                    null,
                    null,
                    null,
                    null));
          }
          return out;
        });
  }

  /** Every store (of one node when {@code only}), or null with a note when not visible. */
  static List<Store> stores(Reader r, Long only) throws SQLException {
    return r.optional(
        "store status (crdb_internal.kv_store_status)",
        () -> {
          Field<JSONB> m = j("s", "metrics");
          var rows =
              r.dsl
                  .select(
                      l("s", "node_id"),
                      l("s", "store_id"),
                      l("s", "capacity"),
                      l("s", "available"),
                      l("s", "used"),
                      l("s", "logical_bytes"),
                      l("s", "range_count"),
                      l("s", "lease_count"),
                      metric(m, "ranges.underreplicated"),
                      metric(m, "ranges.unavailable"))
                  .from(t("crdb_internal", "kv_store_status", "s"))
                  .where(only == null ? DSL.noCondition() : l("s", "node_id").eq(only))
                  .orderBy(l("s", "node_id"), l("s", "store_id"))
                  .fetch();
          List<Store> out = new ArrayList<>();
          for (var x : rows) {
            Long cap = x.value3();
            Long avail = x.value4();
            Double free =
                cap == null || cap == 0 || avail == null
                    ? null
                    : Math.round(1000.0 * avail / cap) / 10.0;
            out.add(
                new Store(
                    x.value1(),
                    x.value2(),
                    cap,
                    avail,
                    x.value5(),
                    x.value6(),
                    x.value7(),
                    x.value8(),
                    x.value9() == null ? null : x.value9().longValue(),
                    x.value10() == null ? null : x.value10().longValue(),
                    free));
          }
          return out;
        });
  }

  /** Health and status readings: nodes, stores, regions. */
  static Readings readings(Reader r, String server) throws SQLException {
    Readings rd = new Readings(ENGINE);
    rd.server = server;
    rd.nodes = nodes(r, null);
    rd.nodesNote = r.lastFailure;
    rd.stores = stores(r, null);
    rd.storesNote = r.lastFailure;
    List<Region> regions = clusterRegions(r);
    rd.regions = regions == null ? null : regions.stream().map(Region::region).toList();
    rd.notes.addAll(r.notes);
    return rd;
  }

  /** The node this connection is served by: {@code crdb_internal.node_id()}. */
  static Long gatewayNode(Reader r) throws SQLException {
    return r.optional(
        "the gateway node's id (crdb_internal.node_id())",
        () -> r.dsl.select(Sql.fn("crdb_internal.node_id", Long.class)).fetchOne().value1());
  }

  /** Liveness epoch and expiration of one node (gossip_liveness), or nulls. */
  static Object[] liveness(Reader r, long nodeId) throws SQLException {
    return r.optional(
        "node liveness record (crdb_internal.gossip_liveness)",
        () -> {
          var x =
              r.dsl
                  .select(l("v", "epoch"), s("v", "expiration"))
                  .from(t("crdb_internal", "gossip_liveness", "v"))
                  .where(l("v", "node_id").eq(nodeId))
                  .fetchOne();
          return x == null ? new Object[2] : new Object[] {x.value1(), x.value2()};
        });
  }

  /** Build and runtime of one node from kv_node_status; metrics by name. */
  record NodeRuntime(String goVersion, String platform, String updatedAt, List<Metric> metrics) {}

  static NodeRuntime runtime(Reader r, long nodeId, List<String> metricNames) throws SQLException {
    return r.optional(
        "node status (crdb_internal.kv_node_status)",
        () -> {
          Field<JSONB> m = j("n", "metrics");
          List<Field<?>> fields = new ArrayList<>();
          fields.add(s("n", "go_version"));
          fields.add(s("n", "platform"));
          fields.add(text("n", "updated_at"));
          for (String name : metricNames) {
            fields.add(attr(m, name));
          }
          Record x =
              r.dsl
                  .select(fields)
                  .from(t("crdb_internal", "kv_node_status", "n"))
                  .where(l("n", "node_id").eq(nodeId))
                  .fetchOne();
          if (x == null) {
            return null;
          }
          List<Metric> metrics = new ArrayList<>();
          for (int i = 0; i < metricNames.size(); i++) {
            Object v = x.get(3 + i);
            if (v != null) {
              Double num = Reader.asDouble(v);
              metrics.add(new Metric(metricNames.get(i), num == null ? v.toString() : num));
            }
          }
          return new NodeRuntime(
              Reader.asText(x.get(0)), Reader.asText(x.get(1)), iso(x.get(2)), metrics);
        });
  }

  // --- ranges
  // -------------------------------------------------------------------------------------

  /**
   * Ranges with a replica on a node that is not live (crdb_internal.ranges_no_leases, which has no
   * lease lookups and so stays cheap): {@code unavailable} when most of their voting replicas are
   * on such nodes, else {@code under-replicated}. Keys are left out under access control: they hold
   * primary-key values.
   */
  static List<RangeEntry> problemRanges(Reader r, List<Node> nodes, int limit) throws SQLException {
    List<Long> dead = new ArrayList<>();
    for (Node n : nodes) {
      if (!Boolean.TRUE.equals(n.live()) && !"decommissioned".equals(n.membership())) {
        dead.add(n.nodeId());
      }
    }
    if (dead.isEmpty()) {
      return List.of();
    }
    boolean keys = !r.filter().active();
    return r.optional(
        "ranges (crdb_internal.ranges_no_leases)",
        () -> {
          Field<Long[]> replicas = Sql.col(Long[].class, "g", "replicas");
          Field<Long[]> deadIds =
              DSL.array(dead.stream().map(DSL::inline).toList()).cast(SQLDataType.BIGINT.array());
          var rows =
              r.dsl
                  .select(
                      l("g", "range_id"),
                      s("g", "start_pretty"),
                      s("g", "end_pretty"),
                      Sql.column("g", "replicas"),
                      Sql.column("g", "voting_replicas"),
                      Sql.column("g", "non_voting_replicas"),
                      Sql.column("g", "replica_localities"))
                  .from(t("crdb_internal", "ranges_no_leases", "g"))
                  .where(DSL.arrayOverlap(replicas, deadIds))
                  .orderBy(l("g", "range_id"))
                  .limit(DSL.inline(limit))
                  .fetch();
          List<RangeEntry> out = new ArrayList<>();
          for (var x : rows) {
            List<Long> voting = Reader.longs(x.value5());
            if (voting.isEmpty()) {
              voting = Reader.longs(x.value4());
            }
            long deadVoters = voting.stream().filter(dead::contains).count();
            boolean unavailable = deadVoters * 2 >= voting.size();
            out.add(
                new RangeEntry(
                    x.value1(),
                    keys ? x.value2() : null,
                    keys ? x.value3() : null,
                    null,
                    null,
                    null,
                    null,
                    Reader.longs(x.value4()),
                    Reader.strings(x.value7()),
                    voting,
                    Reader.longs(x.value6()),
                    null,
                    unavailable ? "unavailable" : "under-replicated"));
          }
          return out;
        });
  }

  /** What {@code show_ranges} shows: a table, an index of it, or a database. */
  record RangeTarget(Reader.Relation table, String index, String database, boolean keys) {}

  /**
   * {@code SHOW RANGES FROM TABLE|INDEX|DATABASE ... WITH DETAILS} (23.1+; leaseholder and size),
   * falling back to the form without options of older versions, whose output already has them.
   */
  static Listing<RangeEntry> showRanges(Reader r, RangeTarget target, int limit)
      throws SQLException {
    Table<Record> withDetails;
    Table<Record> plain;
    if (target.table() != null && target.index() != null) {
      Name idx = Sql.name(target.index());
      withDetails =
          show("[SHOW RANGES FROM INDEX {0}@{1} WITH DETAILS]", target.table().qualified(), idx);
      plain = show("[SHOW RANGES FROM INDEX {0}@{1}]", target.table().qualified(), idx);
    } else if (target.table() != null) {
      withDetails = show("[SHOW RANGES FROM TABLE {0} WITH DETAILS]", target.table().qualified());
      plain = show("[SHOW RANGES FROM TABLE {0}]", target.table().qualified());
    } else {
      Name db = Sql.name(target.database());
      withDetails = show("[SHOW RANGES FROM DATABASE {0} WITH TABLES, DETAILS]", db);
      plain = show("[SHOW RANGES FROM DATABASE {0}]", db);
    }
    var rows =
        r.firstOf(
            "SHOW RANGES",
            () -> r.dsl.select().from(withDetails).limit(DSL.inline(limit + 1)).fetch(),
            () -> r.dsl.select().from(plain).limit(DSL.inline(limit + 1)).fetch());
    if (rows == null) {
      return new Listing<>(ENGINE, false, List.of(), r.notes);
    }
    List<RangeEntry> out = new ArrayList<>();
    int hidden = 0;
    for (Record x : rows) {
      if (out.size() == limit) {
        r.notes.add("more than " + limit + " ranges: raise limit to see more");
        break;
      }
      String table = Reader.asText(get(x, "table_name"));
      String schema = Reader.asText(get(x, "schema_name"));
      if (table != null && !r.policy.isTableVisible(schema, table)) {
        hidden++;
        continue;
      }
      Double size = Reader.asDouble(get(x, "range_size_mb"));
      if (size == null && get(x, "range_size") != null) {
        size = Reader.asDouble(get(x, "range_size")) / 1048576.0;
      }
      out.add(
          new RangeEntry(
              Reader.asLong(get(x, "range_id")),
              target.keys() ? Reader.asText(get(x, "start_key")) : null,
              target.keys() ? Reader.asText(get(x, "end_key")) : null,
              table,
              Reader.asText(get(x, "index_name")),
              Reader.asLong(get(x, "lease_holder")),
              Reader.asText(get(x, "lease_holder_locality")),
              Reader.longs(get(x, "replicas")),
              Reader.strings(get(x, "replica_localities")),
              Reader.longs(get(x, "voting_replicas")),
              Reader.longs(get(x, "non_voting_replicas")),
              size,
              null));
    }
    if (hidden > 0) {
      r.notes.add(hidden + " ranges of tables that access control hides are left out");
    }
    if (!target.keys()) {
      r.notes.add("range keys are left out: they hold primary-key values access control may hide");
    }
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  // --- zones, regions, locality, partitions
  // -------------------------------------------------------

  private static final Pattern NUM_REPLICAS = Pattern.compile("num_replicas\\s*=\\s*(\\d+)");

  static Listing<Zone> zones(Reader r, String database, Reader.Relation table) throws SQLException {
    Table<Record> src =
        table != null
            ? show("[SHOW ZONE CONFIGURATION FROM TABLE {0}]", table.qualified())
            : database != null
                ? show("[SHOW ZONE CONFIGURATION FROM DATABASE {0}]", Sql.name(database))
                : show("[SHOW ZONE CONFIGURATIONS]");
    var rows =
        r.optional(
            "SHOW ZONE CONFIGURATIONS",
            () -> r.dsl.select(s("target"), s("raw_config_sql")).from(src).fetch());
    if (rows == null) {
      return new Listing<>(ENGINE, false, List.of(), r.notes);
    }
    TextFilter f = r.filter();
    List<Zone> out = new ArrayList<>();
    int hidden = 0;
    for (var x : rows) {
      if (f.hides(x.value1()) || f.hides(x.value2())) {
        hidden++;
        continue;
      }
      Matcher m = NUM_REPLICAS.matcher(x.value2() == null ? "" : x.value2());
      out.add(
          new Zone(
              x.value1(),
              m.find() ? Integer.valueOf(m.group(1)) : null,
              TextFilter.maskSecrets(x.value2())));
    }
    if (hidden > 0) {
      r.notes.add(
          hidden + " zone configurations of objects that access control hides are left out");
    }
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  /** {@code SHOW REGIONS FROM CLUSTER}: region and zones; null with a note when refused. */
  static List<Region> clusterRegions(Reader r) throws SQLException {
    return r.optional(
        "cluster regions (SHOW REGIONS FROM CLUSTER)",
        () -> {
          List<Region> out = new ArrayList<>();
          for (Record x : r.dsl.select().from(show("[SHOW REGIONS FROM CLUSTER]")).fetch()) {
            out.add(new Region(Reader.asText(get(x, "region")), Reader.strings(get(x, "zones"))));
          }
          return out;
        });
  }

  static Regions regions(Reader r, String database) throws SQLException {
    List<Region> cluster = clusterRegions(r);
    List<DatabaseRegions> dbs =
        r.optional(
            "database regions and survival goals (SHOW DATABASES)",
            () -> {
              List<DatabaseRegions> out = new ArrayList<>();
              for (Record x : r.dsl.select().from(show("[SHOW DATABASES]")).fetch()) {
                String name = Reader.asText(get(x, "database_name"));
                if (name == null || !r.policy.isDatabaseVisible(name)) {
                  continue;
                }
                if (database != null && !database.equals(name)) {
                  continue;
                }
                out.add(
                    new DatabaseRegions(
                        name,
                        Reader.asText(get(x, "primary_region")),
                        Reader.asText(get(x, "secondary_region")),
                        Reader.strings(get(x, "regions")),
                        Reader.asText(get(x, "survival_goal"))));
              }
              return out;
            });
    if (cluster != null && cluster.isEmpty()) {
      r.notes.add(
          "the cluster has no regions: its nodes were started without a region= tier in"
              + " --locality, so multi-region features (database regions, survival goals) are off");
    }
    return new Regions(
        ENGINE,
        cluster != null || dbs != null,
        cluster == null ? List.of() : cluster,
        dbs == null ? List.of() : dbs,
        r.notes);
  }

  static Localities localities(Reader r) throws SQLException {
    String gateway =
        r.optional(
            "the gateway node's locality (SHOW LOCALITY)",
            () -> {
              Record x = r.dsl.select().from(show("[SHOW LOCALITY]")).fetchOne();
              return x == null ? null : Reader.asText(get(x, "locality"));
            });
    List<Node> nodes = nodes(r, null);
    List<NodeLocality> out = new ArrayList<>();
    if (nodes != null) {
      for (Node n : nodes) {
        out.add(new NodeLocality(n.nodeId(), n.locality(), tiers(n.locality()), n.live()));
      }
    }
    return new Localities(
        ENGINE, gateway != null || nodes != null, gateway, tiers(gateway), out, r.notes);
  }

  /** {@code region=us-east1,zone=us-east1-b} as tiers, in order. */
  static List<Tier> tiers(String locality) {
    List<Tier> out = new ArrayList<>();
    if (locality == null || locality.isBlank()) {
      return out;
    }
    for (String part : locality.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        out.add(new Tier(part.substring(0, eq).trim(), part.substring(eq + 1).trim()));
      }
    }
    return out;
  }

  static Listing<Partition> partitions(Reader r, String database, Reader.Relation table)
      throws SQLException {
    Table<Record> src =
        table != null
            ? show("[SHOW PARTITIONS FROM TABLE {0}]", table.qualified())
            : show("[SHOW PARTITIONS FROM DATABASE {0}]", Sql.name(database));
    var rows = r.optional("SHOW PARTITIONS", () -> r.dsl.select().from(src).fetch());
    if (rows == null) {
      return new Listing<>(ENGINE, false, List.of(), r.notes);
    }
    TextFilter f = r.filter();
    List<Partition> out = new ArrayList<>();
    int hidden = 0;
    for (Record x : rows) {
      String db = Reader.asText(get(x, "database_name"));
      String tab = Reader.asText(get(x, "table_name"));
      String sch = table != null ? table.schema() : null;
      if (tab != null && tab.contains(".")) {
        // Some versions name the table schema-qualified.
        sch = tab.substring(0, tab.lastIndexOf('.'));
        tab = tab.substring(tab.lastIndexOf('.') + 1);
      }
      if ((db != null && !r.policy.isDatabaseVisible(db)) || !r.policy.isTableVisible(sch, tab)) {
        hidden++;
        continue;
      }
      String cols = Reader.asText(get(x, "column_names"));
      boolean valuesVisible = r.columnsVisible(sch, tab, cols);
      String zone = Reader.asText(get(x, "zone_config"));
      out.add(
          new Partition(
              db,
              sch,
              tab,
              Reader.asText(get(x, "partition_name")),
              Reader.asText(get(x, "parent_partition")),
              Reader.asText(get(x, "index_name")),
              cols,
              valuesVisible ? Reader.asText(get(x, "partition_value")) : null,
              null,
              null,
              null,
              f.hides(zone) ? TextFilter.HIDDEN : zone));
    }
    if (hidden > 0) {
      r.notes.add(hidden + " partitions of tables that access control hides are left out");
    }
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  // --- statements, sessions, jobs
  // -----------------------------------------------------------------

  /** A running statement as crdb_internal.cluster_queries shows it, before filtering. */
  static List<RunningStatement> statements(Reader r, boolean cancelOthers, String queryId)
      throws SQLException {
    Condition where =
        queryId != null
            ? s("q", "query_id").eq(queryId)
            : s("q", "session_id")
                .isDistinctFrom(
                    Sql.fn(
                        "current_setting",
                        String.class,
                        DSL.inline("session_id"),
                        DSL.inline(true)));
    var rows =
        r.dsl
            .select(
                s("q", "query_id"),
                l("q", "node_id"),
                s("q", "session_id"),
                s("q", "user_name"),
                text("q", "start"),
                s("q", "query"),
                s("q", "client_address"),
                s("q", "application_name"),
                b("q", "distributed"),
                s("q", "phase"))
            .from(t("crdb_internal", "cluster_queries", "q"))
            .where(where)
            .orderBy(s("q", "start"))
            .fetch();
    TextFilter f = r.filter();
    String me = r.currentUser();
    List<RunningStatement> out = new ArrayList<>();
    for (var x : rows) {
      if (x.value1() == null) {
        // A node that did not answer shows up as a row with its error as the query.
        r.notes.add("node " + x.value2() + " did not report its statements: " + x.value6());
        continue;
      }
      out.add(
          new RunningStatement(
              x.value1(),
              null,
              x.value2(),
              x.value3(),
              x.value4(),
              x.value8(),
              x.value7(),
              null,
              iso(x.value5()),
              r.ageSeconds(x.value5()),
              x.value10(),
              null,
              x.value9(),
              f.show(x.value6()),
              cancelOthers || me.equals(x.value4())));
    }
    return out;
  }

  static List<SessionEntry> sessions(Reader r) throws SQLException {
    var rows =
        r.firstOf(
            "sessions (crdb_internal.cluster_sessions)",
            () -> sessionRows(r, true),
            () -> sessionRows(r, false));
    if (rows == null) {
      return null;
    }
    return rows;
  }

  private static List<SessionEntry> sessionRows(Reader r, boolean withStatus) throws SQLException {
    List<Field<?>> fields =
        new ArrayList<>(
            List.of(
                s("x", "session_id"),
                l("x", "node_id"),
                s("x", "user_name"),
                s("x", "application_name"),
                s("x", "client_address"),
                text("x", "session_start"),
                text("x", "active_query_start"),
                s("x", "kv_txn"),
                s("x", "active_queries"),
                s("x", "last_active_query")));
    if (withStatus) {
      fields.add(s("x", "status"));
    }
    Condition open =
        withStatus ? s("x", "status").isDistinctFrom(DSL.inline("CLOSED")) : DSL.noCondition();
    var rows =
        r.dsl
            .select(fields)
            .from(t("crdb_internal", "cluster_sessions", "x"))
            .where(open)
            .orderBy(s("x", "session_start"))
            .fetch();
    TextFilter f = r.filter();
    List<SessionEntry> out = new ArrayList<>();
    for (Record x : rows) {
      String txn = Reader.asText(x.get(7));
      String active = Reader.asText(x.get(8));
      out.add(
          new SessionEntry(
              Reader.asText(x.get(0)),
              null,
              Reader.asLong(x.get(1)),
              Reader.asText(x.get(2)),
              Reader.asText(x.get(3)),
              Reader.asText(x.get(4)),
              null,
              iso(x.get(5)),
              iso(x.get(6)),
              null,
              withStatus
                  ? Reader.asText(x.get(10))
                  : active == null || active.isBlank() ? "IDLE" : "ACTIVE",
              null,
              txn != null && !txn.isBlank(),
              active == null || active.isBlank() ? null : f.show(active),
              f.show(Reader.asText(x.get(9)))));
    }
    return out;
  }

  static Listing<Job> jobs(Reader r, String status, int limit) throws SQLException {
    Field<String> st = s("status");
    var rows =
        r.optional(
            "jobs (SHOW JOBS)",
            () ->
                r.dsl
                    .select(
                        text("job_id"),
                        s("job_type"),
                        s("description"),
                        s("user_name"),
                        st,
                        s("running_status"),
                        text("created"),
                        text("started"),
                        text("finished"),
                        d("fraction_completed"),
                        s("error"),
                        l("coordinator_id"))
                    .from(show("[SHOW JOBS]"))
                    .where(status == null ? DSL.noCondition() : st.eq(status))
                    .orderBy(Sql.column("created").desc())
                    .limit(DSL.inline(limit + 1))
                    .fetch());
    if (rows == null) {
      return new Listing<>(ENGINE, false, List.of(), r.notes);
    }
    TextFilter f = r.filter();
    List<Job> out = new ArrayList<>();
    for (var x : rows) {
      if (out.size() == limit) {
        r.notes.add("more than " + limit + " jobs: raise limit or filter by status");
        break;
      }
      out.add(
          new Job(
              x.value1(),
              x.value2(),
              x.value5(),
              x.value6(),
              f.show(x.value3()),
              x.value4(),
              iso(x.value7()),
              iso(x.value8()),
              iso(x.value9()),
              x.value10(),
              f.show(x.value11()),
              x.value12(),
              null,
              null));
    }
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  /**
   * {@code CANCEL QUERY $1}: fixed text, only the query id bound. The safety guard refuses CANCEL
   * in SQL text (utility statement); this is the one generated statement that cancels, reached only
   * through {@code cancel_query}'s checks (ownership, confirm, read-only, blocked commands).
   */
  static void cancel(Reader r, io.crdbmcp.core.sql.SqlExecutor executor, String queryId)
      throws SQLException {
    try (PreparedStatement ps = executor.prepareBound(r.c, "CANCEL QUERY ?", List.of(queryId))) {
      ps.execute();
    }
  }

  // --- statement statistics and index advice -----------------------------------------------------

  private static Field<JSONB> stats(String alias) {
    return obj(j(alias, "statistics"), "statistics");
  }

  private static Field<Double> statNumber(String alias, String key) {
    return attr(stats(alias), key).cast(SQLDataType.DOUBLE);
  }

  private static Field<Double> statMean(String alias, String key) {
    return attr(obj(stats(alias), key), "mean").cast(SQLDataType.DOUBLE);
  }

  /** The earliest aggregation hour read, as a bound timestamptz. */
  private static Field<OffsetDateTime> since(Reader r, int hours) {
    Instant from = r.now().minusSeconds(hours * 3600L);
    return DSL.val(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
  }

  static Listing<SlowStatement> slowest(Reader r, SlowRequest q) throws SQLException {
    Field<Double> cnt = statNumber("st", "cnt");
    Field<Double> calls = DSL.sum(cnt).cast(SQLDataType.DOUBLE);
    Field<Double> total = DSL.sum(statMean("st", "svcLat").mul(cnt)).cast(SQLDataType.DOUBLE);
    Field<Double> rows = DSL.sum(statMean("st", "numRows").mul(cnt)).cast(SQLDataType.DOUBLE);
    Field<String> fp =
        Sql.fn("encode", String.class, Sql.column("st", "fingerprint_id"), DSL.inline("hex"));
    Field<String> query = DSL.max(attr(j("st", "metadata"), "query"));
    Field<String> db = DSL.max(attr(j("st", "metadata"), "db"));
    Field<String> last = DSL.max(attr(stats("st"), "lastExecAt"));
    Field<Boolean> full =
        DSL.boolOr(attr(j("st", "metadata"), "fullScan").cast(SQLDataType.BOOLEAN));
    SortField<?> order =
        switch (q.orderBy()) {
          case "calls" -> calls.desc();
          case "mean_time" -> total.div(DSL.nullif(calls, DSL.inline(0.0))).desc().nullsLast();
          default -> total.desc();
        };
    var result =
        r.optional(
            "statement statistics (crdb_internal.statement_statistics)",
            () ->
                r.dsl
                    .select(fp, query, db, s("st", "app_name"), calls, total, rows, full, last)
                    .from(t("crdb_internal", "statement_statistics", "st"))
                    .where(
                        Sql.col(OffsetDateTime.class, "st", "aggregated_ts")
                            .ge(since(r, q.hours())))
                    .and(s("st", "app_name").notLike(DSL.inline(INTERNAL_APPS)))
                    .and(s("st", "app_name").ne(DSL.inline(OWN_APP)))
                    .groupBy(Sql.column("st", "fingerprint_id"), s("st", "app_name"))
                    .orderBy(order)
                    .limit(DSL.inline(q.limit() * 2 + 10))
                    .fetch());
    if (result == null) {
      return new Listing<>(ENGINE, false, List.of(), r.notes);
    }
    TextFilter f = r.filter();
    List<SlowStatement> out = new ArrayList<>();
    int hidden = 0;
    for (var x : result) {
      if (x.value3() != null && !r.policy.isDatabaseVisible(x.value3())) {
        hidden++;
        continue;
      }
      if (out.size() == q.limit()) {
        break;
      }
      double n = x.value5() == null ? 0 : x.value5();
      Double totalMs = x.value6() == null ? null : round(x.value6() * 1000);
      out.add(
          new SlowStatement(
              x.value1(),
              f.show(x.value2()),
              x.value3(),
              x.value4(),
              (long) n,
              totalMs,
              totalMs == null || n == 0 ? null : round(totalMs / n),
              null,
              x.value7() == null || n == 0 ? null : round(x.value7() / n),
              x.value8(),
              iso(x.value9())));
    }
    if (hidden > 0) {
      r.notes.add(hidden + " statements of databases that access control hides are left out");
    }
    r.notes.add(
        "statement statistics of the last "
            + q.hours()
            + " hours; CockroachDB's internal statements and this server's own are left out");
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  static double round(double v) {
    return Math.round(v * 100.0) / 100.0;
  }

  private static final Pattern RECOMMENDATION = Pattern.compile("(?s)^\\s*(\\w+)\\s*:\\s*(.*)$");

  /**
   * CockroachDB's own index recommendations (statement_statistics.index_recommendations, {@code
   * type : SQL}), and indexes of the current database no statement has read (index_usage_statistics
   * joined with table_indexes and tables).
   */
  static List<Advice> recommendations(Reader r, int hours, int limit) throws SQLException {
    Field<String> rec = DSL.field(DSL.name("r", "rec"), String.class);
    var rows =
        r.optional(
            "index recommendations (crdb_internal.statement_statistics)",
            () ->
                r.dsl
                    .select(rec, DSL.count(), DSL.max(attr(j("st", "metadata"), "db")))
                    .from(t("crdb_internal", "statement_statistics", "st"))
                    .crossJoin(
                        DSL.unnest(Sql.col(String[].class, "st", "index_recommendations"))
                            .as("r", "rec"))
                    .where(Sql.col(OffsetDateTime.class, "st", "aggregated_ts").ge(since(r, hours)))
                    .groupBy(rec)
                    .orderBy(DSL.count().desc())
                    .limit(DSL.inline(limit))
                    .fetch());
    List<Advice> out = new ArrayList<>();
    if (rows == null) {
      return out;
    }
    TextFilter f = r.filter();
    for (var x : rows) {
      if (x.value3() != null && !r.policy.isDatabaseVisible(x.value3())) {
        continue;
      }
      if (f.hides(x.value1())) {
        continue;
      }
      Matcher m = RECOMMENDATION.matcher(x.value1() == null ? "" : x.value1());
      String kind = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : "create";
      String sql = m.matches() ? m.group(2).trim() : x.value1();
      out.add(
          new Advice(
              switch (kind) {
                case "creation" -> "create";
                case "replacement" -> "replace";
                case "alteration" -> "alter";
                default -> kind;
              },
              null,
              null,
              null,
              "recommended by CockroachDB for "
                  + x.value2()
                  + (x.value2() == 1 ? " statement fingerprint" : " statement fingerprints")
                  + (x.value3() == null ? "" : " in database " + x.value3()),
              sql,
              null,
              null));
    }
    return out;
  }

  static List<Advice> unusedIndexes(Reader r, int limit) throws SQLException {
    var rows =
        r.optional(
            "index usage (crdb_internal.index_usage_statistics, table_indexes)",
            () ->
                r.dsl
                    .select(
                        s("tb", "schema_name"),
                        s("ti", "descriptor_name"),
                        s("ti", "index_name"),
                        b("ti", "is_unique"),
                        l("us", "total_reads"),
                        text("us", "last_read"))
                    .from(t("crdb_internal", "table_indexes", "ti"))
                    .join(t("crdb_internal", "tables", "tb"))
                    .on(l("tb", "table_id").eq(l("ti", "descriptor_id")))
                    .leftJoin(t("crdb_internal", "index_usage_statistics", "us"))
                    .on(l("us", "table_id").eq(l("ti", "descriptor_id")))
                    .and(l("us", "index_id").eq(l("ti", "index_id")))
                    .where(s("tb", "database_name").eq(Sql.fn("current_database", String.class)))
                    .and(s("tb", "schema_name").notIn(Reader.SYSTEM_SCHEMAS))
                    .and(s("ti", "index_type").ne(DSL.inline("primary")))
                    .and(Sql.column("tb", "drop_time").isNull())
                    .and(
                        l("us", "total_reads")
                            .isNull()
                            .or(l("us", "total_reads").eq(DSL.inline(0L))))
                    .orderBy(
                        s("tb", "schema_name"), s("ti", "descriptor_name"), s("ti", "index_name"))
                    .limit(DSL.inline(limit))
                    .fetch());
    List<Advice> out = new ArrayList<>();
    if (rows == null) {
      return out;
    }
    for (var x : rows) {
      if (!r.policy.isTableVisible(x.value1(), x.value2())) {
        continue;
      }
      boolean unique = Boolean.TRUE.equals(x.value4());
      out.add(
          new Advice(
              "unused",
              x.value1(),
              x.value2(),
              x.value3(),
              "no statement has read this index since its usage statistics were last reset"
                  + (unique ? "; it is unique, so it may be what enforces a constraint" : "")
                  + ": every write still maintains it",
              unique
                  ? null
                  : "DROP INDEX "
                      + Sql.quote(x.value1())
                      + "."
                      + Sql.quote(x.value2())
                      + "@"
                      + Sql.quote(x.value3()),
              x.value5() == null ? 0L : x.value5(),
              null));
    }
    return out;
  }

  static CrdbException notOnThisNode(long nodeId) {
    return new CrdbException(
        ErrorCode.NOT_FOUND,
        "node " + nodeId + " is not a node of this cluster (or its status is not visible)",
        "list_nodes shows the nodes and their ids");
  }
}
