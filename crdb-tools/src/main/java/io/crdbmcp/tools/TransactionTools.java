package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.tx.Savepoints;
import io.crdbmcp.core.tx.Transactions;
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

  /** The handle of the transaction a tool works on; required here, unlike in the SQL tools. */
  static final Param<String> HANDLE =
      Params.TRANSACTION_ID.required(); // described once in the instructions

  static final Param<Boolean> READ_ONLY =
      Param.flag("read_only", "Read-only transaction.", false).brief();

  static final Param<String> SAVEPOINT_NAME = Param.text("name", "Letters, digits, _.").required();

  static final Param<String> ACTION =
      Param.choice("action", "Default create.", "create", "create", "rollback", "release");

  /** The arguments of begin_transaction; {@code readOnly} null when not given. */
  record Begin(Boolean readOnly, String connection, boolean json) {
    static Begin from(Args a) {
      return new Begin(
          a.has(READ_ONLY) ? a.get(READ_ONLY) : null, a.get(Params.CONNECTION), a.json());
    }
  }

  /** The arguments of the tools on one transaction. */
  record Handle(String id, boolean json) {
    static Handle from(Args a) {
      return new Handle(a.get(HANDLE), a.json());
    }
  }

  /** The arguments of savepoint. */
  record Savepoint(String id, String name, String action, boolean json) {
    static Savepoint from(Args a) {
      return new Savepoint(a.get(HANDLE), a.get(SAVEPOINT_NAME), a.get(ACTION), a.json());
    }
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

  private static ToolResult result(Map<String, Object> m, String text, boolean json) {
    return new ToolResult(json ? Render.toJson(m) : text, m);
  }

  private static ToolDef.Builder tool(ToolDef.Builder b) {
    return b.group(Toolset.TRANSACTION).output(OUTPUT);
  }

  private static ToolDef begin(Crdb crdb) {
    return tool(ToolDef.reader("begin_transaction"))
        .title("Begin a transaction")
        .description(
            "Starts a transaction (read_only if asked) spanning calls; pass its transaction_id to SQL tools, then commit_transaction or rollback_transaction."
                + (crdb.readOnly() ? " The server is read-only: only read-only transactions." : ""))
        .params(READ_ONLY, Params.CONNECTION, Params.FORMAT)
        .handler(
            Begin::from,
            (q, ctx) -> {
              Status s =
                  crdb.session(ctx.caller()).on(q.connection()).beginTransaction(q.readOnly());
              return result(
                  describe(s, "open", crdb),
                  "Transaction started: transaction_id="
                      + s.id()
                      + " on connection '"
                      + s.connection()
                      + "'"
                      + (s.readOnly() ? " (read-only)" : "")
                      + ". Pass transaction_id to SQL tools; finish with commit_transaction or"
                      + " rollback_transaction.",
                  q.json());
            });
  }

  /** What a tool on one handle does: commit, roll back or look. */
  @FunctionalInterface
  private interface OnHandle {
    Status run(Transactions transactions, String id, Caller caller);
  }

  /** The text of a tool on one handle, from the transaction and its description. */
  @FunctionalInterface
  private interface Text {
    String of(Status s, Map<String, Object> described);
  }

  /** A tool that takes a transaction handle, runs {@code op} and describes it in {@code state}. */
  private static ToolDef onHandle(
      Crdb crdb, ToolDef.Builder tool, OnHandle op, String state, Text text) {
    return tool(tool)
        .params(HANDLE, Params.FORMAT)
        .handler(
            Handle::from,
            (q, ctx) -> {
              Status s = op.run(crdb.transactions(), q.id(), ctx.caller());
              Map<String, Object> m = describe(s, state, crdb);
              return result(m, text.of(s, m), q.json());
            });
  }

  private static ToolDef commit(Crdb crdb) {
    ToolDef.Builder tool =
        ToolDef.mayWrite("commit_transaction")
            .title("Commit a transaction")
            .description(
                "Commits transaction_id. On RETRY_TRANSACTION it was rolled back: run it again.")
            .scope(Scope.READ);
    return onHandle(
        crdb, tool, Transactions::commit, "committed", (s, m) -> "Committed " + s.id() + ".");
  }

  private static ToolDef rollback(Crdb crdb) {
    ToolDef.Builder tool =
        ToolDef.mayWrite("rollback_transaction")
            .title("Roll back a transaction")
            .description("Rolls back transaction_id.")
            .idempotent()
            .scope(Scope.READ);
    return onHandle(
        crdb, tool, Transactions::rollback, "rolled_back", (s, m) -> "Rolled back " + s.id() + ".");
  }

  private static ToolDef status(Crdb crdb) {
    ToolDef.Builder tool =
        ToolDef.reader("get_transaction_status")
            .title("Transaction status")
            .description(
                "Whether transaction_id is open, read-only or aborted; statements, savepoints.");
    return onHandle(
        crdb,
        tool,
        Transactions::status,
        "open",
        (s, m) ->
            Render.keyValues(m)
                + (s.aborted()
                    ? "The transaction is aborted by an error: roll back to a savepoint or call"
                        + " rollback_transaction.\n"
                    : ""));
  }

  private static ToolDef savepoint(Crdb crdb) {
    return tool(ToolDef.mayWrite("savepoint"))
        .title("Savepoint")
        .description("Creates, rolls back to or releases savepoint name in transaction_id.")
        .params(HANDLE, SAVEPOINT_NAME, ACTION, Params.FORMAT)
        .scope(Scope.READ)
        .handler(
            Savepoint::from,
            (q, ctx) -> {
              Status s =
                  crdb.transactions()
                      .savepoint(
                          q.id(), ctx.caller(), q.name(), Savepoints.Action.parse(q.action()));
              return result(
                  describe(s, "open", crdb),
                  "Savepoint "
                      + q.name()
                      + ": "
                      + q.action()
                      + " done. Savepoints: "
                      + s.savepoints(),
                  q.json());
            });
  }
}
