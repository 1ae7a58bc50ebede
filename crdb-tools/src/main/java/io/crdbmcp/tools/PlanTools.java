package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.sql.Plans.Plan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** explain_query and explain_analyze. */
final class PlanTools {
  private PlanTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(explain(crdb), explainAnalyze(crdb));
  }

  /** The arguments of explain_query and explain_analyze. */
  record Explain(String sql, Target target, boolean json) {
    static Explain from(Args a) {
      return new Explain(a.get(QueryTools.SQL), Target.from(a), a.json());
    }
  }

  private static ToolDef.Builder declare(ToolDef.Builder b, String sqlDescription) {
    return b.group(Toolset.QUERY)
        .param(QueryTools.SQL.describedAs(sqlDescription))
        .params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT)
        .output(OUTPUT);
  }

  private static ToolResult render(Plan p, boolean json) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("statement_kind", p.statementKind());
    m.put("analyzed", p.analyzed());
    m.put("rolled_back", p.rolledBack());
    m.put("plan", p.lines());
    if (json) {
      return new ToolResult(Render.toJson(m), m);
    }
    StringBuilder sb = new StringBuilder();
    for (String line : p.lines()) {
      sb.append(line).append('\n');
    }
    if (p.rolledBack()) {
      sb.append("(the statement ran to measure it and was rolled back; nothing changed)\n");
    }
    String text = sb.toString();
    if (text.length() > Render.LIMIT) {
      text =
          text.substring(0, Render.LIMIT - 100) + "\n… plan cut at " + Render.LIMIT + " characters";
    }
    return new ToolResult(text, m);
  }

  private static final Map<String, Object> OUTPUT =
      OutputSchemas.object(
          OutputSchemas.properties(
              "plan", Map.of("type", "array", "items", Map.of("type", "string")),
              "analyzed", Map.of("type", "boolean")),
          List.of("plan"));

  private static ToolDef explain(Crdb crdb) {
    return declare(ToolDef.reader("explain_query"), "Without EXPLAIN.")
        .title("Show a query plan")
        .description("Plan of the statement sql, without running it.")
        .handler(
            Explain::from,
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              QueryTools.recordStatement(crdb, ctx, q.sql());
              return render(
                  crdb.plans()
                      .explainPlainSql(db, q.sql(), q.target().transactionId(), ctx.caller()),
                  q.json());
            });
  }

  private static ToolDef explainAnalyze(Crdb crdb) {
    return declare(ToolDef.mayWrite("explain_analyze"), "Without EXPLAIN ANALYZE.")
        .title("Show a query plan with execution statistics")
        .description(
            "Runs sql and shows its plan with actual rows and timings; writes are rolled back.")
        .idempotent()
        .handler(
            Explain::from,
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              QueryTools.recordStatement(crdb, ctx, q.sql());
              return render(
                  crdb.plans()
                      .explainAnalyzePlainSql(
                          db, q.sql(), q.target().transactionId(), ctx.caller()),
                  q.json());
            });
  }
}
