package io.crdbmcp.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.cluster.ClusterInfo.Health;
import io.crdbmcp.core.cluster.ClusterInfo.Node;
import io.crdbmcp.core.cluster.ClusterInfo.Reason;
import io.crdbmcp.core.cluster.ClusterInfo.RunningStatement;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.testing.TestDb;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The CockroachDB implementation of the cluster tools, pointed at PostgreSQL databases that hold a
 * STAND-IN {@code crdb_internal} schema (src/test/resources/cluster): the documented columns of
 * each view the code reads, with the rows of a healthy 3-node cluster, of a degraded one (a dead
 * node, under-replicated and unavailable ranges) and of a Serverless-like virtual cluster whose
 * node views refuse to answer. It proves the jOOQ-built crdb_internal queries run and that the
 * verdict and its reasons are right; it cannot prove CockroachDB answers them the same way
 * (the @CockroachOnly tests of ClusterSuite do, on a real cluster).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterStandInTest {
  static final Caller ME = Caller.local();
  final Map<String, Crdb> servers = new HashMap<>();

  static String resource(String name) {
    try (InputStream in = ClusterStandInTest.class.getResourceAsStream("/cluster/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @BeforeAll
  void createStandIns() {
    // On a real CockroachDB crdb_internal exists already: this test is for PostgreSQL.
    assumeFalse(TestDb.get().isCockroach(), "the stand-in is for PostgreSQL test databases");
    String ddl = resource("crdb_internal_standin.sql");
    for (String scenario : List.of("healthy", "degraded")) {
      open(scenario, ddl + resource(scenario + ".sql"), Map.of());
    }
    open("serverless", ddl + resource("healthy.sql") + resource("serverless.sql"), Map.of());
    open(
        "blocked",
        ddl + resource("healthy.sql") + "CREATE TABLE customers (id INT PRIMARY KEY, ssn TEXT);",
        Map.of("CRDB_BLOCKED_COLUMNS", "{\"customers\":[\"ssn\"]}"));
  }

  private void open(String scenario, String script, Map<String, String> more) {
    ConnectionSpec spec = TestDb.get().createDatabase("standin_" + scenario, script);
    Map<String, String> env = new HashMap<>(more);
    env.put("CRDB_URL", TestDb.url(spec));
    servers.put(scenario, Crdb.open(CrdbConfig.fromEnvironment(env)));
  }

  @AfterAll
  void close() {
    servers.values().forEach(Crdb::close);
  }

  /** The CockroachDB implementation, on the stand-in database of {@code scenario}. */
  Cluster cockroach(String scenario) {
    return servers.get(scenario).cluster().as(Dialect.Kind.COCKROACHDB);
  }

  Health health(String scenario) {
    Crdb crdb = servers.get(scenario);
    return cockroach(scenario).health(crdb.database(), ME);
  }

  @Test
  void aHealthyThreeNodeClusterIsHealthy() {
    Health h = health("healthy");
    assertThat(h.verdict()).as("%s", h).isEqualTo("healthy");
    assertThat(h.engine()).isEqualTo("cockroachdb");
    assertThat(h.limited()).isFalse();
    assertThat(h.reasons())
        .as("no reason besides information")
        .allMatch(r -> r.severity().equals("info"));
    assertThat(h.checks())
        .extracting(c -> c.check() + "=" + c.status())
        .contains("sql=ok", "nodes=ok", "versions=ok", "ranges=ok", "storage=ok");
    assertThat(h.checks()).anyMatch(c -> c.detail().equals("3 of 3 nodes live, 1 decommissioned"));
  }

  @Test
  void aDeadNodeAndUnavailableRangesMakeItDegradedWithReasonsThatSayWhatToLookAtNext() {
    Health h = health("degraded");
    assertThat(h.verdict()).as("%s", h).isEqualTo("degraded");
    Reason dead = reason(h, "nodes");
    assertThat(dead.severity()).isEqualTo("warning");
    assertThat(dead.message()).contains("node 3").contains("not live").contains("node3:26257");
    assertThat(dead.next()).contains("node_status node_id=3");
    assertThat(h.reasons())
        .as("the decommissioned node 4 is not a problem")
        .noneMatch(r -> r.message().contains("node 4"));
    Reason unavailable =
        h.reasons().stream()
            .filter(r -> r.message().contains("unavailable"))
            .findFirst()
            .orElseThrow();
    assertThat(unavailable.severity()).isEqualTo("critical");
    assertThat(unavailable.message()).startsWith("1 range is unavailable");
    assertThat(unavailable.next()).contains("list_ranges problem_ranges=true");
    Reason under =
        h.reasons().stream()
            .filter(r -> r.message().contains("under-replicated"))
            .findFirst()
            .orElseThrow();
    assertThat(under.message())
        .as("counted by the live leaseholders; the dead node's stale report is ignored")
        .startsWith("41 ranges are under-replicated");
    assertThat(h.summary()).isEqualTo("degraded: 1 critical problem, 2 warnings");
  }

  private static Reason reason(Health h, String check) {
    return h.reasons().stream().filter(r -> r.check().equals(check)).findFirst().orElseThrow();
  }

  @Test
  void statusCountsNodesStorageAndRanges() {
    Crdb crdb = servers.get("degraded");
    ClusterInfo.Status s = cockroach("degraded").status(crdb.database(), ME);
    assertThat(s.nodes()).isEqualTo(new ClusterInfo.NodeCounts(3, 2, 1, 0, 0, 1));
    assertThat(s.versions()).containsExactly("v24.1.4");
    assertThat(s.ranges()).isEqualTo(new ClusterInfo.RangeCounts(100L, 41L, 1L));
    assertThat(s.storage().capacityBytes()).isEqualTo(200_000_000_000L);
    assertThat(s.health().verdict()).isEqualTo("degraded");
  }

  @Test
  void problemRangesAreTheOnesWithReplicasOnTheDeadNode() {
    Crdb crdb = servers.get("degraded");
    ClusterInfo.RangeDistribution d = cockroach("degraded").ranges(crdb.database(), true, 50, ME);
    assertThat(d.available()).isTrue();
    assertThat(d.problemRanges())
        .extracting(r -> r.rangeId() + ":" + r.problem())
        .containsExactly("7:under-replicated", "8:under-replicated", "9:unavailable");
    assertThat(d.stores()).hasSize(3);
    assertThat(d.counts().unavailable()).isEqualTo(1L);
  }

  @Test
  void nodesAndOneNodesStatusAndDetails() {
    Crdb crdb = servers.get("healthy");
    List<Node> nodes = cockroach("healthy").nodes(crdb.database(), ME).items();
    assertThat(nodes).extracting(Node::nodeId).containsExactly(1L, 2L, 3L, 4L);
    assertThat(nodes.get(3).membership()).isEqualTo("decommissioned");
    assertThat(nodes.get(0).uptimeSeconds()).isBetween(172_000L, 173_000L);
    ClusterInfo.NodeStatus gateway = cockroach("healthy").nodeStatus(crdb.database(), null, ME);
    assertThat(gateway.node().nodeId()).as("crdb_internal.node_id()").isEqualTo(1L);
    assertThat(gateway.epoch()).isEqualTo(3L);
    assertThat(gateway.stores()).hasSize(1);
    ClusterInfo.NodeDetails details =
        cockroach("healthy").nodeDetails(crdb.database(), 2L, List.of("sys.rss"), ME);
    assertThat(details.goVersion()).isEqualTo("go1.22.5");
    assertThat(details.metrics())
        .extracting(m -> m.name() + "=" + m.value())
        .contains("sql.conns=6.0", "sys.rss=1.073741824E9");
  }

  @Test
  void aVirtualClusterSaysItsNodeViewsAreNotVisibleAndAnswersWhatIs() {
    Health h = health("serverless");
    assertThat(h.verdict()).isEqualTo("healthy");
    assertThat(h.limited()).isTrue();
    assertThat(h.summary()).contains("some checks were not possible");
    assertThat(h.checks())
        .extracting(c -> c.check() + "=" + c.status())
        .contains("nodes=not_visible");
    assertThat(reason(h, "nodes").message()).contains("Serverless").contains("virtual cluster");
    Crdb crdb = servers.get("serverless");
    ClusterInfo.Listing<Node> nodes = cockroach("serverless").nodes(crdb.database(), ME);
    assertThat(nodes.available()).isFalse();
    assertThat(nodes.notes()).singleElement().asString().contains("not visible on this cluster");
    // The SQL layer still answers.
    assertThat(cockroach("serverless").statements(crdb.database(), null, null, 50, ME).items())
        .isNotEmpty();
  }

  @Test
  void runningStatementsWithTheirAgeOwnershipAndAccessControl() {
    Crdb crdb = servers.get("healthy");
    List<RunningStatement> all =
        cockroach("healthy").statements(crdb.database(), null, null, 50, ME).items();
    assertThat(all).extracting(RunningStatement::queryId).containsExactly("q-long", "q-secret");
    RunningStatement longOne = all.get(0);
    assertThat(longOne.ageSeconds()).isBetween(590.0, 700.0);
    assertThat(longOne.yours()).as("user app is not the server's own user").isFalse();
    assertThat(all.get(1).query()).contains("123-45-6789");
    // A blocked column hides the statement that names it, and its literal values.
    Crdb blocked = servers.get("blocked");
    List<RunningStatement> filtered =
        cockroach("blocked").statements(blocked.database(), 60.0, null, 50, ME).items();
    assertThat(filtered).extracting(RunningStatement::queryId).containsExactly("q-long");
    RunningStatement secret =
        cockroach("blocked").statements(blocked.database(), null, "other", 50, ME).items().get(0);
    assertThat(secret.query()).isEqualTo(TextFilter.HIDDEN).doesNotContain("123");
  }

  @Test
  void sessionsLeaveClosedOnesOut() {
    Crdb crdb = servers.get("healthy");
    var sessions = cockroach("healthy").sessions(crdb.database(), 50, ME).items();
    assertThat(sessions).extracting(ClusterInfo.SessionEntry::sessionId).containsExactly("s-app-1");
    assertThat(sessions.get(0).inTransaction()).isTrue();
  }

  @Test
  void slowestStatementsAndIndexRecommendationsFromStatementStatistics() {
    Crdb crdb = servers.get("healthy");
    var slow =
        cockroach("healthy")
            .slowest(crdb.database(), new ClusterInfo.SlowRequest("total_time", 24, 10), ME)
            .items();
    assertThat(slow)
        .as("internal statements are left out; by total time")
        .extracting(ClusterInfo.SlowStatement::query)
        .containsExactly(
            "SELECT * FROM orders WHERE customer_id = _",
            "UPDATE orders SET status = _ WHERE id = _");
    assertThat(slow.get(0).totalMs()).isEqualTo(50_000.0);
    assertThat(slow.get(0).meanMs()).isEqualTo(500.0);
    assertThat(slow.get(0).fullScan()).isTrue();
    var byCalls =
        cockroach("healthy")
            .slowest(crdb.database(), new ClusterInfo.SlowRequest("calls", 24, 1), ME)
            .items();
    assertThat(byCalls)
        .singleElement()
        .extracting(ClusterInfo.SlowStatement::calls)
        .isEqualTo(1000L);
    ClusterInfo.IndexAdvice all = cockroach("healthy").indexAdvice(crdb.database(), 24, 20, ME);
    var advice = all.advice();
    assertThat(all.notes())
        .noneMatch(n -> n.contains("could not be read") || n.contains("not available"));
    assertThat(advice)
        .filteredOn(a -> a.kind().equals("unused"))
        .extracting(a -> a.table() + "@" + a.index() + " " + a.statement())
        .containsExactly(
            "orders@orders_status_idx DROP INDEX \"public\".\"orders\"@\"orders_status_idx\"");
    assertThat(advice)
        .anyMatch(
            a ->
                a.kind().equals("create")
                    && a.statement().equals("CREATE INDEX ON shop.public.orders (customer_id);"));
  }

  @Test
  void theVerdictRulesOnReadingsAlone() {
    Readings down = new Readings(ClusterInfo.POSTGRESQL);
    down.downBecause = "nothing accepts connections at db:5432";
    assertThat(down.judge().verdict()).isEqualTo("down");
    assertThat(down.judge().reasons().get(0).next()).contains("list_connections");

    Readings busy = new Readings(ClusterInfo.POSTGRESQL);
    busy.nodes = List.of();
    busy.role = "primary";
    busy.connections = 95L;
    busy.maxConnections = 100L;
    busy.idleInTransaction = 2L;
    Health h = busy.judge();
    assertThat(h.verdict()).isEqualTo("degraded");
    assertThat(h.reasons())
        .extracting(Reason::check)
        .contains("connections", "sessions", "replication");
    assertThat(
            h.reasons().stream()
                .filter(r -> r.check().equals("sessions"))
                .findFirst()
                .orElseThrow()
                .next())
        .isEqualTo("show_sessions");
  }
}
