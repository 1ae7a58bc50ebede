package io.crdbmcp.core.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowFilterTest {

  @Test
  void parsesConditionsAndOperatorAliases() {
    List<RowFilter> f =
        RowFilter.parse(
            List.of(
                Map.of("column", "a", "op", "=", "value", 1),
                Map.of("column", "b", "op", "<>", "value", "x"),
                Map.of("column", "c", "op", "IN", "value", List.of(1, 2)),
                Map.of("column", "d", "op", "is_null"),
                Map.of("column", "e", "value", true)));
    assertThat(f)
        .extracting(RowFilter::op)
        .containsExactly(
            RowFilter.Op.EQ,
            RowFilter.Op.NE,
            RowFilter.Op.IN,
            RowFilter.Op.IS_NULL,
            RowFilter.Op.EQ);
    assertThat(f.get(2).value()).isEqualTo(List.of(1, 2));
  }

  @Test
  void objectShorthandMeansEquality() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("status", "open");
    m.put("deleted_at", null);
    List<RowFilter> f = RowFilter.parse(m);
    assertThat(f).extracting(RowFilter::op).containsExactly(RowFilter.Op.EQ, RowFilter.Op.IS_NULL);
  }

  @Test
  void refusesMalformedConditions() {
    assertThatThrownBy(
            () -> RowFilter.parse(List.of(Map.of("column", "a", "op", "between", "value", 1))))
        .isInstanceOf(CrdbException.class)
        .hasMessageContaining("between");
    assertThatThrownBy(
            () -> RowFilter.parse(List.of(Map.of("column", "a", "op", "in", "value", 1))))
        .hasMessageContaining("array");
    assertThatThrownBy(() -> RowFilter.parse(List.of(Map.of("column", "a", "op", ">"))))
        .hasMessageContaining("needs a value");
    assertThatThrownBy(
            () -> RowFilter.parse(List.of(Map.of("column", "a", "op", "like", "value", 3))))
        .hasMessageContaining("string pattern");
    assertThatThrownBy(() -> RowFilter.parse(List.of(Map.of("op", "=", "value", 3))))
        .hasMessageContaining("column");
    assertThatThrownBy(() -> RowFilter.parse(List.of(Map.of("column", "a", "sql", "1=1"))))
        .hasMessageContaining("unknown key 'sql'");
    assertThatThrownBy(() -> RowFilter.parse(List.of("a = 1")))
        .hasMessageContaining("must be an object");
    assertThatThrownBy(
            () ->
                RowFilter.parse(
                    List.of(
                        Map.of(
                            "column",
                            "a",
                            "op",
                            "not_in",
                            "value",
                            java.util.Arrays.asList(1, null)))))
        .hasMessageContaining("null");
  }

  @Test
  void errorsAreInvalidArgument() {
    try {
      RowFilter.parse(List.of(Map.of("column", "a", "op", "~")));
    } catch (CrdbException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.suggestion()).contains("is_not_null");
    }
  }
}
