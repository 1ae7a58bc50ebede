package io.crdbmcp.core;

import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.SqlGuard;
import io.crdbmcp.core.safety.Verdict;
import java.util.List;

/**
 * Runs SQL text written by a person or a model. Every statement passes the safety guard first;
 * reads then run in a database-enforced read-only transaction, writes only when neither the server
 * nor the connection is read-only.
 */
public final class Queries {
  private final SqlGuard guard;
  private final SqlExecutor executor;
  private final int maxRows;

  public Queries(SqlGuard guard, SqlExecutor executor, int maxRows) {
    this.guard = guard;
    this.executor = executor;
    this.maxRows = maxRows;
  }

  /** The server's row cap ({@code CRDB_MAX_ROWS}). */
  public int maxRows() {
    return maxRows;
  }

  /** Caps a requested row count at the configured maximum. */
  public int rowCap(Integer requested) {
    if (requested == null) {
      return maxRows;
    }
    if (requested < 1) {
      throw CrdbException.invalidArgument(
          "max_rows must be at least 1 (got " + requested + ")", "omit it to get up to " + maxRows);
    }
    return Math.min(requested, maxRows);
  }

  /**
   * Executes one statement. {@code @PlainSQL}: {@code sql} is raw SQL text and is checked by the
   * safety guard before anything runs.
   */
  public QueryResult executePlainSql(
      Database db, String sql, List<?> params, Integer requestedRows, String txId, Caller caller) {
    Classification c = require(db, sql, false);
    Access access = c.writes() ? Access.WRITE : Access.READ;
    return executor.query(db, sql, params, rowCap(requestedRows), access, txId, caller);
  }

  /** Whether a statement would be allowed on {@code db}, without running it. */
  public Verdict validatePlainSql(Database db, String sql) {
    return effectiveReadOnly(db) ? guard.checkReadOnly(sql) : guard.check(sql);
  }

  /** Checks a statement, throwing {@link CrdbException} with the refusing rule. */
  public Classification require(Database db, String sql, boolean forceReadOnly) {
    return guard.require(sql, forceReadOnly || effectiveReadOnly(db));
  }

  public boolean effectiveReadOnly(Database db) {
    return guard.policy().readOnly() || db.readOnly();
  }

  public SqlGuard guard() {
    return guard;
  }

  public SqlExecutor executor() {
    return executor;
  }
}
