package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JdbcSqlTest {
  @Test
  void rewritesPlaceholdersOutsideStringsAndEscapesQuestionMarks() {
    JdbcSql j = JdbcSql.of("SELECT '$1', \"$2\", $2, data ? 'k' FROM t WHERE a = $1 -- $3");
    assertThat(j.sql()).isEqualTo("SELECT '$1', \"$2\", ?, data ?? 'k' FROM t WHERE a = ? -- $3");
    assertThat(j.parameterOrder()).containsExactly(2, 1);
    assertThat(j.bind(List.of("a", "b"))).containsExactly("b", "a");
  }

  @Test
  void countsMustMatch() {
    assertThatThrownBy(() -> JdbcSql.of("SELECT $2").bind(List.of("x")))
        .hasMessageContaining("uses $2 but 1 parameter");
    assertThatThrownBy(() -> JdbcSql.of("SELECT 1").bind(List.of("x")))
        .hasMessageContaining("no placeholders");
  }

  @Test
  void textWithoutDollarOrQuestionMarkIsTheDriversAsItIs() {
    for (String sql :
        List.of("SELECT 1", "SELECT 'a' || \"b\" FROM t -- c", "SELECT 1 /* x */", " ")) {
      JdbcSql j = JdbcSql.of(sql);
      assertThat(j.sql()).isEqualTo(sql);
      assertThat(j.parameterOrder()).isEmpty();
      assertThat(j.bind(List.of())).isEmpty();
    }
    // A '$' or '?' anywhere, even where it is no placeholder, goes through the lexer.
    assertThat(JdbcSql.of("SELECT '$1'").sql()).isEqualTo("SELECT '$1'");
    assertThat(JdbcSql.of("SELECT $$?$$, $1").sql()).isEqualTo("SELECT $$?$$, ?");
    assertThat(JdbcSql.of("SELECT a ?| b").sql()).isEqualTo("SELECT a ??| b");
  }
}
