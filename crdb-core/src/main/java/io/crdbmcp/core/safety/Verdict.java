package io.crdbmcp.core.safety;

import java.util.Optional;

/**
 * The guard's decision.
 *
 * @param allowed whether the statement may run
 * @param classification what the statement is (null only when it could not be tokenized)
 * @param rule stable rule id when refused, a {@link Rule#id()} (e.g. {@code read_only}); null when
 *     allowed
 * @param message what was wrong and what to do instead; null when allowed
 */
public record Verdict(boolean allowed, Classification classification, String rule, String message) {

  static Verdict allow(Classification c) {
    return new Verdict(true, c, null, null);
  }

  /**
   * A refusal by {@code rule}: the message is {@code "Refused (<rule id>): "}, the problem, then
   * the rule's suggestion.
   */
  static Verdict refuse(Classification c, Rule rule, String problem) {
    return new Verdict(
        false, c, rule.id(), "Refused (" + rule.id() + "): " + problem + " " + suggestionFor(rule));
  }

  /** The rule that refused the statement; empty when allowed (or for an id this version lacks). */
  public Optional<Rule> refusedBy() {
    return Rule.find(rule);
  }

  /** What to do instead, for a refused verdict; null when allowed. */
  public String suggestion() {
    if (allowed || rule == null) {
      return null;
    }
    return Rule.find(rule)
        .map(Verdict::suggestionFor)
        .orElse("Validate the statement to see how it is judged.");
  }

  /** What to do instead of a statement {@code rule} refused. */
  static String suggestionFor(Rule rule) {
    return switch (rule) {
      case SYNTAX ->
          "Close every string, quoted identifier, dollar quote and block comment, then validate"
              + " the statement again.";
      case EMPTY_STATEMENT -> "Send exactly one SQL statement.";
      case MULTIPLE_STATEMENTS ->
          "Send one statement per call; to run several writes atomically, begin a transaction"
              + " and send one statement per call with its transaction id.";
      case CREDENTIAL_CATALOG ->
          "Use pg_roles, SHOW USERS or SHOW ROLES for role information"
              + " without password hashes.";
      case FILE_ACCESS ->
          "Server files and programs are never reachable through this server;"
              + " use the export tool to write query results to a file.";
      case DANGEROUS_FUNCTION -> "Remove the call; it is never allowed through this server.";
      case TRANSACTION_CONTROL ->
          "Transactions are managed by the server: begin, commit and roll back through its"
              + " transaction operations (with a transaction id), not with SQL.";
      case SESSION_CHANGE ->
          "Session settings (role, transaction mode, search_path,"
              + " database) are fixed by the server configuration; remove the SET/RESET/USE and"
              + " qualify names instead.";
      case UTILITY -> "Use a plain SELECT; use the export tool instead of COPY.";
      case BLOCKED_DATABASE ->
          "Query a database that is not blocked; the database listing shows the visible ones.";
      case STATISTICS_CATALOG ->
          "Column statistics and whole-schema definitions are closed while access control is"
              + " configured; the table descriptions and index listings show the visible schema.";
      case BLOCKED_TABLE -> "Query other tables; the table listing shows the visible ones.";
      case BLOCKED_COLUMN ->
          "List the columns explicitly instead of * or a whole-row"
              + " reference, leaving out the blocked columns.";
      case SCHEMA_NOT_ALLOWED ->
          "Query tables in an allowed schema; the schema listing shows them.";
      case TABLE_NOT_ALLOWED -> "Query only allowed tables; the table listing shows them.";
      case BLOCKED_COMMAND ->
          "This command is disabled by configuration; ask an operator" + " if it is really needed.";
      case FUNCTION_NOT_ALLOWED ->
          "Remove the call, or ask an operator to allow the function by name in"
              + " CRDB_ALLOWED_FUNCTIONS if it is known to be harmless.";
      case CATALOG_ACCESS ->
          "System catalogs are closed while access control is configured; the table listing,"
              + " table descriptions, indexes and constraints show the visible schema.";
      case SERVER_CONFIG ->
          "The server's authentication and configuration files are never shown through this"
              + " server.";
      case NOT_ANALYSABLE ->
          "Rewrite it as a plain query or DML statement (which can be planned), or ask an"
              + " operator to run it.";
      case STATEMENT_TOO_LONG, NESTING_TOO_DEEP ->
          "Send a shorter or flatter statement, or ask an operator to raise the limit named"
              + " above.";
      case SIDE_EFFECT_FUNCTION ->
          "Remove the call: the server is in read-only mode and" + " allows reads only.";
      case READ_ONLY ->
          "The server is in read-only mode and allows reads only; validate a statement to see"
              + " how it is judged before running it.";
    };
  }
}
