package io.crdbmcp.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpSettingsTest {
  static HttpSettings read(Map<String, String> env) {
    return HttpSettings.fromEnvironment(env, null, null);
  }

  @Test
  void defaultsListenOnLoopbackAndAcceptOnlyLocalHostHeaders() {
    HttpSettings s = read(Map.of());
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isEqualTo(8080);
    assertThat(s.loopbackOnly()).isTrue();
    assertThat(s.corsOrigins()).isEmpty();
    assertThat(s.connectHosts()).isEmpty();
    assertThat(s.maxBody()).isEqualTo(4 * 1024 * 1024);
    assertThat(s.sessionIdleTimeout()).isEqualTo(Duration.ofSeconds(1800));
    assertThat(s.hostAllowed("127.0.0.1:8080")).isTrue();
    assertThat(s.hostAllowed("localhost:1234")).isTrue();
    assertThat(s.hostAllowed("LOCALHOST")).isTrue();
    assertThat(s.hostAllowed("[::1]:8080")).isTrue();
    assertThat(s.hostAllowed("evil.example")).isFalse();
    assertThat(s.hostAllowed("localhost.evil.example")).isFalse();
    assertThat(s.hostAllowed("localhost:80@evil")).isFalse();
    assertThat(s.hostAllowed("")).isFalse();
    assertThat(s.hostAllowed(null)).isFalse();
  }

  @Test
  void optionsWinOverSettingsAndOtherInterfacesAreNotLoopback() {
    HttpSettings s =
        HttpSettings.fromEnvironment(
            Map.of("CRDB_HTTP_HOST", "127.0.0.1", "CRDB_HTTP_PORT", "9000"), "0.0.0.0", 0);
    assertThat(s.host()).isEqualTo("0.0.0.0");
    assertThat(s.port()).isZero();
    assertThat(s.loopbackOnly()).isFalse();
  }

  @Test
  void allowedHostsAndOriginsAreExact() {
    HttpSettings s =
        read(
            Map.of(
                "CRDB_HTTP_ALLOWED_HOSTS", "mcp.example.com, db-proxy:8443",
                "CRDB_HTTP_CORS_ORIGINS", "https://App.Example.com"));
    assertThat(s.hostAllowed("mcp.example.com")).isTrue();
    assertThat(s.hostAllowed("mcp.example.com:443")).isFalse();
    assertThat(s.hostAllowed("db-proxy:8443")).isTrue();
    assertThat(s.hostAllowed("localhost:8080")).as("replaced, not added").isFalse();
    assertThat(s.originAllowed("https://app.example.com")).isTrue();
    assertThat(s.originAllowed("http://app.example.com")).isFalse();
    assertThat(s.originAllowed("https://app.example.com.evil")).isFalse();
  }

  @Test
  void sizesTakeUnits() {
    assertThat(HttpSettings.size("X", "512KiB", 1)).isEqualTo(512 * 1024);
    assertThat(HttpSettings.size("X", "4MiB", 1)).isEqualTo(4 * 1024 * 1024);
    assertThat(HttpSettings.size("X", "1000", 1)).isEqualTo(1000);
    assertThatThrownBy(() -> HttpSettings.size("CRDB_HTTP_MAX_BODY", "lots", 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_HTTP_MAX_BODY")
        .hasMessageContaining("4MiB");
    assertThatThrownBy(() -> HttpSettings.size("CRDB_HTTP_MAX_BODY", "-1", 1))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void badValuesNameTheSetting() {
    assertThatThrownBy(() -> read(Map.of("CRDB_HTTP_CORS_ORIGINS", "*")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_HTTP_CORS_ORIGINS")
        .hasMessageContaining("wildcard");
    assertThatThrownBy(() -> read(Map.of("CRDB_HTTP_CORS_ORIGINS", "https://a.example/path")))
        .hasMessageContaining("not an origin");
    assertThatThrownBy(() -> read(Map.of("CRDB_HTTP_ALLOWED_HOSTS", "*")))
        .hasMessageContaining("CRDB_HTTP_ALLOWED_HOSTS");
    assertThatThrownBy(() -> read(Map.of("CRDB_HTTP_PORT", "99999")))
        .hasMessageContaining("CRDB_HTTP_PORT");
    assertThatThrownBy(() -> read(Map.of("CRDB_HTTP_SESSION_IDLE_TIMEOUT", "0")))
        .hasMessageContaining("CRDB_HTTP_SESSION_IDLE_TIMEOUT");
  }
}
