package io.crdbmcp.core.cluster;

import io.crdbmcp.core.cluster.ClusterInfo.Check;
import io.crdbmcp.core.cluster.ClusterInfo.Health;
import io.crdbmcp.core.cluster.ClusterInfo.Node;
import io.crdbmcp.core.cluster.ClusterInfo.NodeCounts;
import io.crdbmcp.core.cluster.ClusterInfo.RangeCounts;
import io.crdbmcp.core.cluster.ClusterInfo.Reason;
import io.crdbmcp.core.cluster.ClusterInfo.Storage;
import io.crdbmcp.core.cluster.ClusterInfo.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one health or status call read from the server, and the verdict judged from it. Reading is
 * the engine's work (SQL); judging is plain Java here, so the same rules apply to CockroachDB and
 * PostgreSQL readings and are tested without a cluster.
 */
final class Readings {
  /** A store with less free space than this (percent) is a warning. */
  static final double LOW_FREE_PERCENT = 15.0;

  /** Idle-in-transaction sessions older than this many seconds are a warning (PostgreSQL). */
  static final long IDLE_IN_TRANSACTION_SECONDS = 300;

  /** A replica that replays this many seconds behind is a warning (PostgreSQL). */
  static final double REPLICA_LAG_SECONDS = 60.0;

  /** In-use connections at or above this share of max_connections are a warning. */
  static final double CONNECTIONS_SHARE = 0.9;

  final String engine;
  String server;

  /** Null while the server answers; else why it does not. */
  String downBecause;

  /** The nodes, or null when not visible ({@link #nodesNote} says why). */
  List<Node> nodes;

  String nodesNote;

  /** The stores, or null when not visible ({@link #storesNote} says why). */
  List<Store> stores;

  String storesNote;

  /** Cluster regions (CockroachDB), or null. */
  List<String> regions;

  // PostgreSQL
  String role;
  Long connections;
  Long maxConnections;
  Long uptimeSeconds;
  Long idleInTransaction;
  String walReceiverStatus;

  final List<String> notes = new ArrayList<>();

  Readings(String engine) {
    this.engine = engine;
  }

  boolean cockroach() {
    return engine.equals(ClusterInfo.COCKROACHDB);
  }

