package io.crdbmcp.tools.ops;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crdbmcp.core.Caller;
import io.crdbmcp.tools.ToolCall;
import io.crdbmcp.tools.ToolInterceptor;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Rate limits of a server many clients share ({@code CRDB_RATE_LIMIT_*}), at the {@link
 * ToolInterceptor.Stage#RATE_LIMIT} stage of every call: a token bucket (Bucket4j) per session and
 * one per authenticated user, each holding {@code requests} calls and refilled at {@code requests}
 * per {@code window}; and at most {@code concurrent} calls of one user (or, without authentication,
 * of one session) running at once. A refused call is an {@code isError} result with code {@code
 * RATE_LIMITED} that says which limit and when to try again; nothing runs.
 *
 * <p>Buckets and permits live in Caffeine caches that forget a key idle for two windows (then its
 * bucket would be full again anyway), so a server with many short sessions keeps no state for them.
 */
public final class RateLimits implements ToolInterceptor {
  private final int requests;
  private final Duration window;
  private final int concurrent;
  private final Cache<String, Bucket> buckets;
  private final Cache<String, Semaphore> running;

  /**
   * @param requests calls per window of one session, and of one user
   * @param window the time in which a bucket refills completely
   * @param concurrent calls of one user (or session) running at once at most; 0 for no cap
   */
  public RateLimits(int requests, Duration window, int concurrent) {
    if (requests < 1 || window.isNegative() || window.isZero() || concurrent < 0) {
      throw new IllegalArgumentException("requests >= 1, window > 0, concurrent >= 0");
    }
    this.requests = requests;
    this.window = window;
    this.concurrent = concurrent;
    Duration idle = window.multipliedBy(2);
    // Upkeep on the calling thread, as in SqlGuard: no wake-up of another thread per call.
    this.buckets =
        Caffeine.newBuilder()
            .expireAfterAccess(idle)
            .maximumSize(100_000)
            .executor(Runnable::run)
            .build();
    // A permit is held for at most one call (bounded by the statement timeout); an idle key's
    // semaphore has all its permits back.
    this.running =
        Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(30))
            .maximumSize(100_000)
            .executor(Runnable::run)
            .build();
  }

  /**
   * The limits of {@code CRDB_RATE_LIMIT_*}, or null when {@code CRDB_RATE_LIMIT_ENABLED=false}.
   */
  public static RateLimits of(OpsSettings s) {
    return s.rateLimitEnabled()
        ? new RateLimits(s.rateLimitRequests(), s.rateLimitWindow(), s.concurrentCalls())
        : null;
  }

  @Override
  public CallToolResult intercept(ToolCall call, Next next) {
    Caller c = call.caller();
    String session = "session " + c.clientId();
    String user = c.user() == null ? null : "user " + c.user();
    // The user's bucket first: a session refused for its user's sake keeps its own tokens.
    if (user != null) {
      CallToolResult refused = take(call, user, "this user");
      if (refused != null) {
        return refused;
      }
    }
    CallToolResult refused = take(call, session, "this session");
    if (refused != null) {
      return refused;
    }
    if (concurrent == 0) {
      return next.proceed();
    }
    Semaphore permits =
        running.get(user != null ? user : session, k -> new Semaphore(concurrent, true));
    if (!permits.tryAcquire()) {
      return call.refuse(
          "RATE_LIMITED",
          (user != null ? "this user" : "this session")
              + " already has "
              + concurrent
              + " calls running (CRDB_RATE_LIMIT_CONCURRENT="
              + concurrent
              + ")",
          "wait for one of them to finish, then call again");
    }
    try {
      return next.proceed();
    } finally {
      permits.release();
    }
  }

  private CallToolResult take(ToolCall call, String key, String who) {
    Bucket bucket = buckets.get(key, k -> newBucket());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return null;
    }
    long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()) + 1);
    return call.refuse(
        "RATE_LIMITED",
        who
            + " made "
            + requests
            + " calls in the last "
            + window.toSeconds()
            + " s, the most CRDB_RATE_LIMIT_REQUESTS and CRDB_RATE_LIMIT_WINDOW allow",
        "call again in " + seconds + " s");
  }

  private Bucket newBucket() {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(requests).refillGreedy(requests, window))
        .build();
  }
}
