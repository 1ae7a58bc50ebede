package io.crdbmcp.tools;

import io.crdbmcp.core.CallCancel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Maps a client's {@code notifications/cancelled} to the tool call it names. The MCP SDK (2.1.0)
 * does not hand that notification to a handler, so each transport looks at the messages it
 * receives: for a {@code tools/call} request it registers a token under (session, request id) and
 * writes the token's key into the request's {@code _meta} ({@link #META_KEY}, replacing whatever a
 * client put there), and for a cancellation it cancels the token of that session's request. The
 * tool call finds its token through the key ({@link #forMeta}) and lets it go when it ends.
 *
 * <p>A session can only cancel its own calls: the key holds the session the transport read the
 * request on. Nothing here is per-session state of the protocol: with a stateless transport the
 * session part is the authenticated client.
 */
public final class Cancellations {
  /** The {@code _meta} key through which a transport hands a call its cancellation key. */
  public static final String META_KEY = "io.crdbmcp/call";

  /** How many calls may be remembered at once unless a test says otherwise. */
  static final int MAX_CALLS = 100_000;

  /** How long a call that never ended (the SDK answered it without running it) is remembered. */
  static final long FORGET_AFTER_NANOS = Duration.ofDays(1).toNanos();

  /**
   * Tokens of calls not yet ended, by (session, request id), and the (session, request id) of each
   * key handed to a call: a key of its own, so the session's id (which authenticates its requests)
   * travels nowhere else.
   *
   * <p>Plain concurrent maps, bounded by {@link #forget}, instead of a Caffeine cache: nearly every
   * entry is removed by {@link #ended} within its call, and a bounded, expiring cache's upkeep on
   * each of the four writes of a call was about 5% of a one-row call's CPU (async-profiler,
   * 2026-12-07). The bound is what the cache gave: a call the SDK answered without running it (an
   * unknown tool, say) never ends, so past {@link #maxCalls} remembered calls the oldest half are
   * forgotten, and every {@link #maxCalls}/10 new calls those older than a day; a forgotten call
   * runs on, and can only no longer be cancelled.
   */
  private final Map<String, Entry> byRequest = new ConcurrentHashMap<>();

  private final Map<String, String> byKey = new ConcurrentHashMap<>();

  /** A remembered call: its token, its handed key, and its number in {@link #keys} order. */
  private record Entry(CallCancel token, String handed, long number, long bornNanos) {}

  private final int maxCalls;

  /**
   * Keys are this instance's random prefix plus a sequence number: unique, and unguessable, since
   * the prefix is random and never shown to a client (a key a client brings in {@link #META_KEY}
   * names no token unless it knows the prefix; the transports replace it in every call they
   * register). A {@code UUID.randomUUID()} per call drew on SecureRandom: about 12 µs of a one-row
   * call (async-profiler).
   */
  private final String keyPrefix = UUID.randomUUID() + "-";

  private final AtomicLong keys = new AtomicLong();

  /** Held while {@link #forget} runs, so one thread sweeps at a time. */
  private final ReentrantLock forgetting = new ReentrantLock();

  public Cancellations() {
    this(MAX_CALLS);
  }

  Cancellations(int maxCalls) {
    this.maxCalls = maxCalls;
  }

  /**
   * Looks at a message a transport received from {@code session}, already parsed into a mutable
   * map: a {@code tools/call} request gets a token and the key in its {@code params._meta}; a
   * {@code notifications/cancelled} cancels the call it names. Other messages are left alone.
   *
   * @return true if the message was a cancellation that found a running (or not yet started) call
   */
  @SuppressWarnings("unchecked")
  public boolean received(String session, Map<String, Object> message) {
    Object method = message.get("method");
    if ("tools/call".equals(method) && message.containsKey("id")) {
      String key = key(session, message.get("id"));
      if (key == null) {
        return false;
      }
      Map<String, Object> params;
      if (message.get("params") instanceof Map<?, ?> p) {
        params = (Map<String, Object>) p;
      } else {
        return false; // the SDK answers a call without params
      }
      Map<String, Object> meta =
          params.get("_meta") instanceof Map<?, ?> m
              ? new LinkedHashMap<>((Map<String, Object>) m)
              : new LinkedHashMap<>();
      long number = keys.incrementAndGet();
      String handed = keyPrefix + number;
      meta.put(META_KEY, handed);
      params.put("_meta", meta);
      Entry old =
          byRequest.put(key, new Entry(CallCancel.create(), handed, number, System.nanoTime()));
      if (old != null) {
        byKey.remove(old.handed()); // the same id again: the newer call is the one it names
      }
      byKey.put(handed, key);
      if (byRequest.size() > maxCalls || number % Math.max(1, maxCalls / 10) == 0) {
        forget();
      }
      return false;
    }
    if ("notifications/cancelled".equals(method) && message.get("params") instanceof Map<?, ?> p) {
      String key = key(session, p.get("requestId"));
      Entry e = key == null ? null : byRequest.get(key);
      if (e != null) {
        e.token().cancel();
        return true;
      }
    }
    return false;
  }

  /** The token a transport registered for a call, from the call's {@code _meta}; else none. */
  public CallCancel forMeta(Map<String, Object> meta) {
    if (meta != null && meta.get(META_KEY) instanceof String handed) {
      String key = byKey.get(handed);
      Entry e = key == null ? null : byRequest.get(key);
      if (e != null && e.handed().equals(handed)) {
        return e.token();
      }
    }
    return CallCancel.NONE;
  }

  /** Forgets the call's token: the call ended. */
  public void ended(Map<String, Object> meta) {
    if (meta != null && meta.get(META_KEY) instanceof String handed) {
      String key = byKey.remove(handed);
      if (key != null) {
        // Only this call's entry: a later request that reused the id has an entry of its own.
        byRequest.computeIfPresent(key, (k, e) -> e.handed().equals(handed) ? null : e);
      }
    }
  }

  /** Calls that may still be cancelled. */
  public long size() {
    return byRequest.size();
  }

  /**
   * Keeps the maps bounded (see {@link #byRequest}): forgets calls remembered for more than a day,
   * then, while more than {@link #maxCalls} remain, the older half of them.
   */
  private void forget() {
    if (!forgetting.tryLock()) {
      return; // another thread is at it
    }
    try {
      long now = System.nanoTime();
      byRequest.forEach(
          (key, e) -> {
            if (now - e.bornNanos() > FORGET_AFTER_NANOS) {
              forget(key, e);
            }
          });
      if (byRequest.size() > maxCalls) {
        long[] numbers = byRequest.values().stream().mapToLong(Entry::number).sorted().toArray();
        long keepFrom = numbers[numbers.length / 2];
        byRequest.forEach(
            (key, e) -> {
              if (e.number() < keepFrom) {
                forget(key, e);
              }
            });
      }
    } finally {
      forgetting.unlock();
    }
  }

  private void forget(String key, Entry e) {
    if (byRequest.remove(key, e)) {
      byKey.remove(e.handed());
    }
  }

  /** (session, id): a JSON-RPC id is a string or a number, and 1 and "1" are different requests. */
  private static String key(String session, Object id) {
    if (id instanceof String s) {
      return session + "\u0000s:" + s;
    }
    if (id instanceof Number n) {
      return session + "\u0000n:" + n.longValue();
    }
    return null;
  }
}
