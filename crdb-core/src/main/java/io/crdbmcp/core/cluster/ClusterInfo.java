package io.crdbmcp.core.cluster;

import java.util.List;

/**
 * The results of {@link Cluster}: what the cluster's own views say about nodes, stores, ranges,
 * zones, regions, statements, sessions and jobs, on CockroachDB or on PostgreSQL. Timestamps are
 * ISO-8601 text in UTC; a value the server does not report is null. Every list is already filtered
 * by access control: hidden databases and tables are left out and statement text that names them is
 * replaced by {@link TextFilter#HIDDEN}.
 */
public final class ClusterInfo {
  private ClusterInfo() {}

  /** The server kind a result comes from: {@code cockroachdb} or {@code postgresql}. */
  public static final String COCKROACHDB = "cockroachdb";

  public static final String POSTGRESQL = "postgresql";

  /**
   * Entries of one kind.
   *
   * @param engine {@link #COCKROACHDB} or {@link #POSTGRESQL}
   * @param available false when the server has no such thing (ranges on PostgreSQL) or does not
   *     show it (node views on CockroachDB Serverless); {@code notes} then say why
   * @param notes what could not be read or was left out, and why
   */
  public record Listing<T>(String engine, boolean available, List<T> items, List<String> notes) {
    public Listing {
      items = List.copyOf(items);
      notes = List.copyOf(notes);
    }

    static <T> Listing<T> unavailable(String engine, String why) {
      return new Listing<>(engine, false, List.of(), List.of(why));
    }
  }

  /**
   * One node. On CockroachDB a cluster node; on PostgreSQL the server itself (node 1, role {@code
   * primary} or {@code standby}) and each replica streaming from it (role {@code replica}).
   *
   * @param live whether the node is live (CockroachDB liveness; PostgreSQL: this server answers, a
   *     replica is streaming)
   * @param membership {@code active}, {@code decommissioning} or {@code decommissioned}
   * @param ranges replicas on the node's stores; leases: ranges whose lease it holds
   * @param replicationState PostgreSQL replicas: {@code streaming}, {@code catchup} ...
   * @param replayLagSeconds PostgreSQL replicas: how far replay is behind the primary
   */
  public record Node(
      long nodeId,
      String role,
      String address,
      String sqlAddress,
      String locality,
      String version,
      String buildTag,
      String startedAt,
      Long uptimeSeconds,
      Boolean live,
      String membership,
      Boolean draining,
      Long ranges,
      Long leases,
      String livenessUpdatedAt,
      String applicationName,
      String replicationState,
      String syncState,
      Double replayLagSeconds) {}

  /** One store of a CockroachDB node: capacity and the ranges it holds. */
  public record Store(
      long nodeId,
      long storeId,
      Long capacityBytes,
      Long availableBytes,
      Long usedBytes,
      Long logicalBytes,
      Long ranges,
      Long leases,
      Long underReplicated,
      Long unavailable,
      Double percentFree) {}

  /** Counts of nodes by state; decommissioned nodes count in {@code decommissioned} only. */
  public record NodeCounts(
      int total, int live, int dead, int draining, int decommissioning, int decommissioned) {}

  /** Counts of ranges; null when not visible. */
  public record RangeCounts(Long total, Long underReplicated, Long unavailable) {}

  /** Storage over all stores (of live nodes); null when not visible. */
  public record Storage(Long capacityBytes, Long usedBytes, Long availableBytes) {}

  /**
   * A reason behind a health verdict.
   *
   * @param severity {@code critical}, {@code warning} or {@code info}
   * @param check what was looked at: {@code sql}, {@code nodes}, {@code versions}, {@code ranges},
   *     {@code storage}, {@code replication}, {@code connections}, {@code sessions}
   * @param next what to look at next: a tool and its arguments, or where to look
   */
  public record Reason(String severity, String check, String message, String next) {}

  /**
   * One check of {@code cluster_health}.
   *
   * @param status {@code ok}, {@code problem} or {@code not_visible}
   */
  public record Check(String check, String status, String detail) {}

  /**
   * The verdict of {@code cluster_health}: {@code healthy} (no critical or warning reason), {@code
   * degraded} (at least one) or {@code down} (the server does not answer SQL).
   *
   * @param limited true when some checks could not be made (node views not visible); the verdict
   *     then covers only what was visible
   */
  public record Health(
      String verdict,
      String engine,
      String server,
      String summary,
      List<Reason> reasons,
      List<Check> checks,
      boolean limited,
      String checkedAt) {
    public Health {
      reasons = List.copyOf(reasons);
      checks = List.copyOf(checks);
    }
  }

  /**
   * The overview of {@code cluster_status}: nodes, versions, storage, ranges, regions, replicas and
   * the health verdict from the same readings.
   */
  public record Status(
      String engine,
      String server,
      String role,
      NodeCounts nodes,
      List<String> versions,
      Storage storage,
      RangeCounts ranges,
      List<String> regions,
      List<Node> members,
      Long connections,
      Long maxConnections,
      Long uptimeSeconds,
      Health health,
      List<String> notes) {}

  /** A metric by name, as the server reports it. */
  public record Metric(String name, Object value) {}

  /** {@code node_status}: one node, its liveness and its stores. */
  public record NodeStatus(
      String engine,
      Node node,
      Long epoch,
      String livenessExpiration,
      List<Store> stores,
      List<String> notes) {}

  /** {@code node_details}: build, runtime metrics and stores of one node. */
  public record NodeDetails(
      String engine,
      Node node,
      String goVersion,
      String platform,
      String updatedAt,
      List<Metric> metrics,
      List<Store> stores,
      List<String> notes) {}

