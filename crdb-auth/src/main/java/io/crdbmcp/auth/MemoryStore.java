package io.crdbmcp.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link AuthStore} in this process's memory (the default; one replica). */
final class MemoryStore implements AuthStore {
  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final Map<String, Consent> consents = new ConcurrentHashMap<>();
  private final Map<String, Upstream> upstream = new ConcurrentHashMap<>();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private final Map<String, Refresh> refresh = new ConcurrentHashMap<>();
  private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
  private final Map<String, Spent> spent = new ConcurrentHashMap<>();

  private record Spent(String family, Instant expires) {}

  private final AtomicInteger puts = new AtomicInteger();
  private final Clock clock;

  MemoryStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void putClient(Client c) {
    clients.put(c.id(), c);
  }

  @Override
  public Optional<Client> client(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(clients.get(id));
  }

  @Override
  public int clientCount() {
    return clients.size();
  }

  @Override
  public void putConsent(String id, Consent c) {
    prune();
    consents.put(id, c);
  }

  @Override
  public Optional<Consent> takeConsent(String id) {
    return live(id == null ? null : consents.remove(id), c -> c.expires());
  }

  @Override
  public void putUpstream(String state, Upstream u) {
    prune();
    upstream.put(state, u);
  }

  @Override
  public Optional<Upstream> takeUpstream(String state) {
    return live(state == null ? null : upstream.remove(state), u -> u.expires());
  }

  @Override
  public void putCode(String hash, Code c) {
    prune();
    codes.put(hash, c);
  }

  @Override
  public Optional<Code> takeCode(String hash) {
    return live(codes.remove(hash), c -> c.expires());
  }

  @Override
  public void putSpentCode(String hash, String family, Instant expires) {
    prune();
    spent.put(hash, new Spent(family, expires));
  }

  @Override
  public Optional<String> spentCode(String hash) {
    return live(spent.get(hash), Spent::expires).map(Spent::family);
  }

  @Override
  public void putRefresh(String hash, Refresh r) {
    prune();
    refresh.put(hash, r);
  }

  @Override
  public Optional<Refresh> refresh(String hash) {
    return Optional.ofNullable(refresh.get(hash));
  }

  @Override
  public boolean markUsed(String hash) {
    boolean[] first = {false};
    refresh.computeIfPresent(
        hash,
        (k, r) -> {
          if (r.used()) {
            return r;
          }
          first[0] = true;
          return new Refresh(r.family(), r.clientId(), r.identity(), r.scopes(), r.expires(), true);
        });
    return first[0];
  }

  @Override
  public void revokeFamily(String family, Instant until) {
    revoked.merge(family, until, (a, b) -> a.isAfter(b) ? a : b);
  }

  @Override
  public boolean familyRevoked(String family) {
    Instant until = family == null ? null : revoked.get(family);
    return until != null && until.isAfter(clock.instant());
  }

  private <T> Optional<T> live(T value, java.util.function.Function<T, Instant> expires) {
    return value != null && expires.apply(value).isAfter(clock.instant())
        ? Optional.of(value)
        : Optional.empty();
  }

  /** Drops expired entries now and then. */
  private void prune() {
    if (puts.incrementAndGet() % 100 != 0) {
      return;
    }
    Instant now = clock.instant();
    consents.values().removeIf(c -> !c.expires().isAfter(now));
    upstream.values().removeIf(u -> !u.expires().isAfter(now));
    codes.values().removeIf(c -> !c.expires().isAfter(now));
    refresh.values().removeIf(r -> !r.expires().isAfter(now));
    revoked.values().removeIf(until -> !until.isAfter(now));
    spent.values().removeIf(s -> !s.expires().isAfter(now));
  }
}
