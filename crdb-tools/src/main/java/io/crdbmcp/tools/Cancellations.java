package io.crdbmcp.tools;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crdbmcp.core.CallCancel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

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

  /** Tokens of calls not yet ended, by (session, request id); bounded, forgotten after a day. */
  private final Cache<String, CallCancel> byRequest = cache();

  /**
   * The (session, request id) of each key handed to a call: a key of its own, so the session's id
   * (which authenticates its requests) travels nowhere else.
   */
  private final Cache<String, String> byKey = cache();

  /**
   * Keys are this instance's random prefix plus a sequence number: unique, and unguessable, since
   * the prefix is random and never shown to a client (a key a client brings in {@link #META_KEY}
   * names no token unless it knows the prefix; the transports replace it in every call they
   * register). A {@code UUID.randomUUID()} per call drew on SecureRandom: about 12 µs of a one-row
   * call (async-profiler).
   */
  private final String keyPrefix = UUID.randomUUID() + "-";

  private final AtomicLong keys = new AtomicLong();

  /**
   * Bounded, forgotten after a day. The cache's upkeep runs on the thread that writes (a few
   * pointer moves), not on the common pool: handing it to another thread woke that thread twice per
   * call, which cost more than the upkeep itself (measured with a profiler on the one-row call).
   */
  private static <V> Cache<String, V> cache() {
    return Caffeine.newBuilder()
        .maximumSize(100_000)
        .expireAfterWrite(Duration.ofDays(1))
        .executor(Runnable::run)
        .build();
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
      String handed = keyPrefix + keys.incrementAndGet();
      meta.put(META_KEY, handed);
      params.put("_meta", meta);
      byRequest.put(key, CallCancel.create());
      byKey.put(handed, key);
      return false;
    }
    if ("notifications/cancelled".equals(method) && message.get("params") instanceof Map<?, ?> p) {
      String key = key(session, p.get("requestId"));
      CallCancel token = key == null ? null : byRequest.getIfPresent(key);
      if (token != null) {
        token.cancel();
        return true;
      }
    }
    return false;
  }

  /** The token a transport registered for a call, from the call's {@code _meta}; else none. */
  public CallCancel forMeta(Map<String, Object> meta) {
    if (meta != null && meta.get(META_KEY) instanceof String handed) {
      String key = byKey.getIfPresent(handed);
      CallCancel token = key == null ? null : byRequest.getIfPresent(key);
      if (token != null) {
        return token;
      }
    }
    return CallCancel.NONE;
  }

  /** Forgets the call's token: the call ended. */
  public void ended(Map<String, Object> meta) {
    if (meta != null && meta.get(META_KEY) instanceof String handed) {
      String key = byKey.getIfPresent(handed);
      byKey.invalidate(handed);
      if (key != null) {
        byRequest.invalidate(key);
      }
    }
  }

  /** Calls that may still be cancelled. */
  public long size() {
    byRequest.cleanUp();
    return byRequest.estimatedSize();
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
