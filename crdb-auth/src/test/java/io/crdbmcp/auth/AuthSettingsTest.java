package io.crdbmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.ConfigException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthSettingsTest {
  static Map<String, String> issue(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("CRDB_AUTH_ENABLED", "true");
    m.put("CRDB_AUTH_ISSUER_URL", "https://mcp.example.com/");
    m.put("CRDB_IDP_DISCOVERY_URL", "https://idp.example.com/.well-known/openid-configuration");
    m.put("CRDB_IDP_CLIENT_ID", "mcp");
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        m.remove(kv[i]);
      } else {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  @Test
  void offUnlessEnabled() {
    assertThat(AuthSettings.fromEnvironment(Map.of()).enabled()).isFalse();
    assertThat(AuthSettings.fromEnvironment(Map.of("CRDB_AUTH_ENABLED", "false")).enabled())
        .isFalse();
  }

  @Test
  void defaults() {
    AuthSettings s = AuthSettings.fromEnvironment(issue());
    assertThat(s.enabled()).isTrue();
    assertThat(s.mode()).isEqualTo(AuthSettings.Mode.ISSUE);
    assertThat(s.issuer()).hasToString("https://mcp.example.com");
    assertThat(s.resource("/mcp")).isEqualTo("https://mcp.example.com/mcp");
    assertThat(s.audience("/mcp")).isEqualTo("https://mcp.example.com/mcp");
    assertThat(s.provider()).isEqualTo(Provider.OIDC);
    assertThat(s.idpScopes()).containsExactly("openid", "email", "profile");
    assertThat(s.tokenExpiry().toSeconds()).isEqualTo(900);
    assertThat(s.refreshExpiry().toSeconds()).isEqualTo(1_209_600);
    assertThat(s.scopes()).containsExactly("crdb:read", "crdb:write");
    assertThat(s.defaultScopes()).containsExactly("crdb:read");
    assertThat(s.idpClientSecret()).isNull();
    assertThat(s.store()).isEqualTo(AuthSettings.Store.MEMORY);
  }

  @Test
  void requiredSettingsAreNamed() {
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_AUTH_ISSUER_URL", null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_AUTH_ISSUER_URL");
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_IDP_DISCOVERY_URL", null)))
        .hasMessageContaining("CRDB_IDP_DISCOVERY_URL");
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_IDP_CLIENT_ID", null)))
        .hasMessageContaining("CRDB_IDP_CLIENT_ID")
        .hasMessageContaining("https://mcp.example.com/callback");
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_AUTH_MODE", "validate")))
        .hasMessageContaining("CRDB_AUTH_EXTERNAL_ISSUER");
  }

  @Test
  void badValuesAreRefusedWithTheSetting() {
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_IDP_PROVIDER", "keycloak")))
        .hasMessageContaining("CRDB_IDP_PROVIDER")
        .hasMessageContaining("entra");
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_AUTH_SCOPES", "crdb:root")))
        .hasMessageContaining("CRDB_AUTH_SCOPES");
    assertThatThrownBy(
            () ->
                AuthSettings.fromEnvironment(
                    issue(
                        "CRDB_AUTH_SCOPES", "crdb:read", "CRDB_AUTH_DEFAULT_SCOPES", "crdb:write")))
        .hasMessageContaining("CRDB_AUTH_DEFAULT_SCOPES");
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_AUTH_STORE", "redis")))
        .hasMessageContaining("CRDB_AUTH_STORE");
    assertThat(AuthSettings.fromEnvironment(issue("CRDB_AUTH_STORE", "Database")).store())
        .isEqualTo(AuthSettings.Store.DATABASE);
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_AUTH_MODE", "both")))
        .hasMessageContaining("CRDB_AUTH_MODE");
    assertThatThrownBy(
            () -> AuthSettings.fromEnvironment(issue("CRDB_AUTH_ISSUER_URL", "https://x/?a=1")))
        .hasMessageContaining("query");
    assertThatThrownBy(() -> AuthSettings.fromEnvironment(issue("CRDB_TOKEN_EXPIRY_SECONDS", "0")))
        .hasMessageContaining("CRDB_TOKEN_EXPIRY_SECONDS");
  }

  @Test
  void plainHttpOnlyOnLoopbackUnlessAllowed() {
    assertThatThrownBy(
            () ->
                AuthSettings.fromEnvironment(
                    issue("CRDB_AUTH_ISSUER_URL", "http://mcp.example.com")))
        .hasMessageContaining("CRDB_AUTH_ISSUER_URL")
        .hasMessageContaining("CRDB_AUTH_ALLOW_INSECURE_BIND");
    assertThat(
            AuthSettings.fromEnvironment(issue("CRDB_AUTH_ISSUER_URL", "http://127.0.0.1:8080"))
                .issuer())
        .hasToString("http://127.0.0.1:8080");
    assertThatThrownBy(
            () ->
                AuthSettings.fromEnvironment(
                    issue("CRDB_IDP_DISCOVERY_URL", "http://idp.example.com/.well-known/x")))
        .hasMessageContaining("CRDB_IDP_DISCOVERY_URL");
    AuthSettings insecure =
        AuthSettings.fromEnvironment(
            issue(
                "CRDB_AUTH_ISSUER_URL",
                "http://mcp.internal",
                "CRDB_AUTH_ALLOW_INSECURE_BIND",
                "true"));
    insecure.checkListener("0.0.0.0", false);
  }

  @Test
  void aNonLoopbackListenerNeedsHttpsInFront() {
    AuthSettings local =
        AuthSettings.fromEnvironment(issue("CRDB_AUTH_ISSUER_URL", "http://127.0.0.1:8080"));
    local.checkListener("127.0.0.1", true);
    assertThatThrownBy(() -> local.checkListener("0.0.0.0", false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_AUTH_ALLOW_INSECURE_BIND")
        .hasMessageContaining("TLS-terminating proxy");
    AuthSettings.fromEnvironment(issue()).checkListener("0.0.0.0", false);
    AuthSettings.disabled().checkListener("0.0.0.0", false);
  }

  @Test
  void theClientSecretIsNeverShown() {
    AuthSettings s =
        AuthSettings.fromEnvironment(issue("CRDB_IDP_CLIENT_SECRET", "s3cr3t-value-123"));
    assertThat(s.idpClientSecret()).isEqualTo("s3cr3t-value-123");
    assertThat(s.toString()).doesNotContain("s3cr3t").contains("****");
    assertThat(AuthSettings.fromEnvironment(issue()).toString()).contains("idpClientSecret=none");
  }

  @Test
  void scopesAndProvidersAreRead() {
    AuthSettings s =
        AuthSettings.fromEnvironment(
            issue(
                "CRDB_IDP_PROVIDER",
                "Entra",
                "CRDB_IDP_SCOPES",
                "email,offline_access",
                "CRDB_AUTH_SCOPES",
                "crdb:read crdb:write crdb:admin"));
    assertThat(s.provider()).isEqualTo(Provider.ENTRA);
    assertThat(s.idpScopes()).isEqualTo(List.of("openid", "email", "offline_access"));
    assertThat(s.scopes()).contains("crdb:admin");
  }

  @Test
  void validateMode() {
    AuthSettings s =
        AuthSettings.fromEnvironment(
            Map.of(
                "CRDB_AUTH_ENABLED", "true",
                "CRDB_AUTH_MODE", "validate",
                "CRDB_AUTH_ISSUER_URL", "https://mcp.example.com",
                "CRDB_AUTH_EXTERNAL_ISSUER", "https://login.example.com/",
                "CRDB_AUTH_AUDIENCE", "api://crdb"));
    assertThat(s.mode()).isEqualTo(AuthSettings.Mode.VALIDATE);
    assertThat(s.externalIssuer()).hasToString("https://login.example.com/");
    assertThat(s.jwksUrl()).isNull();
    assertThat(s.audience("/mcp")).isEqualTo("api://crdb");
  }
}
