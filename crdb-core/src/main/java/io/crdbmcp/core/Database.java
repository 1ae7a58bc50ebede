package io.crdbmcp.core;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One named connection: a HikariCP pool to one database on one server, and the detected dialect.
 * Obtain connections only through {@link SqlExecutor}; this class does not run user SQL.
 */
public final class Database implements AutoCloseable {
  private final ConnectionSpec spec;
  private final int poolSize;
  private volatile HikariDataSource pool;
  private volatile boolean closed;
  private volatile Dialect dialect;

  Database(ConnectionSpec spec, int poolSize) {
    this(spec, poolSize, false);
  }

  /**
   * @param failFast when true, construction fails at once if the server cannot be reached (used by
   *     connect, where the caller waits for the answer)
   */
  Database(ConnectionSpec spec, int poolSize, boolean failFast) {
    this.spec = spec;
    this.poolSize = poolSize;
    if (failFast) {
      this.pool = createPool(true);
    }
  }

  /**
   * The pool is made on first use, not at start-up: a server whose database is down still starts,
   * and start-up stays short.
   */
  private HikariDataSource pool() {
    HikariDataSource p = pool;
    if (p == null) {
      synchronized (this) {
        if (closed) {
          throw new CrdbException(
              ErrorCode.UNKNOWN_CONNECTION,
              "connection '" + spec.name() + "' is closed",
              "call list_connections, or connect again");
        }
        if (pool == null) {
          pool = createPool(false);
        }
        p = pool;
      }
    }
    return p;
  }

  private HikariDataSource createPool(boolean failFast) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("crdb-" + spec.name());
    hc.setJdbcUrl(spec.jdbcUrl());
    hc.setDataSourceProperties(spec.driverProperties());
    hc.setUsername(spec.user());
    if (spec.password() != null) {
      hc.setPassword(spec.password());
    }
    hc.setAutoCommit(false);
    hc.setMaximumPoolSize(this.poolSize);
    hc.setMinimumIdle(0);
    hc.setConnectionTimeout(Math.max(250, spec.connectTimeoutSeconds() * 1000L));
    hc.setValidationTimeout(Math.max(250, Math.min(5000, spec.connectTimeoutSeconds() * 1000L)));
    // Do not fail construction when the server is down: the first call reports it instead.
    hc.setInitializationFailTimeout(failFast ? 1 : -1);
    try {
      return new HikariDataSource(hc);
    } catch (HikariPool.PoolInitializationException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw SqlErrors.translate(sql, spec);
      }
      throw new CrdbException(
          ErrorCode.CONNECTION_FAILED,
          "cannot connect to " + spec.host() + ":" + spec.port() + ": " + e.getMessage(),
          "check that the server is running and reachable",
          null,
          e);
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
          try (Connection c = borrow();
              Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            dialect = Dialect.fromVersionString(rs.getString(1));
            c.rollback();
          } catch (SQLException e) {
            throw SqlErrors.translate(e, spec);
          }
        }
        d = dialect;
      }
    }
    return d;
  }

  /** Pool statistics for list_connections. */
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

  /** A pooled JDBC connection with autocommit off. Package-private: only the executor uses it. */
  Connection borrow() throws SQLException {
    return pool().getConnection();
  }

  /**
   * Gives a borrowed connection back to the pool clean. Its transaction must already be ended.
   * {@code DISCARD ALL} resets every session setting to its start value, releases session advisory
   * locks, drops temporary tables and closes cursors and prepared statements, so nothing one call
   * did to the session (directly, through a function, or in a committed transaction) reaches the
   * next call. A connection that cannot be cleaned is evicted from the pool instead.
   */
  void release(Connection c) {
    try {
      c.rollback();
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
        SqlExecutor.closeQuietly(c);
      }
    }
  }

  @Override
  public void close() {
    HikariDataSource p;
    synchronized (this) {
      closed = true;
      p = pool;
    }
    if (p != null) {
      p.close();
    }
  }

  @Override
  public String toString() {
    return "Database[" + spec + "]";
  }
}
