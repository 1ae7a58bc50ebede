package io.crdbmcp.tools;

import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;

/**
 * Prompts a user picks from a menu: explore a database, explain and tune a slow query, check
 * cluster health, design a table. Each renders one user message that says what to do and which
 * tools to call, with the user's arguments in it as quoted data.
 */
final class Prompts {
  private Prompts() {}

  record Def(
      String name,
      String title,
      String description,
      List<McpSchema.PromptArgument> arguments,
      java.util.function.Function<Map<String, Object>, String> text) {}

  static final List<Def> ALL =
      List.of(
          new Def(
              "explore_database",
              "Explore a database",
              "Learn what a database holds: its tables, how they relate, and what is in them.",
              List.of(
                  new McpSchema.PromptArgument(
                      "connection", "Connection to explore (default: the default one)", false),
                  new McpSchema.PromptArgument(
                      "focus", "What you care about, e.g. \"billing\" (optional)", false)),
              a ->
                  "Explore the database"
                      + on(a)
                      + " and tell me what it holds.\n"
                      + "1. Call get_all_knowledge (or search_knowledge) for what was learned"
                      + " before.\n"
                      + "2. Call list_tables, then describe_table and get_constraints for the"
                      + " tables that matter"
                      + focus(a)
                      + "; follow the foreign keys to see how they relate.\n"
                      + "3. Look at a few rows with read_rows (limit 5) where it helps.\n"
                      + "4. Summarise: each table's purpose, its key columns, how the tables join,"
                      + " and anything surprising.\n"
                      + "5. Save what you learned with save_knowledge, one topic per subject."),
          new Def(
              "tune_slow_query",
              "Explain and tune a slow query",
              "Find out why a query is slow and what would make it faster.",
              List.of(
                  new McpSchema.PromptArgument("sql", "The slow query", true),
                  new McpSchema.PromptArgument(
                      "connection", "Connection it runs on (optional)", false)),
              a ->
                  "This query is slow"
                      + on(a)
                      + ":\n\n```sql\n"
                      + arg(a, "sql")
                      + "\n```\n\n"
                      + "1. Call validate_query on it, then explain_query to see the plan; if it"
                      + " only reads, explain_analyze for real row counts and timings.\n"
                      + "2. Call describe_table and list_indexes for each table it reads.\n"
                      + "3. Explain where the time goes (full scans, bad join order, rows"
                      + " filtered late, misestimated row counts).\n"
                      + "4. Propose changes: an index (with its CREATE INDEX statement, STORING"
                      + " columns on CockroachDB), a rewrite, or statistics to refresh. Do not run"
                      + " DDL; show it."),
          new Def(
              "check_cluster_health",
              "Check cluster health",
              "Is the cluster healthy, and if not, what to look at first.",
              List.of(),
              a ->
                  "Check the health of the database cluster.\n"
                      + "1. Call cluster_health for the verdict and its reasons.\n"
                      + "2. For each reason, follow the tool it names (list_nodes, node_details,"
                      + " show_ranges, show_jobs, show_statements).\n"
                      + "3. Report: the verdict, what is wrong and since when, what to do next,"
                      + " most urgent first. If the server is PostgreSQL, say which CockroachDB"
                      + " checks do not apply."),
          new Def(
              "design_table",
              "Design a table",
              "Design a table (columns, keys, indexes) for a described use.",
              List.of(
                  new McpSchema.PromptArgument("use", "What the table is for", true),
                  new McpSchema.PromptArgument(
                      "connection", "Connection whose schema it joins (optional)", false)),
              a ->
                  "Design a table for this use"
                      + on(a)
                      + ":\n\n> "
                      + arg(a, "use").replace("\n", "\n> ")
                      + "\n\n"
                      + "1. Call list_tables and describe_table to fit the existing schema and its"
                      + " naming; read cockroachdb://syntax_help for CockroachDB specifics.\n"
                      + "2. Propose a CREATE TABLE statement: a primary key that spreads writes"
                      + " (UUID or hash-sharded on CockroachDB), types, NOT NULL and CHECK"
                      + " constraints, foreign keys, and the indexes the expected queries need.\n"
                      + "3. Explain each choice and show two queries the table serves well."
                      + " Do not run the DDL; show it."));

  static List<SyncPromptSpecification> specifications() {
    return ALL.stream()
        .map(
            d ->
                new SyncPromptSpecification(
                    new McpSchema.Prompt(d.name(), d.title(), d.description(), d.arguments()),
                    (exchange, request) -> render(d, request.arguments())))
        .toList();
  }

  static McpSchema.GetPromptResult render(Def d, Map<String, Object> arguments) {
    Map<String, Object> a = arguments == null ? Map.of() : arguments;
    for (McpSchema.PromptArgument p : d.arguments()) {
      if (Boolean.TRUE.equals(p.required()) && arg(a, p.name()).isBlank()) {
        throw McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
            .message("prompt " + d.name() + " needs the argument " + p.name())
            .build();
      }
    }
    return new McpSchema.GetPromptResult(
        d.description(),
        List.of(
            new McpSchema.PromptMessage(
                McpSchema.Role.USER, new McpSchema.TextContent(d.text().apply(a)))));
  }

  private static String arg(Map<String, Object> a, String name) {
    Object v = a.get(name);
    return v == null ? "" : v.toString().strip();
  }

  private static String on(Map<String, Object> a) {
    String c = arg(a, "connection");
    return c.isEmpty() ? "" : " on connection '" + c + "' (pass connection: \"" + c + "\")";
  }

  private static String focus(Map<String, Object> a) {
    String f = arg(a, "focus");
    return f.isEmpty() ? "" : " to " + f.replace("\n", " ");
  }
}
