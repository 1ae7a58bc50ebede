package io.crdbmcp.core.safety;

import java.util.List;
import java.util.Locale;

/**
 * Size limits on untrusted SQL, checked before the guard analyses it. The classifier runs in time
 * linear in the number of tokens and without recursion, so these limits only bound the work and
 * memory spent per statement: the length is checked before lexing (the token count can never exceed
 * it), the nesting depth right after.
 *
 * <p>A run of leading {@code EXPLAIN} keywords ({@code EXPLAIN EXPLAIN ... SELECT 1}) is not
 * counted as nesting: the classifier walks it in a loop, and the database refuses an EXPLAIN of an
 * EXPLAIN anyway.
 *
 * @param maxLength the longest statement text accepted, in characters ({@value #LENGTH_SETTING})
 * @param maxDepth the deepest nesting of parentheses and brackets accepted ({@value
 *     #DEPTH_SETTING})
 */
public record SqlLimits(int maxLength, int maxDepth) {

  /** Longest statement accepted unless configured otherwise, in characters. */
  public static final int DEFAULT_MAX_LENGTH = 1_000_000;

  /** Deepest nesting of parentheses and brackets accepted unless configured otherwise. */
  public static final int DEFAULT_MAX_DEPTH = 100;

  /** The setting that configures {@link #maxLength()}. */
  public static final String LENGTH_SETTING = "CRDB_MAX_SQL_LENGTH";

  /** The setting that configures {@link #maxDepth()}. */
  public static final String DEPTH_SETTING = "CRDB_MAX_SQL_DEPTH";

  /** Rule id of a refusal by {@link #checkLength}. */
  public static final String RULE_TOO_LONG = Rule.STATEMENT_TOO_LONG.id();

  /** Rule id of a refusal by {@link #checkDepth}. */
  public static final String RULE_TOO_DEEP = Rule.NESTING_TOO_DEEP.id();

  /** The default limits. */
  public static final SqlLimits DEFAULTS = new SqlLimits(DEFAULT_MAX_LENGTH, DEFAULT_MAX_DEPTH);

  /**
   * @throws IllegalArgumentException when a limit is not positive
   */
  public SqlLimits {
    if (maxLength < 1) {
      throw new IllegalArgumentException(
          LENGTH_SETTING + " must be a positive number of characters, not " + maxLength);
    }
    if (maxDepth < 1) {
      throw new IllegalArgumentException(
          DEPTH_SETTING + " must be a positive nesting depth, not " + maxDepth);
    }
  }

  /** The default limits. */
  public static SqlLimits defaults() {
    return DEFAULTS;
  }

  /**
   * Checks the length of the text; call it before lexing. Returns null when the text is within the
   * limit, else what is wrong, as a sentence without the final period, e.g. {@code the statement is
   * 2,000,000 characters long and the limit is 1,000,000 (CRDB_MAX_SQL_LENGTH)}.
   */
  public String checkLength(String sql) {
    int length = sql == null ? 0 : sql.length();
    if (length <= maxLength) {
      return null;
    }
    return "the statement is "
        + number(length)
        + " characters long and the limit is "
        + number(maxLength)
        + " ("
        + LENGTH_SETTING
        + ")";
  }

  /**
   * Checks how deeply parentheses and brackets nest, in one pass over the tokens. Returns null when
   * within the limit, else what is wrong, as a sentence without the final period, e.g. {@code
   * parentheses and brackets nest 150 deep and the limit is 100 (CRDB_MAX_SQL_DEPTH)}.
   */
  public String checkDepth(List<SqlToken> tokens) {
    int depth = depth(tokens);
    if (depth <= maxDepth) {
      return null;
    }
    return "parentheses and brackets nest "
        + number(depth)
        + " deep and the limit is "
        + number(maxDepth)
        + " ("
        + DEPTH_SETTING
        + ")";
  }

  /**
   * The deepest nesting of {@code (} and {@code [} (counted together) in the tokens. A closing
   * bracket without an opening one does not lower the depth below zero.
   */
  public static int depth(List<SqlToken> tokens) {
    if (tokens == null) {
      return 0;
    }
    int depth = 0;
    int max = 0;
    for (SqlToken tok : tokens) {
      if (tok.is("(") || tok.is("[")) {
        depth++;
        max = Math.max(max, depth);
      } else if ((tok.is(")") || tok.is("]")) && depth > 0) {
        depth--;
      }
    }
    return max;
  }

  private static String number(int n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
