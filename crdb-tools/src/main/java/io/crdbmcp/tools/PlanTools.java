package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.Database;
import io.crdbmcp.core.Plans.Plan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** explain_query and explain_analyze. */
final class PlanTools {
  private PlanTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(explain(crdb), explainAnalyze(crdb));
  }

  private static Params params(String sqlDescription) {
    return Params.of().requiredString("sql", sqlDescription).connection().transaction().format();
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
          Map.of(
              "plan", Map.of("type", "array", "items", Map.of("type", "string")),
              "analyzed", Map.of("type", "boolean")),
          List.of("plan"));

  private static ToolDef explain(Crdb crdb) {
    return ToolDef.reader(
        "explain_query",
        Toolset.QUERY,
        "Show a query plan",
        "Shows the plan the database would use for one statement, without running it. Pass the"
            + " statement itself (no EXPLAIN prefix, no $n parameters).",
        params("The statement to plan, without EXPLAIN."),
        OUTPUT,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          return render(
              crdb.plans()
                  .explainPlainSql(db, a.requireText("sql"), a.transactionId(), ctx.caller()),
              a.json());
        });
  }

  private static ToolDef explainAnalyze(Crdb crdb) {
    return new ToolDef(
        "explain_analyze",
        Toolset.QUERY,
        "Show a query plan with execution statistics",
        "Runs one statement to show its plan with actual row counts and timings. Reads run in a"
            + " read-only transaction. A statement that writes is refused in read-only mode and"
            + " otherwise runs inside a savepoint that is rolled back, so nothing changes.",
        params("The statement to run and measure, without EXPLAIN ANALYZE."),
        OUTPUT,
        crdb.readOnly(),
        false,
        true,
        false,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          return render(
              crdb.plans()
                  .explainAnalyzePlainSql(
                      db, a.requireText("sql"), a.transactionId(), ctx.caller()),
              a.json());
        });
  }
}
