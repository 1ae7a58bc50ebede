package io.crdbmcp.core.connect;

import java.sql.SQLException;

/**
 * The database's "canceling statement" error (SQLSTATE 57014) of a statement the connection
 * watchdog cancelled, so the caller is told the watchdog's limit rather than the query timeout.
 */
public final class WatchdogCancelled extends SQLException {
  private final long limitSeconds;

  WatchdogCancelled(SQLException cause, long limitSeconds) {
    super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
    this.limitSeconds = limitSeconds;
  }

  /** The watchdog's limit ({@code CRDB_WATCHDOG_TIMEOUT}), in seconds. */
  public long limitSeconds() {
    return limitSeconds;
  }
}
