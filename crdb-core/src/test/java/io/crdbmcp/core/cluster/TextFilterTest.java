package io.crdbmcp.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.safety.SafetyPolicy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What statement text the cluster tools may show. */
class TextFilterTest {
  static SafetyPolicy blocking(
      Set<String> tables, Map<String, Set<String>> columns, Set<String> dbs) {
    return new SafetyPolicy(false, List.of(), dbs, Set.of(), tables, columns, Set.of());
  }

  @Test
  void secretsAreMaskedWithOrWithoutAccessControl() {
    TextFilter f = TextFilter.of(SafetyPolicy.permissive(), Set.of());
    assertThat(f.show("CREATE USER bob WITH PASSWORD 'hunter2'"))
        .isEqualTo("CREATE USER bob WITH PASSWORD '****'");
    assertThat(
            f.show(
                "BACKUP INTO 's3://bucket/x?AWS_ACCESS_KEY_ID=AKIA123&AWS_SECRET_ACCESS_KEY=abc'"))
        .doesNotContain("AKIA123")
        .doesNotContain("=abc")
        .contains("s3://bucket/x");
    assertThat(f.show("CREATE CHANGEFEED INTO 'kafka://u:pw@broker:9092'"))
        .isEqualTo("CREATE CHANGEFEED INTO 'kafka://u:****@broker:9092'");
    assertThat(f.show("SELECT 1")).isEqualTo("SELECT 1");
  }

  @Test
  void textNamingHiddenThingsIsReplacedWhole() {
    TextFilter f =
        TextFilter.of(
            blocking(Set.of("public.salaries"), Map.of("users", Set.of("ssn")), Set.of("hr")),
            Set.of("internal_only"));
    assertThat(f.show("SELECT * FROM salaries")).isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT id FROM users WHERE \"SSN\" = '1'"))
        .as("case-insensitive, as the access-control settings are")
        .isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT id FROM users WHERE ssn = '123-45-6789'"))
        .isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT * FROM hr.public.t")).isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT * FROM internal_only")).isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT 'salaries'::regclass"))
        .as("names in strings count")
        .isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT * FROM salaries WHERE x = 'unclosed"))
        .as("text the lexer cannot read is split into words")
        .isEqualTo(TextFilter.HIDDEN);
    assertThat(f.show("SELECT id FROM users")).isEqualTo("SELECT id FROM users");
    assertThat(TextFilter.hidingAll(blocking(Set.of("x"), Map.of(), Set.of())).show("SELECT 1"))
        .isEqualTo(TextFilter.HIDDEN);
  }
}
