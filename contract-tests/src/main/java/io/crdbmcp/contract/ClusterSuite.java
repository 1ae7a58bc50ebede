package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.CockroachOnly;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster, distribution and performance tools end to end: verdicts of cluster_health (healthy,
 * and down for a server that was stopped), a long statement in another session seen by
 * show_statements and cancelled by cancel_query (without confirm, dry run, confirmed; another
 * user's only when allowed), access control over statement text, PostgreSQL's equivalents and its
 * clear "not available" results, and the CockroachDB paths (@CockroachOnly, written from
 * CockroachDB's documentation).
 */
public abstract class ClusterSuite extends ContractSuite {
  static final String SUFFIX = Long.toString(ProcessHandle.current().pid());
  static final String OTHER_USER = "cluster_other_" + SUFFIX;

  static final List<String> TOOLS =
      List.of(
          "cluster_status",
          "cluster_health",
          "node_status",
          "list_nodes",
          "node_details",
          "list_ranges",
          "show_ranges",
          "show_zones",
          "show_regions",
          "show_locality",
          "show_partitions",
          "show_statements",
          "show_sessions",
          "show_jobs",
          "cancel_query",
          "slowest_statements",
          "index_advice");

  ConnectionSpec db;
  ServerUnderTest server;

  static String script() {
    boolean crdb = TestDb.get().isCockroach();
    return "CREATE TABLE big (id INT PRIMARY KEY, v INT, w INT, u INT);"
        + " INSERT INTO big SELECT g, g % 10, g % 7, g % 13 FROM generate_series(1, 5000) g;"
        + " CREATE INDEX big_v ON big (v); CREATE INDEX big_v_again ON big (v);"
        + " CREATE INDEX big_w ON big (w); CREATE INDEX big_w_v ON big (w, v);"
        + " CREATE TABLE secret_stuff (x INT); INSERT INTO secret_stuff VALUES (1);"
        + (crdb
            ? ""
            : " CREATE TABLE events (id INT, at DATE NOT NULL) PARTITION BY RANGE (at);"
                + " CREATE TABLE events_2025 PARTITION OF events"
                + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
                + " CREATE TABLE events_2026 PARTITION OF events"
                + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
                + " SELECT count(*) FROM big WHERE u = 3; SELECT count(*) FROM big WHERE u = 4;"
                + " SELECT count(*) FROM big WHERE u = 5;");
  }

  @BeforeAll
  void setUp() throws Exception {
    db = TestDb.get().createDatabase("cluster", script());
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + OTHER_USER + " LOGIN");
      s.execute("GRANT ALL ON DATABASE " + db.database() + " TO " + OTHER_USER);
    }
    server = startSharedServer(Map.of("CRDB_URL", TestDb.url(db)));
  }

  @AfterAll
  void tearDown() throws Exception {
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement()) {
      s.execute("REVOKE ALL ON DATABASE " + db.database() + " FROM " + OTHER_USER);
      s.execute("DROP ROLE IF EXISTS " + OTHER_USER);
    } catch (SQLException e) {
      // A leftover role of a test database is harmless.
    }
  }

  /** A plain connection of {@code user} to the test database, outside the server under test. */
  ConnectionSpec as(String user) {
    return ConnectionSpec.fromUrl(
        "sleeper",
        "postgresql://"
            + user
            + "@"
            + db.host()
            + ":"
            + db.port()
            + "/"
            + db.database()
            + "?sslmode="
            + db.sslMode(),
        10,
        false);
  }

  /** Runs {@code sql} in a session of its own; the future ends with its error, or null. */
  static CompletableFuture<SQLException> inAnotherSession(ConnectionSpec spec, String sql) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Connection c = TestDb.open(spec);
              Statement s = c.createStatement()) {
            s.execute("SET application_name = 'cluster-suite-sleeper'");
            s.execute(sql);
            return null;
          } catch (SQLException e) {
            return e;
          }
        });
  }

  /** The running statement whose text contains {@code marker}, waiting up to 20 s for it. */
  Map<String, Object> runningStatement(ServerUnderTest s, String marker) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      for (Map<String, Object> st :
          list(ok(s.call("show_statements", args("detail", "detailed"))), "statements")) {
        if (String.valueOf(st.get("query")).contains(marker)) {
          return st;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no running statement contains " + marker);
  }

  boolean stillRunning(ServerUnderTest s, String marker) {
    return list(ok(s.call("show_statements", args())), "statements").stream()
        .anyMatch(st -> String.valueOf(st.get("query")).contains(marker));
  }

  // --- tools ------------------------------------------------------------------------------------

  @Test
  void theToolsAreOfferedWithDescriptionsThatNameTheirMainArgument() {
    Map<String, McpSchema.Tool> tools = new java.util.HashMap<>();
    server.listTools().forEach(t -> tools.put(t.name(), t));
    for (String name : TOOLS) {
      McpSchema.Tool t = tools.get(name);
      assertThat(t).as(name).isNotNull();
      QueriesSuite.assertNamesWhatItIsForAndItsMainArgument(t);
    }
    McpSchema.Tool cancel = tools.get("cancel_query");
    assertThat(Hints.destructive(cancel)).isTrue();
    assertThat(Hints.readOnly(cancel)).isFalse();
    assertThat(Hints.readOnly(tools.get("cluster_health"))).isTrue();
    try (ServerUnderTest ro =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_READ_ONLY", "true"))) {
      assertThat(ro.listTools())
          .extracting(McpSchema.Tool::name)
          .contains("cluster_health", "show_statements")
          .doesNotContain("cancel_query");
    }
  }

  // --- cluster_health ---------------------------------------------------------------------------

  @Test
  void aHealthyServerIsHealthyAndSaysWhatItChecked() {
    Map<String, Object> h = ok(server.call("cluster_health", args()));
    assertThat(h.get("verdict")).as("%s", h).isEqualTo("healthy");
    assertThat(list(h, "checks"))
        .anyMatch(c -> c.get("check").equals("sql") && c.get("status").equals("ok"));
    assertThat(list(h, "reasons"))
        .allMatch(r -> r.get("severity").equals("info") && r.get("next") != null);
    if (!TestDb.get().isCockroach()) {
      assertThat(h.get("engine")).isEqualTo("postgresql");
      assertThat(list(h, "reasons"))
          .anyMatch(r -> String.valueOf(r.get("message")).contains("no replica"));
    }
    String t = text(server.call("cluster_health", args()));
    assertThat(t).startsWith("verdict: healthy").contains("→ next:");
    Map<String, Object> status = ok(server.call("cluster_status", args()));
    assertThat(status).containsKey("health").containsKey("nodes");
  }

  @Test
  void aStoppedServerIsDownWithAReasonAndNoError() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "stops a PostgreSQL server of its own");
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
    boolean stopped = false;
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", pg.url("postgres"), "CRDB_TIMEOUT", "3"))) {
      assertThat(ok(s.call("cluster_health", args())).get("verdict")).isEqualTo("healthy");
      pg.close();
      stopped = true;
      long start = System.nanoTime();
      CallToolResult r = s.call("cluster_health", args());
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      Map<String, Object> h = ok(r);
      assertThat(h.get("verdict")).as("%s", h).isEqualTo("down");
      Map<String, Object> reason = list(h, "reasons").get(0);
      assertThat(reason.get("severity")).isEqualTo("critical");
      assertThat(String.valueOf(reason.get("message")))
          .contains("does not answer")
          .contains(Integer.toString(pg.port()));
      assertThat(String.valueOf(reason.get("next"))).contains("list_connections");
      assertThat(seconds).as("bounded by CRDB_TIMEOUT, not hanging").isLessThan(30);
      assertThat(text(s.call("cluster_status", args()))).contains("down");
    } finally {
      if (!stopped) {
        pg.close();
      }
    }
  }

  // --- show_statements and cancel_query ---------------------------------------------------------

  @Test
  void aLongStatementShowsUpAndIsCancelledOnlyWithConfirm() throws Exception {
    String marker = "pg_sleep(120.5)";
    CompletableFuture<SQLException> sleeper = inAnotherSession(db, "SELECT " + marker);
    try {
      Map<String, Object> st = runningStatement(server, marker);
      String id = String.valueOf(st.get("query_id"));
      assertThat(st.get("yours")).isEqualTo(true);
      assertThat(((Number) st.get("age_seconds")).doubleValue()).isGreaterThanOrEqualTo(0.0);
      assertThat(st.get("application")).isEqualTo("cluster-suite-sleeper");

      Map<String, Object> err =
          error(server.call("cancel_query", args("query_id", id)), "CONFIRMATION_REQUIRED");
      assertThat(String.valueOf(err.get("message"))).contains("confirm=true").contains(marker);
      assertThat(stillRunning(server, marker)).as("nothing cancelled without confirm").isTrue();

      Map<String, Object> dry =
          ok(server.call("cancel_query", args("query_id", id, "dry_run", true)));
      assertThat(dry.get("action")).isEqualTo("would_cancel");
      assertThat(String.valueOf(((Map<?, ?>) dry.get("statement")).get("query"))).contains(marker);
      assertThat(stillRunning(server, marker)).as("a dry run cancels nothing").isTrue();

      Map<String, Object> done =
          ok(server.call("cancel_query", args("query_id", id, "confirm", true)));
      assertThat(done.get("action")).isEqualTo("cancelled");
      SQLException failure = sleeper.get(20, TimeUnit.SECONDS);
      assertThat((Object) failure).as("the sleeping statement was cancelled").isNotNull();
      assertThat(failure.getSQLState()).isEqualTo("57014");
      assertThat(stillRunning(server, marker)).isFalse();
      Map<String, Object> again =
          ok(server.call("cancel_query", args("query_id", id, "confirm", true)));
      assertThat(again.get("action")).isEqualTo("not_running");
    } finally {
      sleeper.cancel(true);
    }
  }

  @Test
  void anotherUsersStatementIsCancelledOnlyWhenAllowed() throws Exception {
    String marker = "pg_sleep(121.5)";
    CompletableFuture<SQLException> sleeper = inAnotherSession(as(OTHER_USER), "SELECT " + marker);
    try {
      Map<String, Object> st = runningStatement(server, marker);
      assertThat(st.get("user")).isEqualTo(OTHER_USER);
      assertThat(st.get("yours")).isEqualTo(false);
      String id = String.valueOf(st.get("query_id"));
      Map<String, Object> err =
          error(server.call("cancel_query", args("query_id", id, "confirm", true)), "SQL_REFUSED");
      assertThat(String.valueOf(err.get("suggestion"))).contains("CRDB_CANCEL_OTHER_USERS");
      assertThat(stillRunning(server, marker)).isTrue();
      try (ServerUnderTest allowed =
          startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_CANCEL_OTHER_USERS", "true"))) {
        assertThat(runningStatement(allowed, marker).get("yours")).isEqualTo(true);
        assertThat(
                ok(allowed.call("cancel_query", args("query_id", id, "confirm", true)))
                    .get("action"))
            .isEqualTo("cancelled");
      }
      assertThat((Object) sleeper.get(20, TimeUnit.SECONDS)).isNotNull();
    } finally {
      sleeper.cancel(true);
    }
  }

  @Test
  void statementsThatNameHiddenTablesShowNoNamesAndHiddenDatabasesNothing() throws Exception {
    ConnectionSpec hiddenDb = TestDb.get().createDatabase("cluster_hidden", null);
    String visibleMarker = "pg_sleep(122.5)";
    String hiddenMarker = "pg_sleep(123.5)";
    String otherDbMarker = "pg_sleep(124.5)";
    CompletableFuture<SQLException> a = inAnotherSession(db, "SELECT " + visibleMarker);
    CompletableFuture<SQLException> b =
        inAnotherSession(db, "SELECT " + hiddenMarker + ", x FROM secret_stuff WHERE x = 1");
    CompletableFuture<SQLException> c = inAnotherSession(hiddenDb, "SELECT " + otherDbMarker);
    try (ServerUnderTest s =
        startServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_BLOCKED_TABLES",
                "secret_stuff",
                "CRDB_BLOCKED_DATABASES",
                hiddenDb.database()))) {
      runningStatement(s, visibleMarker);
      runningStatement(server, hiddenMarker); // it runs (the unrestricted server sees it)
      runningStatement(server, otherDbMarker);
      CallToolResult r = s.call("show_statements", args("detail", "detailed"));
      String all = text(r) + ok(r);
      assertThat(all)
          .doesNotContain("secret_stuff")
          .doesNotContain(hiddenMarker)
          .doesNotContain(otherDbMarker)
          .doesNotContain(hiddenDb.database())
          .contains("hidden: the text names");
      String sessions = text(s.call("show_sessions", args("detail", "detailed")));
      assertThat(sessions).doesNotContain("secret_stuff").doesNotContain(hiddenDb.database());
    } finally {
      for (CompletableFuture<SQLException> f : List.of(a, b, c)) {
        cancelAll(f);
      }
    }
  }

  /** Ends the sleepers this suite started (their text says pg_sleep(12x.5)). */
  void cancelAll(CompletableFuture<SQLException> f) {
    for (Map<String, Object> st : list(ok(server.call("show_statements", args())), "statements")) {
      if (String.valueOf(st.get("query")).matches("(?s).*pg_sleep\\(12\\d\\.5\\).*")) {
        server.call(
            "cancel_query", args("query_id", String.valueOf(st.get("query_id")), "confirm", true));
      }
    }
    try {
      f.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      f.cancel(true);
    }
  }

  // --- PostgreSQL equivalents and "not available" results ---------------------------------------

  @Test
  void postgresAnswersWithItsEquivalents() {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL equivalents");
    List<Map<String, Object>> nodes = list(ok(server.call("list_nodes", args())), "nodes");
    assertThat(nodes).hasSize(1);
    assertThat(nodes.get(0)).containsEntry("role", "primary").containsEntry("live", true);
    assertThat(text(server.call("list_nodes", args("format", "json"))))
        .startsWith("{")
        .contains("\"nodes\"")
        .contains("\"primary\"");
    assertThat(ok(server.call("node_status", args())).get("node")).isNotNull();
    error(server.call("node_status", args("node_id", 7)), "NOT_FOUND");
    Map<String, Object> details = ok(server.call("node_details", args()));
    assertThat(list(details, "metrics"))
        .extracting(m -> m.get("name"))
        .contains("commits", "cache_hit_ratio");

    List<Map<String, Object>> parts =
        list(ok(server.call("show_partitions", args())), "partitions");
    assertThat(parts)
        .extracting(p -> p.get("partition"))
        .containsExactly("public.events_2025", "public.events_2026");
    assertThat(parts.get(0)).containsEntry("strategy", "range").containsEntry("table", "events");
    assertThat(String.valueOf(parts.get(0).get("bound"))).contains("2025-01-01");

    Map<String, Object> jobs = ok(server.call("show_jobs", args()));
    assertThat(jobs.get("available")).isEqualTo(true);
    assertThat(text(server.call("show_jobs", args()))).contains("PostgreSQL has no job system");
  }

  @Test
  void whatPostgresDoesNotHaveIsAClearResultNotAnError() {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL");
    for (String tool :
        List.of("list_ranges", "show_ranges", "show_zones", "show_regions", "show_locality")) {
      CallToolResult r = server.call(tool, args());
      Map<String, Object> s = ok(r);
      assertThat(s.get("available")).as(tool).isEqualTo(false);
      assertThat(text(r))
          .as(tool)
          .contains("PostgreSQL")
          .doesNotContain("ERROR")
          .doesNotContain("syntax");
    }
    CallToolResult slow = server.call("slowest_statements", args());
    assertThat(ok(slow).get("available")).isEqualTo(false);
    assertThat(text(slow)).contains("pg_stat_statements").contains("shared_preload_libraries");
  }

  @Test
  void slowestStatementsComeFromPgStatStatementsWhenItIsInstalled() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "pg_stat_statements");
    try (io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg =
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
            .setServerConfig("shared_preload_libraries", "pg_stat_statements")
            .start()) {
      try (Connection c = pg.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE EXTENSION pg_stat_statements");
        s.execute("CREATE TABLE payroll (id INT, amount INT)");
        for (int i = 0; i < 5; i++) {
          s.execute("SELECT count(*) FROM generate_series(1, 200000) g WHERE g % 7 = " + i);
          s.execute("SELECT amount FROM payroll WHERE id = " + i);
        }
      }
      String url = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres?sslmode=disable";
      try (ServerUnderTest s = startServer(Map.of("CRDB_URL", url))) {
        Map<String, Object> slow = ok(s.call("slowest_statements", args("limit", 50)));
        assertThat(slow.get("available")).isEqualTo(true);
        List<Map<String, Object>> st = list(slow, "statements");
        Map<String, Object> series =
            st.stream()
                .filter(x -> String.valueOf(x.get("query")).contains("generate_series"))
                .findFirst()
                .orElseThrow();
        assertThat(((Number) series.get("calls")).longValue()).isEqualTo(5L);
        assertThat(((Number) series.get("total_ms")).doubleValue()).isPositive();
        assertThat(String.valueOf(series.get("query"))).as("constants normalized").contains("$");
        Map<String, Object> byCalls = ok(s.call("slowest_statements", args("order_by", "calls")));
        assertThat(list(byCalls, "statements")).isNotEmpty();
      }
      try (ServerUnderTest s =
          startServer(Map.of("CRDB_URL", url, "CRDB_BLOCKED_TABLES", "payroll"))) {
        CallToolResult r = s.call("slowest_statements", args("limit", 50));
        assertThat(text(r) + ok(r)).doesNotContain("payroll").contains("hidden: the text names");
      }
    }
  }

  @Test
  void indexAdviceFindsDuplicateRedundantUnusedIndexesAndSeqScanHeavyTables() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL statistics views");
    Map<String, Object> adv = null;
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      adv = ok(server.call("index_advice", args()));
      boolean seq =
          list(adv, "advice").stream().anyMatch(a -> "seq_scan_heavy".equals(a.get("kind")));
      if (seq) {
        break;
      }
      Thread.sleep(500); // the setup session's statistics reach the views when it has ended
    }
    List<Map<String, Object>> advice = list(adv, "advice");
    assertThat(advice)
        .extracting(a -> a.get("kind") + ":" + a.get("table") + ":" + a.getOrDefault("index", ""))
        .contains(
            "duplicate:big:big_v_again",
            "redundant:big:big_w",
            "unused:big:big_v",
            "seq_scan_heavy:big:");
    assertThat(advice)
        .filteredOn(a -> "duplicate".equals(a.get("kind")))
        .first()
        .extracting(a -> a.get("statement"))
        .isEqualTo("DROP INDEX \"public\".\"big_v_again\"");
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_BLOCKED_TABLES", "big"))) {
      assertThat(text(s.call("index_advice", args()))).doesNotContain("big");
    }
  }

  // --- CockroachDB ------------------------------------------------------------------------------

  @Test
  @CockroachOnly
  void cockroachAnswersFromItsOwnViews() {
    Map<String, Object> h = ok(server.call("cluster_health", args()));
    assertThat(h.get("engine")).isEqualTo("cockroachdb");
    assertThat(h.get("verdict")).isNotEqualTo("down");
    List<Map<String, Object>> nodes = list(ok(server.call("list_nodes", args())), "nodes");
    assertThat(nodes).isNotEmpty().anyMatch(n -> Boolean.TRUE.equals(n.get("live")));
    Map<String, Object> node = ok(server.call("node_status", args()));
    assertThat(node.get("node")).isNotNull();
    assertThat(
            list(ok(server.call("node_details", args("metrics", List.of("sys.rss")))), "metrics"))
        .isNotEmpty();
    Map<String, Object> ranges = ok(server.call("list_ranges", args("problem_ranges", true)));
    assertThat(ranges.get("available")).isEqualTo(true);
    assertThat(list(ok(server.call("show_ranges", args("table", "big"))), "ranges")).isNotEmpty();
    assertThat(list(ok(server.call("show_zones", args())), "zones"))
        .anyMatch(z -> String.valueOf(z.get("target")).contains("RANGE default"));
    ok(server.call("show_regions", args()));
    assertThat(ok(server.call("show_locality", args())).get("available")).isEqualTo(true);
    ok(server.call("show_partitions", args()));
    ok(server.call("show_sessions", args()));
    assertThat(ok(server.call("show_jobs", args("limit", 5))).get("available")).isEqualTo(true);
    assertThat(ok(server.call("slowest_statements", args())).get("available")).isEqualTo(true);
    ok(server.call("index_advice", args()));
  }
}
