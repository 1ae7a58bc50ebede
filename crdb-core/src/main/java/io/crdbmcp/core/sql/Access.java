package io.crdbmcp.core.sql;

/** What a unit of work may do. READ runs in a transaction the database itself keeps read-only. */
public enum Access {
  READ,
  WRITE,
  /**
   * Each statement commits on its own, outside any transaction block (autocommit), with the
   * statement timeout set for the session until the connection goes back to the pool. Only for the
   * statements PostgreSQL refuses inside a transaction block, {@code CREATE DATABASE} and {@code
   * DROP DATABASE}, which only the administration service ({@code admin}) builds; never with a
   * transaction handle, never for SQL text from a caller.
   */
  OUTSIDE_TRANSACTION
}
