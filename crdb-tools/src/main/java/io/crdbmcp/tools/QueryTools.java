package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.Database;
import io.crdbmcp.core.QueryResult;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** execute_query and validate_query. */
final class QueryTools {
  private QueryTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(executeQuery(crdb), validateQuery(crdb));
  }

  private static ToolDef executeQuery(Crdb crdb) {
    Params p =
        Params.of()
            .requiredString(
                "sql",
                "One SQL statement. Use $1, $2 ... for values and pass them in params."
                    + (crdb.readOnly() ? " Reads only: the server is read-only." : ""))
            .array(
                "params",
                "Values for $1, $2 ... in order (strings, numbers, booleans, null).",
                false)
            .integer(
                "max_rows",
                "Return at most this many rows (capped by CRDB_MAX_ROWS="
                    + crdb.config().maxRows()
                    + ").",
                1)
            .connection()
            .transaction()
            .format();
    return new ToolDef(
        "execute_query",
        Toolset.QUERY,
        "Run a SQL query",
        "Runs one SQL statement and returns its rows as a compact table. Reads run in a"
            + " read-only transaction with the statement timeout; at most max_rows rows are"
            + " returned and 'truncated' says when more exist. "
            + (crdb.readOnly()
                ? "The server is read-only: writes, DDL and session changes are refused."
                : "Writes are allowed unless blocked by CRDB_BLOCKED_COMMANDS; prefer the row"
                    + " tools for single-row changes.")
            + " Call validate_query to check a statement without running it.",
        p,
        OutputSchemas.QUERY_RESULT,
        crdb.readOnly(),
        !crdb.readOnly(),
        false,
        false,
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          List<Object> params = a.has("params") ? a.list("params") : List.of();
          QueryResult r =
              crdb.queries()
                  .executePlainSql(
                      db,
                      a.requireText("sql"),
                      params,
                      a.integer("max_rows"),
                      a.transactionId(),
                      ctx.caller());
          return Render.queryResult(
              r,
              a.json(),
              "Add WHERE/LIMIT/OFFSET, select fewer columns, or use export_to_csv for all rows.");
        });
  }

  private static ToolDef validateQuery(Crdb crdb) {
    Params p =
        Params.of()
            .requiredString("sql", "The SQL statement to check. Nothing is executed.")
            .connection()
            .format();
    return ToolDef.reader(
        "validate_query",
        Toolset.QUERY,
        "Check a SQL statement",
        "Says whether a statement would be allowed under the current settings (read-only mode,"
            + " blocked commands, access control), how it is classified, and which rule refuses"
            + " it. Executes nothing.",
        p,
        OutputSchemas.object(
            Map.of(
                "allowed", Map.of("type", "boolean"),
                "kind", Map.of("type", "string"),
                "command", Map.of("type", "string")),
            List.of("allowed")),
        (a, ctx) -> {
          Database db = crdb.database(a.connection(), a.transactionId(), ctx.caller());
          Verdict v = crdb.queries().validatePlainSql(db, a.requireText("sql"));
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("allowed", v.allowed());
          Classification c = v.classification();
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
              a.json()
                  ? Render.toJson(m)
                  : (v.allowed() ? "ALLOWED" : "REFUSED by rule " + v.rule() + ": " + v.message())
                      + "\n"
                      + Render.keyValues(
                          c == null
                              ? Map.of()
                              : new LinkedHashMap<>(
                                  Map.of(
                                      "kind", c.kind().name(),
                                      "command", c.command() == null ? "" : c.command(),
                                      "writes", c.writes())));
          return new ToolResult(text, m);
        });
  }
}
