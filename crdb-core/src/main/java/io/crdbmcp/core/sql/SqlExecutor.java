package io.crdbmcp.core.sql;

import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.Lazy;
import io.crdbmcp.core.Resilience;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.connect.SqlErrors;
import io.crdbmcp.core.tx.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * The one path every SQL execution takes. It borrows a pooled connection (or the connection pinned
 * by an explicit transaction handle), starts a transaction that is already read-only before any
 * user SQL when the access is {@link Access#READ}, sets the statement timeout for that transaction,
 * runs the work, and always ends the transaction (rollback for reads and failures, commit for
 * writes) so the connection goes back to the pool clean.
 *
 * <p>Closed to code outside the library: constructing an executor and {@link #run} take the {@link
 * EngineKey} only {@code Crdb}'s wiring has, and {@code Crdb} hands the executor to nobody but its
 * own services. The public helpers that take a {@link Connection} are for {@link SqlWork} on the
 * connection this executor lent; they lend none themselves.
 */
public final class SqlExecutor {
  private static final int FETCH_SIZE = 500;

  private final EngineKey key;
  private final int queryTimeoutSeconds;
  private final Transactions transactions;

  /**
   * Made at the first statement, not when the library opens: resilience4j's retry and breaker
   * configurations (with their class initialisation) were about 6% of the main thread's CPU in a
   * server start (async-profiler, 2026-12-08). The settings are checked when they are read.
   */
  private final Lazy<Resilient> resilient;

  public SqlExecutor(EngineKey key, int queryTimeoutSeconds, Transactions transactions) {
    this(key, queryTimeoutSeconds, transactions, Resilience.defaults());
  }

  /**
   * @param resilience retries of statements that are safe to repeat and a circuit breaker per
   *     connection (see {@link Resilient})
   */
  public SqlExecutor(
      EngineKey key, int queryTimeoutSeconds, Transactions transactions, Resilience resilience) {
    EngineKey.check(key);
    this.key = key;
    this.queryTimeoutSeconds = queryTimeoutSeconds;
    this.transactions = transactions;
    this.resilient = Lazy.of(() -> new Resilient(resilience));
  }

  /**
   * The circuit breaker of {@code db}: {@code closed}, {@code open} or {@code half_open}, its
   * recent failures, and when an open one lets a call through again.
   */
  public BreakerState breaker(Database db) {
    return resilient.get().state(db);
  }

  /**
   * Runs {@code body} without retries of the SQL it runs through this executor: for work with
   * effects outside the database that a second attempt would repeat (an export streaming rows into
   * a file).
   */
  public static <T> T withoutRetries(java.util.function.Supplier<T> body) {
    return Resilient.once(body);
  }

  public int queryTimeoutSeconds() {
    return queryTimeoutSeconds;
  }

  /**
   * Runs {@code work}. With a {@code transactionId}, it runs inside that open transaction (which
   * must belong to {@code caller} and to {@code db}); otherwise in a transaction of its own. For
   * the library's services in other packages: {@code key} is the one they were built with.
   */
  public <T> T run(
      EngineKey key,
      Database db,
      Access access,
      String transactionId,
      Caller caller,
      SqlWork<T> work) {
    EngineKey.check(key);
    return run(db, access, transactionId, caller, work);
  }

  /** {@link #run(EngineKey, Database, Access, String, Caller, SqlWork)}, within this package. */
  <T> T run(Database db, Access access, String transactionId, Caller caller, SqlWork<T> work) {
    if (access != Access.READ && caller != null && caller.readOnly()) {
      throw CrdbException.refused(
          "this caller may only read (its token grants no write scope)",
          "authorize again asking for crdb:write, or use tools that only read");
    }
    if (access == Access.OUTSIDE_TRANSACTION) {
      if (transactionId != null) {
        throw new IllegalArgumentException(
            "work outside a transaction takes no transaction handle");
      }
      return runOutsideTransaction(db, work);
    }
    if (transactionId != null) {
      return transactions.runIn(
          key,
          transactionId,
          caller,
          db,
          access,
          (c, d) -> {
            setTimeout(c, false);
            db.busy(key, c, true);
            try {
              return runWork(db, work, c, d);
            } finally {
              db.busy(key, c, false);
            }
          });
    }
    return resilient.get().call(db, access, () -> runOnce(db, access, work));
  }

  /** One attempt of a {@link #run} in a transaction of its own. */
  private <T> T runOnce(Database db, Access access, SqlWork<T> work) {
    Dialect dialect;
    Connection c;
    try {
      dialect = db.dialect();
      c = db.withSessionTimeout(key, db.borrow(key), queryTimeoutSeconds);
    } catch (SQLException e) {
      throw new Resilient.NotSent(SqlErrors.translate(e, db.spec()));
    } catch (CrdbException e) {
      throw new Resilient.NotSent(e);
    }
    boolean done = false;
    db.busy(key, c, true);
    try {
      if (db.sessionTimeout(key, c) == queryTimeoutSeconds) {
        // The session has this timeout as its default since its login (PostgreSQL; see
        // Database.withSessionTimeout): no statement of its own to start the transaction. Read-only
        // is the driver's BEGIN READ ONLY, sent with the work's first statement, so the
        // transaction is read-only before any SQL runs. One round trip less per call.
        c.setReadOnly(access == Access.READ);
      } else {
        setTimeout(c, access == Access.READ);
      }
      T result = runWork(db, work, c, dialect);
      if (access == Access.WRITE) {
        c.commit();
      }
      // A read's transaction is rolled back by the release below, in the round trip that also
      // cleans the session (Database#release).
      done = true;
      return result;
    } catch (SQLTimeoutException e) {
      throw SqlErrors.timeout(e);
    } catch (SQLException e) {
      throw SqlErrors.translate(e, db.spec());
    } finally {
      db.busy(key, c, false);
      if (!done) {
        rollbackQuietly(c);
      }
      db.release(key, c);
    }
  }

  /**
   * {@link Access#OUTSIDE_TRANSACTION}: autocommit on a pooled connection, the statement timeout
   * set for the session ({@code DISCARD ALL} in {@link Database#release} resets it), autocommit
   * switched off again before the connection goes back.
   */
  private <T> T runOutsideTransaction(Database db, SqlWork<T> work) {
    Dialect dialect = db.dialect();
    Connection c;
    try {
      c = db.borrow(key);
    } catch (SQLException e) {
      throw SqlErrors.translate(e, db.spec());
    }
    try {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        // An int, not a value from a caller: SET does not take bind parameters.
        s.execute("SET statement_timeout = '" + queryTimeoutSeconds + "s'");
      }
      return runWork(db, work, c, dialect);
    } catch (SQLTimeoutException e) {
      throw SqlErrors.timeout(e);
    } catch (SQLException e) {
      throw SqlErrors.translate(e, db.spec());
    } finally {
      try {
        c.setAutoCommit(false);
      } catch (SQLException ignored) {
        // The connection is broken; release evicts it.
      }
      db.release(key, c);
    }
  }

  /**
   * Runs the work; a database error jOOQ wrapped in its own exception comes out as the driver's
   * {@link SQLException}, so it is translated (and marks an explicit transaction aborted) like any
   * other.
   */
  private <T> T runWork(Database db, SqlWork<T> work, Connection c, Dialect d) throws SQLException {
    CallCancel cancel = CallCancel.current();
    cancel.throwIfCancelled();
    // A client's cancellation while the work runs stops its statement on the server.
    java.util.concurrent.atomic.AtomicBoolean working =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    try (CallCancel.Hook hook = cancel.onCancel(() -> db.cancelOnServer(key, c, working::get))) {
      T result = work.run(c, d);
      db.watchdogCause(key, c, null);
      return result;
    } catch (DataAccessException e) {
      SQLException cause = e.getCause(SQLException.class);
      if (cause != null) {
        throw db.watchdogCause(key, c, cause);
      }
      db.watchdogCause(key, c, null);
      throw e;
    } catch (SQLException e) {
      throw db.watchdogCause(key, c, e);
    } finally {
      working.set(false);
    }
  }

  private void setTimeout(Connection c, boolean readOnly) throws SQLException {
    begin(c, readOnly, queryTimeoutSeconds);
  }

  /**
   * The one way a transaction is started: read-only first when asked (before any other statement),
   * then the statement timeout for this transaction only, sent as one round trip. With {@code
   * readOnly} false only the timeout is set (as on every call inside an explicit transaction).
   */
  public static void begin(Connection c, boolean readOnly, int timeoutSeconds) throws SQLException {
    try (Statement s = c.createStatement()) {
      // An int, not a value from a caller: SET does not take bind parameters.
      String timeout = "SET LOCAL statement_timeout = '" + timeoutSeconds + "s'";
      s.execute(readOnly ? "SET TRANSACTION READ ONLY; " + timeout : timeout);
    }
  }

  /**
   * jOOQ on the connection of a {@link #run} (inside its transaction and statement timeout), with
   * the library's settings ({@link Sql}) and this executor's JDBC query timeout; for catalog
   * queries whose rows jOOQ reads.
   */
  public DSLContext dsl(Connection c) {
    return DSL.using(c, SQLDialect.POSTGRES, Sql.settings().withQueryTimeout(backstopSeconds()));
  }

  /**
   * Runs a statement built with jOOQ on a connection this executor lent (inside {@link SqlWork})
   * and streams its rows, stopping at {@code maxRows}; {@code truncated} is true when a further row
   * existed.
   */
  public QueryResult query(Connection c, Sql.Statement st, int maxRows) throws SQLException {
    JdbcSql jdbc = JdbcSql.of(st.sql());
    return query(c, jdbc, jdbc.bind(st.params()), maxRows);
  }

  /** {@link #query(Connection, Sql.Statement, int)} for a statement already converted and bound. */
  QueryResult query(Connection c, JdbcSql jdbc, List<Object> values, int maxRows)
      throws SQLException {
    long start = System.nanoTime();
    try (PreparedStatement ps = prepareBound(c, jdbc.sql(), values, false)) {
      ps.setFetchSize(Math.min(FETCH_SIZE, maxRows + 1));
      ps.setMaxRows(maxRows + 1);
      boolean hasRows;
      // The same backstop as the driver's query timeout, kept by QueryDeadlines (see there why).
      try (QueryDeadlines.Watch w = QueryDeadlines.watch(ps, backstopSeconds() * 1000L)) {
        hasRows = ps.execute();
      }
      if (!hasRows) {
        return new QueryResult(
            List.of(), List.of(), false, maxRows, ps.getUpdateCount(), elapsed(start));
      }
      try (ResultSet rs = ps.getResultSet()) {
        return readRows(rs, maxRows, false, start);
      }
    }
  }

  /**
   * Prepares a statement built with jOOQ on a connection this executor lent, binds its values and
   * sets the JDBC query timeout (a second guard besides the server's statement timeout).
   */
  public PreparedStatement prepare(Connection c, Sql.Statement st) throws SQLException {
    JdbcSql jdbc = JdbcSql.of(st.sql());
    return prepareBound(c, jdbc.sql(), jdbc.bind(st.params()));
  }

  /** Prepares driver text ({@code ?} placeholders) with values already in {@code ?} order. */
  public PreparedStatement prepareBound(Connection c, String jdbcSql, List<Object> values)
      throws SQLException {
    return prepareBound(c, jdbcSql, values, true);
  }

  /** The client's limit on one statement's execution: a few seconds past the server's. */
  private int backstopSeconds() {
    return queryTimeoutSeconds + 5;
  }

  private PreparedStatement prepareBound(
      Connection c, String jdbcSql, List<Object> values, boolean driverTimeout)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(jdbcSql);
    try {
      if (driverTimeout) {
        ps.setQueryTimeout(backstopSeconds());
      }
      for (int i = 0; i < values.size(); i++) {
        ps.setObject(i + 1, values.get(i));
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  /**
   * Reads a result set into a {@link QueryResult}, keeping at most {@code maxRows} rows. Without
   * {@code countAll} reading stops at the first row past the cap ({@code truncated}); with it the
   * remaining rows are read and counted ({@code updateCount} holds the total), for statements that
   * must run to completion such as a write with RETURNING.
   */
  public static QueryResult readRows(ResultSet rs, int maxRows, boolean countAll, long startNanos)
      throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<QueryResult.Column> columns = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      columns.add(new QueryResult.Column(md.getColumnLabel(i), md.getColumnTypeName(i)));
    }
    List<List<Object>> rows = new ArrayList<>();
    long total = 0;
    while (rs.next()) {
      total++;
      if (rows.size() == maxRows) {
        if (!countAll) {
          break;
        }
        continue;
      }
      List<Object> row = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        row.add(Values.read(rs, i, md));
      }
      rows.add(row);
    }
    return new QueryResult(
        columns, rows, total > rows.size(), maxRows, countAll ? total : -1, elapsed(startNanos));
  }

  private static double elapsed(long start) {
    return (System.nanoTime() - start) / 1_000_000.0;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; Hikari evicts it on close.
    }
  }
}
