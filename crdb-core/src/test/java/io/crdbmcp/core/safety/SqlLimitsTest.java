package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlLimitsTest {

  private static List<SqlToken> tokens(String sql) {
    return SqlLexer.tokenize(sql);
  }

  private static String nested(int depth) {
    return "SELECT " + "(".repeat(depth) + "1" + ")".repeat(depth);
  }

  @Test
  void defaults() {
    assertThat(SqlLimits.DEFAULT_MAX_LENGTH).isEqualTo(1_000_000);
    assertThat(SqlLimits.DEFAULT_MAX_DEPTH).isEqualTo(100);
    assertThat(SqlLimits.defaults())
        .isEqualTo(SqlLimits.DEFAULTS)
        .isEqualTo(new SqlLimits(1_000_000, 100));
    assertThat(SqlLimits.RULE_TOO_LONG).isEqualTo("statement_too_long");
    assertThat(SqlLimits.RULE_TOO_DEEP).isEqualTo("nesting_too_deep");
    assertThat(SqlLimits.LENGTH_SETTING).isEqualTo("CRDB_MAX_SQL_LENGTH");
    assertThat(SqlLimits.DEPTH_SETTING).isEqualTo("CRDB_MAX_SQL_DEPTH");
  }

  @Test
  void limitsMustBePositive() {
    assertThatThrownBy(() -> new SqlLimits(0, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CRDB_MAX_SQL_LENGTH");
    assertThatThrownBy(() -> new SqlLimits(-1, 100)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SqlLimits(1_000, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CRDB_MAX_SQL_DEPTH");
    assertThat(new SqlLimits(1, 1).maxLength()).isEqualTo(1);
  }

  @Test
  void lengthAtTheLimitPassesAndOneMoreIsRefused() {
    SqlLimits limits = new SqlLimits(20, 100);
    assertThat(limits.checkLength("SELECT 1 -- padding.")).isNull(); // 20 characters
    assertThat(limits.checkLength("")).isNull();
    assertThat(limits.checkLength(null)).isNull();
    assertThat(limits.checkLength("SELECT 1 -- padding..."))
        .isEqualTo("the statement is 22 characters long and the limit is 20 (CRDB_MAX_SQL_LENGTH)");
  }

  @Test
  void defaultLengthLimit() {
    SqlLimits limits = SqlLimits.DEFAULTS;
    String atLimit = "SELECT " + "1".repeat(SqlLimits.DEFAULT_MAX_LENGTH - 7);
    assertThat(atLimit).hasSize(SqlLimits.DEFAULT_MAX_LENGTH);
    assertThat(limits.checkLength(atLimit)).isNull();
    assertThat(limits.checkLength(atLimit + " "))
        .isEqualTo(
            "the statement is 1,000,001 characters long and the limit is 1,000,000"
                + " (CRDB_MAX_SQL_LENGTH)");
    assertThat(limits.checkLength("x".repeat(2_000_000)))
        .isEqualTo(
            "the statement is 2,000,000 characters long and the limit is 1,000,000"
                + " (CRDB_MAX_SQL_LENGTH)");
  }

  @Test
  void depthCountsParenthesesAndBracketsTogether() {
    assertThat(SqlLimits.depth(tokens("SELECT 1"))).isZero();
    assertThat(SqlLimits.depth(tokens(""))).isZero();
    assertThat(SqlLimits.depth(null)).isZero();
    assertThat(SqlLimits.depth(tokens("SELECT (1), (2), ((3))"))).isEqualTo(2);
    assertThat(SqlLimits.depth(tokens("SELECT ARRAY[(1)][1]"))).isEqualTo(2);
    assertThat(SqlLimits.depth(tokens(nested(100)))).isEqualTo(100);
    // Brackets inside strings, quoted identifiers and comments are not tokens.
    assertThat(SqlLimits.depth(tokens("SELECT '((((', \"(((\" /* ((( */ -- (((\n"))).isZero();
    // Stray closing brackets never lower the depth below zero.
    assertThat(SqlLimits.depth(tokens("SELECT ))) ((1))"))).isEqualTo(2);
    // Unclosed brackets count.
    assertThat(SqlLimits.depth(tokens("SELECT (((1"))).isEqualTo(3);
  }

  @Test
  void depthAtTheLimitPassesAndOneMoreIsRefused() {
    SqlLimits limits = new SqlLimits(1_000_000, 3);
    assertThat(limits.checkDepth(tokens(nested(3)))).isNull();
    assertThat(limits.checkDepth(tokens(nested(4))))
        .isEqualTo("parentheses and brackets nest 4 deep and the limit is 3 (CRDB_MAX_SQL_DEPTH)");
    assertThat(limits.checkDepth(tokens("SELECT ARRAY[[[[1]]]]"))).contains("nest 4 deep");
    assertThat(limits.checkDepth(List.of())).isNull();
  }

  @Test
  void defaultDepthLimit() {
    SqlLimits limits = SqlLimits.DEFAULTS;
    assertThat(limits.checkDepth(tokens(nested(100)))).isNull();
    assertThat(limits.checkDepth(tokens(nested(101))))
        .isEqualTo(
            "parentheses and brackets nest 101 deep and the limit is 100 (CRDB_MAX_SQL_DEPTH)");
    assertThat(limits.checkDepth(tokens(nested(200_000))))
        .isEqualTo(
            "parentheses and brackets nest 200,000 deep and the limit is 100"
                + " (CRDB_MAX_SQL_DEPTH)");
  }

  @Test
  void repeatedExplainIsNotNesting() {
    // The classifier walks a chain of EXPLAINs in a loop; the database refuses EXPLAIN EXPLAIN.
    assertThat(SqlLimits.DEFAULTS.checkDepth(tokens("EXPLAIN ".repeat(5_000) + "SELECT 1")))
        .isNull();
  }
}
