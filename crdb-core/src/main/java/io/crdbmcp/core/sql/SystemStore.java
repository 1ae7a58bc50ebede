package io.crdbmcp.core.sql;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.Connections;
import io.crdbmcp.core.connect.Database;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The server's own data in the default database — a knowledge store every replica shares, the OAuth
 * store — as entries of a key-value table ({@value #TABLE}: namespace, key, value, optional
 * expiry). Only these fixed, generated statements run here, with every value bound; nothing public
 * takes SQL, so the store is no way around the safety guard. Each operation is one statement
 * through the one execution path ({@link SqlExecutor}), in a transaction of its own with the
 * statement timeout. The table is created by the first write.
 *
 * <p>Writing needs a writable default connection: on a read-only server ({@code CRDB_READ_ONLY}) or
 * a read-only connection every write is refused with a message that says so, and {@link
 * #writable()} tells beforehand. Reads of a store never written return nothing.
 */
public final class SystemStore {
  /** The table, in the default database's current schema. */
  public static final String TABLE = "crdb_mcp_store";

  /**
   * One entry.
   *
   * @param key its key in its namespace
   * @param value its value (text; JSON for structured data)
   * @param expires when it stops being returned; null for never
   * @param updated when it was last written
   */
  public record Entry(String key, String value, Instant expires, Instant updated) {}

  /**
   * The table and its columns, in a holder class so that creating a store (at start) does not start
   * jOOQ (tens of milliseconds) before the server answers {@code initialize}.
   */
  private static final class Q {
    static final Table<Record> T = table(name(TABLE));
    static final Field<String> NS = field(name("namespace"), SQLDataType.VARCHAR);
    static final Field<String> KEY = field(name("key"), SQLDataType.VARCHAR);
    static final Field<String> VALUE = field(name("value"), SQLDataType.CLOB);
    static final Field<OffsetDateTime> EXPIRES =
        field(name("expires_at"), SQLDataType.TIMESTAMPWITHTIMEZONE);
    static final Field<OffsetDateTime> UPDATED =
        field(name("updated_at"), SQLDataType.TIMESTAMPWITHTIMEZONE);
  }

  /** A unit of work on the table. */
  @FunctionalInterface
  private interface Work<T> {
    T run(DSLContext sql) throws SQLException;
  }

  private final EngineKey key;
  private final SqlExecutor executor;
  private final Connections connections;
  private final boolean serverReadOnly;
  private volatile boolean created;

  public SystemStore(
      EngineKey key, SqlExecutor executor, Connections connections, boolean serverReadOnly) {
    EngineKey.check(key);
    this.key = key;
    this.executor = executor;
    this.connections = connections;
    this.serverReadOnly = serverReadOnly;
  }

  /** Whether writes can work here: the server and its default connection are writable. */
  public boolean writable() {
    return !serverReadOnly && !connections.get(null).readOnly();
  }

  /** Where the entries live, for messages ({@code table crdb_mcp_store in app@db:26257/shop}). */
  public String describe() {
    return "table " + TABLE + " in " + connections.get(null).spec().describe();
  }

  /** The entry of {@code key}, unless it expired. */
  public Optional<Entry> get(String namespace, String key) {
    if (!ready()) {
      return Optional.empty();
    }
    return run(Access.READ, sql -> select(sql, live(namespace).and(Q.KEY.eq(key)))).stream()
        .findFirst();
  }

  /** The unexpired entries of a namespace, in key order. */
  public List<Entry> list(String namespace) {
    return ready() ? run(Access.READ, sql -> select(sql, live(namespace))) : List.of();
  }

  /**
   * Writes an entry, replacing the one of the same key.
   *
   * @param what what the store is for, named when a write is refused ({@code "the knowledge
   *     store"})
   * @param expires null for never
   */
  public void put(String what, String namespace, String key, String value, Instant expires) {
    write(
        what,
        sql -> {
          OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
          return sql.insertInto(Q.T, Q.NS, Q.KEY, Q.VALUE, Q.EXPIRES, Q.UPDATED)
              .values(namespace, key, value, at(expires), now)
              .onConflict(Q.NS, Q.KEY)
              .doUpdate()
              .set(Q.VALUE, value)
              .set(Q.EXPIRES, at(expires))
              .set(Q.UPDATED, now)
              .execute();
        });
  }

  /** Writes an entry only if there is no live one of that key; true when it was written. */
  public boolean putIfAbsent(
      String what, String namespace, String key, String value, Instant expires) {
    return write(
        what,
        sql -> {
          OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
          sql.deleteFrom(Q.T)
              .where(Q.NS.eq(namespace).and(Q.KEY.eq(key)).and(Q.EXPIRES.le(now)))
              .execute();
          return sql.insertInto(Q.T, Q.NS, Q.KEY, Q.VALUE, Q.EXPIRES, Q.UPDATED)
                  .values(namespace, key, value, at(expires), now)
                  .onConflictDoNothing()
                  .execute()
              == 1;
        });
  }

  /**
   * Replaces an entry only if it still holds {@code expected} (and has not expired): a
   * compare-and-set, for values that must change once (a refresh token used, a code redeemed). True
   * when it was replaced; {@code value} null removes it instead.
   */
  public boolean replace(
      String what, String namespace, String key, String expected, String value, Instant expires) {
    return write(
        what,
        sql -> {
          Condition match = live(namespace).and(Q.KEY.eq(key)).and(Q.VALUE.eq(expected));
          if (value == null) {
            return sql.deleteFrom(Q.T).where(match).execute() == 1;
          }
          return sql.update(Q.T)
                  .set(Q.VALUE, value)
                  .set(Q.EXPIRES, at(expires))
                  .set(Q.UPDATED, OffsetDateTime.now(ZoneOffset.UTC))
                  .where(match)
                  .execute()
              == 1;
        });
  }

  /** Removes an entry; true when there was one. */
  public boolean remove(String what, String namespace, String key) {
    return write(
        what,
        sql -> sql.deleteFrom(Q.T).where(Q.NS.eq(namespace).and(Q.KEY.eq(key))).execute() == 1);
  }

  /** Removes the expired entries of a namespace; returns how many. */
  public int removeExpired(String what, String namespace) {
    return write(
        what,
        sql ->
            sql.deleteFrom(Q.T)
                .where(Q.NS.eq(namespace).and(Q.EXPIRES.le(OffsetDateTime.now(ZoneOffset.UTC))))
                .execute());
  }

  private static Condition live(String namespace) {
    return Q.NS
        .eq(namespace)
        .and(Q.EXPIRES.isNull().or(Q.EXPIRES.gt(OffsetDateTime.now(ZoneOffset.UTC))));
  }

  private static OffsetDateTime at(Instant i) {
    return i == null ? null : i.atOffset(ZoneOffset.UTC);
  }

  private static List<Entry> select(DSLContext sql, Condition where) {
    List<Entry> out = new ArrayList<>();
    for (Record r :
        sql.select(Q.KEY, Q.VALUE, Q.EXPIRES, Q.UPDATED)
            .from(Q.T)
            .where(where)
            .orderBy(Q.KEY)
            .fetch()) {
      OffsetDateTime e = r.get(Q.EXPIRES);
      OffsetDateTime u = r.get(Q.UPDATED);
      out.add(
          new Entry(
              r.get(Q.KEY),
              r.get(Q.VALUE),
              e == null ? null : e.toInstant(),
              u == null ? null : u.toInstant()));
    }
    return out;
  }

  /** Whether the table exists (a store never written has none: reads find nothing). */
  private boolean ready() {
    return created || exists();
  }

  private boolean exists() {
    Boolean found =
        run(
            Access.READ,
            sql ->
                sql.fetchValue(
                    DSL.field("to_regclass({0}) IS NOT NULL", Boolean.class, DSL.inline(TABLE))));
    created = Boolean.TRUE.equals(found);
    return created;
  }

  private <T> T write(String what, Work<T> work) {
    if (!writable()) {
      throw new CrdbException(
          ErrorCode.CONFIG_INVALID,
          what
              + " keeps its data in a table of the default database, and this server is read-only"
              + (serverReadOnly ? " (CRDB_READ_ONLY)" : " (its default connection is read-only)"),
          "keep it in a file instead, or run a server that may write to its default database");
    }
    if (!created) {
      run(
          Access.WRITE,
          sql ->
              sql.createTableIfNotExists(Q.T)
                  .column(Q.NS, SQLDataType.VARCHAR(200).notNull())
                  .column(Q.KEY, SQLDataType.VARCHAR(500).notNull())
                  .column(Q.VALUE, SQLDataType.CLOB.notNull())
                  .column(Q.EXPIRES)
                  .column(Q.UPDATED, SQLDataType.TIMESTAMPWITHTIMEZONE.notNull())
                  .primaryKey(Q.NS, Q.KEY)
                  .execute());
      created = true;
    }
    return run(Access.WRITE, work);
  }

  private <T> T run(Access access, Work<T> work) {
    Database db = connections.get(null);
    return executor.run(
        key,
        db,
        access,
        null,
        Caller.local(),
        (c, d) -> work.run(DSL.using(c, SQLDialect.POSTGRES, Sql.settings())));
  }
}
