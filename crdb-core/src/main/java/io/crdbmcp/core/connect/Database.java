package io.crdbmcp.core.connect;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.SQLExceptionOverride;
import com.zaxxer.hikari.pool.HikariPool;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.sql.SqlExecutor;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * One named connection: a HikariCP pool to one database on one server, and the detected dialect.
 * Obtain connections only through {@link SqlExecutor}; this class does not run user SQL. A {@code
 * Database} is what callers name a connection by ({@code Crdb.database()}); lending a raw
 * connection ({@link #borrow}, {@link #release}) takes the library's {@link EngineKey}, and closing
 * it is for {@link Connections} alone, so holding one lets a caller neither run SQL around the
 * guard nor close a connection others share.
 *
 * <p>Connection failures are found by one attempt of our own, not by the pool: when the pool has no
 * connection yet (or the last attempt failed), {@link #borrow} first logs in itself through the
 * driver and hands that connection to the pool. A wrong password, an unknown database or a TLS
 * problem therefore fails the call at once with the database's reason, after exactly one login
 * attempt, instead of the pool retrying until its timeout. Only a refused or unreachable socket is
 * tried again, for at most two seconds (a server that is just starting).
 */
public final class Database {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Database.class);

  /** Open databases, for error suggestions that need a catalog lookup (see {@link #live}). */
  private static final Set<Database> LIVE = ConcurrentHashMap.newKeySet();

  /** Connections lent out and not yet given back: their statements are cancelled on close. */
  private final Set<Connection> lent = ConcurrentHashMap.newKeySet();

  /**
   * Connections whose statement a client's cancellation stopped: evicted when given back, so a
   * cancel signal the server delivers late cannot reach the next call's statement.
   */
  private final Set<Connection> cancelled = ConcurrentHashMap.newKeySet();

  /** Connections running a call's work, with when it began (System.nanoTime): the watchdog's. */
  private final Map<Connection, Long> busy = new ConcurrentHashMap<>();

  /** What the watchdog found at its last check of this connection's pool. */
  private volatile Watchdog.Check lastCheck;

  private final java.util.concurrent.atomic.AtomicLong cancelledByWatchdog =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong rebuilt =
      new java.util.concurrent.atomic.AtomicLong();

  /** How long refused or unreachable sockets are tried again, at most. */
  static final long RETRY_BUDGET_MILLIS = 2000;

  private final ConnectionSpec spec;
  private final int poolSize;
  private final SafetyPolicy safety;
  private final DriverSource source;
  private volatile HikariDataSource pool;
  private volatile boolean closed;
  private volatile Dialect dialect;

  Database(ConnectionSpec spec, int poolSize) {
    this(spec, poolSize, false, null);
  }

  Database(ConnectionSpec spec, int poolSize, boolean failFast) {
    this(spec, poolSize, failFast, null);
  }

  /**
   * @param failFast when true, construction fails at once if the server cannot be reached or
   *     refuses the login (used when a caller opens a connection and waits for the answer)
   * @param safety the access-control policy names suggested in errors must respect; {@code null}
   *     means none
   */
  Database(ConnectionSpec spec, int poolSize, boolean failFast, SafetyPolicy safety) {
    this.spec = spec;
    this.poolSize = poolSize;
    this.safety = safety == null ? SafetyPolicy.permissive() : safety;
    this.source = new DriverSource(spec);
    if (failFast) {
      source.offer(connectChecked());
    }
    LIVE.add(this);
  }

  /**
   * The pool is made on first use, not at start-up: a server whose database is down still starts,
   * and start-up stays short.
   */
  private HikariDataSource pool() {
    HikariDataSource p = pool;
    if (p == null) {
      synchronized (this) {
        requireOpen();
        if (pool == null) {
          pool = createPool();
        }
        p = pool;
      }
    }
    return p;
  }

  private void requireOpen() {
    if (closed) {
      throw new CrdbException(
          ErrorCode.UNKNOWN_CONNECTION,
          "connection '" + spec.name() + "' is closed",
          "open the connection again");
    }
  }

  private HikariDataSource createPool() {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("crdb-" + spec.name());
    hc.setDataSource(source);
    hc.setAutoCommit(false);
    hc.setMaximumPoolSize(this.poolSize);
    hc.setMinimumIdle(0);
    hc.setConnectionTimeout(Math.max(250, spec.connectTimeoutSeconds() * 1000L));
    hc.setValidationTimeout(Math.max(250, Math.min(5000, spec.connectTimeoutSeconds() * 1000L)));
    // Never connect while building the pool: borrow() checks the server first.
    hc.setInitializationFailTimeout(-1);
    hc.setExceptionOverride(new KeepOnFeatureNotSupported());
    return new HikariDataSource(hc);
  }

  /**
   * HikariCP evicts a connection whose statement failed with SQLSTATE 0A000 (feature not
   * supported), taking it for a broken connection. PostgreSQL and CockroachDB use 0A000 for a
   * statement the server does not offer (CockroachDB Serverless refuses its node-level views so),
   * and the connection stays usable, with its transaction: evicting it would end the transaction
   * under a savepoint that meant to carry on.
   */
  private static final class KeepOnFeatureNotSupported implements SQLExceptionOverride {
    @java.lang.Override
    public SQLExceptionOverride.Override adjudicate(SQLException e) {
      return "0A000".equals(e.getSQLState())
          ? SQLExceptionOverride.Override.DO_NOT_EVICT
          : SQLExceptionOverride.Override.CONTINUE_EVICT;
    }
  }

  /**
   * One login through the driver, tried again only while the socket is refused or unreachable (at
   * most {@link #RETRY_BUDGET_MILLIS}, never past the connect timeout). Throws a {@link
   * CrdbException} that says exactly why and which setting to change.
   */
  Connection connectChecked() {
    long budget = Math.min(RETRY_BUDGET_MILLIS, spec.connectTimeoutSeconds() * 1000L);
    long deadline = System.nanoTime() + budget * 1_000_000L;
    long pause = 100;
    while (true) {
      try {
        return source.connect();
      } catch (SQLException e) {
        if (!SqlErrors.retriable(e) || System.nanoTime() + pause * 1_000_000L > deadline) {
          throw SqlErrors.connectFailure(e, spec);
        }
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw SqlErrors.connectFailure(e, spec);
        }
        pause = Math.min(pause * 2, 800);
      }
    }
  }

  /**
   * Checks the connection with one login and {@code SELECT version(), current_user}; never throws.
   * A working connection is handed to the pool, so the first call does not log in again.
   */
  public ConnectionCheck check() {
    try {
      requireOpen();
      Connection c = connectChecked();
      Dialect d;
      String user;
      try (Statement s = c.createStatement()) {
        s.setQueryTimeout(spec.connectTimeoutSeconds());
        try (ResultSet rs = s.executeQuery("SELECT version(), current_user")) {
          rs.next();
          d = Dialect.fromVersionString(rs.getString(1));
          user = rs.getString(2);
        }
      } catch (SQLException e) {
        closeQuietly(c);
        throw SqlErrors.translate(e, spec);
      }
      if (dialect == null) {
        dialect = d;
      }
      if (!d.isCockroach() && source.startTimeout() > 0 && source.startedWith(c) == 0) {
        // This login could not ask for the session timeout (the dialect was not known yet, and
        // CockroachDB sessions do not get it), so the first call would replace it with a new login
        // (withSessionTimeout): that login is made here instead, in the background, and the pool
        // gets it. The first one-row call took about 25 ms less (async-profiler, wall clock).
        closeQuietly(c);
        c = connectChecked();
      }
      source.offer(c);
      HikariDataSource p = pool();
      try (Connection pooled = p.getConnection()) {
        pooled.rollback(); // the pool now holds the checked connection, idle
      } catch (SQLException e) {
        // The call that needs it will report the problem.
      }
      return ConnectionCheck.ok(spec, user, d);
    } catch (CrdbException e) {
      return ConnectionCheck.failed(spec, e);
    }
  }

  public String name() {
    return spec.name();
  }

  public ConnectionSpec spec() {
    return spec;
  }

  /** True if this connection was configured read-only (independent of the global setting). */
  public boolean readOnly() {
    return spec.readOnly();
  }

  /** The dialect, detecting it on first use. */
  public Dialect dialect() {
    Dialect d = dialect;
    if (d == null) {
      synchronized (this) {
        if (dialect == null) {
          Connection c;
          try {
            c = lend();
          } catch (SQLException e) {
            throw SqlErrors.translate(e, spec);
          }
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            dialect = Dialect.fromVersionString(rs.getString(1));
            c.rollback();
          } catch (SQLException e) {
            throw SqlErrors.translate(e, spec);
          } finally {
            closeQuietly(c);
          }
        }
        d = dialect;
      }
    }
    return d;
  }

  /** Pool statistics for listings of the open connections. */
  public int activeConnections() {
    HikariDataSource p = pool;
    return p == null || p.getHikariPoolMXBean() == null
        ? 0
        : p.getHikariPoolMXBean().getActiveConnections();
  }

  public int idleConnections() {
    HikariDataSource p = pool;
    return p == null || p.getHikariPoolMXBean() == null
        ? 0
        : p.getHikariPoolMXBean().getIdleConnections();
  }

  /** Connections lent now, idle or busy, and at most. */
  public int totalConnections() {
    HikariDataSource p = pool;
    return p == null || p.getHikariPoolMXBean() == null
        ? 0
        : p.getHikariPoolMXBean().getTotalConnections();
  }

  /** Calls waiting for a free connection of the pool. */
  public int waitingCalls() {
    HikariDataSource p = pool;
    return p == null || p.getHikariPoolMXBean() == null
        ? 0
        : p.getHikariPoolMXBean().getThreadsAwaitingConnection();
  }

  public int maxConnections() {
    return poolSize;
  }

  /**
   * Marks {@code c} as running a call's work (or done with it), so the watchdog can cancel work
   * that runs past its timeout. For the executor.
   */
  public void busy(EngineKey key, Connection c, boolean running) {
    EngineKey.check(key);
    if (running) {
      busy.put(c, System.nanoTime());
    } else {
      busy.remove(c);
    }
  }

  /** Work running now, by connection, with its start (System.nanoTime). */
  Map<Connection, Long> busyConnections() {
    return busy;
  }

  /** What the watchdog found at its last check; null before the first. */
  public Watchdog.Check lastCheck() {
    return lastCheck;
  }

  void lastCheck(Watchdog.Check c) {
    this.lastCheck = c;
  }

  /** Connections whose statement the watchdog is cancelling, with its limit in seconds. */
  private final Map<Connection, Long> watchdogCancels = new ConcurrentHashMap<>();

  void watchdogCancelling(Connection c, long limitSeconds) {
    watchdogCancels.put(c, limitSeconds);
  }

  /**
   * For the executor, when work on {@code c} ended: {@code e} as a {@link WatchdogCancelled} if the
   * watchdog cancelled its statement, else {@code e} itself (null for work that succeeded); the
   * mark is cleared either way.
   */
  public SQLException watchdogCause(EngineKey key, Connection c, SQLException e) {
    EngineKey.check(key);
    Long limit = watchdogCancels.remove(c);
    if (e != null && limit != null && "57014".equals(e.getSQLState())) {
      return new WatchdogCancelled(e, limit);
    }
    return e;
  }

  /** Statements the watchdog cancelled on the server because they ran past its timeout. */
  public long cancelledByWatchdog() {
    return cancelledByWatchdog.get();
  }

  void countCancelled() {
    cancelledByWatchdog.incrementAndGet();
  }

  /** Times the watchdog found the pool broken and replaced its connections. */
  public long rebuiltByWatchdog() {
    return rebuilt.get();
  }

  /**
   * Replaces every connection of the pool: idle ones are closed now, busy ones when they come back.
   * For the watchdog, after a check found the pool broken.
   */
  void rebuild() {
    HikariDataSource p = pool;
    if (p != null && p.getHikariPoolMXBean() != null) {
      p.getHikariPoolMXBean().softEvictConnections();
      rebuilt.incrementAndGet();
    }
  }

  /** Whether the pool exists and holds connections (the watchdog checks only those). */
  boolean hasPool() {
    return !closed && pool != null;
  }

  /**
   * A pooled JDBC connection with autocommit off, for the executor and open transactions: it takes
   * the library's {@link EngineKey}, so no caller outside the library gets a raw connection. When
   * the pool holds no connection, or the last login failed, logs in once first (see the class
   * comment); that failure is thrown as a {@link CrdbException}. Give it back with {@link
   * #release}.
   */
  public Connection borrow(EngineKey key) throws SQLException {
    EngineKey.check(key);
    return lend();
  }

  private Connection lend() throws SQLException {
    AnswerFirst.releaseNow(); // this thread's call holds at most one connection at a time
    HikariDataSource p = pool;
    if (p == null || source.lastFailed() || total(p) == 0) {
      requireOpen();
      source.offer(connectChecked());
      p = pool();
    }
    Connection c = p.getConnection();
    lent.add(c);
    return c;
  }

  private static int total(HikariDataSource p) {
    HikariPoolMXBean mx = p.getHikariPoolMXBean();
    return mx == null ? 0 : mx.getTotalConnections();
  }

  /**
   * A pooled connection only if one is free at once (or can be made within a second), else {@code
   * null}; for side lookups such as error suggestions, which must not wait for a busy pool.
   */
  Connection borrowAtOnce() {
    AnswerFirst.releaseNow();
    HikariDataSource p = pool;
    if (p == null || closed || source.lastFailed()) {
      return null;
    }
    HikariPoolMXBean mx = p.getHikariPoolMXBean();
    if (!(mx instanceof HikariPool hp)
        || (mx.getIdleConnections() == 0 && mx.getTotalConnections() >= poolSize)) {
      return null;
    }
    try {
      return hp.getConnection(Math.min(1000L, spec.connectTimeoutSeconds() * 1000L));
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * {@code DISCARD ALL} as PostgreSQL documents it ("equivalent to" these nine statements), after
   * the {@code ROLLBACK} that ends the call's transaction, sent as one message: one round trip
   * where a rollback and then {@code DISCARD ALL} take two ({@code DISCARD ALL} itself cannot share
   * a message with anything, it refuses to run in the transaction block a message of several
   * statements is). Portals are closed first, as {@code DISCARD ALL} does, since closing one may
   * run user code. The driver keeps no statement of its own on the server to lose ({@code
   * prepareThreshold=0}, see ConnectionSpec).
   */
  private static final String PG_ROLLBACK_AND_DISCARD =
      "ROLLBACK; CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL;"
          + " UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP;"
          + " DISCARD SEQUENCES";

  /**
   * Gives a borrowed connection back to the pool clean, rolling back a transaction still open on
   * it. {@code DISCARD ALL} resets every session setting to its start value, releases session
   * advisory locks, drops temporary tables and closes cursors and prepared statements, so nothing
   * one call did to the session (directly, through a function, or in a committed transaction)
   * reaches the next call. On PostgreSQL the rollback and the reset go as one message ({@link
   * #PG_ROLLBACK_AND_DISCARD}); elsewhere (CockroachDB) as a rollback, then {@code DISCARD ALL}. A
   * connection that cannot be cleaned is evicted from the pool instead. Inside {@link
   * AnswerFirst#run} this happens at the end of that run, after the call's answer went out.
   */
  public void release(EngineKey key, Connection c) {
    EngineKey.check(key);
    if (!AnswerFirst.defer(() -> releaseNow(c))) {
      releaseNow(c);
    }
  }

  private void releaseNow(Connection c) {
    lent.remove(c);
    if (cancelled.remove(c)) {
      evict(c);
      return;
    }
    try {
      Dialect d = dialect;
      if (d != null && !d.isCockroach() && !c.getAutoCommit()) {
        // Prepared, though it takes no parameters: the driver keeps what it parsed of a prepared
        // statement's text for the connection, while a plain statement's text (ten statements
        // here) is parsed again at every release (about 5% of a one-row call's CPU,
        // async-profiler). Nothing is prepared on the server (prepareThreshold=0).
        try (PreparedStatement s = c.prepareStatement(PG_ROLLBACK_AND_DISCARD)) {
          s.execute();
        }
        c.setReadOnly(false); // the executor's read path may have set it
        c.close();
        return;
      }
      c.rollback();
      c.setReadOnly(false); // the executor's read path may have set it
      c.setAutoCommit(true); // DISCARD ALL cannot run inside a transaction block
      try (Statement s = c.createStatement()) {
        s.execute("DISCARD ALL");
      }
      c.setAutoCommit(false);
      c.close();
    } catch (SQLException e) {
      HikariDataSource p = pool;
      if (p != null) {
        p.evictConnection(c);
      } else {
        closeQuietly(c);
      }
    }
  }

  /**
   * A connection for work whose transactions should run with {@code timeoutSeconds} as their
   * statement timeout, given {@code c} just borrowed: on PostgreSQL, new sessions of this database
   * start with that timeout as their own default (sent in the login, {@code options=-c
   * statement_timeout=...}), which {@code DISCARD ALL} in {@link #release} restores rather than
   * clears; {@code c}, if it was made before that (the login check's, so at most once per
   * database), is evicted for a new one. The first timeout asked for is the one new sessions get.
   * Elsewhere (CockroachDB) {@code c} is returned as it is. {@link #sessionTimeout} then says
   * whether the executor still has to set the timeout itself.
   */
  public Connection withSessionTimeout(EngineKey key, Connection c, int timeoutSeconds)
      throws SQLException {
    EngineKey.check(key);
    Dialect d = dialect;
    if (d == null || d.isCockroach() || timeoutSeconds <= 0) {
      return c;
    }
    source.startSessionsWith(timeoutSeconds);
    if (source.startedWith(physical(c)) != 0) {
      return c;
    }
    lent.remove(c);
    evict(c);
    return lend();
  }

  /**
   * Sessions made from now on log in with this statement timeout (PostgreSQL; {@link
   * #withSessionTimeout}), unless one was set before; 0 sets none.
   */
  void startSessionsWith(int seconds) {
    if (seconds > 0) {
      source.startSessionsWith(seconds);
    }
  }

  /**
   * The statement timeout, in seconds, that the session of {@code c} has as its default since its
   * login ({@link #withSessionTimeout}), or 0 if it has none of ours. Sessions keep it: the
   * executor refuses {@code SET} in callers' SQL, a change a function makes ends with its
   * transaction or is undone by {@code DISCARD ALL} when the connection is given back.
   */
  public int sessionTimeout(EngineKey key, Connection c) {
    EngineKey.check(key);
    return source.startedWith(physical(c));
  }

  /** The driver's connection under a pooled one: the same object for every borrowing of it. */
  private static Object physical(Connection c) {
    try {
      return c.unwrap(PGConnection.class);
    } catch (SQLException e) {
      return c;
    }
  }

  /**
   * Sends the cancel requests of {@link #cancelOnServer}: a thread of its own, so the transport
   * thread that read the client's cancellation never waits for the database.
   */
  private static final java.util.concurrent.ScheduledExecutorService CANCELLER =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "crdb-cancel");
            t.setDaemon(true);
            return t;
          });

  /** How often a cancel request is sent again while the cancelled work still runs. */
  private static final long RECANCEL_MILLIS = 250;

  /** How many cancel requests at most: about ten seconds of them. */
  private static final int MAX_CANCELS = 40;

  /**
   * Stops the statement running on {@code c} (lent by this database) on the server, with the
   * protocol's cancel request for its backend (what {@code pg_cancel_backend} does, without needing
   * a second pooled connection), because the client cancelled the call; {@code c} is evicted when
   * given back. The server ignores a cancel request that arrives between two statements, so it is
   * sent again while {@code working} says the work still runs. For the executor.
   */
  public void cancelOnServer(
      EngineKey key, Connection c, java.util.function.BooleanSupplier working) {
    EngineKey.check(key);
    cancelled.add(c);
    CANCELLER.execute(() -> sendCancel(c, working, 1));
  }

  private void sendCancel(Connection c, java.util.function.BooleanSupplier working, int n) {
    if (!working.getAsBoolean()) {
      return;
    }
    try {
      PGConnection pg = c.unwrap(PGConnection.class);
      pg.cancelQuery();
      if (n == 1) {
        LOG.info(
            "cancelled the statement of connection '{}' (backend {}) on the server: the client"
                + " cancelled the call",
            name(),
            pg.getBackendPID());
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("could not cancel a statement of connection '{}': {}", name(), e.toString());
      return;
    }
    if (n < MAX_CANCELS) {
      CANCELLER.schedule(
          () -> sendCancel(c, working, n + 1),
          RECANCEL_MILLIS,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private void evict(Connection c) {
    HikariDataSource p = pool;
    if (p != null) {
      p.evictConnection(c);
    } else {
      closeQuietly(c);
    }
  }

  /**
   * Gives back a connection on which only the library's own transaction-scoped work ran (no user
   * SQL): a rollback is enough to leave the session as it was. Evicted if that fails.
   */
  void releaseAfterRollback(Connection c) {
    lent.remove(c);
    try {
      c.rollback();
      c.close();
    } catch (SQLException e) {
      HikariDataSource p = pool;
      if (p != null) {
        p.evictConnection(c);
      } else {
        closeQuietly(c);
      }
    }
  }

  /**
   * An open database with this spec whose pool exists, for a catalog lookup after an error; {@code
   * null} if none.
   */
  static Database live(ConnectionSpec spec) {
    for (Database d : LIVE) {
      if (!d.closed && d.pool != null && d.spec.equals(spec)) {
        return d;
      }
    }
    return null;
  }

  /**
   * The access-control policies of every open database with this spec: a suggested name must be
   * visible under all of them, since an error does not say which one the failed call used.
   */
  static List<SafetyPolicy> livePolicies(ConnectionSpec spec) {
    return LIVE.stream().filter(d -> d.spec.equals(spec)).map(d -> d.safety).toList();
  }

  /**
   * True if an open database with this spec has access controls configured: errors then leave out
   * what the database added (DETAIL, HINT), since that can name or show hidden columns.
   */
  static boolean underAccessControl(ConnectionSpec spec) {
    return LIVE.stream().anyMatch(d -> d.spec.equals(spec) && d.safety.hasAccessControls());
  }

  /**
   * The same server and login on another of its databases, with a pool of one connection that
   * belongs to nobody else and is registered nowhere: for a look that needs that database's own
   * catalogs (PostgreSQL keeps tables per database), such as what a {@code DROP DATABASE} would
   * remove. The work runs through {@code SqlExecutor.run} like any other; {@link #closeAside}
   * closes it (the caller must, before dropping that database).
   */
  public Database aside(EngineKey key, String database) {
    EngineKey.check(key);
    return new Database(spec.withDatabase(database), 1, false, safety);
  }

  /** Closes a connection made by {@link #aside}. */
  public void closeAside(EngineKey key) {
    EngineKey.check(key);
    close();
  }

  /**
   * Closes the pool, cancelling statements still running. For {@link Connections} only (which rolls
   * back the connection's transactions first): a caller cannot close a connection others share.
   */
  void close() {
    HikariDataSource p;
    synchronized (this) {
      closed = true;
      p = pool;
    }
    LIVE.remove(this);
    // A backend busy with a statement notices that its client is gone only when the statement
    // ends; a cancel request stops it now, so closing (and the process exiting) leaves no query
    // running on the server. Idle connections ignore it.
    for (Connection c : lent) {
      try {
        c.unwrap(PGConnection.class).cancelQuery();
      } catch (SQLException | RuntimeException e) {
        // The pool closes the connection next anyway.
      }
    }
    lent.clear();
    if (p != null) {
      p.close();
    }
    source.close();
  }

  @Override
  public String toString() {
    return "Database[" + spec + "]";
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // Nothing more to release.
    }
  }

  /**
   * The pool's source of physical connections: the driver itself, with the spec's URL and
   * properties. Remembers whether the last login failed, and can hold one connection made (and
   * checked) outside the pool, which the pool's next new connection then is.
   */
  private static final class DriverSource implements DataSource {
    /** A held connection older than this is closed rather than handed to the pool. */
    private static final long FRESH_NANOS = 30_000_000_000L;

    private record Held(Connection connection, long since) {}

    /** The statement timeout new sessions get in their login, seconds; 0: none. */
    private volatile int startTimeout;

    /** The login timeout of each session made with one (weak keys: closed ones drop out). */
    private final Map<Connection, Integer> startedWith =
        java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final String url;
    private final Properties properties;
    private final Driver driver = new org.postgresql.Driver();
    private final AtomicReference<Held> held = new AtomicReference<>();
    private volatile boolean lastFailed;
    private volatile int loginTimeout;

    DriverSource(ConnectionSpec spec) {
      this.url = spec.jdbcUrl();
      this.properties = spec.driverProperties();
    }

    /** Sessions made from now on start with this statement timeout, unless one was set before. */
    void startSessionsWith(int seconds) {
      if (startTimeout == 0) {
        synchronized (this) {
          if (startTimeout == 0) {
            startTimeout = seconds;
          }
        }
      }
    }

    int startTimeout() {
      return startTimeout;
    }

    int startedWith(Object physical) {
      Integer t = startedWith.get(physical);
      return t == null ? 0 : t;
    }

    /** One login attempt. */
    Connection connect() throws SQLException {
      try {
        int timeout = startTimeout;
        Properties p = properties;
        if (timeout > 0) {
          p = (Properties) properties.clone();
          String options = p.getProperty("options");
          String mine = "-c statement_timeout=" + timeout + "s";
          p.setProperty("options", options == null ? mine : options + " " + mine);
        }
        Connection c = driver.connect(url, p);
        if (c == null) {
          throw new SQLException("the PostgreSQL driver does not accept the URL " + url, "08001");
        }
        if (timeout > 0) {
          startedWith.put(c, timeout);
        }
        lastFailed = false;
        return c;
      } catch (SQLException | RuntimeException e) {
        lastFailed = true;
        throw e;
      }
    }

    boolean lastFailed() {
      return lastFailed;
    }

    /** Holds a connection for the pool's next new one; closes whatever was held before. */
    void offer(Connection c) {
      Held old = held.getAndSet(new Held(c, System.nanoTime()));
      if (old != null) {
        closeQuietly(old.connection());
      }
    }

    void close() {
      Held old = held.getAndSet(null);
      if (old != null) {
        closeQuietly(old.connection());
      }
    }

    @Override
    public Connection getConnection() throws SQLException {
      Held h = held.getAndSet(null);
      if (h != null) {
        if (System.nanoTime() - h.since() < FRESH_NANOS && !h.connection().isClosed()) {
          return h.connection();
        }
        closeQuietly(h.connection());
      }
      return connect();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException("the user is part of the connection settings");
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
      // Logging goes through SLF4J.
    }

    @Override
    public void setLoginTimeout(int seconds) {
      loginTimeout = seconds; // the spec's connect timeout applies
    }

    @Override
    public int getLoginTimeout() {
      return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      if (iface.isInstance(this)) {
        return iface.cast(this);
      }
      throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return iface.isInstance(this);
    }
  }
}
