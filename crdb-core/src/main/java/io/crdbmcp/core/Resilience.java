package io.crdbmcp.core;

import java.time.Duration;

/**
 * How the engine copes with a failing database: retries of statements that are safe to repeat, a
 * circuit breaker per connection, and the watchdog that checks the pools and cancels runaway work.
 * Read from {@code CRDB_RETRY_*}, {@code CRDB_BREAKER_*} and {@code CRDB_WATCHDOG_*} (see {@link
 * CrdbConfig#OPERATIONS_SETTINGS}).
 *
 * @param retryAttempts attempts at most for a statement that may be repeated (1: no retry)
 * @param retryBackoff the first wait before a retry; it doubles, with jitter, for each further one
 * @param breakerThreshold consecutive connection failures of one connection that open its breaker
 * @param breakerWait how long an open breaker refuses calls before it lets one try again
 * @param watchdogEnabled whether the watchdog runs
 * @param watchdogInterval how often the watchdog checks the pools and the running work
 * @param watchdogTimeout work of one call running longer than this is cancelled on the server
 */
public record Resilience(
    int retryAttempts,
    Duration retryBackoff,
    int breakerThreshold,
    Duration breakerWait,
    boolean watchdogEnabled,
    Duration watchdogInterval,
    Duration watchdogTimeout) {

  public static final int DEFAULT_RETRY_ATTEMPTS = 3;
  public static final int DEFAULT_RETRY_BACKOFF_MS = 100;
  public static final int DEFAULT_BREAKER_THRESHOLD = 5;
  public static final int DEFAULT_BREAKER_WAIT = 30;
  public static final int DEFAULT_WATCHDOG_INTERVAL = 30;
  public static final int DEFAULT_WATCHDOG_TIMEOUT = 60;

  /** The defaults. */
  public static Resilience defaults() {
    return new Resilience(
        DEFAULT_RETRY_ATTEMPTS,
        Duration.ofMillis(DEFAULT_RETRY_BACKOFF_MS),
        DEFAULT_BREAKER_THRESHOLD,
        Duration.ofSeconds(DEFAULT_BREAKER_WAIT),
        true,
        Duration.ofSeconds(DEFAULT_WATCHDOG_INTERVAL),
        Duration.ofSeconds(DEFAULT_WATCHDOG_TIMEOUT));
  }

  static Resilience fromEnvironment(CrdbConfig.Env e) {
    return new Resilience(
        e.positiveInt("CRDB_RETRY_MAX_ATTEMPTS", DEFAULT_RETRY_ATTEMPTS),
        Duration.ofMillis(DEFAULT_RETRY_BACKOFF_MS),
        e.positiveInt("CRDB_BREAKER_THRESHOLD", DEFAULT_BREAKER_THRESHOLD),
        Duration.ofSeconds(e.positiveInt("CRDB_BREAKER_WAIT", DEFAULT_BREAKER_WAIT)),
        e.bool("CRDB_WATCHDOG_ENABLED", true),
        Duration.ofSeconds(e.positiveInt("CRDB_WATCHDOG_INTERVAL", DEFAULT_WATCHDOG_INTERVAL)),
        Duration.ofSeconds(e.positiveInt("CRDB_WATCHDOG_TIMEOUT", DEFAULT_WATCHDOG_TIMEOUT)));
  }
}
