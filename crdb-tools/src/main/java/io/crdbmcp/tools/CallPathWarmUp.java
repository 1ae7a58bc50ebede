package io.crdbmcp.tools;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.safety.SqlGuard;
import io.crdbmcp.core.sql.JdbcSql;
import io.crdbmcp.core.sql.QueryResult;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does once, on a background thread, what the first {@code tools/call} of a session would otherwise
 * do while its client waits: the classes of the SQL guard, the renderer, the answer's JSON writing
 * ({@link WireJson}; Jackson's data binding before 2026-12-08, when building its serializers was
 * about 33 ms of the first one-row call) and a Prometheus timer with its histogram (about 30 ms)
 * are loaded and first run (async-profiler, wall clock, 2026-12-07).
 *
 * <p>Only throwaway objects: nothing is sent, no database is touched, no metric of the server is
 * recorded, and a failure costs only the head start. A transport starts it once the {@code
 * initialize} answer is on its way ({@link #startOnce}), so it does not compete with the start-up
 * for the CPU.
 */
public final class CallPathWarmUp {
  private static final Logger LOG = LoggerFactory.getLogger(CallPathWarmUp.class);

  private final AtomicBoolean started = new AtomicBoolean();

  /**
   * Starts {@link #run} on a daemon thread the first time it is called; later calls do nothing.
   * Returns whether this call started it.
   */
  public boolean startOnce(McpJsonMapper json) {
    if (!started.compareAndSet(false, true)) {
      return false;
    }
    Thread t = new Thread(() -> run(json), "crdb-call-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return true;
  }

  /** The warm-up itself; true when all of it went through. */
  public static boolean run(McpJsonMapper json) {
    try {
      String sql = "SELECT id, name FROM warm_up WHERE id = $1 ORDER BY name LIMIT 10";
      new SqlGuard(SafetyPolicy.permissive()).check(sql);
      JdbcSql.of(sql).bind(List.of(1));
      QueryResult r =
          new QueryResult(
              List.of(new QueryResult.Column("id", "int8"), new QueryResult.Column("name", "text")),
              List.of(List.of(1L, "warm-up")),
              false,
              1,
              -1,
              0.25);
      for (boolean asJson : new boolean[] {false, true}) {
        CallToolResult out = CrdbTools.success(Render.queryResult(r, asJson, "warm-up"));
        json.writeValueAsBytes(
            new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, 1, out, null));
      }
      CallToolResult error =
          CrdbTools.error(CrdbException.invalidArgument("warm-up", "nothing to do"));
      json.writeValueAsBytes(
          new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, "1", error, null));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Timer.builder("warm_up")
          .tags("tool", "warm_up", "outcome", "success")
          .publishPercentileHistogram()
          .register(registry)
          .record(Duration.ofNanos(250_000));
      registry.scrape();
      registry.close();
      return true;
    } catch (Exception | LinkageError e) {
      LOG.debug("call path warm-up failed (no effect on the session): {}", e.toString());
      return false;
    }
  }
}