  /** Nodes that are neither decommissioned nor being decommissioned. */
  private List<Node> members() {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes == null ? List.<Node>of() : nodes) {
      if (!"decommissioned".equals(n.membership()) && !"decommissioning".equals(n.membership())) {
        out.add(n);
      }
    }
    return out;
  }

  NodeCounts nodeCounts() {
    if (nodes == null) {
      return null;
    }
    int live = 0;
    int dead = 0;
    int draining = 0;
    int decommissioning = 0;
    int decommissioned = 0;
    for (Node n : nodes) {
      if ("decommissioned".equals(n.membership())) {
        decommissioned++;
        continue;
      }
      if ("decommissioning".equals(n.membership())) {
        decommissioning++;
      }
      if (Boolean.TRUE.equals(n.live())) {
        live++;
      } else {
        dead++;
      }
      if (Boolean.TRUE.equals(n.draining())) {
        draining++;
      }
    }
    return new NodeCounts(
        nodes.size() - decommissioned, live, dead, draining, decommissioning, decommissioned);
  }

  /** Distinct versions of the live nodes, sorted. */
  List<String> versions() {
    TreeSet<String> out = new TreeSet<>();
    for (Node n : members()) {
      if (Boolean.TRUE.equals(n.live()) && n.version() != null) {
        out.add(n.version());
      }
    }
    return List.copyOf(out);
  }

  /** Stores of nodes that are live (or all stores when liveness is not visible). */
  private List<Store> liveStores() {
    if (stores == null) {
      return List.of();
    }
    if (nodes == null) {
      return stores;
    }
    List<Long> live = new ArrayList<>();
    for (Node n : nodes) {
      if (Boolean.TRUE.equals(n.live())) {
        live.add(n.nodeId());
      }
    }
    return stores.stream().filter(s -> live.contains(s.nodeId())).toList();
  }

  Storage storage() {
    if (stores == null) {
      return null;
    }
    long cap = 0;
    long used = 0;
    long avail = 0;
    for (Store s : liveStores()) {
      cap += nz(s.capacityBytes());
      used += nz(s.usedBytes());
      avail += nz(s.availableBytes());
    }
    return new Storage(cap, used, avail);
  }

  /**
   * Range counts from the stores of live nodes: every range has one leaseholder, and the
   * leaseholder's store reports whether the range is under-replicated or unavailable.
   */
  RangeCounts rangeCounts() {
    if (stores == null) {
      return null;
    }
    long leases = 0;
    Long under = null;
    Long unavailable = null;
    for (Store s : liveStores()) {
      leases += nz(s.leases());
      if (s.underReplicated() != null) {
        under = nz(under) + s.underReplicated();
      }
      if (s.unavailable() != null) {
        unavailable = nz(unavailable) + s.unavailable();
      }
    }
    return new RangeCounts(leases, under, unavailable);
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }

  /** The verdict with its reasons, each naming what to look at next. */
  Health judge() {
    List<Reason> reasons = new ArrayList<>();
    List<Check> checks = new ArrayList<>();
    String now = Instant.now().toString();
    if (downBecause != null) {
      reasons.add(
          new Reason(
              "critical",
              "sql",
              "the server does not answer: " + downBecause,
              "check that the server process runs and is reachable at the connection's host and"
                  + " port; list_connections shows each connection's state"));
      checks.add(new Check("sql", "problem", downBecause));
      return new Health(
          "down",
          engine,
          server,
          "down: the server does not answer SQL",
          reasons,
          checks,
          false,
          now);
    }
    checks.add(new Check("sql", "ok", "the server answers SQL"));
    boolean limited = false;
    if (cockroach()) {
      limited = judgeNodes(reasons, checks) | judgeStores(reasons, checks);
    } else {
      judgePostgres(reasons, checks);
    }
    boolean problem = reasons.stream().anyMatch(r -> !r.severity().equals("info"));
    String verdict = problem ? "degraded" : "healthy";
    return new Health(
        verdict, engine, server, summary(verdict, reasons, limited), reasons, checks, limited, now);
  }

  private static String summary(String verdict, List<Reason> reasons, boolean limited) {
    StringBuilder sb = new StringBuilder(verdict);
    long critical = reasons.stream().filter(r -> r.severity().equals("critical")).count();
    long warning = reasons.stream().filter(r -> r.severity().equals("warning")).count();
    if (critical + warning > 0) {
      sb.append(": ");
      if (critical > 0) {
        sb.append(critical).append(critical == 1 ? " critical problem" : " critical problems");
      }
      if (warning > 0) {
        sb.append(critical > 0 ? ", " : "")
            .append(warning)
            .append(warning == 1 ? " warning" : " warnings");
      }
    }
    if (limited) {
      sb.append(verdict.equals("healthy") ? " (" : "; ")
          .append("some checks were not possible: see the reasons")
          .append(verdict.equals("healthy") ? ")" : "");
    }
    return sb.toString();
  }

  /** Returns true when the nodes could not be checked. */
  private boolean judgeNodes(List<Reason> reasons, List<Check> checks) {
    if (nodes == null) {
      reasons.add(new Reason("info", "nodes", nodesNote, notVisibleNext()));
      checks.add(new Check("nodes", "not_visible", nodesNote));
      checks.add(new Check("versions", "not_visible", nodesNote));
      return true;
    }
    NodeCounts c = nodeCounts();
    boolean ok = true;
    for (Node n : nodes) {
      String where = describe(n);
      if ("decommissioned".equals(n.membership())) {
        continue;
      }
      if ("decommissioning".equals(n.membership())) {
        reasons.add(
            new Reason(
                "info",
                "nodes",
                "node " + n.nodeId() + where + " is being decommissioned",
                "node_status node_id=" + n.nodeId()));
        continue;
      }
      if (!Boolean.TRUE.equals(n.live())) {
        ok = false;
        String since =
            n.livenessUpdatedAt() == null
                ? ""
                : " (liveness last updated " + n.livenessUpdatedAt() + ")";
        reasons.add(
            new Reason(
                c.live() * 2 <= c.total() ? "critical" : "warning",
                "nodes",
                "node "
                    + n.nodeId()
                    + where
                    + " is not live"
                    + since
                    + (c.live() * 2 <= c.total()
                        ? ": at most half of the nodes are live, so ranges can lose quorum"
                        : ": its replicas are being re-replicated elsewhere if the cluster has room"),
                "node_status node_id=" + n.nodeId() + ", then list_ranges problem_ranges=true"));
      } else if (Boolean.TRUE.equals(n.draining())) {
        ok = false;
        reasons.add(
            new Reason(
                "warning",
                "nodes",
                "node " + n.nodeId() + where + " is draining (shutting down or restarting)",
                "node_status node_id=" + n.nodeId()));
      }
    }
    checks.add(
        new Check(
            "nodes",
            ok ? "ok" : "problem",
            c.live()
                + " of "
                + c.total()
                + " nodes live"
                + (c.decommissioned() > 0 ? ", " + c.decommissioned() + " decommissioned" : "")));
    List<String> versions = versions();
    if (versions.size() > 1) {
      Map<String, List<Long>> by = new TreeMap<>();
      for (Node n : members()) {
        if (Boolean.TRUE.equals(n.live()) && n.version() != null) {
          by.computeIfAbsent(n.version(), k -> new ArrayList<>()).add(n.nodeId());
        }
      }
      StringBuilder sb = new StringBuilder();
      by.forEach(
          (v, ids) ->
              sb.append(sb.isEmpty() ? "" : "; ").append(v).append(" on nodes ").append(ids));
      reasons.add(
          new Reason(
              "warning",
              "versions",
              "live nodes run different versions ("
                  + sb
                  + "): a rolling upgrade is in progress"
                  + " or unfinished",
              "list_nodes"));
      checks.add(new Check("versions", "problem", String.join(", ", versions)));
    } else {
      checks.add(
          new Check("versions", "ok", versions.isEmpty() ? "none reported" : versions.get(0)));
    }
    return false;
  }

  private static String describe(Node n) {
    StringBuilder sb = new StringBuilder();
    if (n.address() != null) {
      sb.append(n.address());
    }
    if (n.locality() != null && !n.locality().isBlank()) {
      sb.append(sb.isEmpty() ? "" : ", ").append(n.locality());
    }
    return sb.isEmpty() ? "" : " (" + sb + ")";
  }

  private String notVisibleNext() {
    return "on CockroachDB Serverless/Basic/Standard the Cloud Console shows node health; on a"
        + " self-hosted cluster connect as a user with the admin role (or VIEWCLUSTERMETADATA)";
  }

  /** Returns true when the stores could not be checked. */
  private boolean judgeStores(List<Reason> reasons, List<Check> checks) {
    if (stores == null) {
      reasons.add(new Reason("info", "ranges", storesNote, notVisibleNext()));
      checks.add(new Check("ranges", "not_visible", storesNote));
      checks.add(new Check("storage", "not_visible", storesNote));
      return true;
    }
    RangeCounts r = rangeCounts();
    boolean rangesOk = true;
    if (r.unavailable() != null && r.unavailable() > 0) {
      rangesOk = false;
      reasons.add(
          new Reason(
              "critical",
              "ranges",
              r.unavailable()
                  + (r.unavailable() == 1 ? " range is" : " ranges are")
                  + " unavailable: a majority of their voting replicas is unreachable, so their data"
                  + " can be neither read nor written",
              "list_ranges problem_ranges=true, then list_nodes for the nodes holding them"));
    }
    if (r.underReplicated() != null && r.underReplicated() > 0) {
      rangesOk = false;
      reasons.add(
          new Reason(
              "warning",
              "ranges",
              r.underReplicated()
                  + (r.underReplicated() == 1 ? " range is" : " ranges are")
                  + " under-replicated: fewer live replicas than their zone configuration asks"
                  + " for, so another failure could make them unavailable",
              "list_ranges problem_ranges=true; show_zones for the replication factor"));
    }
    String rangeDetail =
        r.underReplicated() == null && r.unavailable() == null
            ? "the stores report no range health metrics"
            : nz(r.unavailable())
                + " unavailable, "
                + nz(r.underReplicated())
                + " under-replicated";
    checks.add(new Check("ranges", rangesOk ? "ok" : "problem", rangeDetail));
    boolean storageOk = true;
    for (Store s : liveStores()) {
      if (s.percentFree() != null && s.percentFree() < LOW_FREE_PERCENT) {
        storageOk = false;
        reasons.add(
            new Reason(
                s.percentFree() < 5 ? "critical" : "warning",
                "storage",
                String.format(
                    Locale.ROOT,
                    "store %d on node %d has %.1f%% of its capacity free",
                    s.storeId(),
                    s.nodeId(),
                    s.percentFree()),
                "node_details node_id=" + s.nodeId()));
      }
    }
    Storage st = storage();
    checks.add(
        new Check(
            "storage",
            storageOk ? "ok" : "problem",
            st.capacityBytes() == 0
                ? "no capacity reported"
                : String.format(
                    Locale.ROOT,
                    "%.1f%% free of %d bytes",
                    100.0 * st.availableBytes() / st.capacityBytes(),
                    st.capacityBytes())));
    return false;
  }

  private void judgePostgres(List<Reason> reasons, List<Check> checks) {
    if ("standby".equals(role)) {
      reasons.add(
          new Reason(
              "info",
              "replication",
              "this server is a standby: it replays changes from a primary and refuses writes",
              "list_nodes"));
      if (walReceiverStatus != null && !walReceiverStatus.equals("streaming")) {
        reasons.add(
            new Reason(
                "warning",
                "replication",
                "the standby's WAL receiver is '" + walReceiverStatus + "', not streaming",
                "node_status"));
      }
    }
    List<Node> replicas =
        nodes == null ? List.of() : nodes.stream().filter(n -> "replica".equals(n.role())).toList();
    boolean replicationOk = true;
    for (Node n : replicas) {
      String name = n.applicationName() == null ? n.address() : n.applicationName();
      if (n.replicationState() != null && !n.replicationState().equals("streaming")) {
        replicationOk = false;
        reasons.add(
            new Reason(
                "warning",
                "replication",
                "replica " + name + " is '" + n.replicationState() + "', not streaming",
                "list_nodes"));
      } else if (n.replayLagSeconds() != null && n.replayLagSeconds() > REPLICA_LAG_SECONDS) {
        replicationOk = false;
        reasons.add(
            new Reason(
                "warning",
                "replication",
                String.format(
                    Locale.ROOT, "replica %s replays %.0f s behind", name, n.replayLagSeconds()),
                "list_nodes"));
      }
    }
    if (replicas.isEmpty() && !"standby".equals(role)) {
      reasons.add(
          new Reason(
              "info",
              "replication",
              "no replica streams from this server: it is a single server, with no failover copy",
              "list_nodes"));
    }
    checks.add(
        new Check(
            "replication",
            replicationOk ? "ok" : "problem",
            replicas.size() + (replicas.size() == 1 ? " replica" : " replicas")));
    if (connections != null && maxConnections != null && maxConnections > 0) {
      boolean busy = connections >= CONNECTIONS_SHARE * maxConnections;
      if (busy) {
        reasons.add(
            new Reason(
                "warning",
                "connections",
                connections + " of " + maxConnections + " connections are in use",
                "show_sessions"));
      }
      checks.add(
          new Check(
              "connections",
              busy ? "problem" : "ok",
              connections + " of " + maxConnections + " in use"));
    }
    if (idleInTransaction != null) {
      if (idleInTransaction > 0) {
        reasons.add(
            new Reason(
                "warning",
                "sessions",
                idleInTransaction
                    + (idleInTransaction == 1 ? " session has" : " sessions have")
                    + " been idle inside a transaction for more than "
                    + IDLE_IN_TRANSACTION_SECONDS / 60
                    + " minutes: they hold locks and keep VACUUM from cleaning up",
                "show_sessions"));
      }
      checks.add(
          new Check(
              "sessions",
              idleInTransaction > 0 ? "problem" : "ok",
              idleInTransaction + " long idle-in-transaction sessions"));
    }
  }
}
