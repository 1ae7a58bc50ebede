package io.crdbmcp.core.tx;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Lazy;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.SqlErrors;
import io.crdbmcp.core.sql.Access;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.sql.SqlWork;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transactions that span several calls. Each holds one pooled connection and is named by an
 * unguessable handle that travels in tool arguments (no hidden per-session state). A handle works
 * only for the caller that opened it; idle transactions are rolled back by a reaper. Open
 * transactions are bounded twice: all clients together ({@code CRDB_MAX_TRANSACTIONS}) and each
 * client ({@code CRDB_MAX_TRANSACTIONS_PER_CLIENT}), so one client cannot take every slot.
 *
 * <p>Built with the library's {@link EngineKey}: it borrows connections from the pools, and only
 * the executor (with the same key) runs work inside a transaction ({@link #runIn}).
 */
public final class Transactions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);

  /** Made at the first transaction opened, not at every server start (its seeding takes CPU). */
  private static final Lazy<SecureRandom> RANDOM = Lazy.of(SecureRandom::new);

  /** The state of one open transaction, as reported by get_transaction_status. */
  public record Status(
      String id,
      String connection,
      boolean readOnly,
      Instant started,
      Instant lastUsed,
      int statements,
      List<String> savepoints,
      boolean aborted) {}

  private static final class Open {
    final String id;
    final Database db;
    final Connection conn;
    final Caller owner;
    final boolean readOnly;
    final Instant started = Instant.now();
    final ReentrantLock lock = new ReentrantLock();
    final List<String> savepoints = new ArrayList<>();
    volatile long lastUsedNanos = System.nanoTime();
    volatile Instant lastUsed = Instant.now();
    int statements;
    boolean aborted;

    Open(String id, Database db, Connection conn, Caller owner, boolean readOnly) {
      this.id = id;
      this.db = db;
      this.conn = conn;
      this.owner = owner;
      this.readOnly = readOnly;
    }

    Status status() {
      return new Status(
          id, db.name(), readOnly, started, lastUsed, statements, List.copyOf(savepoints), aborted);
    }
  }

  private final Map<String, Open> open = new ConcurrentHashMap<>();

  /** One permit per transaction that may be open; taken before a connection is borrowed. */
  private final Semaphore slots;

  /** Open transactions per owner ({@link Caller#owner()}); an owner with none has no entry. */
  private final Map<Caller, Integer> perClient = new ConcurrentHashMap<>();

  private final EngineKey key;
  private final Duration idleTimeout;
  private final boolean serverReadOnly;
  private final int maxOpen;
  private final int maxPerClient;
  private final int statementTimeoutSeconds;
  private final ScheduledExecutorService reaper;

  public Transactions(EngineKey key, Duration idleTimeout, int maxOpen) {
    this(key, idleTimeout, maxOpen, false);
  }

  /**
   * @param serverReadOnly when true ({@code CRDB_READ_ONLY}) only read-only transactions begin
   */
  public Transactions(EngineKey key, Duration idleTimeout, int maxOpen, boolean serverReadOnly) {
    this(key, idleTimeout, maxOpen, maxOpen, serverReadOnly, Integer.MAX_VALUE);
  }

  /**
   * @param maxPerClient open transactions of one client at most ({@code
   *     CRDB_MAX_TRANSACTIONS_PER_CLIENT})
   * @param serverReadOnly when true ({@code CRDB_READ_ONLY}) only read-only transactions begin
   * @param statementTimeoutSeconds the statement timeout of every transaction ({@code
   *     CRDB_QUERY_TIMEOUT}); a longer one asked of {@link #begin(Database, Caller, Boolean, int)}
   *     is cut to it
   */
  public Transactions(
      EngineKey key,
      Duration idleTimeout,
      int maxOpen,
      int maxPerClient,
      boolean serverReadOnly,
      int statementTimeoutSeconds) {
    EngineKey.check(key);
    this.key = key;
    if (maxOpen < 1 || maxPerClient < 1 || statementTimeoutSeconds < 1) {
      throw new IllegalArgumentException("transaction limits and the timeout must be positive");
    }
    this.serverReadOnly = serverReadOnly;
    this.idleTimeout = idleTimeout;
    this.maxOpen = maxOpen;
    this.maxPerClient = maxPerClient;
    this.statementTimeoutSeconds = statementTimeoutSeconds;
    this.slots = new Semaphore(maxOpen);
    this.reaper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "crdb-transaction-reaper");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(200, Math.min(idleTimeout.toMillis() / 4, 5000));
    reaper.scheduleWithFixedDelay(this::reapIdle, period, period, TimeUnit.MILLISECONDS);
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * Begins a transaction on {@code db} with the configured statement timeout and returns its
   * handle; see {@link #begin(Database, Caller, Boolean, int)}.
   */
  public Status begin(Database db, Caller caller, Boolean requestedReadOnly) {
    int timeout =
        statementTimeoutSeconds == Integer.MAX_VALUE // built without one: the setting's default
            ? CrdbConfig.DEFAULT_QUERY_TIMEOUT
            : statementTimeoutSeconds;
    return begin(db, caller, requestedReadOnly, timeout);
  }

  /**
   * Begins a transaction on {@code db} and returns its handle. {@code requestedReadOnly} null means
   * read-only exactly when the server or the connection is; false on a read-only server or
   * connection is refused. {@code timeoutSeconds} is cut to the configured statement timeout.
   */
  public Status begin(Database db, Caller caller, Boolean requestedReadOnly, int timeoutSeconds) {
    int timeout = Math.max(1, Math.min(timeoutSeconds, statementTimeoutSeconds));
    Caller owner = caller.owner();
    boolean forced = serverReadOnly || db.readOnly() || caller.readOnly();
    if (forced && Boolean.FALSE.equals(requestedReadOnly)) {
      throw CrdbException.refused(
          "the "
              + (serverReadOnly
                  ? "server"
                  : db.readOnly() ? "connection '" + db.name() + "'" : "caller's token")
              + " is read-only: only read-only transactions can be started",
          "begin a read-only transaction (read_only true, or leave it unset)");
    }
    boolean readOnly = forced || Boolean.TRUE.equals(requestedReadOnly);
    if (!takeClientSlot(owner)) {
      throw new CrdbException(
          ErrorCode.TOO_MANY_TRANSACTIONS,
          "too many open transactions for this client ("
              + maxPerClient
              + " of at most "
              + maxPerClient
              + ")",
          "commit or roll back one of this client's transactions first"
              + " (CRDB_MAX_TRANSACTIONS_PER_CLIENT sets the limit)");
    }
    if (!slots.tryAcquire()) {
      releaseClientSlot(owner);
      throw new CrdbException(
          ErrorCode.TOO_MANY_TRANSACTIONS,
          "too many open transactions (" + open.size() + " of at most " + maxOpen + ")",
          "commit or roll back an open transaction first (CRDB_MAX_TRANSACTIONS sets the limit)");
    }
    Connection c;
    try {
      db.dialect();
      c = db.borrow(key);
    } catch (SQLException e) {
      releaseSlots(owner);
      throw SqlErrors.translate(e, db.spec());
    } catch (RuntimeException e) {
      releaseSlots(owner);
      throw e;
    }
    try {
      SqlExecutor.begin(c, readOnly, timeout);
    } catch (SQLException e) {
      db.release(key, c);
      releaseSlots(owner);
      throw SqlErrors.translate(e, db.spec());
    }
    String id = newId();
    Open t = new Open(id, db, c, caller, readOnly);
    open.put(id, t);
    LOG.info(
        "transaction {} begun on connection '{}' (read-only: {})",
        shortId(id),
        db.name(),
        readOnly);
    return t.status();
  }

  /**
   * Runs work inside an open transaction; the handle must belong to {@code caller}. For the
   * executor ({@code SqlExecutor.run} with a transaction id), which holds the library's key.
   */
  public <T> T runIn(
      EngineKey key, String id, Caller caller, Database db, Access access, SqlWork<T> work) {
    EngineKey.check(key);
    return runOpen(id, caller, db, access, work);
  }

  private <T> T runOpen(String id, Caller caller, Database db, Access access, SqlWork<T> work) {
    Open t = owned(id, caller);
    if (db != null && !t.db.name().equals(db.name())) {
      throw new CrdbException(
          ErrorCode.INVALID_ARGUMENT,
          "transaction "
              + shortId(id)
              + " is on connection '"
              + t.db.name()
              + "', not '"
              + db.name()
              + "'",
          "omit the connection argument, or pass connection='" + t.db.name() + "'");
    }
    if (access == Access.WRITE && t.readOnly) {
      throw CrdbException.refused(
          "transaction " + shortId(id) + " is read-only; this call writes",
          "begin a read-write transaction (read_only=false) unless the server is read-only");
    }
    if (!t.lock.tryLock()) {
      throw new CrdbException(
          ErrorCode.INVALID_ARGUMENT,
          "transaction " + shortId(id) + " is busy with another call",
          "wait for the other call to finish; a transaction runs one statement at a time");
    }
    try {
      if (!open.containsKey(id)) {
        throw notFound(id);
      }
      T result = work.run(t.conn, t.db.dialect());
      t.statements++;
      return result;
    } catch (SQLTimeoutException e) {
      t.aborted = true;
      throw SqlErrors.timeout(e);
    } catch (SQLException e) {
      t.aborted = true;
      throw SqlErrors.translate(e, t.db.spec());
    } finally {
      t.lastUsedNanos = System.nanoTime();
      t.lastUsed = Instant.now();
      t.lock.unlock();
    }
  }

  public Status commit(String id, Caller caller) {
    Open t = owned(id, caller);
    t.lock.lock();
    try {
      if (open.remove(id) == null) {
        throw notFound(id); // rolled back by the reaper or another call meanwhile
      }
      releaseSlots(t.owner);
      Status s = t.status();
      try {
        t.conn.commit();
      } catch (SQLException e) {
        rollbackQuietly(t.conn);
        throw SqlErrors.translate(e, t.db.spec());
      } finally {
        t.db.release(key, t.conn);
      }
      LOG.info("transaction {} committed", shortId(id));
      return s;
    } finally {
      t.lock.unlock();
    }
  }

  public Status rollback(String id, Caller caller) {
    Open t = owned(id, caller);
    t.lock.lock();
    try {
      if (!open.containsKey(id)) {
        throw notFound(id);
      }
      Status s = t.status();
      end(t, "rolled back");
      return s;
    } finally {
      t.lock.unlock();
    }
  }

  public Status status(String id, Caller caller) {
    return owned(id, caller).status();
  }

  /**
   * Creates a savepoint, or rolls back to / releases one ({@link Savepoints.Action}). The name is
   * folded to lower case as the server folds it, and the transaction is no longer aborted when the
   * statement succeeds (a rollback to a savepoint after an error).
   */
  public Status savepoint(String id, Caller caller, String name, Savepoints.Action action) {
    if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
      throw CrdbException.invalidArgument(
          "savepoint name '" + name + "' is not a plain identifier",
          "use letters, digits and '_', starting with a letter, e.g. before_update");
    }
    String savepoint = name.toLowerCase(Locale.ROOT); // as the server folds it
    Open t = owned(id, caller);
    runOpen(
        id,
        caller,
        null,
        Access.READ,
        (c, d) -> {
          action.run(c, savepoint); // the folded name, quoted: the savepoint the server would name
          // Still under the transaction's lock: book-keeping matches what the server did.
          t.aborted = false;
          action.track(t.savepoints, savepoint);
          return null;
        });
    return t.status();
  }

  /** Open transactions, all clients together (for diagnostics and tests). */
  public int openCount() {
    return open.size();
  }

  /** Open transactions of one caller ({@link Caller#sameAs}). */
  public int openCount(Caller caller) {
    return perClient.getOrDefault(caller.owner(), 0);
  }

  /** Takes one of the owner's slots, unless it holds all of them already. */
  private boolean takeClientSlot(Caller owner) {
    boolean[] taken = {false};
    perClient.compute(
        owner,
        (k, n) -> {
          int count = n == null ? 0 : n;
          if (count >= maxPerClient) {
            return n;
          }
          taken[0] = true;
          return count + 1;
        });
    return taken[0];
  }

  private void releaseClientSlot(Caller owner) {
    perClient.computeIfPresent(owner.owner(), (k, n) -> n <= 1 ? null : n - 1);
  }

  /** Gives back a transaction's slot of its owner and of the server. */
  private void releaseSlots(Caller owner) {
    releaseClientSlot(owner);
    slots.release();
  }

  /**
   * Rolls back every transaction the client opened. For transports with sessions, to call when a
   * session ends; over stdio the process ends with its client and closes everything.
   */
  public int rollbackAllOf(String clientId) {
    int n = 0;
    for (Open t : List.copyOf(open.values())) {
      if (t.owner.clientId().equals(clientId)) {
        t.lock.lock();
        try {
          end(t, "rolled back (client session ended)");
          n++;
        } finally {
          t.lock.unlock();
        }
      }
    }
    return n;
  }

  /** Rolls back every transaction on a connection that is being closed or replaced. */
  public int endAllOn(Database db) {
    int n = 0;
    for (Open t : List.copyOf(open.values())) {
      if (t.db == db) {
        t.lock.lock();
        try {
          end(t, "rolled back (connection '" + db.name() + "' closed)");
          n++;
        } finally {
          t.lock.unlock();
        }
      }
    }
    return n;
  }

  /** The connection an open transaction runs on; the handle must belong to {@code caller}. */
  public Database databaseOf(String id, Caller caller) {
    return owned(id, caller).db;
  }

  private void reapIdle() {
    long now = System.nanoTime();
    for (Open t : List.copyOf(open.values())) {
      if (now - t.lastUsedNanos > idleTimeout.toNanos() && t.lock.tryLock()) {
        try {
          if (now - t.lastUsedNanos > idleTimeout.toNanos()) {
            end(t, "rolled back after " + idleTimeout.toSeconds() + "s idle");
          }
        } finally {
          t.lock.unlock();
        }
      }
    }
  }

  private void end(Open t, String how) {
    if (open.remove(t.id) == null) {
      return;
    }
    releaseSlots(t.owner);
    t.db.release(key, t.conn);
    LOG.info("transaction {} {}", shortId(t.id), how);
  }

  private Open owned(String id, Caller caller) {
    Open t = id == null ? null : open.get(id);
    if (t == null) {
      throw notFound(id);
    }
    if (!t.owner.sameAs(caller)) {
      // Same answer as an unknown handle: do not confirm that someone else's handle exists.
      throw notFound(id);
    }
    return t;
  }

  private static CrdbException notFound(String id) {
    return new CrdbException(
        ErrorCode.TRANSACTION_NOT_FOUND,
        "no open transaction "
            + shortId(id)
            + " for this client (it may have been committed, "
            + "rolled back, rolled back after being idle, or opened by another client)",
        "begin a new transaction");
  }

  /** The first characters of a handle, enough for logs without making the handle usable. */
  public static String shortId(String id) {
    if (id == null) {
      return "(none)";
    }
    return id.length() <= 8 ? id : id.substring(0, 8) + "…";
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; releasing it evicts it from the pool.
    }
  }

  private static String newId() {
    byte[] b = new byte[18];
    RANDOM.get().nextBytes(b);
    return "tx_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  @Override
  public void close() {
    reaper.shutdownNow();
    for (Open t : List.copyOf(open.values())) {
      end(t, "rolled back (server shutting down)");
    }
  }
}
