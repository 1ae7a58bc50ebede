package io.crdbmcp.server.http;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP sessions of the HTTP transports, as clients see them.
 *
 * <p>A client never sees the SDK's own session id: the SDK makes it with {@code UUID.randomUUID()}
 * (122 random bits) and has no way to end a session but its own sweep. Each session the SDK starts
 * gets a token of {@value #TOKEN_BYTES} random bytes instead, which is what {@code Mcp-Session-Id}
 * carries; {@link TransportGuard} maps it to the SDK's id on the way in and back on the way out. So
 * an id a client sends is either a live session's token or refused with 404 before it reaches the
 * SDK, and ending a session here (idle past {@code CRDB_HTTP_SESSION_IDLE_TIMEOUT}, {@code DELETE
 * /mcp}, shutdown) takes effect at once: its token is forgotten and what it left open in the
 * database is ended ({@code onEnd}, which rolls back its transactions and closes its connections).
 * Tokens are never logged.
 */
final class HttpSessions implements AutoCloseable {
  static final int TOKEN_BYTES = 32;

  private static final Logger LOG = LoggerFactory.getLogger(HttpSessions.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * One session: the SDK's id, the user who started it (null without OAuth), when it was last used,
   * and its requests still running.
   */
  static final class Entry {
    final String sdkId;
    final String owner;
    final AtomicInteger inFlight = new AtomicInteger();
    volatile long lastUsedNanos = System.nanoTime();

    Entry(String sdkId, String owner) {
      this.sdkId = sdkId;
      this.owner = owner;
    }

    void touch() {
      lastUsedNanos = System.nanoTime();
    }
  }

  private final Map<String, Entry> byToken = new ConcurrentHashMap<>();
  private final Map<String, String> tokenBySdkId = new ConcurrentHashMap<>();
  private final Duration idleTimeout;
  private final int maxSessions;
  private final Consumer<String> onEnd;
  private final ScheduledExecutorService sweeper;

  /**
   * @param onEnd called with the SDK's session id when a session ends, once
   */
  HttpSessions(Duration idleTimeout, int maxSessions, Consumer<String> onEnd) {
    this.idleTimeout = idleTimeout;
    this.maxSessions = maxSessions;
    this.onEnd = onEnd;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "http-session-sweeper");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1000, Math.min(30_000, idleTimeout.toMillis() / 4));
    sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
  }

  /** Whether another session may start. */
  boolean full() {
    return byToken.size() >= maxSessions;
  }

  int size() {
    return byToken.size();
  }

  int maxSessions() {
    return maxSessions;
  }

  /** Registers a session the SDK started; returns the token the client gets. */
  String started(String sdkId) {
    return started(sdkId, null);
  }

  /** Registers a session the SDK started for a user (null without OAuth); returns its token. */
  String started(String sdkId, String owner) {
    String existing = tokenBySdkId.get(sdkId);
    if (existing != null) {
      return existing;
    }
    byte[] b = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(b);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    byToken.put(token, new Entry(sdkId, owner));
    tokenBySdkId.put(sdkId, token);
    return token;
  }

  /** The live session of a token. */
  Optional<Entry> find(String token) {
    return token == null ? Optional.empty() : Optional.ofNullable(byToken.get(token));
  }

  /** Ends the session of a token (if it is still live) and what it left open. */
  void end(String token, String why) {
    Entry e = token == null ? null : byToken.remove(token);
    if (e == null) {
      return;
    }
    tokenBySdkId.remove(e.sdkId, token);
    LOG.debug("MCP session ended ({})", why);
    try {
      onEnd.accept(e.sdkId);
    } catch (RuntimeException ex) {
      LOG.warn("ending what a session left open failed: {}", ex.toString());
    }
  }

  /** Ends every session idle past the timeout (no request running, none for that long). */
  void sweep() {
    long limit = idleTimeout.toNanos();
    long now = System.nanoTime();
    for (Map.Entry<String, Entry> m : byToken.entrySet()) {
      Entry e = m.getValue();
      if (e.inFlight.get() == 0 && now - e.lastUsedNanos > limit) {
        end(m.getKey(), "idle for more than " + idleTimeout.toSeconds() + " s");
      }
    }
  }

  /** Ends every session (shutdown). */
  @Override
  public void close() {
    sweeper.shutdownNow();
    for (String token : byToken.keySet()) {
      end(token, "server shutting down");
    }
  }
}
