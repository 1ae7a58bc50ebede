package io.crdbmcp.core.sql;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Resilience;
import io.crdbmcp.core.connect.Database;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries and circuit breakers of {@link SqlExecutor}, on resilience4j: the one place where a
 * failed execution is tried again.
 *
 * <ul>
 *   <li><b>What is retried</b>: a read in a transaction of its own, after a CockroachDB retry error
 *       (SQLSTATE 40001) or a connection that broke under it; a write in a transaction the server
 *       runs itself, only after 40001 (the database rolled it back, so nothing was written). No
 *       connection at all is not retried here: the pool already waited for one. A write whose
 *       connection broke after it was sent has an unknown outcome and is never run again;
 *       statements of an explicit transaction are not retried (the client owns the transaction).
 *       Waits grow exponentially with jitter.
 *   <li><b>The breaker</b>, one per connection: after {@link Resilience#breakerThreshold()}
 *       connection failures in a row it opens, and calls on that connection are refused at once for
 *       {@link Resilience#breakerWait()} with the time it will try again; then one call is let
 *       through, and its outcome closes or reopens the breaker. Only connection failures count: a
 *       database that answers with an SQL error is up.
 * </ul>
 */
final class Resilient {
  private static final Logger LOG = LoggerFactory.getLogger(Resilient.class);
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  private static final ThreadLocal<Boolean> NO_RETRY = new ThreadLocal<>();

  private final Resilience settings;
  private final Retry reads;
  private final Retry writes;
  private final CircuitBreakerConfig breakerConfig;
  private final Map<Database, Breaker> breakers = Collections.synchronizedMap(new WeakHashMap<>());

  private static final class Breaker {
    final CircuitBreaker cb;
    volatile Instant retryAt;

    Breaker(CircuitBreaker cb) {
      this.cb = cb;
    }
  }

  Resilient(Resilience settings) {
    this.settings = settings;
    IntervalFunction backoff =
        IntervalFunction.ofExponentialRandomBackoff(settings.retryBackoff(), 2.0, 0.5);
    this.reads = retry("reads", backoff, Resilient::retryableRead);
    this.writes = retry("writes", backoff, Resilient::retryableWrite);
    this.breakerConfig =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(settings.breakerThreshold())
            .minimumNumberOfCalls(settings.breakerThreshold())
            .failureRateThreshold(100f)
            .waitDurationInOpenState(settings.breakerWait())
            .permittedNumberOfCallsInHalfOpenState(1)
            .recordException(Resilient::isConnectionFailure)
            .build();
  }

  private Retry retry(String name, IntervalFunction backoff, Predicate<Throwable> when) {
    Retry r =
        Retry.of(
            name,
            RetryConfig.custom()
                .maxAttempts(settings.retryAttempts())
                .intervalFunction(backoff)
                .retryOnException(when)
                .build());
    r.getEventPublisher()
        .onRetry(
            e ->
                LOG.info(
                    "retrying {} (attempt {} of {}) in {} ms after: {}",
                    name.equals("reads") ? "a read" : "a write that did not run",
                    e.getNumberOfRetryAttempts() + 1,
                    settings.retryAttempts(),
                    e.getWaitInterval().toMillis(),
                    message(e.getLastThrowable())));
    return r;
  }

  /**
   * Runs {@code attempt} under the breaker of {@code db}, again as the retry rules allow; {@link
   * NotSent} from {@code attempt} marks a failure before anything reached the database.
   */
  <T> T call(Database db, Access access, Supplier<T> attempt) {
    Breaker b = breaker(db);
    Supplier<T> guarded =
        () -> {
          if (!b.cb.tryAcquirePermission()) {
            throw open(db, b);
          }
          long start = System.nanoTime();
          try {
            T r = attempt.get();
            b.cb.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return r;
          } catch (RuntimeException e) {
            b.cb.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, unwrap(e));
            throw e;
          }
        };
    boolean once = Boolean.TRUE.equals(NO_RETRY.get());
    Supplier<T> run =
        once ? guarded : Retry.decorateSupplier(access == Access.READ ? reads : writes, guarded);
    try {
      return run.get();
    } catch (NotSent e) {
      throw e.failure;
    }
  }

  /** Runs {@code body} with no retries of its SQL (work whose effects outside SQL repeat). */
  static <T> T once(Supplier<T> body) {
    Boolean before = NO_RETRY.get();
    NO_RETRY.set(Boolean.TRUE);
    try {
      return body.get();
    } finally {
      if (before == null) {
        NO_RETRY.remove();
      } else {
        NO_RETRY.set(before);
      }
    }
  }

  BreakerState state(Database db) {
    Breaker b = breakers.get(db);
    if (b == null) {
      return BreakerState.CLOSED;
    }
    CircuitBreaker.State s = b.cb.getState();
    return new BreakerState(
        s.name().toLowerCase(java.util.Locale.ROOT),
        b.cb.getMetrics().getNumberOfFailedCalls(),
        s == CircuitBreaker.State.OPEN ? b.retryAt : null);
  }

  private Breaker breaker(Database db) {
    return breakers.computeIfAbsent(
        db,
        d -> {
          CircuitBreaker cb = CircuitBreaker.of("crdb-" + d.name(), breakerConfig);
          Breaker b = new Breaker(cb);
          cb.getEventPublisher()
              .onStateTransition(
                  e -> {
                    switch (e.getStateTransition().getToState()) {
                      case OPEN -> {
                        b.retryAt = Instant.now().plus(settings.breakerWait());
                        LOG.warn(
                            "connection '{}' failed {} times in a row: its circuit breaker is open,"
                                + " calls on it are refused until {}",
                            d.name(),
                            settings.breakerThreshold(),
                            CLOCK.format(b.retryAt));
                      }
                      case HALF_OPEN ->
                          LOG.info("connection '{}': trying the database again", d.name());
                      case CLOSED -> {
                        b.retryAt = null;
                        LOG.info(
                            "connection '{}' works again: its circuit breaker is closed", d.name());
                      }
                      default -> {}
                    }
                  });
          return b;
        });
  }

  private CrdbException open(Database db, Breaker b) {
    Instant at = b.retryAt == null ? Instant.now().plus(settings.breakerWait()) : b.retryAt;
    long in = Math.max(1, Duration.between(Instant.now(), at).toSeconds());
    return new BreakerOpen(
        "connection '"
            + db.name()
            + "' is failing ("
            + settings.breakerThreshold()
            + " connection failures in a row): calls on it are refused until "
            + CLOCK.format(at)
            + " (in "
            + in
            + " s), when one call is let through to test it",
        "wait until then and call again; check that the database at "
            + db.spec().host()
            + ":"
            + db.spec().port()
            + " is up (CRDB_BREAKER_THRESHOLD and CRDB_BREAKER_WAIT tune the breaker)");
  }

  /** Refusal by an open breaker: never retried. */
  static final class BreakerOpen extends CrdbException {
    BreakerOpen(String message, String suggestion) {
      super(ErrorCode.CONNECTION_FAILED, message, suggestion);
    }
  }

  /** A failure before anything was sent (no connection): a write may be tried again. */
  static final class NotSent extends RuntimeException {
    final CrdbException failure;

    NotSent(CrdbException failure) {
      super(failure.getMessage(), failure, false, false);
      this.failure = failure;
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof NotSent n ? n.failure : e;
  }

  private static String message(Throwable e) {
    Throwable t = unwrap(e);
    return t == null ? "?" : t.getMessage();
  }

  /**
   * The database could not be reached or the connection broke: not an SQL error, not a refused
   * login, not a pool whose connections are all busy.
   */
  static boolean isConnectionFailure(Throwable t) {
    Throwable e = unwrap(t);
    if (!(e instanceof CrdbException c)
        || e instanceof BreakerOpen
        || c.code() != ErrorCode.CONNECTION_FAILED) {
      return false;
    }
    if (c.sqlState() != null && c.sqlState().startsWith("28")) {
      return false; // the server answered: the login was refused
    }
    return !(c.getCause() instanceof SQLTransientConnectionException p && p.getCause() == null);
  }

  private static boolean isRetryError(Throwable t) {
    return unwrap(t) instanceof CrdbException c && "40001".equals(c.sqlState());
  }

  /**
   * A failure to get a connection at all ({@link NotSent}) is not tried again here: the pool has
   * already waited and retried for its connection timeout, and a database that is down would
   * otherwise keep the caller waiting that long once per attempt. It counts for the breaker.
   */
  static boolean retryableRead(Throwable t) {
    return isRetryError(t) || (!(t instanceof NotSent) && isConnectionFailure(t));
  }

  static boolean retryableWrite(Throwable t) {
    return isRetryError(t);
  }
}
