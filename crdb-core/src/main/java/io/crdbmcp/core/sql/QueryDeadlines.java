package io.crdbmcp.core.sql;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's backstop behind the server's statement timeout for {@link SqlExecutor#query}: a
 * statement still executing past its deadline is cancelled with {@link Statement#cancel} (the wire
 * protocol's cancel request for its backend), which is what the driver's own query timeout ({@link
 * Statement#setQueryTimeout}) does. The database then answers the statement with its "canceling
 * statement" error (SQLSTATE 57014), which callers report as a query timeout.
 *
 * <p>Written here rather than left to the driver because of what the driver's timeout costs on a
 * short statement: it schedules a {@code java.util.Timer} task per statement and wakes the timer's
 * thread each time, which on a one-row call was about 2% of the call's time on the calling thread
 * and as much CPU again on the timer's (async-profiler, 2026-12-07). Here a statement is put in a
 * map when it starts and taken out when it ends, and one daemon thread looks at the map every
 * {@value #TICK_MS} ms, so a deadline is kept to within that.
 */
final class QueryDeadlines {
  /** How often the running statements are looked at, in milliseconds. */
  static final long TICK_MS = 250;

  private static final Logger LOG = LoggerFactory.getLogger(QueryDeadlines.class);

  /** Statements executing now, with their deadlines ({@link System#nanoTime}). */
  private static final Map<Watch, Boolean> RUNNING = new ConcurrentHashMap<>();

  private static volatile ScheduledExecutorService ticker;

  private QueryDeadlines() {}

  /**
   * Watches {@code statement} from now until the returned watch is closed, cancelling it if that
   * takes longer than {@code millis}.
   */
  static Watch watch(Statement statement, long millis) {
    startTicker();
    Watch w = new Watch(statement, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    RUNNING.put(w, Boolean.TRUE);
    return w;
  }

  /** How many statements are watched now (for tests). */
  static int watched() {
    return RUNNING.size();
  }

  private static void startTicker() {
    if (ticker != null) {
      return;
    }
    synchronized (QueryDeadlines.class) {
      if (ticker == null) {
        ScheduledExecutorService t =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread th = new Thread(r, "crdb-query-deadlines");
                  th.setDaemon(true);
                  return th;
                });
        t.scheduleWithFixedDelay(QueryDeadlines::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        ticker = t;
      }
    }
  }

  private static void tick() {
    long now = System.nanoTime();
    for (Watch w : RUNNING.keySet()) {
      if (now - w.deadline > 0 && RUNNING.remove(w) != null) {
        w.expired = true;
        try {
          w.statement.cancel();
        } catch (SQLException | RuntimeException e) {
          LOG.debug("cancelling a statement past its deadline failed: {}", e.toString());
        }
      }
    }
  }

  /** One statement watched; {@link #close} when its execution returned (or failed). */
  static final class Watch implements AutoCloseable {
    private final Statement statement;
    private final long deadline;
    private volatile boolean expired;

    private Watch(Statement statement, long deadline) {
      this.statement = statement;
      this.deadline = deadline;
    }

    /** Whether the deadline passed and the statement was cancelled. */
    boolean expired() {
      return expired;
    }

    @Override
    public void close() {
      RUNNING.remove(this);
    }
  }
}
