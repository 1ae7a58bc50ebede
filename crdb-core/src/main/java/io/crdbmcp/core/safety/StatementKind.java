package io.crdbmcp.core.safety;

/** Broad class of a SQL statement, as decided by {@link StatementClassifier}. */
public enum StatementKind {
  READ,
  WRITE,
  DDL,
  PRIVILEGE,
  TRANSACTION_CONTROL,
  SESSION_SETTING,
  CLUSTER_SETTING,
  UTILITY,
  EMPTY
}
