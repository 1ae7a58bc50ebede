package io.crdbmcp.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the administration statements are built and their names checked, without a database. */
class AdminTest {

  @Test
  void namesAreQuotedByJooqAndSecretsAreShownMasked() {
    Admin.Stmt st =
        new Admin.Ddl()
            .word("CREATE ROLE")
            .name("x\"; DROP TABLE t; --")
            .word("WITH LOGIN PASSWORD")
            .secret("'SCRAM-SHA-256$4096:abc'")
            .word("VALID UNTIL")
            .literal("it's")
            .done();
    assertThat(st.sql())
        .isEqualTo(
            "CREATE ROLE \"x\"\"; DROP TABLE t; --\" WITH LOGIN PASSWORD"
                + " 'SCRAM-SHA-256$4096:abc' VALID UNTIL 'it''s'");
    assertThat(st.shown())
        .isEqualTo(
            "CREATE ROLE \"x\"\"; DROP TABLE t; --\" WITH LOGIN PASSWORD '****' VALID UNTIL"
                + " 'it''s'");
    assertThat(st.toString()).doesNotContain("SCRAM");
  }

  @Test
  void namesMayHoldAnyCharacterButControlsAndAtMost63Bytes() {
    assertThat(Admin.identifier("name", "a b \"c\" ü 名前")).isEqualTo("a b \"c\" ü 名前");
    assertThat(Admin.identifier("name", "é".repeat(31))).hasSize(31); // 62 bytes
    for (String bad : new String[] {null, "", "  ", "a\u0000b", "a\nb", "é".repeat(32)}) {
      assertThatThrownBy(() -> Admin.identifier("name", bad))
          .isInstanceOf(CrdbException.class)
          .satisfies(
              e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
    // CockroachDB's documented rule for role names.
    assertThat(Admin.roleName("name", "app.reader-1", true)).isEqualTo("app.reader-1");
    assertThatThrownBy(() -> Admin.roleName("name", "a b", true))
        .hasMessageContaining("not a CockroachDB role name");
    assertThat(Admin.roleName("name", "a b", false)).isEqualTo("a b");
  }

  @Test
  void validUntilIsAnIsoDateOrTimestampOrInfinity() {
    assertThat(Admin.validUntil("2031-01-02")).isEqualTo("2031-01-02");
    assertThat(Admin.validUntil("2031-01-02T03:04:05Z")).isEqualTo("2031-01-02T03:04:05Z");
    assertThat(Admin.validUntil("2031-01-02T03:04:05")).isEqualTo("2031-01-02T03:04:05");
    assertThat(Admin.validUntil("Infinity")).isEqualTo("infinity");
    assertThat(Admin.validUntil(null)).isNull();
    assertThatThrownBy(() -> Admin.validUntil("tomorrow'; DROP ROLE x; --"))
        .hasMessageContaining("not an ISO date");
  }

  @Test
  void generatedPasswordsAreLongRandomAndNeedNoQuoting() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String p = Admin.generatePassword();
      assertThat(p).hasSize(Admin.GENERATED_PASSWORD_LENGTH).matches("[A-Za-z0-9]+");
      seen.add(p);
    }
    assertThat(seen).hasSize(200);
  }
}