  /**
   * One range. {@code problem} says what is wrong with it ({@code under-replicated}: a replica is
   * on a node that is not live; {@code unavailable}: most voting replicas are).
   */
  public record RangeEntry(
      long rangeId,
      String startKey,
      String endKey,
      String table,
      String index,
      Long leaseHolder,
      String leaseHolderLocality,
      List<Long> replicas,
      List<String> replicaLocalities,
      List<Long> votingReplicas,
      List<Long> nonVotingReplicas,
      Double sizeMb,
      String problem) {}

  /** {@code list_ranges}: how ranges and leases are spread over the stores, and problem ranges. */
  public record RangeDistribution(
      String engine,
      boolean available,
      RangeCounts counts,
      List<Store> stores,
      List<RangeEntry> problemRanges,
      List<String> notes) {}

  /** A replication zone: its target and its configuration. */
  public record Zone(String target, Integer numReplicas, String config) {}

  /** A cluster region and its availability zones. */
  public record Region(String region, List<String> zones) {}

  /** The regions and survival goal of one database. */
  public record DatabaseRegions(
      String database,
      String primaryRegion,
      String secondaryRegion,
      List<String> regions,
      String survivalGoal) {}

  /** {@code show_regions}. */
  public record Regions(
      String engine,
      boolean available,
      List<Region> cluster,
      List<DatabaseRegions> databases,
      List<String> notes) {}

  /** One tier of a locality ({@code region=us-east1}). */
  public record Tier(String key, String value) {}

  /** The locality of one node. */
  public record NodeLocality(long nodeId, String locality, List<Tier> tiers, Boolean live) {}

  /** {@code show_locality}: the locality of the node this connection is served by, and all. */
  public record Localities(
      String engine,
      boolean available,
      String gateway,
      List<Tier> gatewayTiers,
      List<NodeLocality> nodes,
      List<String> notes) {}

  /**
   * One partition. CockroachDB: {@code values} is the partition's list or range values; PostgreSQL:
   * {@code strategy} (range, list, hash) and {@code bound} (FOR VALUES ...). Values of a partition
   * key that access control hides are null.
   */
  public record Partition(
      String database,
      String schema,
      String table,
      String partition,
      String parent,
      String index,
      String columns,
      String values,
      String strategy,
      String bound,
      Long sizeBytes,
      String zoneConfig) {}

  /**
   * A statement running now.
   *
   * @param queryId what {@code cancel_query} takes: CockroachDB's query id, PostgreSQL's backend
   *     pid
   * @param yours whether the caller may cancel it (the server's own database user, unless
   *     CRDB_CANCEL_OTHER_USERS)
   */
  public record RunningStatement(
      String queryId,
      Long pid,
      Long nodeId,
      String sessionId,
      String user,
      String application,
      String clientAddress,
      String database,
      String startedAt,
      Double ageSeconds,
      String phase,
      String waitEvent,
      Boolean distributed,
      String query,
      boolean yours) {}

  /** An open session. */
  public record SessionEntry(
      String sessionId,
      Long pid,
      Long nodeId,
      String user,
      String application,
      String clientAddress,
      String database,
      String sessionStart,
      String activeQueryStart,
      String transactionStart,
      String state,
      String waitEvent,
      Boolean inTransaction,
      String activeQuery,
      String lastQuery) {}

  /**
   * A background job: CockroachDB's SHOW JOBS; on PostgreSQL, maintenance commands in progress
   * (VACUUM, ANALYZE, CREATE INDEX, CLUSTER) from the pg_stat_progress views.
   */
  public record Job(
      String jobId,
      String type,
      String status,
      String runningStatus,
      String description,
      String user,
      String created,
      String started,
      String finished,
      Double fractionCompleted,
      String error,
      Long coordinatorId,
      String database,
      String relation) {}

  /**
   * What {@code cancel_query} did.
   *
   * @param action {@code cancelled}, {@code would_cancel} (dry run) or {@code not_running} (the
   *     statement ended before it could be cancelled)
   */
  public record Cancel(String queryId, String action, RunningStatement statement, String message) {}

  /** What {@code cancel_query} is asked to do. */
  public record CancelRequest(String queryId, boolean confirm, boolean dryRun) {}

  /** A statement fingerprint with its execution statistics. */
  public record SlowStatement(
      String fingerprint,
      String query,
      String database,
      String application,
      Long calls,
      Double totalMs,
      Double meanMs,
      Double stddevMs,
      Double rowsMean,
      Boolean fullScan,
      String lastExecutedAt) {}

  /**
   * What {@code slowest_statements} is asked for.
   *
   * @param orderBy {@code total_time}, {@code mean_time} or {@code calls}
   * @param hours CockroachDB: how far back statistics are read (they are kept per hour)
   */
  public record SlowRequest(String orderBy, int hours, int limit) {}

  /**
   * One piece of index advice.
   *
   * @param kind {@code create}, {@code replace}, {@code drop} (CockroachDB recommendations), {@code
   *     unused}, {@code duplicate}, {@code redundant} or {@code seq_scan_heavy}
   * @param statement SQL that carries the advice out, for a person to review; never run by the
   *     server
   */
  public record Advice(
      String kind,
      String schema,
      String table,
      String index,
      String reason,
      String statement,
      Long reads,
      Long sizeBytes) {}

  /** {@code index_advice}. {@code statsSince}: since when the usage counters count. */
  public record IndexAdvice(
      String engine, List<Advice> advice, String statsSince, List<String> notes) {}
}
