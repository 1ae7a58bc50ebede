package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;

/**
 * Where a call runs: the {@code connection} and {@code transaction_id} arguments (each may be null:
 * the caller's default connection, no transaction).
 */
record Target(String connection, String transactionId) {

  /** Both arguments, as declared by {@link Params#CONNECTION} and {@link Params#TRANSACTION_ID}. */
  static Target from(Args a) {
    return new Target(a.get(Params.CONNECTION), a.get(Params.TRANSACTION_ID));
  }

  /** Only the connection, for tools that take no transaction. */
  static Target connectionOnly(Args a) {
    return new Target(a.get(Params.CONNECTION), null);
  }

  /** The connection the call runs on, for this caller; recorded in the call's record. */
  Database open(Crdb crdb, ToolContext ctx) {
    Database db = crdb.database(connection, transactionId, ctx.caller());
    ctx.record().connection(db.name());
    return db;
  }
}
