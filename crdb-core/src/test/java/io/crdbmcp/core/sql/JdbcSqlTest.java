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
}
