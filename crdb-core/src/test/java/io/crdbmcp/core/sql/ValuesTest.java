package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void nullIsDistinctFromTheStringNull() {
    assertThat(Values.toText(null)).isEqualTo("NULL");
    assertThat(Values.toText("null")).isEqualTo("\"null\"");
    assertThat(Values.toText("NULL")).isEqualTo("\"NULL\"");
    assertThat(Values.toText("")).isEqualTo("\"\"");
  }

  @Test
  void ambiguousStringsAreQuoted() {
    assertThat(Values.toText("a|b")).isEqualTo("\"a|b\"");
    assertThat(Values.toText("line\nbreak")).isEqualTo("\"line\\nbreak\"");
    assertThat(Values.toText(" padded")).isEqualTo("\" padded\"");
    assertThat(Values.toText("plain words")).isEqualTo("plain words");
  }

  @Test
  void numbersAreExact() {
    BigDecimal big = new BigDecimal("12345678901234567890.123456789");
    assertThat(Values.toJson(big)).isEqualTo("12345678901234567890.123456789");
    assertThat(Values.toText(new BigDecimal("1E+3"))).isEqualTo("1000");
    assertThat(Values.toJson(Double.NaN)).isEqualTo("NaN");
  }

  @Test
  void temporalsKeepTheirOffsetAndBytesAreBase64() {
    OffsetDateTime t = OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.ofHours(2));
    assertThat(Values.toJson(t)).isEqualTo("2024-05-06T07:08:09+02:00");
    assertThat(Values.toJson(new byte[] {1, 2, (byte) 255})).isEqualTo("AQL/");
    assertThat(Values.toText(Arrays.asList(1L, null, 3L))).isEqualTo("[1,null,3]");
    assertThat(Values.toJson(List.of(new BigDecimal("0.10")))).isEqualTo(List.of("0.10"));
  }
}
