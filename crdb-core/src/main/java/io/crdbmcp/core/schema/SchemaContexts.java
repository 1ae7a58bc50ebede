package io.crdbmcp.core.schema;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.connect.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The schema slices for questions in plain language: the {@link SchemaSnapshot} of each connection,
 * read once and reused for {@code CRDB_SCHEMA_CACHE_TTL} seconds, and dropped at once when a DDL
 * statement runs through the server on that connection ({@link #invalidate}); then ranked for a
 * question by {@link SchemaContext}.
 */
public final class SchemaContexts {
  /** A ranked slice of the schema for one question. */
  public record Slice(
      List<SchemaContext.Ranked> tables, SchemaSnapshot snapshot, boolean fromCache) {}

  private record Cached(SchemaSnapshot snapshot, Instant until) {}

  private final Schema schema;
  private final Duration ttl;
  private final Clock clock;
  private final Map<Database, Cached> cache = Collections.synchronizedMap(new WeakHashMap<>());

  public SchemaContexts(Schema schema, int ttlSeconds) {
    this(schema, Duration.ofSeconds(ttlSeconds), Clock.systemUTC());
  }

  SchemaContexts(Schema schema, Duration ttl, Clock clock) {
    this.schema = schema;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** How long a snapshot is reused. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * The schema of {@code db} as {@code caller} may see it: from the cache while it is fresh (unless
   * {@code refresh}), else read again.
   */
  public SchemaSnapshot snapshot(Database db, Caller caller, boolean refresh) {
    return load(db, caller, refresh).snapshot();
  }

  private Slice load(Database db, Caller caller, boolean refresh) {
    Instant now = clock.instant();
    Cached c = refresh ? null : cache.get(db);
    if (c != null && now.isBefore(c.until())) {
      return new Slice(List.of(), c.snapshot(), true);
    }
    // Read outside any transaction: a caller's open transaction must not fill the cache for
    // everyone with what only it sees.
    SchemaSnapshot s = schema.snapshot(db, null, caller);
    cache.put(db, new Cached(s, now.plus(ttl)));
    return new Slice(List.of(), s, false);
  }

  /** The tables of {@code db} ranked for {@code question}, at most {@code limit}. */
  public Slice context(
      Database db,
      Caller caller,
      String question,
      List<SchemaContext.Note> notes,
      int limit,
      boolean refresh) {
    Slice s = load(db, caller, refresh);
    return new Slice(
        SchemaContext.rank(s.snapshot(), notes, question, limit), s.snapshot(), s.fromCache());
  }

  /** Drops the cached schema of {@code db} (DDL ran on it). */
  public void invalidate(Database db) {
    cache.remove(db);
  }
}
