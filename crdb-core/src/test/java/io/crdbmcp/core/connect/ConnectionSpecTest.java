package io.crdbmcp.core.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConnectionSpecTest {
  static ConnectionSpec spec() {
    return ConnectionSpec.fromUrl(
        "default", "postgresql://app:pw@db.internal:26257/shop", 10, false);
  }

  @Test
  void aDatabaseNameCannotRedirectTheConnection() {
    ConnectionSpec evil =
        spec().withDatabase("shop?PGHOST=attacker.example&PGPORT=5432&sslmode=disable");
    Properties parsed = org.postgresql.Driver.parseURL(evil.jdbcUrl(), new Properties());
    assertThat(parsed.getProperty("PGHOST")).isEqualTo("db.internal");
    assertThat(parsed.getProperty("PGPORT")).isEqualTo("26257");
    assertThat(parsed.getProperty("PGDBNAME"))
        .isEqualTo("shop?PGHOST=attacker.example&PGPORT=5432&sslmode=disable");
    assertThat(parsed.getProperty("sslmode")).isNull();

    ConnectionSpec encoded = spec().withDatabase("blocked%64b");
    assertThat(
            org.postgresql.Driver.parseURL(encoded.jdbcUrl(), new Properties())
                .getProperty("PGDBNAME"))
        .isEqualTo("blocked%64b");
  }

  @Test
  void hostsMustBeHostNames() {
    assertThatThrownBy(
            () ->
                new ConnectionSpec(
                    "x", "evil/db?PGHOST=a", 1, "u", null, "d", null, null, null, 1, false))
        .hasMessageContaining("not a host name");
    assertThat(
            new ConnectionSpec("x", "[::1]", 1, "u", null, "d", null, null, null, 1, false)
                .jdbcUrl())
        .startsWith("jdbc:postgresql://[::1]:1/");
  }

  @Test
  void urlPartsArePercentDecodedNotFormDecoded() {
    ConnectionSpec s =
        ConnectionSpec.fromUrl("x", "postgresql://u%40corp:a+b%2Fc@h:5432/my+db", 10, false);
    assertThat(s.user()).isEqualTo("u@corp");
    assertThat(s.password()).isEqualTo("a+b/c");
    assertThat(s.database()).isEqualTo("my+db");
  }

  @Test
  void stringsAreBoundUntypedAndTheWholeLoginIsBounded() {
    Properties p = spec().driverProperties();
    // Strings are inferred by the database, as psql's quoted literals are.
    assertThat(p.getProperty("stringtype")).isEqualTo("unspecified");
    assertThat(p.getProperty("connectTimeout")).isEqualTo("10");
    assertThat(p.getProperty("loginTimeout")).isEqualTo("10");
    assertThat(p.getProperty("preferQueryMode")).isEqualTo("extended");
  }
}
