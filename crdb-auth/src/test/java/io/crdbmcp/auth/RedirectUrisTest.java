package io.crdbmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedirectUrisTest {
  static AuthStore.Client client(String... uris) {
    return new AuthStore.Client("c", null, List.of(uris), "n", "none", Instant.now());
  }

  @Test
  void exactMatchOnly() {
    AuthStore.Client c = client("https://claude.ai/api/mcp/auth_callback");
    assertThat(OAuthServer.matchRedirect(c, "https://claude.ai/api/mcp/auth_callback")).isNotNull();
    assertThat(OAuthServer.matchRedirect(c, "https://claude.ai/api/mcp/auth_callback/")).isNull();
    assertThat(OAuthServer.matchRedirect(c, "https://claude.ai/api/mcp/auth_callback?x")).isNull();
    assertThat(OAuthServer.matchRedirect(c, "https://claude.ai:444/api/mcp/auth_callback"))
        .isNull();
    assertThat(OAuthServer.matchRedirect(c, null)).isNull();
  }

  @Test
  void loopbackMayDifferInPortOnly() {
    AuthStore.Client c = client("http://127.0.0.1/callback", "https://app.example/cb");
    assertThat(OAuthServer.matchRedirect(c, "http://127.0.0.1:61234/callback")).isNotNull();
    assertThat(OAuthServer.matchRedirect(c, "http://127.0.0.1:61234/other")).isNull();
    assertThat(OAuthServer.matchRedirect(c, "http://localhost:61234/callback")).isNull();
    assertThat(OAuthServer.matchRedirect(c, "http://user@127.0.0.1:61234/callback")).isNull();
    // The rule is for loopback only: an https URI on another port is another URI.
    assertThat(OAuthServer.matchRedirect(c, "https://app.example:8443/cb")).isNull();
  }

  @Test
  void whatMayBeRegistered() {
    assertThat(OAuthServer.badRedirect(URI.create("https://claude.ai/cb"))).isNull();
    assertThat(OAuthServer.badRedirect(URI.create("http://127.0.0.1:3000/cb"))).isNull();
    assertThat(OAuthServer.badRedirect(URI.create("http://[::1]/cb"))).isNull();
    assertThat(OAuthServer.badRedirect(URI.create("cursor://anysphere.cursor-mcp/oauth"))).isNull();
    assertThat(OAuthServer.badRedirect(URI.create("http://evil.example/cb"))).contains("loopback");
    assertThat(OAuthServer.badRedirect(URI.create("javascript:alert(1)"))).isNotNull();
    assertThat(OAuthServer.badRedirect(URI.create("https://a.example/cb#frag")))
        .contains("fragment");
  }
}
