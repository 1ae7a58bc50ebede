package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.tx.Transactions.Status;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * begin_transaction, commit_transaction, rollback_transaction, get_transaction_status, savepoint. A
 * transaction is named by the handle begin_transaction returns; the other tools and every SQL tool
 * take it as transaction_id. No hidden per-session state.
 */
final class TransactionTools {
  private TransactionTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(begin(crdb), commit(crdb), rollback(crdb), status(crdb), savepoint(crdb));
  }

  private static final Map<String, Object> OUTPUT =
      OutputSchemas.object(
          Map.of("transaction_id", Map.of("type", "string"), "state", Map.of("type", "string")),
          List.of("transaction_id", "state"));

  static Map<String, Object> describe(Status s, String state, Crdb crdb) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("transaction_id", s.id());
    m.put("state", state);
    m.put("connection", s.connection());
    m.put("read_only", s.readOnly());
    m.put("started", s.started().toString());
    m.put("statements", s.statements());
    m.put("savepoints", s.savepoints());
    if (state.equals("open")) {
      m.put("aborted", s.aborted());
      m.put("idle_timeout_seconds", crdb.transactions().idleTimeout().toSeconds());
    }
    return m;
  }

  private static Params handle() {
    return Params.of()
        .requiredString("transaction_id", "The handle returned by begin_transaction.")
        .format();
  }

  private static ToolResult result(Map<String, Object> m, String text, Args a) {
    return new ToolResult(a.json() ? Render.toJson(m) : text, m);
  }

  private static ToolDef begin(Crdb crdb) {
    return ToolDef.reader("begin_transaction")
        .group(Toolset.TRANSACTION)
        .title("Begin a transaction")
        .description(
            "Starts a transaction that spans several calls and returns its transaction_id. Pass"
                + " transaction_id to execute_query and the other SQL tools to run inside it, then"
                + " commit_transaction or rollback_transaction. Idle transactions are rolled back"
                + " after CRDB_TRANSACTION_IDLE_TIMEOUT seconds; each client may have"
                + " CRDB_MAX_TRANSACTIONS_PER_CLIENT open. On CockroachDB, an error with"
                + " code RETRY_TRANSACTION means: roll back and retry the whole transaction."
                + (crdb.readOnly() ? " The server is read-only: only read-only transactions." : ""))
        .params(
            Params.of()
                .bool(
                    "read_only",
                    "Start a read-only transaction (always true when the server is read-only).",
                    false)
                .connection()
                .format())
        .output(OUTPUT)
        .handler(
            (a, ctx) -> {
              Boolean requested = a.has("read_only") ? a.bool("read_only") : null;
              Status s = crdb.session(ctx.caller()).on(a.connection()).beginTransaction(requested);
              boolean readOnly = s.readOnly();
              Map<String, Object> m = describe(s, "open", crdb);
              return result(
                  m,
                  "Transaction started: transaction_id="
                      + s.id()
                      + " on connection '"
                      + s.connection()
                      + "'"
                      + (readOnly ? " (read-only)" : "")
                      + ". Pass transaction_id to SQL tools; finish with commit_transaction or"
                      + " rollback_transaction.",
                  a);
            });
  }

  private static ToolDef commit(Crdb crdb) {
    return ToolDef.mayWrite("commit_transaction")
        .group(Toolset.TRANSACTION)
        .title("Commit a transaction")
        .description(
            "Commits the transaction and releases its connection. If CockroachDB answers"
                + " RETRY_TRANSACTION, the transaction was rolled back: run it again from"
                + " begin_transaction.")
        .params(handle())
        .output(OUTPUT)
        .scope(Scope.READ)
        .handler(
            (a, ctx) -> {
              Status s = crdb.transactions().commit(a.requireText("transaction_id"), ctx.caller());
              return result(describe(s, "committed", crdb), "Committed " + s.id() + ".", a);
            });
  }

  private static ToolDef rollback(Crdb crdb) {
    return ToolDef.mayWrite("rollback_transaction")
        .group(Toolset.TRANSACTION)
        .title("Roll back a transaction")
        .description("Rolls back the transaction: nothing it did is kept. Releases its connection.")
        .params(handle())
        .output(OUTPUT)
        .idempotent()
        .scope(Scope.READ)
        .handler(
            (a, ctx) -> {
              Status s =
                  crdb.transactions().rollback(a.requireText("transaction_id"), ctx.caller());
              return result(describe(s, "rolled_back", crdb), "Rolled back " + s.id() + ".", a);
            });
  }

  private static ToolDef status(Crdb crdb) {
    return ToolDef.reader("get_transaction_status")
        .group(Toolset.TRANSACTION)
        .title("Transaction status")
        .description(
            "Whether the transaction is open, read-only or aborted (an error inside it), its"
                + " statement count, savepoints and idle timeout.")
        .params(handle())
        .output(OUTPUT)
        .handler(
            (a, ctx) -> {
              Status s = crdb.transactions().status(a.requireText("transaction_id"), ctx.caller());
              Map<String, Object> m = describe(s, "open", crdb);
              return result(
                  m,
                  Render.keyValues(m)
                      + (s.aborted()
                          ? "The transaction is aborted by an error: roll back to a savepoint or call"
                              + " rollback_transaction.\n"
                          : ""),
                  a);
            });
  }

  private static ToolDef savepoint(Crdb crdb) {
    return ToolDef.mayWrite("savepoint")
        .group(Toolset.TRANSACTION)
        .title("Savepoint")
        .description(
            "Creates a savepoint inside a transaction, rolls back to one (undoing what came after"
                + " it, also after an error), or releases one.")
        .params(
            Params.of()
                .requiredString("transaction_id", "The handle returned by begin_transaction.")
                .requiredString(
                    "name", "Savepoint name: letters, digits and _ (e.g. before_update).")
                .choice(
                    "action",
                    "create (default), rollback (to the savepoint) or release.",
                    "create",
                    "create",
                    "rollback",
                    "release")
                .format())
        .output(OUTPUT)
        .scope(Scope.READ)
        .handler(
            (a, ctx) -> {
              Status s =
                  crdb.transactions()
                      .savepoint(
                          a.requireText("transaction_id"),
                          ctx.caller(),
                          a.requireText("name"),
                          a.string("action"));
              return result(
                  describe(s, "open", crdb),
                  "Savepoint "
                      + a.string("name")
                      + ": "
                      + a.string("action")
                      + " done. Savepoints: "
                      + s.savepoints(),
                  a);
            });
  }
}
