package io.crdbmcp.core;

import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.tx.Transactions;

/**
 * One caller on one connection: what a tool adapter (an MCP session, an HTTP request) works
 * through. {@code crdb.session(caller).on("analytics").query("SELECT ...")}. The connection name
 * resolves for this caller: its own connection of that name (opened with {@code connect}), else the
 * configured one; {@code null} is the caller's default connection. Immutable and cheap.
 */
public final class Session extends CrdbScope {
  private final ScopeOps ops;

  Session(Crdb crdb, Caller caller, String connection) {
    this.ops = new ScopeOps(crdb, caller, connection, null);
  }

  @Override
  ScopeOps ops() {
    return ops;
  }

  public Caller caller() {
    return ops.caller;
  }

  /** The connection name, or null for the caller's default connection. */
  public String connection() {
    return ops.connection;
  }

  /** The same caller on another connection ({@code null}: the default one). */
  public Session on(String connection) {
    return new Session(ops.crdb, ops.caller, connection);
  }

  /** The connection this session's calls use, as this caller sees it. */
  public Database database() {
    return ops.database();
  }

  /**
   * Begins a transaction, read-only exactly when the server or the connection is; see {@link
   * TxScope}.
   */
  public TxScope begin() {
    return new TxScope(ops.crdb, ops.caller, beginTransaction(null));
  }

  /** Begins a read-only or a read-write transaction (the latter refused on read-only servers). */
  public TxScope begin(boolean readOnly) {
    return new TxScope(ops.crdb, ops.caller, beginTransaction(readOnly));
  }

  /**
   * Begins a transaction that outlives this call, named by the handle in the returned status (for
   * tools: the client passes it back as {@code transaction_id}). It counts against this caller's
   * {@code CRDB_MAX_TRANSACTIONS_PER_CLIENT}; idle, it is rolled back after {@code
   * CRDB_TRANSACTION_IDLE_TIMEOUT}.
   *
   * @param readOnly null: read-only exactly when the server or the connection is
   */
  public Transactions.Status beginTransaction(Boolean readOnly) {
    return ops.crdb.transactions().begin(ops.database(), ops.caller, readOnly);
  }

  @Override
  public String toString() {
    return "Session[client="
        + ops.caller.clientId()
        + ", connection="
        + (ops.connection == null ? "(default)" : ops.connection)
        + "]";
  }
}
