package io.crdbmcp.auth;

import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import net.minidev.json.JSONObject;

/**
 * Client ID Metadata Documents: a {@code client_id} that is an https URL names a JSON document the
 * client publishes there ({@code client_id}, {@code redirect_uris}, {@code client_name}), which is
 * how current MCP clients identify themselves without registering. The document is fetched (no
 * redirects, at most {@value #MAX_BYTES} bytes, 5 s) and kept {@value #CACHE_MINUTES} minutes; its
 * {@code client_id} must be its own URL, its redirect URIs follow the registration rules, and the
 * client is public (PKCE; {@code token_endpoint_auth_method} {@code none}).
 *
 * <p>Fetching URLs a client names is a way to make the server reach other machines, so by default
 * ({@code CRDB_AUTH_CLIENT_METADATA_HOSTS=*}) a host is fetched only when every address it resolves
 * to is public (no loopback, private, link-local or multicast address); a list of hosts allows
 * exactly those (and may name internal ones); {@code none} turns documents off.
 */
final class ClientMetadataDocuments {
  static final int MAX_BYTES = 5 * 1024;
  static final int CACHE_MINUTES = 10;

  private record Cached(AuthStore.Client client, Instant until) {}

  private final List<String> hosts;
  private final Clock clock;
  private final HttpClient http;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  /**
   * @param hosts {@code ["*"]}: any host with public addresses; {@code []}: none; else exactly
   *     these
   */
  ClientMetadataDocuments(List<String> hosts, Clock clock) {
    this.hosts = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** Whether this client_id is a metadata document URL (and documents are on). */
  boolean applies(String clientId) {
    return !hosts.isEmpty() && clientId != null && clientId.startsWith("https://");
  }

  /** The client the document describes, or empty when it cannot be used. */
  Optional<AuthStore.Client> client(String clientId) throws DocumentException {
    if (!applies(clientId)) {
      return Optional.empty();
    }
    Cached c = cache.get(clientId);
    if (c != null && c.until().isAfter(clock.instant())) {
      return Optional.of(c.client());
    }
    AuthStore.Client fetched = fetch(clientId);
    if (cache.size() > 1000) {
      cache.clear();
    }
    cache.put(
        clientId, new Cached(fetched, clock.instant().plus(Duration.ofMinutes(CACHE_MINUTES))));
    return Optional.of(fetched);
  }

  private AuthStore.Client fetch(String clientId) throws DocumentException {
    URI u;
    try {
      u = new URI(clientId);
    } catch (Exception e) {
      throw new DocumentException("the client_id is not a URL");
    }
    if (u.getHost() == null
        || u.getRawUserInfo() != null
        || u.getRawFragment() != null
        || u.getRawPath() == null
        || u.getRawPath().isEmpty()
        || u.getRawPath().equals("/")
        || u.getRawPath().contains("/./")
        || u.getRawPath().contains("/../")) {
      throw new DocumentException(
          "a client_id URL must be https with a host and a path, no user, fragment or dot segments");
    }
    String host = u.getHost().toLowerCase(Locale.ROOT);
    if (!hosts.contains("*") && !hosts.contains(host)) {
      throw new DocumentException(
          "client metadata documents are accepted only from " + String.join(", ", hosts));
    }
    if (hosts.contains("*")) {
      try {
        for (InetAddress a : InetAddress.getAllByName(host)) {
          if (!isPublic(a)) {
            throw new DocumentException(
                "the client_id's host resolves to a non-public address; the server does not fetch"
                    + " from internal networks");
          }
        }
      } catch (java.net.UnknownHostException e) {
        throw new DocumentException("the client_id's host is unknown");
      }
    }
    byte[] body;
    try {
      HttpResponse<InputStream> r =
          http.send(
              HttpRequest.newBuilder(u)
                  .timeout(Duration.ofSeconds(5))
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          throw new DocumentException(
              "the client metadata document answered HTTP " + r.statusCode());
        }
        body = in.readNBytes(MAX_BYTES + 1);
      }
    } catch (DocumentException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DocumentException("fetching the client metadata document was interrupted");
    } catch (Exception e) {
      throw new DocumentException(
          "the client metadata document cannot be fetched: " + e.getClass().getSimpleName());
    }
    if (body.length > MAX_BYTES) {
      throw new DocumentException(
          "the client metadata document is larger than " + MAX_BYTES + " bytes");
    }
    JSONObject doc;
    try {
      doc = JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new DocumentException("the client metadata document is not a JSON object");
    }
    if (!clientId.equals(doc.get("client_id"))) {
      throw new DocumentException("the document's client_id is not its own URL");
    }
    Object method = doc.get("token_endpoint_auth_method");
    if (method != null && !"none".equals(method)) {
      throw new DocumentException(
          "only public clients (token_endpoint_auth_method none) may use a metadata document here");
    }
    List<String> redirects = new ArrayList<>();
    if (doc.get("redirect_uris") instanceof List<?> list) {
      for (Object o : list) {
        if (!(o instanceof String s)) {
          throw new DocumentException("redirect_uris must be strings");
        }
        String why;
        try {
          why = OAuthServer.badRedirect(new URI(s));
        } catch (Exception e) {
          why = "a redirect URI is not a URI";
        }
        if (why != null) {
          throw new DocumentException(why);
        }
        redirects.add(s);
      }
    }
    if (redirects.isEmpty()) {
      throw new DocumentException("the document lists no redirect_uris");
    }
    String name = doc.get("client_name") instanceof String n && !n.isBlank() ? n : host;
    return new AuthStore.Client(clientId, null, redirects, clip(name), "none", clock.instant());
  }

  private static String clip(String name) {
    String n = name.replaceAll("[\\p{Cntrl}]", " ").trim();
    return n.length() > 80 ? n.substring(0, 80) + "..." : n;
  }

  static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isAnyLocalAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (b.length == 16 && (b[0] & 0xfe) == 0xfc) {
      return false; // IPv6 unique local fc00::/7
    }
    if (b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64) {
      return false; // carrier-grade NAT 100.64.0.0/10
    }
    return true;
  }

  /** The document cannot be used; the message says why (no secret in it). */
  static final class DocumentException extends Exception {
    DocumentException(String message) {
      super(message);
    }
  }
}
