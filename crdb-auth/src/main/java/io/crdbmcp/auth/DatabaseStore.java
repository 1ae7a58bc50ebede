package io.crdbmcp.auth;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.nimbusds.jose.jwk.RSAKey;
import io.crdbmcp.core.sql.SystemStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link AuthStore} in the default database ({@code CRDB_AUTH_STORE=database}): entries of the
 * server's own table ({@link SystemStore}, namespaces {@code oauth.*}), so several replicas behind
 * a load balancer share one flow, one set of clients and one family of refresh tokens. Codes,
 * refresh tokens, client secrets and consent cookies are kept only as SHA-256 hashes (the keys
 * given here are hashes already); single use is a {@code DELETE} (or a compare-and-set {@code
 * UPDATE}) that only one replica can win. The signing keys live here too ({@link #keySlots()}), so
 * every replica signs with and accepts the same keys: whoever can read this table can sign tokens,
 * as whoever can read the database already reads its data.
 */
final class DatabaseStore implements AuthStore {
  static final String WHAT = "the OAuth store (CRDB_AUTH_STORE=database)";
  private static final String CLIENTS = "oauth.client";
  private static final String CONSENTS = "oauth.consent";
  private static final String UPSTREAM = "oauth.upstream";
  private static final String CODES = "oauth.code";
  private static final String REFRESH = "oauth.refresh";
  private static final String REVOKED = "oauth.revoked";
  private static final String KEYS = "oauth.key";
  private static final String SPENT = "oauth.spent";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .registerModule(
              new SimpleModule()
                  .addSerializer(
                      Instant.class,
                      new JsonSerializer<>() {
                        @Override
                        public void serialize(Instant v, JsonGenerator g, SerializerProvider p)
                            throws IOException {
                          g.writeNumber(v.toEpochMilli());
                        }
                      })
                  .addDeserializer(
                      Instant.class,
                      new JsonDeserializer<>() {
                        @Override
                        public Instant deserialize(JsonParser p, DeserializationContext c)
                            throws IOException {
                          return Instant.ofEpochMilli(p.getLongValue());
                        }
                      }));

  private final SystemStore store;
  private final java.util.concurrent.atomic.AtomicInteger puts =
      new java.util.concurrent.atomic.AtomicInteger();

  DatabaseStore(SystemStore store) {
    this.store = store;
  }

  /** Drops expired entries now and then. */
  private void prune() {
    if (puts.incrementAndGet() % 200 == 0) {
      for (String ns : new String[] {CONSENTS, UPSTREAM, CODES, REFRESH, REVOKED, SPENT}) {
        store.removeExpired(WHAT, ns);
      }
    }
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T read(String s, Class<T> type) {
    try {
      return JSON.readValue(s, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private <T> Optional<T> get(String ns, String key, Class<T> type) {
    return key == null ? Optional.empty() : store.get(ns, key).map(e -> read(e.value(), type));
  }

  /** The entry, removed; empty when it is gone or another replica took it first. */
  private <T> Optional<T> take(String ns, String key, Class<T> type) {
    Optional<T> v = get(ns, key, type);
    return v.isPresent() && store.remove(WHAT, ns, key) ? v : Optional.empty();
  }

  @Override
  public void putClient(Client c) {
    store.put(WHAT, CLIENTS, c.id(), json(c), null);
  }

  @Override
  public Optional<Client> client(String id) {
    return get(CLIENTS, id, Client.class);
  }

  @Override
  public int clientCount() {
    return store.list(CLIENTS).size();
  }

  @Override
  public void putConsent(String id, Consent c) {
    prune();
    store.put(WHAT, CONSENTS, id, json(c), c.expires());
  }

  @Override
  public Optional<Consent> takeConsent(String id) {
    return take(CONSENTS, id, Consent.class);
  }

  @Override
  public void putUpstream(String state, Upstream u) {
    store.put(WHAT, UPSTREAM, state, json(u), u.expires());
  }

  @Override
  public Optional<Upstream> takeUpstream(String state) {
    return take(UPSTREAM, state, Upstream.class);
  }

  @Override
  public void putCode(String hash, Code c) {
    store.put(WHAT, CODES, hash, json(c), c.expires());
  }

  @Override
  public Optional<Code> takeCode(String hash) {
    return take(CODES, hash, Code.class);
  }

  @Override
  public void putSpentCode(String hash, String family, Instant expires) {
    store.put(WHAT, SPENT, hash, family, expires);
  }

  @Override
  public Optional<String> spentCode(String hash) {
    return store.get(SPENT, hash).map(SystemStore.Entry::value);
  }

  @Override
  public void putRefresh(String hash, Refresh r) {
    prune();
    store.put(WHAT, REFRESH, hash, json(r), r.expires());
  }

  @Override
  public Optional<Refresh> refresh(String hash) {
    return get(REFRESH, hash, Refresh.class);
  }

  @Override
  public boolean markUsed(String hash) {
    Optional<SystemStore.Entry> e = store.get(REFRESH, hash);
    if (e.isEmpty()) {
      return false;
    }
    Refresh r = read(e.get().value(), Refresh.class);
    if (r.used()) {
      return false;
    }
    Refresh used =
        new Refresh(r.family(), r.clientId(), r.identity(), r.scopes(), r.expires(), true);
    // Compare-and-set: of two replicas redeeming the same token at once, one wins.
    return store.replace(WHAT, REFRESH, hash, e.get().value(), json(used), r.expires());
  }

  @Override
  public void revokeFamily(String family, Instant until) {
    store.put(WHAT, REVOKED, family, "revoked", until);
  }

  @Override
  public boolean familyRevoked(String family) {
    return family != null && store.get(REVOKED, family).isPresent();
  }

  /** The signing key of each time slot, shared by every replica. */
  SigningKeys.Slots keySlots() {
    return (long slot, Supplier<RSAKey> make, Instant expires) -> {
      String key = "slot-" + slot;
      Optional<SystemStore.Entry> found = store.get(KEYS, key);
      if (found.isEmpty()) {
        store.putIfAbsent(WHAT, KEYS, key, make.get().toJSONString(), expires);
        store.removeExpired(WHAT, KEYS);
        found = store.get(KEYS, key);
      }
      try {
        return RSAKey.parse(found.orElseThrow().value());
      } catch (java.text.ParseException e) {
        throw new IllegalStateException("the signing key of " + key + " cannot be read", e);
      }
    };
  }
}
