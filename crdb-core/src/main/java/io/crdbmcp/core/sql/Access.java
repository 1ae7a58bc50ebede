package io.crdbmcp.core.sql;

/** What a unit of work may do. READ runs in a transaction the database itself keeps read-only. */
public enum Access {
  READ,
  WRITE
}
