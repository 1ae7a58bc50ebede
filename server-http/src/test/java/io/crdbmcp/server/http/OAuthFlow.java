package io.crdbmcp.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OAuth client of the server, as an MCP client (and the browser of its user) would be: it
 * registers, runs the authorization-code flow with PKCE through the consent page and the identity
 * provider by following every redirect itself (cookies by hand: {@code __Host-} cookies are Secure,
 * which Java's cookie manager sends only over https), and redeems codes and refresh tokens. Every
 * secret it sees is kept, so the test can check the server's log holds none of them.
 */
final class OAuthFlow {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  record Tokens(String access, String refresh, String scope, JsonNode json) {}

  /** Where the browser ended up: the client's redirect URI with its query parameters. */
  record Redirect(URI uri, Map<String, String> params) {}

  final URI base;
  final String redirectUri;
  String clientId;
  final List<String> secrets = new ArrayList<>();

  OAuthFlow(URI base, String redirectUri) {
    this.base = base;
    this.redirectUri = redirectUri;
  }

  static String verifier() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String challenge(String verifier) throws Exception {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            MessageDigest.getInstance("SHA-256")
                .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
  }

  static HttpResponse<String> get(URI uri, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> postForm(URI uri, Map<String, String> form, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(form)));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> postJson(URI uri, String json) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String form(Map<String, String> form) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, String> e : form.entrySet()) {
      if (s.length() > 0) {
        s.append('&');
      }
      s.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return s.toString();
  }

  static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = uri.getRawQuery();
    if (q == null) {
      return out;
    }
    for (String kv : q.split("&")) {
      String[] p = kv.split("=", 2);
      out.put(
          URLDecoder.decode(p[0], StandardCharsets.UTF_8),
          p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
    }
    return out;
  }

  static URI location(HttpResponse<String> r) {
    assertThat(r.statusCode()).as("redirect, body: %s", r.body()).isEqualTo(302);
    return URI.create(r.headers().firstValue("Location").orElseThrow());
  }

  /** Registers a public client (RFC 7591) with the redirect URI; returns its client_id. */
  String register() throws Exception {
    HttpResponse<String> r =
        postJson(
            base.resolve("/register"),
            "{\"client_name\":\"flow test client\",\"redirect_uris\":[\""
                + redirectUri
                + "\"],\"token_endpoint_auth_method\":\"none\","
                + "\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                + "\"response_types\":[\"code\"]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    clientId = JSON.readTree(r.body()).path("client_id").asText();
    assertThat(clientId).isNotBlank();
    return clientId;
  }

  /** The authorization request's URL. */
  URI authorizeUrl(Map<String, String> params) {
    return URI.create(base + "/authorize?" + form(params));
  }

  Map<String, String> authorizeParams(String scope, String challenge, String state) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("response_type", "code");
    p.put("client_id", clientId);
    p.put("redirect_uri", redirectUri);
    if (scope != null) {
      p.put("scope", scope);
    }
    p.put("state", state);
    p.put("code_challenge", challenge);
    p.put("code_challenge_method", "S256");
    p.put("resource", base + "/mcp");
    return p;
  }

  /** The consent page's answer: its cookie, and the form's hidden fields. */
  record ConsentPage(HttpResponse<String> response, String cookie, String consent, String csrf) {}

  ConsentPage consentPage(Map<String, String> params) throws Exception {
    HttpResponse<String> page = get(authorizeUrl(params));
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    String setCookie =
        page.headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith("__Host-crdb-consent="))
            .findFirst()
            .orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    ConsentPage c =
        new ConsentPage(page, cookie, hidden(page.body(), "consent"), hidden(page.body(), "csrf"));
    secrets.add(cookie.substring(cookie.indexOf('=') + 1));
    secrets.add(c.csrf());
    return c;
  }

  /** Answers the consent page; returns the server's answer (a redirect). */
  HttpResponse<String> answer(ConsentPage c, String decision) throws Exception {
    return postForm(
        base.resolve("/authorize/consent"),
        Map.of("consent", c.consent(), "csrf", c.csrf(), "decision", decision),
        "Cookie",
        c.cookie());
  }

  /**
   * The whole browser part: authorization request, consent (allow), the identity provider's login
   * and its callback; returns where the browser is sent back to. {@code callbacks} collects the
   * server's callback URLs (to replay them).
   */
  Redirect authorize(String scope, String verifier, String state, List<URI> callbacks)
      throws Exception {
    ConsentPage c = consentPage(authorizeParams(scope, challenge(verifier), state));
    URI upstream = location(answer(c, "allow"));
    URI callback = location(get(upstream)); // the identity provider signs the user in at once
    assertThat(callback.getPath()).isEqualTo("/callback");
    if (callbacks != null) {
      callbacks.add(callback);
    }
    secrets.add(query(callback).get("code"));
    URI back = location(get(callback));
    Map<String, String> params = query(back);
    if (params.containsKey("code")) {
      secrets.add(params.get("code"));
    }
    return new Redirect(back, params);
  }

  HttpResponse<String> tokenRequest(Map<String, String> form) throws Exception {
    return postForm(base.resolve("/token"), form);
  }

  Tokens redeem(String code, String verifier) throws Exception {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("grant_type", "authorization_code");
    f.put("code", code);
    f.put("redirect_uri", redirectUri);
    f.put("client_id", clientId);
    f.put("code_verifier", verifier);
    f.put("resource", base + "/mcp");
    return tokens(tokenRequest(f));
  }

  HttpResponse<String> refreshRequest(String refresh) throws Exception {
    return tokenRequest(
        Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", clientId));
  }

  Tokens refresh(String refresh) throws Exception {
    return tokens(refreshRequest(refresh));
  }

  HttpResponse<String> revoke(String token) throws Exception {
    return postForm(base.resolve("/revoke"), Map.of("token", token, "client_id", clientId));
  }

  private Tokens tokens(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
    JsonNode j = JSON.readTree(r.body());
    Tokens t =
        new Tokens(
            j.path("access_token").asText(),
            j.path("refresh_token").asText(),
            j.path("scope").asText(),
            j);
    secrets.add(t.access());
    secrets.add(t.refresh());
    return t;
  }

  /** An initialized SDK Streamable HTTP client sending this bearer token. */
  McpSyncClient mcp(String accessToken) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(base.toString())
            .endpoint("/mcp")
            .requestBuilder(
                HttpRequest.newBuilder().header("Authorization", "Bearer " + accessToken))
            .build();
    McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(60))
            .initializationTimeout(Duration.ofSeconds(60))
            .build();
    client.initialize();
    return client;
  }

  private static String hidden(String html, String name) {
    Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("hidden field %s in %s", name, html).isTrue();
    return m.group(1);
  }
}
