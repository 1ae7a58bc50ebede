package io.crdbmcp.core.cluster;

import static io.crdbmcp.core.cluster.Reader.b;
import static io.crdbmcp.core.cluster.Reader.d;
import static io.crdbmcp.core.cluster.Reader.iso;
import static io.crdbmcp.core.cluster.Reader.l;
import static io.crdbmcp.core.cluster.Reader.s;
import static io.crdbmcp.core.cluster.Reader.t;
import static io.crdbmcp.core.cluster.Reader.text;

import io.crdbmcp.core.cluster.ClusterInfo.Advice;
import io.crdbmcp.core.cluster.ClusterInfo.Job;
import io.crdbmcp.core.cluster.ClusterInfo.Listing;
import io.crdbmcp.core.cluster.ClusterInfo.Metric;
import io.crdbmcp.core.cluster.ClusterInfo.Node;
import io.crdbmcp.core.cluster.ClusterInfo.Partition;
import io.crdbmcp.core.cluster.ClusterInfo.RunningStatement;
import io.crdbmcp.core.cluster.ClusterInfo.SessionEntry;
import io.crdbmcp.core.cluster.ClusterInfo.SlowRequest;
import io.crdbmcp.core.cluster.ClusterInfo.SlowStatement;
import io.crdbmcp.core.sql.Sql;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The PostgreSQL side of {@link Cluster}: the server itself and the replicas streaming from it
 * (pg_stat_replication, pg_stat_wal_receiver), statements and sessions (pg_stat_activity), cancel
 * by pid (pg_cancel_backend), partitions (pg_partitioned_table, pg_inherits), maintenance in
 * progress (pg_stat_progress_*), pg_stat_statements when installed, and index advice from
 * pg_stat_user_indexes, pg_stat_user_tables and pg_index. All built with jOOQ.
 */
final class PostgresViews {
  private static final String ENGINE = ClusterInfo.POSTGRESQL;

  private PostgresViews() {}

  /** What the server says about itself. */
  record Self(
      String address,
      Integer port,
      String startedAt,
      boolean inRecovery,
      long maxConnections,
      int ownPid) {}

  static Self self(Reader r) {
    var x =
        r.dsl
            .select(
                Sql.fn("inet_server_addr", String.class).cast(SQLDataType.VARCHAR),
                Sql.fn("inet_server_port", Integer.class),
                Sql.fn("pg_postmaster_start_time", String.class).cast(SQLDataType.VARCHAR),
                Sql.fn("pg_is_in_recovery", Boolean.class),
                Sql.fn("current_setting", String.class, DSL.inline("max_connections"))
                    .cast(SQLDataType.BIGINT),
                Sql.fn("pg_backend_pid", Integer.class))
            .fetchOne();
    return new Self(
        x.value1(),
        x.value2(),
        x.value3(),
        Boolean.TRUE.equals(x.value4()),
        x.value5() == null ? 0 : x.value5(),
        x.value6() == null ? 0 : x.value6());
  }

