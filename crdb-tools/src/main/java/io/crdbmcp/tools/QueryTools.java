package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.StatementClassifier;
import io.crdbmcp.core.safety.Verdict;
import io.crdbmcp.core.sql.QueryResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** execute_query and validate_query. */
final class QueryTools {
  private QueryTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(executeQuery(crdb), validateQuery(crdb));
  }

  /** The {@code sql} argument of the SQL tools; each tool words its description. */
  static final Param<String> SQL = Param.text("sql", "One SQL statement.").required();

  /** The {@code params} argument of the tools that run SQL text. */
  static final Param<List<Object>> PARAMS = Param.array("params", "Values for $1, $2 ...");

  static final Param<Integer> MAX_ROWS =
      Param.integer("max_rows", "Return at most this many rows.", 1);

  /** The arguments of execute_query. */
  record ExecuteQuery(
      String sql, List<Object> params, Integer maxRows, Target target, boolean json) {
    static ExecuteQuery from(Args a) {
      return new ExecuteQuery(
          a.get(SQL),
          a.has(PARAMS) ? a.get(PARAMS) : List.of(),
          a.get(MAX_ROWS),
          Target.from(a),
          a.json());
    }
  }

  /** The arguments of validate_query. */
  record ValidateQuery(String sql, Target target, boolean json) {
    static ValidateQuery from(Args a) {
      return new ValidateQuery(a.get(SQL), Target.connectionOnly(a), a.json());
    }
  }

  /**
   * Records the statement a tool runs: its classification, worked out only if someone reads it (the
   * guard classifies it again inside the library; this copy is for the call record). Text longer
   * than the guard accepts is not classified.
   */
  static void recordStatement(Crdb crdb, ToolContext ctx, String sql) {
    int max = crdb.config().safety().maxSqlLength();
    ctx.record()
        .classification(
            () -> {
              if (sql == null || sql.length() > max) {
                return null;
              }
              try {
                return StatementClassifier.classify(sql);
              } catch (RuntimeException | StackOverflowError e) {
                return null; // text the guard refuses as syntax
              }
            });
  }

  /** kind, command and writes of a classification, in that order. */
  private static Map<String, Object> summary(Classification c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", c.kind().name());
    m.put("command", c.command() == null ? "" : c.command());
    m.put("writes", c.writes());
    return m;
  }

  /** Rows a statement returned, or changed when it returned none. */
  static long rowsOf(QueryResult r) {
    return r.columns().isEmpty() && r.updateCount() >= 0 ? r.updateCount() : r.rowCount();
  }

  private static ToolDef executeQuery(Crdb crdb) {
    return ToolDef.mayWrite("execute_query")
        .group(Toolset.QUERY)
        .title("Run a SQL query")
        .description(
            "Runs one SQL statement (sql, $1 params), at most max_rows rows back. Reads run"
                + " read-only. "
                + (crdb.readOnly()
                    ? "The server is read-only: writes are refused."
                    : "Writes unless CRDB_BLOCKED_COMMANDS blocks them."))
        .param(
            SQL.describedAs(
                "One statement; $1, $2 ... from params."
                    + (crdb.readOnly() ? " Reads only: the server is read-only." : "")))
        .param(PARAMS)
        .param(MAX_ROWS.describedAs("Row cap (at most " + crdb.config().maxRows() + ")."))
        .params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT)
        .output(OutputSchemas.QUERY_RESULT)
        .destructive()
        .handler(
            ExecuteQuery::from,
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              recordStatement(crdb, ctx, q.sql());
              QueryResult r =
                  crdb.queries()
                      .executePlainSql(
                          db,
                          q.sql(),
                          q.params(),
                          q.maxRows(),
                          q.target().transactionId(),
                          ctx.caller());
              ctx.record().rows(rowsOf(r));
              return Render.queryResult(
                  r,
                  q.json(),
                  "Add WHERE/LIMIT/OFFSET, select fewer columns, or use export_to_csv for all"
                      + " rows.");
            });
  }

  private static ToolDef validateQuery(Crdb crdb) {
    return ToolDef.reader("validate_query")
        .group(Toolset.QUERY)
        .title("Check a SQL statement")
        .description(
            "Whether sql would be allowed, its classification and the rule refusing it. Runs nothing.")
        .param(SQL.describedAs("The statement to check."))
        .params(Params.CONNECTION, Params.FORMAT)
        .output(
            OutputSchemas.object(
                OutputSchemas.properties(
                    "allowed", Map.of("type", "boolean"),
                    "kind", Map.of("type", "string"),
                    "command", Map.of("type", "string")),
                List.of("allowed")))
        .handler(
            ValidateQuery::from,
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              Verdict v = crdb.queries().validatePlainSql(db, q.sql());
              Classification c = v.classification();
              ctx.record().classification(c).rule(v.refusedBy().orElse(null));
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("allowed", v.allowed());
              if (c != null) {
                m.put("kind", c.kind().name());
                m.put("command", c.command());
                m.put("writes", c.writes());
                m.put("relations", c.relations());
                m.put("functions", c.functions());
                m.put("reasons", c.reasons());
              }
              if (!v.allowed()) {
                m.put("rule", v.rule());
                m.put("message", v.message());
              }
              m.put("read_only", crdb.queries().effectiveReadOnly(db));
              String text =
                  q.json()
                      ? Render.toJson(m)
                      : (v.allowed()
                              ? "ALLOWED"
                              : "REFUSED by rule " + v.rule() + ": " + v.message())
                          + "\n"
                          + Render.keyValues(c == null ? Map.of() : summary(c));
              return new ToolResult(text, m);
            });
  }
}
