package io.crdbmcp.core.sql;

import java.time.Instant;

/**
 * The circuit breaker of one connection, as {@code list_connections} and the metrics show it.
 *
 * @param state {@code closed} (calls run), {@code open} (calls are refused until {@code retryAt})
 *     or {@code half_open} (one call tests the database)
 * @param failures connection failures among the recent calls the breaker counts
 * @param retryAt when an open breaker lets a call through again; null unless open
 */
public record BreakerState(String state, int failures, Instant retryAt) {
  /** The breaker of a connection that has not failed. */
  public static final BreakerState CLOSED = new BreakerState("closed", 0, null);
}
