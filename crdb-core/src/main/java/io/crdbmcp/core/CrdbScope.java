package io.crdbmcp.core;

import io.crdbmcp.core.safety.Verdict;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;

/**
 * What a caller can do on one connection, through the same guard, limits and access control as the
 * tools: {@link Crdb} (the local caller on the default connection), a {@link Session} (a caller and
 * a connection name, for tool adapters) and a {@link TxScope} (inside one transaction). The
 * operations are written once, here; each scope says only who calls, where, and in which
 * transaction.
 */
public abstract sealed class CrdbScope permits Crdb, Session, TxScope {

  CrdbScope() {}

  /** The caller, connection name and transaction of this scope's operations. */
  abstract ScopeOps ops();

  /**
   * Runs one SQL statement with {@code $1, $2 ...} bound to {@code params}. Checked by the safety
   * guard and the database's own checks first; rows are capped by {@code CRDB_MAX_ROWS}.
   */
  public final ResultTable query(String sql, Object... params) {
    return ops().query(sql, params);
  }

  /** Tables and views with their kind and estimated row count (hidden ones left out). */
  public final RecordList<TableEntry> tables() {
    return ops().tables();
  }

  /** Columns and primary key of a table or view ({@code "rides"} or {@code "public.rides"}). */
  public final TableInfo describe(String table) {
    return ops().describe(table);
  }

  /** Rows of a table, by structured filter: {@code rows("rides").where("city", "boston")...}. */
  public final RowsQuery rows(String table) {
    return new RowsQuery(ops(), table);
  }

  /** Whether a statement would be allowed, and why not; runs nothing. */
  public final Verdict validate(String sql) {
    return ops().validate(sql);
  }
}
