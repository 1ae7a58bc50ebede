package io.crdbmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientMetadataDocumentsTest {
  @Test
  void internalAddressesAreNotFetchedByDefault() throws Exception {
    ClientMetadataDocuments d = new ClientMetadataDocuments(List.of("*"), Clock.systemUTC());
    assertThat(d.applies("https://claude.ai/oauth/client.json")).isTrue();
    assertThat(d.applies("http://claude.ai/oauth/client.json")).isFalse();
    for (String url :
        List.of(
            "https://127.0.0.1/client.json",
            "https://localhost/client.json",
            "https://10.0.0.1/client.json",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/client.json")) {
      assertThatThrownBy(() -> d.client(url)).as(url).hasMessageContaining("non-public");
    }
    assertThatThrownBy(() -> d.client("https://claude.ai/")).hasMessageContaining("path");
    assertThatThrownBy(() -> d.client("https://u@claude.ai/x")).hasMessageContaining("user");
  }

  @Test
  void aListAllowsExactlyThoseHostsAndNoneTurnsDocumentsOff() throws Exception {
    ClientMetadataDocuments only =
        new ClientMetadataDocuments(List.of("claude.ai"), Clock.systemUTC());
    assertThatThrownBy(() -> only.client("https://example.com/client.json"))
        .hasMessageContaining("only from claude.ai");
    ClientMetadataDocuments none = new ClientMetadataDocuments(List.of(), Clock.systemUTC());
    assertThat(none.applies("https://claude.ai/oauth/client.json")).isFalse();
    assertThat(none.client("https://claude.ai/oauth/client.json")).isEmpty();
  }

  @Test
  void publicAddresses() throws Exception {
    assertThat(ClientMetadataDocuments.isPublic(InetAddress.getByName("8.8.8.8"))).isTrue();
    assertThat(ClientMetadataDocuments.isPublic(InetAddress.getByName("192.168.1.1"))).isFalse();
    assertThat(ClientMetadataDocuments.isPublic(InetAddress.getByName("100.64.0.1"))).isFalse();
    assertThat(ClientMetadataDocuments.isPublic(InetAddress.getByName("fd00::1"))).isFalse();
  }
}
