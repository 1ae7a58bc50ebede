package io.crdbmcp.core.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowValuesTest {

  @Test
  void castTypesFromTheCatalog() {
    assertThat(RowValues.castType("_int4")).isEqualTo("int4[]");
    assertThat(RowValues.castType("_text")).isEqualTo("text[]");
    assertThat(RowValues.castType("numeric(30,10)")).isEqualTo("numeric(30,10)");
    assertThat(RowValues.castType("timestamp with time zone"))
        .isEqualTo("timestamp with time zone");
    assertThat(RowValues.castType("character varying(20)")).isEqualTo("character varying(20)");
    assertThat(RowValues.castType("My Enum")).isEqualTo("\"My Enum\"");
    assertThat(RowValues.castType("x\"); DROP TABLE t; --")).startsWith("\"").endsWith("\"");
    assertThat(RowValues.baseType("numeric(30,10)")).isEqualTo("numeric");
    assertThat(RowValues.baseType("int4[]")).isEqualTo("int4");
  }

  @Test
  void castTypesAreEitherPlainOrQuotedByJooq() {
    assertThat(RowValues.isCastType("numeric(30,10)")).isTrue();
    assertThat(RowValues.isCastType("int4[]")).isTrue();
    assertThat(RowValues.isCastType(RowValues.castType("My \"Enum"))).isTrue();
    assertThat(RowValues.castType("My \"Enum")).isEqualTo("\"My \"\"Enum\"");
    assertThat(RowValues.isCastType(RowValues.castType("_My Enum"))).isTrue();
    assertThat(RowValues.isCastType("int); DROP TABLE t; --")).isFalse();
    assertThat(RowValues.isCastType("\"a\" b\"")).isFalse();
  }

  @Test
  void convertsJsonValues() {
    assertThat(RowValues.toBound("n", "numeric", "12345678901234567890.123"))
        .isEqualTo("12345678901234567890.123");
    assertThat(RowValues.toBound("n", "numeric", new BigDecimal("1E+3"))).isEqualTo("1000");
    assertThat(RowValues.toBound("i", "integer", 5.0)).isEqualTo("5");
    assertThat(RowValues.toBound("f", "double precision", 0.1)).isEqualTo("0.1");
    assertThat(RowValues.toBound("f", "double precision", 1e-7)).isEqualTo("0.0000001");
    assertThat(RowValues.toBound("j", "jsonb", Map.of("a", 1))).isEqualTo("{\"a\":1}");
    assertThat(RowValues.toBound("j", "jsonb", "text")).isEqualTo("\"text\"");
    assertThat(RowValues.toBound("b", "boolean", true)).isEqualTo("true");
    assertThat(RowValues.toBound("x", "text", null)).isNull();
    assertThat(RowValues.toBound("b", "bytea", "AQID")).isEqualTo("AQID");
  }

  @Test
  void arrayLiteralsQuoteEveryElement() {
    assertThat(RowValues.toBound("a", "int4[]", List.of(1, 2, 3))).isEqualTo("{\"1\",\"2\",\"3\"}");
    assertThat(RowValues.toBound("a", "text[]", Arrays.asList("a\"b", "c\\d", null, "{x}", "NULL")))
        .isEqualTo("{\"a\\\"b\",\"c\\\\d\",NULL,\"{x}\",\"NULL\"}");
    assertThat(RowValues.toBound("a", "int4[]", List.of(List.of(1), List.of(2))))
        .isEqualTo("{{\"1\"},{\"2\"}}");
    assertThat(RowValues.toBound("a", "int4[]", List.of())).isEqualTo("{}");
  }

  @Test
  void refusesValuesThatCannotFitNamingTheColumn() {
    assertThatThrownBy(() -> RowValues.toBound("id", "integer", "seven"))
        .isInstanceOf(CrdbException.class)
        .hasMessageContaining("'id'");
    assertThatThrownBy(() -> RowValues.toBound("n", "numeric", "12abc"))
        .hasMessageContaining("'n'");
    assertThatThrownBy(() -> RowValues.toBound("b", "bytea", "not base64!"))
        .hasMessageContaining("'b'");
    assertThatThrownBy(() -> RowValues.toBound("t", "text", Map.of("a", 1)))
        .hasMessageContaining("'t'");
    assertThatThrownBy(() -> RowValues.toBound("a", "int4[]", 5)).hasMessageContaining("'a'");
    assertThatThrownBy(() -> RowValues.toBound("ok", "boolean", "maybe"))
        .hasMessageContaining("'ok'");
  }
}
