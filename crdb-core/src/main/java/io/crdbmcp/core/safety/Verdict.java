package io.crdbmcp.core.safety;

/**
 * The guard's decision.
 *
 * @param allowed whether the statement may run
 * @param classification what the statement is (null only when it could not be tokenized)
 * @param rule stable rule id when refused (e.g. {@code read_only}); null when allowed
 * @param message what was wrong and what to do instead; null when allowed
 */
public record Verdict(boolean allowed, Classification classification, String rule, String message) {

  static Verdict allow(Classification c) {
    return new Verdict(true, c, null, null);
  }

  static Verdict refuse(Classification c, String rule, String problem) {
    return new Verdict(false, c, rule, problem + " " + suggestionFor(rule));
  }

  /** What to do instead, for a refused verdict; null when allowed. */
  public String suggestion() {
    return allowed ? null : suggestionFor(rule);
  }

  static String suggestionFor(String rule) {
    if (rule == null) {
      return null;
    }
    return switch (rule) {
      case "syntax" ->
          "Close every string, quoted identifier, dollar quote and block comment, then validate"
              + " the statement again.";
      case "empty_statement" -> "Send exactly one SQL statement.";
      case "multiple_statements" ->
          "Send one statement per call; to run several writes atomically, begin a transaction"
              + " and send one statement per call with its transaction id.";
      case "credential_catalog" ->
          "Use pg_roles, SHOW USERS or SHOW ROLES for role information"
              + " without password hashes.";
      case "file_access" ->
          "Server files and programs are never reachable through this server;"
              + " use the export tool to write query results to a file.";
      case "dangerous_function" -> "Remove the call; it is never allowed through this server.";
      case "transaction_control" ->
          "Transactions are managed by the server: begin, commit and roll back through its"
              + " transaction operations (with a transaction id), not with SQL.";
      case "session_change" ->
          "Session settings (role, transaction mode, search_path,"
              + " database) are fixed by the server configuration; remove the SET/RESET/USE and"
              + " qualify names instead.";
      case "utility" -> "Use a plain SELECT; use the export tool instead of COPY.";
      case "blocked_database" ->
          "Query a database that is not blocked; the database listing shows the visible ones.";
      case "statistics_catalog" ->
          "Column statistics and whole-schema definitions are closed while access control is"
              + " configured; the table descriptions and index listings show the visible schema.";
      case "blocked_table" -> "Query other tables; the table listing shows the visible ones.";
      case "blocked_column" ->
          "List the columns explicitly instead of * or a whole-row"
              + " reference, leaving out the blocked columns.";
      case "schema_not_allowed" ->
          "Query tables in an allowed schema; the schema listing shows them.";
      case "table_not_allowed" -> "Query only allowed tables; the table listing shows them.";
      case "blocked_command" ->
          "This command is disabled by configuration; ask an operator" + " if it is really needed.";
      case "function_not_allowed" ->
          "Remove the call, or ask an operator to allow the function by name in"
              + " CRDB_ALLOWED_FUNCTIONS if it is known to be harmless.";
      case "catalog_access" ->
          "System catalogs are closed while access control is configured; the table listing,"
              + " table descriptions, indexes and constraints show the visible schema.";
      case "server_config" ->
          "The server's authentication and configuration files are never shown through this"
              + " server.";
      case "not_analysable" ->
          "Rewrite it as a plain query or DML statement (which can be planned), or ask an"
              + " operator to run it.";
      case "statement_too_long", "nesting_too_deep" ->
          "Send a shorter or flatter statement, or ask an operator to raise the limit named"
              + " above.";
      case "side_effect_function" ->
          "Remove the call: the server is in read-only mode and" + " allows reads only.";
      case "read_only" ->
          "The server is in read-only mode and allows reads only; validate a statement to see"
              + " how it is judged before running it.";
      default -> "Validate the statement to see how it is judged.";
    };
  }
}
