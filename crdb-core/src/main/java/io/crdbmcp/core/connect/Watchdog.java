package io.crdbmcp.core.connect;

import io.crdbmcp.core.Resilience;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every open connection every {@link Resilience#watchdogInterval()} ({@code
 * CRDB_WATCHDOG_INTERVAL}):
 *
 * <ul>
 *   <li>work of a call running longer than {@link Resilience#watchdogTimeout()} ({@code
 *       CRDB_WATCHDOG_TIMEOUT}) is cancelled <em>on the database server</em>, with the wire
 *       protocol's cancel request for that connection's backend (what {@code pg_cancel_backend}
 *       does on PostgreSQL; CockroachDB accepts the same request), so the statement stops there
 *       instead of being abandoned by the client; the call gets the database's cancellation error;
 *   <li>a pool that has connections is checked with {@code SELECT 1} on one idle connection; when
 *       that fails, every connection of the pool is replaced (idle ones at once, busy ones when
 *       they come back), so the next call gets a fresh connection.
 * </ul>
 *
 * What it finds is logged when it changes (and every cancellation and rebuild), and shown by {@code
 * list_connections} ({@link Database#lastCheck()}).
 */
public final class Watchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  /** One check of a pool: when, whether it answered, and what went wrong if not. */
  public record Check(Instant at, boolean ok, String problem) {}

  private final Connections connections;
  private final Resilience settings;
  private final ScheduledExecutorService timer;

  public Watchdog(Connections connections, Resilience settings) {
    this.connections = connections;
    this.settings = settings;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "crdb-watchdog");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the periodic checks. */
  public Watchdog start() {
    long every = settings.watchdogInterval().toMillis();
    timer.scheduleWithFixedDelay(this::runGuarded, every, every, TimeUnit.MILLISECONDS);
    LOG.debug(
        "watchdog: every {} s, cancelling work past {} s",
        settings.watchdogInterval().toSeconds(),
        settings.watchdogTimeout().toSeconds());
    return this;
  }

  private void runGuarded() {
    try {
      checkAll();
    } catch (RuntimeException e) {
      LOG.warn("watchdog: check failed: {}", e.toString());
    }
  }

  /** One round over every open connection. */
  void checkAll() {
    for (Database db : connections.all()) {
      cancelOverdue(db);
      checkPool(db);
    }
  }

  private void cancelOverdue(Database db) {
    long now = System.nanoTime();
    long limit = settings.watchdogTimeout().toNanos();
    for (Map.Entry<Connection, Long> e : db.busyConnections().entrySet()) {
      long ranNanos = now - e.getValue();
      if (ranNanos < limit) {
        continue;
      }
      Connection c = e.getKey();
      // Again only after another full timeout, if the cancel does not stop it.
      db.busyConnections().replace(c, e.getValue(), now);
      try {
        PGConnection pg = c.unwrap(PGConnection.class);
        int pid = pg.getBackendPID();
        db.countCancelled(); // before: the call may see its error before this thread goes on
        db.watchdogCancelling(c, settings.watchdogTimeout().toSeconds());
        pg.cancelQuery();
        LOG.warn(
            "watchdog: cancelled the statement of connection '{}' (backend {}) on the server: it"
                + " ran {} s, past CRDB_WATCHDOG_TIMEOUT ({} s)",
            db.name(),
            pid,
            ranNanos / 1_000_000_000L,
            settings.watchdogTimeout().toSeconds());
      } catch (SQLException | RuntimeException ex) {
        LOG.warn(
            "watchdog: could not cancel the overdue statement of connection '{}': {}",
            db.name(),
            ex.toString());
      }
    }
  }

  private void checkPool(Database db) {
    if (!db.hasPool() || db.totalConnections() == 0) {
      return;
    }
    Connection c = db.borrowAtOnce();
    if (c == null) {
      return; // all busy (they are in use, so they work) or the last login failed
    }
    String problem = null;
    try (Statement s = c.createStatement()) {
      s.setQueryTimeout(5);
      s.execute("SELECT 1");
    } catch (SQLException e) {
      problem = SqlErrors.firstLine(e.getMessage());
    } finally {
      db.releaseAfterRollback(c);
    }
    Check before = db.lastCheck();
    Check now = new Check(Instant.now(), problem == null, problem);
    db.lastCheck(now);
    if (problem != null) {
      db.rebuild();
      LOG.warn(
          "watchdog: the pool of connection '{}' is broken ({}): its connections are replaced",
          db.name(),
          problem);
    } else if (before != null && !before.ok()) {
      LOG.info("watchdog: connection '{}' answers again", db.name());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
