package io.crdbmcp.core.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowCursorTest {

  @Test
  void roundTripsOrderingAndValues() {
    RowCursor c =
        new RowCursor(
            "public.items",
            List.of(
                new Rows.Order("score", true),
                new Rows.Order("big", false),
                new Rows.Order("n", false),
                new Rows.Order("f", true),
                new Rows.Order("id", false)),
            RowCursor.digest("f:a = 1;"),
            Arrays.asList(null, "12345678901234567890.5", 7L, 0.1, 3));
    String encoded = c.encode();
    assertThat(encoded).matches("[A-Za-z0-9_-]+");
    RowCursor back = RowCursor.decode(encoded);
    assertThat(back.table()).isEqualTo("public.items");
    assertThat(back.ordering()).isEqualTo(c.ordering());
    assertThat(back.filterDigest()).isEqualTo(c.filterDigest());
    assertThat(back.values().get(0)).isNull();
    assertThat(back.values().get(1)).isEqualTo("12345678901234567890.5");
    assertThat(((Number) back.values().get(2)).longValue()).isEqualTo(7L);
    assertThat(back.values().get(3)).isEqualTo(0.1);
  }

  @Test
  void refusesAnythingElse() {
    for (String bad :
        List.of(
            "garbage!",
            Base64.getUrlEncoder().encodeToString("{}".getBytes()),
            Base64.getUrlEncoder().encodeToString("[1,2]".getBytes()),
            Base64.getUrlEncoder()
                .encodeToString(
                    "{\"v\":1,\"t\":\"x\",\"o\":[[\"id\",\"up\"]],\"k\":[1]}".getBytes()),
            Base64.getUrlEncoder()
                .encodeToString(
                    "{\"v\":1,\"t\":\"x\",\"o\":[[\"id\",\"asc\"]],\"k\":[]}".getBytes()))) {
      assertThatThrownBy(() -> RowCursor.decode(bad))
          .isInstanceOf(CrdbException.class)
          .satisfies(
              e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void digestIsStableAndShort() {
    assertThat(RowCursor.digest("x")).isEqualTo(RowCursor.digest("x")).hasSize(16);
    assertThat(RowCursor.digest("x")).isNotEqualTo(RowCursor.digest("y"));
  }
}
