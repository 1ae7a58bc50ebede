package io.crdbmcp.tools.ops;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.Lazy;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.tools.CallListener;
import io.crdbmcp.tools.CallRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's metrics, on Micrometer with a Prometheus registry: per tool, calls by outcome with a
 * latency histogram ({@code crdb_mcp_tool_calls_seconds}), errors by code ({@code
 * crdb_mcp_tool_errors_total}), rate-limit refusals ({@code crdb_mcp_rate_limited_total}); per
 * connection, pool usage ({@code crdb_mcp_pool_connections} by state) and whether its circuit
 * breaker is open ({@code crdb_mcp_breaker_open}). A {@link CallListener}, so it sees every ended
 * call, refused ones included. {@link #scrape} is the Prometheus text: {@code /metrics} over HTTP,
 * the {@code cockroachdb://metrics} resource for every transport.
 */
public final class Metrics implements CallListener {
  private final Crdb crdb;

  /**
   * The registry and its gauges, made at the first call or scrape, not with the server: a
   * Prometheus registry (its configuration checked, Micrometer's classes set up) was about 13 ms of
   * the main thread before the stdio server's first answer (async-profiler, 2026-12-07). {@code
   * CallPathWarmUp} sets up the same classes on a background thread once that answer is sent.
   */
  private final Lazy<Registry> registry = Lazy.of(Registry::new);

  private static final class Registry {
    final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final MultiGauge pools =
        MultiGauge.builder("crdb_mcp_pool_connections")
            .description("Pooled connections of each database connection, by state")
            .register(meters);
    final MultiGauge breakers =
        MultiGauge.builder("crdb_mcp_breaker_open")
            .description("1 while the connection's circuit breaker refuses calls")
            .register(meters);
  }

  /**
   * The call timers by tool and outcome, as registered: building a timer's id (its tags sorted) to
   * look it up in the registry at every call was about 2% of a one-row call's CPU.
   */
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public Metrics(Crdb crdb) {
    this.crdb = crdb;
  }

  @Override
  public void callEnded(CallRecord r) {
    PrometheusMeterRegistry meters = registry.get().meters;
    String outcome = r.outcome() == null ? "unknown" : r.outcome().name().toLowerCase(Locale.ROOT);
    timers
        .computeIfAbsent(
            r.tool() + '\u0000' + outcome,
            k ->
                Timer.builder("crdb_mcp_tool_calls")
                    .description("Tool calls by tool and outcome")
                    .tags("tool", r.tool(), "outcome", outcome)
                    .publishPercentileHistogram()
                    .register(meters))
        .record(r.duration());
    String code = r.errorCode();
    if (code != null) {
      Counter.builder("crdb_mcp_tool_errors")
          .description("Failed or refused tool calls by error code")
          .tags("tool", r.tool(), "code", code)
          .register(meters)
          .increment();
      if (code.equals("RATE_LIMITED")) {
        Counter.builder("crdb_mcp_rate_limited")
            .description("Calls refused by a rate limit")
            .tags("tool", r.tool())
            .register(meters)
            .increment();
      }
    }
  }

  /** The Prometheus text exposition of every metric, pool and breaker figures read now. */
  public String scrape() {
    List<MultiGauge.Row<?>> poolRows = new ArrayList<>();
    List<MultiGauge.Row<?>> breakerRows = new ArrayList<>();
    for (Database db : crdb.connections().all()) {
      String name = db.spec().name();
      poolRows.add(
          MultiGauge.Row.of(
              Tags.of("connection", name, "state", "active"), db.activeConnections()));
      poolRows.add(
          MultiGauge.Row.of(Tags.of("connection", name, "state", "idle"), db.idleConnections()));
      poolRows.add(
          MultiGauge.Row.of(Tags.of("connection", name, "state", "total"), db.totalConnections()));
      breakerRows.add(
          MultiGauge.Row.of(
              Tags.of("connection", name), "open".equals(crdb.breaker(db).state()) ? 1 : 0));
    }
    Registry r = registry.get();
    r.pools.register(poolRows, true);
    r.breakers.register(breakerRows, true);
    return r.meters.scrape();
  }
}