  /** This server as node 1. */
  static Node selfNode(Reader r, Self me, String version, String specAddress) {
    String address =
        me.address() == null
            ? specAddress
            : stripMask(me.address()) + (me.port() == null ? "" : ":" + me.port());
    return new Node(
        1,
        me.inRecovery() ? "standby" : "primary",
        address,
        address,
        null,
        version,
        null,
        iso(me.startedAt()),
        r.uptime(me.startedAt()),
        true,
        "active",
        false,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  private static String stripMask(String inet) {
    int slash = inet.indexOf('/');
    return slash < 0 ? inet : inet.substring(0, slash);
  }

  /** The replicas streaming from this server, as nodes 2, 3 ... (pg_stat_replication). */
  static List<Node> replicas(Reader r) throws SQLException {
    List<Node> out =
        r.optional(
            "replicas (pg_stat_replication)",
            () -> {
              var rows =
                  r.dsl
                      .select(
                          s("w", "application_name"),
                          text("w", "client_addr"),
                          s("w", "state"),
                          s("w", "sync_state"),
                          DSL.extract(Sql.column("w", "replay_lag"), org.jooq.DatePart.EPOCH)
                              .cast(SQLDataType.DOUBLE),
                          text("w", "backend_start"))
                      .from(t("pg_catalog", "pg_stat_replication", "w"))
                      .orderBy(s("w", "application_name"), Sql.column("w", "client_addr"))
                      .fetch();
              List<Node> list = new ArrayList<>();
              long id = 2;
              for (var x : rows) {
                list.add(
                    new Node(
                        id++,
                        "replica",
                        x.value2() == null ? null : stripMask(x.value2()),
                        null,
                        null,
                        null,
                        null,
                        iso(x.value6()),
                        r.uptime(x.value6()),
                        "streaming".equals(x.value3()),
                        "active",
                        null,
                        null,
                        null,
                        null,
                        x.value1(),
                        x.value3(),
                        x.value4(),
                        x.value5()));
              }
              return list;
            });
    return out == null ? List.of() : out;
  }

  /** The standby's WAL receiver status, or null. */
  static String walReceiver(Reader r) throws SQLException {
    return r.optional(
        "the WAL receiver (pg_stat_wal_receiver)",
        () -> {
          var x =
              r.dsl
                  .select(s("w", "status"))
                  .from(t("pg_catalog", "pg_stat_wal_receiver", "w"))
                  .fetchAny();
          return x == null ? "stopped" : x.value1();
        });
  }

  /** One client backend of pg_stat_activity. */
  record Activity(
      long pid,
      String user,
      String database,
      String application,
      String clientAddress,
      String backendStart,
      String xactStart,
      String queryStart,
      String stateChange,
      String state,
      String waitEvent,
      String query) {}

  /** The client backends (pg_stat_activity), all databases. */
  static List<Activity> activity(Reader r, Long pid) {
    Condition client = s("a", "backend_type").eq(DSL.inline("client backend"));
    var rows =
        r.dsl
            .select(
                Sql.col(Integer.class, "a", "pid"),
                s("a", "usename"),
                s("a", "datname"),
                s("a", "application_name"),
                text("a", "client_addr"),
                text("a", "backend_start"),
                text("a", "xact_start"),
                text("a", "query_start"),
                text("a", "state_change"),
                s("a", "state"),
                s("a", "wait_event_type"),
                s("a", "wait_event"),
                s("a", "query"))
            .from(t("pg_catalog", "pg_stat_activity", "a"))
            .where(client)
            .and(
                pid == null
                    ? DSL.noCondition()
                    : Sql.col(Integer.class, "a", "pid").eq(pid.intValue()))
            .orderBy(Sql.column("a", "backend_start"))
            .fetch();
    List<Activity> out = new ArrayList<>();
    for (var x : rows) {
      String wait =
          x.value11() == null ? null : x.value11() + (x.value12() == null ? "" : ":" + x.value12());
      out.add(
          new Activity(
              x.value1(),
              x.value2(),
              x.value3(),
              x.value4(),
              x.value5() == null ? null : stripMask(x.value5()),
              x.value6(),
              x.value7(),
              x.value8(),
              x.value9(),
              x.value10(),
              wait,
              x.value13()));
    }
    return out;
  }

  static Readings readings(Reader r, String server, String version, String specAddress)
      throws SQLException {
    Readings rd = new Readings(ENGINE);
    rd.server = server;
    Self me = self(r);
    rd.role = me.inRecovery() ? "standby" : "primary";
    List<Node> nodes = new ArrayList<>();
    nodes.add(selfNode(r, me, version, specAddress));
    nodes.addAll(replicas(r));
    rd.nodes = nodes;
    if (me.inRecovery()) {
      rd.walReceiverStatus = walReceiver(r);
    }
    List<Activity> act = activity(r, null);
    rd.connections = (long) act.size();
    rd.maxConnections = me.maxConnections();
    rd.uptimeSeconds = r.uptime(me.startedAt());
    long idle = 0;
    for (Activity a : act) {
      if (a.state() != null && a.state().startsWith("idle in transaction")) {
        Double age = r.ageSeconds(a.stateChange());
        if (age != null && age > Readings.IDLE_IN_TRANSACTION_SECONDS) {
          idle++;
        }
      }
    }
    rd.idleInTransaction = idle;
    rd.notes.addAll(r.notes);
    return rd;
  }

  /** Statements running now in other sessions, filtered for access control. */
  static List<RunningStatement> statements(Reader r, boolean cancelOthers, Long pid)
      throws SQLException {
    int own = self(r).ownPid();
    TextFilter f = r.filter();
    String me = r.currentUser();
    List<RunningStatement> out = new ArrayList<>();
    for (Activity a : activity(r, pid)) {
      if (a.pid() == own || !"active".equals(a.state())) {
        continue;
      }
      if (a.database() != null && !r.policy.isDatabaseVisible(a.database())) {
        continue;
      }
      out.add(
          new RunningStatement(
              Long.toString(a.pid()),
              a.pid(),
              1L,
              null,
              a.user(),
              a.application(),
              a.clientAddress(),
              a.database(),
              iso(a.queryStart()),
              r.ageSeconds(a.queryStart()),
              a.state(),
              a.waitEvent(),
              null,
              f.show(a.query()),
              cancelOthers || me.equals(a.user())));
    }
    return out;
  }

  static List<SessionEntry> sessions(Reader r) throws SQLException {
    TextFilter f = r.filter();
    List<SessionEntry> out = new ArrayList<>();
    for (Activity a : activity(r, null)) {
      if (a.database() != null && !r.policy.isDatabaseVisible(a.database())) {
        continue;
      }
      boolean active = "active".equals(a.state());
      boolean inTxn = a.xactStart() != null;
      out.add(
          new SessionEntry(
              Long.toString(a.pid()),
              a.pid(),
              1L,
              a.user(),
              a.application(),
              a.clientAddress(),
              a.database(),
              iso(a.backendStart()),
              active ? iso(a.queryStart()) : null,
              iso(a.xactStart()),
              a.state(),
              a.waitEvent(),
              inTxn,
              active ? f.show(a.query()) : null,
              active ? null : f.show(a.query())));
    }
    return out;
  }

  /** {@code SELECT pg_cancel_backend(pid)}: true when the signal was sent. */
  static boolean cancel(Reader r, long pid) {
    Boolean sent =
        r.dsl
            .select(
                Sql.fn("pg_cancel_backend", Boolean.class, DSL.val(pid).cast(SQLDataType.INTEGER)))
            .fetchOne()
            .value1();
    return Boolean.TRUE.equals(sent);
  }

  // --- jobs
  // ---------------------------------------------------------------------------------------

  /** One pg_stat_progress view: its command, and the done/total block columns. */
  private record Progress(String view, String command, String done, String total) {}

  private static final List<Progress> PROGRESS =
      List.of(
          new Progress("pg_stat_progress_vacuum", "VACUUM", "heap_blks_scanned", "heap_blks_total"),
          new Progress(
              "pg_stat_progress_analyze", "ANALYZE", "sample_blks_scanned", "sample_blks_total"),
          new Progress(
              "pg_stat_progress_create_index", "CREATE INDEX", "blocks_done", "blocks_total"),
          new Progress(
              "pg_stat_progress_cluster", "CLUSTER", "heap_blks_scanned", "heap_blks_total"));

  static Listing<Job> jobs(Reader r, String status, int limit) throws SQLException {
    List<Job> out = new ArrayList<>();
    if (status != null && !status.equals("running")) {
      r.notes.add(
          "PostgreSQL keeps no history of maintenance commands: only running ones are shown");
      return new Listing<>(ENGINE, true, out, r.notes);
    }
    Map<Long, Activity> byPid = new LinkedHashMap<>();
    for (Activity a : activity(r, null)) {
      byPid.put(a.pid(), a);
    }
    TextFilter f = r.filter();
    for (Progress p : PROGRESS) {
      var rows =
          r.optional(
              "maintenance progress (" + p.view() + ")",
              () ->
                  r.dsl
                      .select(
                          Sql.col(Integer.class, "p", "pid"),
                          s("p", "datname"),
                          s("n", "nspname"),
                          s("c", "relname"),
                          s("p", "phase"),
                          d("p", p.done()),
                          d("p", p.total()))
                      .from(t("pg_catalog", p.view(), "p"))
                      .leftJoin(t("pg_catalog", "pg_class", "c"))
                      .on(Sql.column("c", "oid").eq(Sql.column("p", "relid")))
                      .leftJoin(t("pg_catalog", "pg_namespace", "n"))
                      .on(Sql.column("n", "oid").eq(Sql.column("c", "relnamespace")))
                      .fetch());
      if (rows == null) {
        continue;
      }
      for (var x : rows) {
        if (x.value2() != null && !r.policy.isDatabaseVisible(x.value2())) {
          continue;
        }
        if (x.value4() != null && !r.policy.isTableVisible(x.value3(), x.value4())) {
          continue;
        }
        Activity a = byPid.get(x.value1().longValue());
        Double fraction =
            x.value6() == null || x.value7() == null || x.value7() == 0
                ? null
                : Math.round(1000.0 * x.value6() / x.value7()) / 1000.0;
        out.add(
            new Job(
                "pid:" + x.value1(),
                p.command(),
                "running",
                x.value5(),
                a == null ? p.command() : f.show(a.query()),
                a == null ? null : a.user(),
                null,
                a == null ? null : iso(a.queryStart()),
                null,
                fraction,
                null,
                null,
                x.value2(),
                x.value4() == null ? null : x.value3() + "." + x.value4()));
      }
    }
    r.notes.add(
        "PostgreSQL has no job system: these are the maintenance commands running now (VACUUM,"
            + " ANALYZE, CREATE INDEX, CLUSTER), from the pg_stat_progress views");
    return new Listing<>(ENGINE, true, out.size() > limit ? out.subList(0, limit) : out, r.notes);
  }

  // --- partitions
  // ---------------------------------------------------------------------------------

  static Listing<Partition> partitions(Reader r, String database, Reader.Relation parent) {
    Condition where =
        parent == null
            ? s("pn", "nspname").notIn(Reader.SYSTEM_SCHEMAS)
            : s("pn", "nspname").eq(parent.schema()).and(s("pc", "relname").eq(parent.name()));
    var rows =
        r.dsl
            .select(
                s("pn", "nspname"),
                s("pc", "relname"),
                s("cn", "nspname"),
                s("cc", "relname"),
                Sql.column("pt", "partstrat").cast(SQLDataType.VARCHAR),
                Sql.fn("pg_get_partkeydef", String.class, Sql.column("pc", "oid")),
                Sql.fn(
                    "pg_get_expr",
                    String.class,
                    Sql.column("cc", "relpartbound"),
                    Sql.column("cc", "oid")),
                Sql.fn("pg_total_relation_size", Long.class, Sql.column("cc", "oid")))
            .from(t("pg_catalog", "pg_inherits", "i"))
            .join(t("pg_catalog", "pg_class", "cc"))
            .on(Sql.column("cc", "oid").eq(Sql.column("i", "inhrelid")))
            .join(t("pg_catalog", "pg_namespace", "cn"))
            .on(Sql.column("cn", "oid").eq(Sql.column("cc", "relnamespace")))
            .join(t("pg_catalog", "pg_class", "pc"))
            .on(Sql.column("pc", "oid").eq(Sql.column("i", "inhparent")))
            .join(t("pg_catalog", "pg_namespace", "pn"))
            .on(Sql.column("pn", "oid").eq(Sql.column("pc", "relnamespace")))
            .join(t("pg_catalog", "pg_partitioned_table", "pt"))
            .on(Sql.column("pt", "partrelid").eq(Sql.column("pc", "oid")))
            .where(where)
            .orderBy(s("pn", "nspname"), s("pc", "relname"), s("cc", "relname"))
            .fetch();
    List<Partition> out = new ArrayList<>();
    int hidden = 0;
    for (var x : rows) {
      if (!r.policy.isTableVisible(x.value1(), x.value2())
          || !r.policy.isTableVisible(x.value3(), x.value4())) {
        hidden++;
        continue;
      }
      String key = x.value6();
      boolean valuesVisible = r.columnsVisible(x.value1(), x.value2(), keyColumns(key));
      out.add(
          new Partition(
              database,
              x.value1(),
              x.value2(),
              x.value3() + "." + x.value4(),
              null,
              null,
              key,
              null,
              strategy(x.value5()),
              valuesVisible ? x.value7() : null,
              x.value8(),
              null));
    }
    if (hidden > 0) {
      r.notes.add(hidden + " partitions of tables that access control hides are left out");
    }
    if (out.isEmpty() && hidden == 0) {
      r.notes.add("no partitioned tables" + (parent == null ? " in this database" : ""));
    }
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  /** The column part of {@code RANGE (created_at)}. */
  private static String keyColumns(String partKeyDef) {
    if (partKeyDef == null) {
      return null;
    }
    int p = partKeyDef.indexOf('(');
    return p < 0 ? partKeyDef : partKeyDef.substring(p);
  }

  private static String strategy(String code) {
    return switch (code == null ? "" : code) {
      case "r" -> "range";
      case "l" -> "list";
      case "h" -> "hash";
      default -> code;
    };
  }

  // --- pg_stat_statements
  // -------------------------------------------------------------------------

  static final String NO_PG_STAT_STATEMENTS =
      "pg_stat_statements is not installed in this database, so PostgreSQL keeps no statement"
          + " statistics: add pg_stat_statements to shared_preload_libraries (needs a restart), then"
          + " run CREATE EXTENSION pg_stat_statements in this database";

  static Listing<SlowStatement> slowest(Reader r, SlowRequest q) throws SQLException {
    String schema =
        r.dsl
            .select(s("n", "nspname"))
            .from(t("pg_catalog", "pg_extension", "e"))
            .join(t("pg_catalog", "pg_namespace", "n"))
            .on(Sql.column("n", "oid").eq(Sql.column("e", "extnamespace")))
            .where(s("e", "extname").eq(DSL.inline("pg_stat_statements")))
            .fetchOne(s("n", "nspname"));
    if (schema == null) {
      return Listing.unavailable(ENGINE, NO_PG_STAT_STATEMENTS);
    }
    // PostgreSQL 13 renamed total_time/mean_time/stddev_time to *_exec_time.
    boolean exec =
        r.dsl.fetchExists(
            DSL.selectOne()
                .from(t("pg_catalog", "pg_attribute", "a"))
                .join(t("pg_catalog", "pg_class", "c"))
                .on(Sql.column("c", "oid").eq(Sql.column("a", "attrelid")))
                .join(t("pg_catalog", "pg_namespace", "n"))
                .on(Sql.column("n", "oid").eq(Sql.column("c", "relnamespace")))
                .where(s("n", "nspname").eq(schema))
                .and(s("c", "relname").eq(DSL.inline("pg_stat_statements")))
                .and(s("a", "attname").eq(DSL.inline("total_exec_time"))));
    String suffix = exec ? "_exec_time" : "_time";
    Field<Double> total = d("p", "total" + suffix);
    Field<Double> mean = d("p", "mean" + suffix);
    Field<Long> calls = l("p", "calls");
    SortField<?> order =
        switch (q.orderBy()) {
          case "calls" -> calls.desc();
          case "mean_time" -> mean.desc();
          default -> total.desc();
        };
    Table<Record> view = Sql.table(schema, "pg_stat_statements", "p");
    var rows =
        r.optional(
            "statement statistics (pg_stat_statements)",
            () ->
                r.dsl
                    .select(
                        text("p", "queryid"),
                        s("p", "query"),
                        s("db", "datname"),
                        s("u", "rolname"),
                        calls,
                        total,
                        mean,
                        d("p", "stddev" + suffix),
                        l("p", "rows"))
                    .from(view)
                    .leftJoin(t("pg_catalog", "pg_database", "db"))
                    .on(Sql.column("db", "oid").eq(Sql.column("p", "dbid")))
                    .leftJoin(t("pg_catalog", "pg_roles", "u"))
                    .on(Sql.column("u", "oid").eq(Sql.column("p", "userid")))
                    .orderBy(order)
                    .limit(DSL.inline(q.limit() * 2 + 10))
                    .fetch());
    if (rows == null) {
      String why = r.notes.isEmpty() ? NO_PG_STAT_STATEMENTS : r.notes.remove(r.notes.size() - 1);
      return Listing.unavailable(
          ENGINE,
          why.contains("shared_preload_libraries") ? why : NO_PG_STAT_STATEMENTS + ". " + why);
    }
    TextFilter f = r.filter();
    List<SlowStatement> out = new ArrayList<>();
    for (var x : rows) {
      if (x.value3() != null && !r.policy.isDatabaseVisible(x.value3())) {
        continue;
      }
      if (out.size() == q.limit()) {
        break;
      }
      long n = x.value5() == null ? 0 : x.value5();
      out.add(
          new SlowStatement(
              x.value1(),
              f.show(x.value2()),
              x.value3(),
              x.value4(),
              n,
              x.value6() == null ? null : CockroachViews.round(x.value6()),
              x.value7() == null ? null : CockroachViews.round(x.value7()),
              x.value8() == null ? null : CockroachViews.round(x.value8()),
              x.value9() == null || n == 0 ? null : CockroachViews.round((double) x.value9() / n),
              null,
              null));
    }
    r.notes.add("from pg_stat_statements, since its last reset (pg_stat_statements_reset())");
    return new Listing<>(ENGINE, true, out, r.notes);
  }

  // --- index advice
  // -------------------------------------------------------------------------------

  /** Indexes no scan has used since the statistics were reset (pg_stat_user_indexes). */
  static List<Advice> unusedIndexes(Reader r, int limit) {
    var rows =
        r.dsl
            .select(
                s("s", "schemaname"),
                s("s", "relname"),
                s("s", "indexrelname"),
                l("s", "idx_scan"),
                Sql.fn("pg_relation_size", Long.class, Sql.column("s", "indexrelid")))
            .from(t("pg_catalog", "pg_stat_user_indexes", "s"))
            .join(t("pg_catalog", "pg_index", "i"))
            .on(Sql.column("i", "indexrelid").eq(Sql.column("s", "indexrelid")))
            .where(l("s", "idx_scan").eq(DSL.inline(0L)))
            .and(b("i", "indisunique").isFalse())
            .and(b("i", "indisprimary").isFalse())
            .and(
                DSL.notExists(
                    DSL.selectOne()
                        .from(t("pg_catalog", "pg_constraint", "k"))
                        .where(Sql.column("k", "conindid").eq(Sql.column("s", "indexrelid")))))
            .orderBy(Sql.fn("pg_relation_size", Long.class, Sql.column("s", "indexrelid")).desc())
            .limit(DSL.inline(limit))
            .fetch();
    List<Advice> out = new ArrayList<>();
    for (var x : rows) {
      if (!r.policy.isTableVisible(x.value1(), x.value2())) {
        continue;
      }
      out.add(
          new Advice(
              "unused",
              x.value1(),
              x.value2(),
              x.value3(),
              "no scan has used this index since the statistics were reset, yet every write"
                  + " maintains it (check replicas too: their scans are not counted here)",
              "DROP INDEX " + Sql.quote(x.value1()) + "." + Sql.quote(x.value3()),
              x.value4(),
              x.value5()));
    }
    return out;
  }

  /** Tables read mostly by sequential scans although they are not small (pg_stat_user_tables). */
  static List<Advice> seqScanHeavy(Reader r, long minRows, int limit) {
    Field<Long> seq = l("s", "seq_scan");
    Field<Long> idx = DSL.coalesce(l("s", "idx_scan"), DSL.inline(0L));
    var rows =
        r.dsl
            .select(
                s("s", "schemaname"),
                s("s", "relname"),
                seq,
                l("s", "seq_tup_read"),
                idx,
                l("s", "n_live_tup"),
                Sql.fn("pg_total_relation_size", Long.class, Sql.column("s", "relid")))
            .from(t("pg_catalog", "pg_stat_user_tables", "s"))
            .where(seq.gt(idx))
            .and(l("s", "n_live_tup").ge(DSL.inline(minRows)))
            .orderBy(l("s", "seq_tup_read").desc())
            .limit(DSL.inline(limit))
            .fetch();
    List<Advice> out = new ArrayList<>();
    for (var x : rows) {
      if (!r.policy.isTableVisible(x.value1(), x.value2())) {
        continue;
      }
      out.add(
          new Advice(
              "seq_scan_heavy",
              x.value1(),
              x.value2(),
              null,
              x.value3()
                  + " sequential scans read "
                  + x.value4()
                  + " rows, against "
                  + x.value5()
                  + " index scans, on a table of about "
                  + x.value6()
                  + " rows: statements filtering it may lack an index (slowest_statements and"
                  + " explain_query show which)",
              null,
              x.value3(),
              x.value7()));
    }
    return out;
  }

  /** When the statistics of the current database were last reset, or null (never). */
  static String statsReset(Reader r) {
    var x =
        r.dsl
            .select(text("d", "stats_reset"))
            .from(t("pg_catalog", "pg_stat_database", "d"))
            .where(s("d", "datname").eq(Sql.fn("current_database", String.class)))
            .fetchOne();
    return x == null ? null : iso(x.value1());
  }

  /** Index definitions of user tables from pg_index, for duplicate detection (both engines). */
  record IndexDef(
      String schema,
      String table,
      String index,
      long relid,
      String keys,
      String classes,
      String exprs,
      String pred,
      boolean unique,
      boolean primary,
      Long size) {}

  static List<IndexDef> indexDefs(Reader r, boolean sizes) {
    var rows =
        r.dsl
            .select(
                s("n", "nspname"),
                s("c", "relname"),
                s("ic", "relname"),
                Sql.column("i", "indrelid").cast(SQLDataType.BIGINT),
                Sql.column("i", "indkey").cast(SQLDataType.VARCHAR),
                Sql.column("i", "indclass").cast(SQLDataType.VARCHAR),
                DSL.coalesce(
                    Sql.fn(
                        "pg_get_expr",
                        String.class,
                        Sql.column("i", "indexprs"),
                        Sql.column("i", "indrelid")),
                    DSL.inline("")),
                DSL.coalesce(
                    Sql.fn(
                        "pg_get_expr",
                        String.class,
                        Sql.column("i", "indpred"),
                        Sql.column("i", "indrelid")),
                    DSL.inline("")),
                b("i", "indisunique"),
                b("i", "indisprimary"),
                sizes
                    ? Sql.fn("pg_relation_size", Long.class, Sql.column("i", "indexrelid"))
                    : DSL.castNull(SQLDataType.BIGINT))
            .from(t("pg_catalog", "pg_index", "i"))
            .join(t("pg_catalog", "pg_class", "ic"))
            .on(Sql.column("ic", "oid").eq(Sql.column("i", "indexrelid")))
            .join(t("pg_catalog", "pg_class", "c"))
            .on(Sql.column("c", "oid").eq(Sql.column("i", "indrelid")))
            .join(t("pg_catalog", "pg_namespace", "n"))
            .on(Sql.column("n", "oid").eq(Sql.column("c", "relnamespace")))
            .where(s("n", "nspname").notIn(Reader.SYSTEM_SCHEMAS))
            .and(s("n", "nspname").notLike("pg\\_%"))
            .orderBy(s("n", "nspname"), s("c", "relname"), s("ic", "relname"))
            .fetch();
    List<IndexDef> out = new ArrayList<>();
    for (var x : rows) {
      out.add(
          new IndexDef(
              x.value1(),
              x.value2(),
              x.value3(),
              x.value4() == null ? 0 : x.value4(),
              x.value5() == null ? "" : x.value5().trim(),
              x.value6() == null ? "" : x.value6().trim(),
              x.value7(),
              x.value8(),
              Boolean.TRUE.equals(x.value9()),
              Boolean.TRUE.equals(x.value10()),
              x.value11()));
    }
    return out;
  }

  /**
   * Duplicate indexes (same table, columns, operator classes, expressions and predicate) and
   * redundant ones (a plain index whose columns lead another index of the same table).
   */
  static List<Advice> duplicates(Reader r, List<IndexDef> defs, boolean cockroach) {
    List<Advice> out = new ArrayList<>();
    for (int i = 0; i < defs.size(); i++) {
      IndexDef a = defs.get(i);
      if (!r.policy.isTableVisible(a.schema(), a.table())) {
        continue;
      }
      for (int k = 0; k < defs.size(); k++) {
        IndexDef b = defs.get(k);
        if (k == i || a.relid() != b.relid() || a.keys().isBlank()) {
          continue;
        }
        boolean plain =
            a.exprs().isEmpty() && a.pred().isEmpty() && b.exprs().isEmpty() && b.pred().isEmpty();
        boolean same =
            a.keys().equals(b.keys())
                && a.classes().equals(b.classes())
                && a.exprs().equals(b.exprs())
                && a.pred().equals(b.pred());
        if (same) {
          // Report each pair once: drop the one that enforces nothing, else the later name.
          boolean dropA =
              (!a.unique() && !a.primary() && (b.unique() || b.primary()))
                  || (a.unique() == b.unique() && a.primary() == b.primary() && i > k);
          if (dropA && !a.primary()) {
            out.add(
                new Advice(
                    "duplicate",
                    a.schema(),
                    a.table(),
                    a.index(),
                    "indexes the same columns the same way as "
                        + b.index()
                        + "; one of them is enough",
                    dropStatement(a, cockroach),
                    null,
                    a.size()));
          }
        } else if (plain
            && !a.unique()
            && !a.primary()
            && startsWith(b.keys(), a.keys())
            && startsWith(b.classes(), a.classes())) {
          out.add(
              new Advice(
                  "redundant",
                  a.schema(),
                  a.table(),
                  a.index(),
                  "its columns are the leading columns of "
                      + b.index()
                      + ", which serves the same lookups",
                  dropStatement(a, cockroach),
                  null,
                  a.size()));
          break;
        }
      }
    }
    return out;
  }

  private static boolean startsWith(String longer, String shorter) {
    String[] l = longer.split("\\s+");
    String[] s = shorter.split("\\s+");
    if (s.length >= l.length) {
      return false;
    }
    for (int i = 0; i < s.length; i++) {
      if (!s[i].equals(l[i])) {
        return false;
      }
    }
    return true;
  }

  private static String dropStatement(IndexDef a, boolean cockroach) {
    return cockroach
        ? "DROP INDEX "
            + Sql.quote(a.schema())
            + "."
            + Sql.quote(a.table())
            + "@"
            + Sql.quote(a.index())
        : "DROP INDEX " + Sql.quote(a.schema()) + "." + Sql.quote(a.index());
  }

  /** Database-wide figures of pg_stat_database for node_details, by name. */
  static List<Metric> databaseMetrics(Reader r) {
    var x =
        r.dsl
            .select(
                l("d", "numbackends"),
                l("d", "xact_commit"),
                l("d", "xact_rollback"),
                l("d", "blks_read"),
                l("d", "blks_hit"),
                l("d", "tup_returned"),
                l("d", "tup_inserted"),
                l("d", "tup_updated"),
                l("d", "tup_deleted"),
                l("d", "deadlocks"),
                l("d", "temp_bytes"),
                Sql.fn("pg_database_size", Long.class, s("d", "datname")))
            .from(t("pg_catalog", "pg_stat_database", "d"))
            .where(s("d", "datname").eq(Sql.fn("current_database", String.class)))
            .fetchOne();
    List<Metric> out = new ArrayList<>();
    if (x == null) {
      return out;
    }
    String[] names = {
      "connections", "commits", "rollbacks", "blocks_read", "blocks_hit", "rows_returned",
      "rows_inserted", "rows_updated", "rows_deleted", "deadlocks", "temp_bytes",
          "database_size_bytes"
    };
    for (int i = 0; i < names.length; i++) {
      out.add(new Metric(names[i], x.get(i)));
    }
    Long read = x.value4();
    Long hit = x.value5();
    if (read != null && hit != null && read + hit > 0) {
      out.add(new Metric("cache_hit_ratio", Math.round(10000.0 * hit / (read + hit)) / 10000.0));
    }
    return out;
  }
}
