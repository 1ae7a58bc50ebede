package io.crdbmcp.core;

/**
 * Stable error codes. Clients and tests match on these names; the message text may change, the
 * codes do not.
 */
public enum ErrorCode {
  /** A setting is missing or malformed. */
  CONFIG_INVALID,
  /** A tool argument is missing, of the wrong type or out of range. */
  INVALID_ARGUMENT,
  /** No connection of that name is open. */
  UNKNOWN_CONNECTION,
  /** The database could not be reached or refused the login. */
  CONNECTION_FAILED,
  /** A table, view or column that does not exist (or is hidden by access control). */
  NOT_FOUND,
  /** The SQL safety layer refused the statement; nothing was executed. */
  SQL_REFUSED,
  /** The statement could not be parsed by the safety lexer or the database. */
  SQL_SYNTAX,
  /** The statement ran and the database reported an error. */
  SQL_ERROR,
  /** The statement exceeded the query timeout and was cancelled. */
  QUERY_TIMEOUT,
  /** CockroachDB asked for the transaction to be retried (SQLSTATE 40001). */
  RETRY_TRANSACTION,
  /** The operation needs an explicit confirmation ({@code confirm: true}). */
  CONFIRMATION_REQUIRED,
  /** The transaction handle is unknown, expired or belongs to another client. */
  TRANSACTION_NOT_FOUND,
  /** Too many transactions are open. */
  TOO_MANY_TRANSACTIONS,
  /** A file path was refused or a file could not be written. */
  EXPORT_FAILED,
  /** The operation was cancelled by the client. */
  CANCELLED,
  /** The model that writes SQL from a question (endpoint or sampling) failed or timed out. */
  MODEL_FAILED,
  /** Anything else; a bug if seen. */
  INTERNAL
}
