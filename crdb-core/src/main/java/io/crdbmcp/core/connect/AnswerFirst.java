package io.crdbmcp.core.connect;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a transport send a call's answer before the connection the call used is cleaned and given
 * back: inside {@link #run}, {@link Database#release} keeps the release (the rollback of a read,
 * the session reset, the return to the pool) for the end of {@code run} instead of making that
 * round trip before the answer can go. The transport runs the whole exchange (the call, then
 * writing its answer) inside {@link #run}, on one thread; the client reads the answer one database
 * round trip sooner. Nothing the answer reports is deferred: a write's commit, and a failed call's
 * rollback, happen before the release, where they always did.
 *
 * <p>At most one release waits per thread: before the same thread borrows again (a second statement
 * of the call, a retry) or defers another, the waiting one runs first, so a call never holds two
 * connections and cannot wait on a pool only it could refill. Outside {@link #run} (library
 * callers, the HTTP transports, background threads) releases happen at once, as before.
 *
 * <p>A connection whose release waits is still lent: no other call gets it until it is clean. With
 * an executor ({@link #run(Runnable, Executor)}) the release runs there, after the run: the stdio
 * transport's thread then reads the next request while the connection is cleaned.
 */
public final class AnswerFirst {
  private static final Logger LOG = LoggerFactory.getLogger(AnswerFirst.class);
  private static final ThreadLocal<AnswerFirst> CURRENT = new ThreadLocal<>();

  private Runnable waiting;

  private AnswerFirst() {}

  /**
   * Runs {@code exchange} with releases kept for its end, then runs the one still waiting, however
   * {@code exchange} ended. Nested calls run inside the outer one's scope.
   */
  public static void run(Runnable exchange) {
    run(exchange, Runnable::run);
  }

  /**
   * {@link #run(Runnable)}, with the release still waiting at the end given to {@code releases}
   * (run on this thread if it refuses it): the thread that ran the exchange is free at once, for
   * instance to read the client's next request while another thread cleans the connection. The
   * connection is still lent until that release is done, so no other call gets it before.
   */
  public static void run(Runnable exchange, Executor releases) {
    if (CURRENT.get() != null) {
      exchange.run();
      return;
    }
    AnswerFirst scope = new AnswerFirst();
    CURRENT.set(scope);
    try {
      exchange.run();
    } finally {
      CURRENT.remove();
      Runnable r = scope.waiting;
      scope.waiting = null;
      if (r != null) {
        handOver(r, releases);
      }
    }
  }

  private static void handOver(Runnable release, Executor releases) {
    // Run once at most: an executor that fails after queueing it (a thread it could not start)
    // must not have it run twice, on a connection by then given back and lent to another call.
    AtomicBoolean ran = new AtomicBoolean();
    Runnable guarded =
        () -> {
          if (!ran.compareAndSet(false, true)) {
            return;
          }
          try {
            release.run();
          } catch (RuntimeException e) {
            LOG.warn("a connection's release failed: {}", e.toString());
          }
        };
    try {
      releases.execute(guarded);
    } catch (RuntimeException | Error e) {
      if (ran.get()) {
        throw e; // the release ran (an Error from it, on this thread): not swallowed
      }
      // Refused (RejectedExecutionException), or the executor failed: released here, or the
      // connection would stay lent and the pool one short for good.
      guarded.run();
    }
  }

  /** Whether this thread is inside {@link #run} (for tests and diagnostics). */
  public static boolean active() {
    return CURRENT.get() != null;
  }

  /**
   * Keeps {@code release} for the end of this thread's {@link #run}, after running the release
   * already waiting; {@code false} (and nothing kept) outside {@link #run}.
   */
  static boolean defer(Runnable release) {
    AnswerFirst scope = CURRENT.get();
    if (scope == null) {
      return false;
    }
    scope.releaseWaiting();
    scope.waiting = release;
    return true;
  }

  /** Runs this thread's waiting release now, if any: called before the thread borrows again. */
  static void releaseNow() {
    AnswerFirst scope = CURRENT.get();
    if (scope != null) {
      scope.releaseWaiting();
    }
  }

  private void releaseWaiting() {
    Runnable r = waiting;
    if (r != null) {
      waiting = null;
      r.run();
    }
  }
}
