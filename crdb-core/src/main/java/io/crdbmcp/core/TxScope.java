package io.crdbmcp.core;

import io.crdbmcp.core.tx.Transactions;

/**
 * One transaction as a scope: every operation runs inside it, and {@link #close()} rolls it back
 * unless {@link #commit()} ran. Use it with try-with-resources:
 *
 * <pre>{@code
 * try (TxScope tx = crdb.begin()) {
 *   tx.rows("accounts").where("id", 1).update(Map.of("balance", 90));
 *   tx.rows("accounts").where("id", 2).update(Map.of("balance", 110));
 *   tx.commit();
 * }
 * }</pre>
 *
 * The same handle the transaction tools use ({@link #id()}); it belongs to the caller that began
 * it, and counts against its {@code CRDB_MAX_TRANSACTIONS_PER_CLIENT} until it ends.
 */
public final class TxScope extends CrdbScope implements AutoCloseable {
  private final Crdb crdb;
  private final ScopeOps ops;
  private final Transactions.Status begun;
  private boolean ended;

  TxScope(Crdb crdb, Caller caller, Transactions.Status begun) {
    this.crdb = crdb;
    this.begun = begun;
    this.ops = new ScopeOps(crdb, caller, null, begun.id());
  }

  @Override
  ScopeOps ops() {
    return ops;
  }

  /** The transaction's handle (what the tools call {@code transaction_id}). */
  public String id() {
    return begun.id();
  }

  /** The name of the connection the transaction runs on. */
  public String connection() {
    return begun.connection();
  }

  public boolean readOnly() {
    return begun.readOnly();
  }

  /** Statements run, savepoints, whether an error aborted it. */
  public Transactions.Status status() {
    return crdb.transactions().status(begun.id(), ops.caller);
  }

  /** Commits. Afterwards the scope is finished ({@link #close()} does nothing). */
  public void commit() {
    ended = true;
    crdb.transactions().commit(begun.id(), ops.caller);
  }

  /** Rolls back. Afterwards the scope is finished. */
  public void rollback() {
    ended = true;
    crdb.transactions().rollback(begun.id(), ops.caller);
  }

  /**
   * Rolls back unless the transaction was committed or rolled back already (also when it ended
   * otherwise: rolled back after being idle, or its connection closed).
   */
  @Override
  public void close() {
    if (ended) {
      return;
    }
    ended = true;
    try {
      crdb.transactions().rollback(begun.id(), ops.caller);
    } catch (CrdbException e) {
      if (e.code() != ErrorCode.TRANSACTION_NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public String toString() {
    return "TxScope["
        + Transactions.shortId(begun.id())
        + " on '"
        + begun.connection()
        + "'"
        + (begun.readOnly() ? ", read-only" : "")
        + (ended ? ", ended" : "")
        + "]";
  }
}
