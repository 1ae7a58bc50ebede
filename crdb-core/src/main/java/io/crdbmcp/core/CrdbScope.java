package io.crdbmcp.core;

import io.crdbmcp.core.safety.Verdict;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;

/**
 * What a caller can do on one connection, through the same guard, limits and access control as the
 * tools: {@link Crdb} (the local caller on the default connection), a {@link Session} (a caller and
 * a connection name, for tool adapters) and a {@link TxScope} (inside one transaction).
 */
public sealed interface CrdbScope permits Crdb, Session, TxScope {

  /**
   * Runs one SQL statement with {@code $1, $2 ...} bound to {@code params}. Checked by the safety
   * guard and the database's own checks first; rows are capped by {@code CRDB_MAX_ROWS}.
   */
  ResultTable query(String sql, Object... params);

  /** Tables and views with their kind and estimated row count (hidden ones left out). */
  RecordList<TableEntry> tables();

  /** Columns and primary key of a table or view ({@code "rides"} or {@code "public.rides"}). */
  TableInfo describe(String table);

  /** Rows of a table, by structured filter: {@code rows("rides").where("city", "boston")...}. */
  RowsQuery rows(String table);

  /** Whether a statement would be allowed, and why not; runs nothing. */
  Verdict validate(String sql);
}
