package io.crdbmcp.core.safety;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The safety rules that can refuse a statement. Their {@link #id() ids} are a public contract:
 * clients read them from {@code rule} in an error result's {@code _meta}, from the {@code Rule:}
 * line of its text and from {@code validate_query}; the safety corpora name them in {@code --
 * rule:} lines. Never rename one; add new rules at the end of their group.
 */
public enum Rule {
  // Shape of the text: refused by the guard before anything else is looked at.
  /** The text cannot be tokenized or parsed (unclosed quote, comment or bracket). */
  SYNTAX,
  /** No statement at all. */
  EMPTY_STATEMENT,
  /** More than one statement in one call. */
  MULTIPLE_STATEMENTS,
  /** Longer than {@code CRDB_MAX_SQL_LENGTH}. */
  STATEMENT_TOO_LONG,
  /** Nested deeper than {@code CRDB_MAX_SQL_DEPTH}. */
  NESTING_TOO_DEEP,

  // Always refused, whatever the configuration.
  /** Reads password hashes or other credentials from the catalog. */
  CREDENTIAL_CATALOG,
  /** Reads the server's authentication or configuration files. */
  SERVER_CONFIG,
  /** Reads or writes files or runs programs on the database server. */
  FILE_ACCESS,
  /** Calls a function that can crash, stall or corrupt the server. */
  DANGEROUS_FUNCTION,
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT in SQL text (the server manages transactions). */
  TRANSACTION_CONTROL,
  /** SET, RESET, USE and other session changes. */
  SESSION_CHANGE,
  /** COPY and other utility commands not offered through the query tools. */
  UTILITY,

  // Read-only mode.
  /** A write, DDL or other change while the server or connection is read-only. */
  READ_ONLY,
  /** A function with side effects while the server or connection is read-only. */
  SIDE_EFFECT_FUNCTION,
  /** A user-defined function not listed in {@code CRDB_ALLOWED_FUNCTIONS}. */
  FUNCTION_NOT_ALLOWED,

  // Configuration: blocked commands and access control.
  /** A command listed in {@code CRDB_BLOCKED_COMMANDS}. */
  BLOCKED_COMMAND,
  /** A database listed in {@code CRDB_BLOCKED_DATABASES}. */
  BLOCKED_DATABASE,
  /** A table listed in {@code CRDB_BLOCKED_TABLES}. */
  BLOCKED_TABLE,
  /** A column listed in {@code CRDB_BLOCKED_COLUMNS} (also through {@code *}). */
  BLOCKED_COLUMN,
  /** A schema outside {@code CRDB_ALLOWED_SCHEMAS}. */
  SCHEMA_NOT_ALLOWED,
  /** A table outside {@code CRDB_ALLOWED_TABLES}. */
  TABLE_NOT_ALLOWED,
  /** System catalogs while access control is configured. */
  CATALOG_ACCESS,
  /** Column statistics and whole-schema definitions while access control is configured. */
  STATISTICS_CATALOG,
  /** The statement cannot be checked against the access rules (no plan). */
  NOT_ANALYSABLE;

  private static final Map<String, Rule> BY_ID =
      Stream.of(values()).collect(Collectors.toUnmodifiableMap(Rule::id, Function.identity()));

  private final String id = name().toLowerCase(Locale.ROOT);

  /** The stable id, e.g. {@code read_only}: what clients see. */
  public String id() {
    return id;
  }

  /** The rule with this id; empty for {@code null} or an id this version does not know. */
  public static Optional<Rule> find(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(BY_ID.get(id));
  }

  /** The id, so a rule can be concatenated into messages as it appears to clients. */
  @Override
  public String toString() {
    return id;
  }
}
