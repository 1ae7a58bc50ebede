package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * OAuth end to end: the packaged server as authorization server in front of an OpenID Connect
 * identity provider (mock-oauth2-server, a real one on a local port), and as a resource server
 * validating an external authorization server's tokens. A real HTTP client follows the whole flow
 * (discovery, registration, authorization with PKCE, consent, the provider's login, callback,
 * token), then the SDK's MCP client calls tools with the token; then refresh, reuse, revocation,
 * and every refusal the specification asks for. Last, the server's log is searched for every token,
 * code, cookie and secret the test saw.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OAuthHttpIT {
  static final String IDP_SECRET = "idp-client-secret-f00d-4711";
  static final String REDIRECT = "http://127.0.0.1:53682/callback";

  MockOAuth2Server idp;
  HttpsDocuments documents;
  ConnectionSpec db;
  HttpServerProcess server;
  HttpServerProcess validating;
  URI base;
  URI validatingBase;
  final List<String> secrets = new ArrayList<>();

  /** The audit log of the authorization server: its users' calls are in it, their tokens never. */
  java.nio.file.Path audit;

  @BeforeAll
  void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start();
    documents = HttpsDocuments.start();
    db =
        TestDb.get().createDatabase("oauth", "CREATE TABLE notes (id INT PRIMARY KEY, owner TEXT)");
    int port = freePort();
    base = URI.create("http://127.0.0.1:" + port);
    Map<String, String> env = new HashMap<>();
    env.put("CRDB_URL", TestDb.url(db));
    env.put("CRDB_AUTH_ENABLED", "true");
    env.put("CRDB_AUTH_ISSUER_URL", base.toString());
    env.put("CRDB_IDP_PROVIDER", "oidc");
    env.put("CRDB_IDP_DISCOVERY_URL", idp.wellKnownUrl("idp").toString());
    env.put("CRDB_IDP_CLIENT_ID", "crdb");
    env.put("CRDB_IDP_CLIENT_SECRET", IDP_SECRET);
    env.put("CRDB_AUTH_SCOPES", "crdb:read crdb:write");
    env.put("CRDB_AUTH_CLIENT_METADATA_HOSTS", "127.0.0.1"); // the test's document server
    audit = java.nio.file.Files.createTempDirectory("oauth-audit").resolve("audit.jsonl");
    env.put("CRDB_AUDIT_ENABLED", "true");
    env.put("CRDB_AUDIT_PATH", audit.toString());
    server =
        HttpServerProcess.start(
            env,
            documents.trustOptions(),
            List.of("--streamable-http", "--port", String.valueOf(port)));

    int port2 = freePort();
    validatingBase = URI.create("http://127.0.0.1:" + port2);
    Map<String, String> v = new HashMap<>();
    v.put("CRDB_URL", TestDb.url(db));
    v.put("CRDB_AUTH_ENABLED", "true");
    v.put("CRDB_AUTH_MODE", "validate");
    v.put("CRDB_AUTH_ISSUER_URL", validatingBase.toString());
    v.put("CRDB_AUTH_EXTERNAL_ISSUER", idp.issuerUrl("ext").toString());
    v.put("CRDB_AUTH_JWKS_URL", idp.jwksUrl("ext").toString());
    validating =
        HttpServerProcess.start(
            v, List.of(), List.of("--streamable-http", "--port", String.valueOf(port2)));
  }

  @AfterAll
  void stop() {
    if (server != null) {
      System.out.println("--- the authorization server's log ---\n" + server.stderr());
      server.close();
    }
    if (validating != null) {
      validating.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
    if (documents != null) {
      documents.close();
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The identity provider signs the next login in as this user. */
  void nextLogin(String subject, String email) {
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "idp", subject, "JWT", List.of("crdb"), Map.of("email", email), 3600));
  }

  OAuthFlow client() throws Exception {
    OAuthFlow f = new OAuthFlow(base, REDIRECT);
    f.register();
    return f;
  }

  /** A whole authorization of a user; returns its tokens. */
  OAuthFlow.Tokens login(OAuthFlow f, String user, String scope) throws Exception {
    nextLogin(user + "-sub", user + "@example.com");
    String verifier = OAuthFlow.verifier();
    OAuthFlow.Redirect back = f.authorize(scope, verifier, "st-" + user, null);
    assertThat(back.params()).containsKey("code");
    OAuthFlow.Tokens t = f.redeem(back.params().get("code"), verifier);
    secrets.addAll(f.secrets);
    return t;
  }

  static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args) {
    return c.callTool(new CallToolRequest(tool, args));
  }

  static HttpResponse<String> mcpPost(URI base, String bearer, String... more) throws Exception {
    List<String> h = new ArrayList<>();
    if (bearer != null) {
      h.add("Authorization");
      h.add("Bearer " + bearer);
    }
    h.addAll(List.of(more));
    return RawHttp.post(base, RawHttp.INITIALIZE, h.toArray(String[]::new));
  }

  // --- Discovery, the whole flow, tools with the token ---------------------------------------

  @Test
  @Order(1)
  void aClientDiscoversRegistersAuthorizesAndCallsToolsWithItsToken() throws Exception {
    // 1. No token: 401 naming the resource metadata.
    HttpResponse<String> none = mcpPost(base, null);
    assertThat(none.statusCode()).isEqualTo(401);
    String challenge = none.headers().firstValue("WWW-Authenticate").orElseThrow();
    assertThat(challenge)
        .startsWith("Bearer ")
        .contains("resource_metadata=\"" + base + "/.well-known/oauth-protected-resource/mcp\"")
        .contains("scope=\"crdb:read crdb:write\"");
    // 2. Protected resource metadata (RFC 9728), both paths.
    for (String path :
        List.of(
            "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
      JsonNode prm = OAuthFlow.JSON.readTree(OAuthFlow.get(base.resolve(path)).body());
      assertThat(prm.path("resource").asText()).isEqualTo(base + "/mcp");
      assertThat(prm.path("authorization_servers").get(0).asText()).isEqualTo(base.toString());
      assertThat(prm.path("bearer_methods_supported").toString()).isEqualTo("[\"header\"]");
    }
    // 3. Authorization server metadata (RFC 8414).
    JsonNode as =
        OAuthFlow.JSON.readTree(
            OAuthFlow.get(base.resolve("/.well-known/oauth-authorization-server")).body());
    assertThat(as.path("issuer").asText()).isEqualTo(base.toString());
    assertThat(as.path("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
    assertThat(as.path("registration_endpoint").asText()).isEqualTo(base + "/register");
    assertThat(as.path("authorization_response_iss_parameter_supported").asBoolean()).isTrue();
    JsonNode jwks =
        OAuthFlow.JSON.readTree(OAuthFlow.get(URI.create(as.path("jwks_uri").asText())).body());
    assertThat(jwks.path("keys").get(0).path("kid").asText()).isNotBlank();
    assertThat(jwks.path("keys").get(0).has("d")).as("no private key published").isFalse();

    // 4. Registration, authorization with PKCE, consent, the provider's login, token.
    OAuthFlow f = client();
    nextLogin("alice-sub", "alice@example.com");
    String verifier = OAuthFlow.verifier();
    OAuthFlow.ConsentPage page =
        f.consentPage(
            f.authorizeParams("crdb:read crdb:write", OAuthFlow.challenge(verifier), "s-1"));
    assertThat(page.response().body()).contains("flow test client").contains("crdb:write");
    assertThat(page.response().headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("frame-ancestors 'none'");
    String setCookie =
        page.response().headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith("__Host-"))
            .findFirst()
            .orElseThrow();
    assertThat(setCookie).contains("Secure").contains("HttpOnly").contains("SameSite=Lax");
    assertThat(setCookie).contains("Path=/").doesNotContain("Domain");
    URI upstream = OAuthFlow.location(f.answer(page, "allow"));
    assertThat(upstream.toString()).startsWith(idp.authorizationEndpointUrl("idp").toString());
    assertThat(OAuthFlow.query(upstream)).containsKeys("state", "nonce", "code_challenge");
    assertThat(OAuthFlow.query(upstream).get("code_challenge_method")).isEqualTo("S256");
    URI callback = OAuthFlow.location(OAuthFlow.get(upstream));
    f.secrets.add(OAuthFlow.query(callback).get("code"));
    URI back = OAuthFlow.location(OAuthFlow.get(callback));
    assertThat(back.toString()).startsWith(REDIRECT + "?");
    Map<String, String> params = OAuthFlow.query(back);
    assertThat(params.get("state")).isEqualTo("s-1");
    assertThat(params.get("iss")).isEqualTo(base.toString());
    f.secrets.add(params.get("code"));
    OAuthFlow.Tokens t = f.redeem(params.get("code"), verifier);
    secrets.addAll(f.secrets);
    assertThat(t.scope()).isEqualTo("crdb:read crdb:write");
    assertThat(t.json().path("token_type").asText()).isEqualToIgnoringCase("Bearer");
    assertThat(t.json().path("expires_in").asInt()).isEqualTo(900);

    // 5. The SDK's MCP client with the token: tools run as the user.
    McpSyncClient c = f.mcp(t.access());
    // The metrics need a token too.
    assertThat(
            RawHttp.send(java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).build())
                .statusCode())
        .isEqualTo(401);
    HttpResponse<String> metrics =
        RawHttp.send(
            java.net.http.HttpRequest.newBuilder(base.resolve("/metrics"))
                .header("Authorization", "Bearer " + t.access())
                .build());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("crdb_mcp_pool_connections");
    try {
      assertThat(c.listTools().tools()).isNotEmpty();
      ok(
          call(
              c,
              "execute_query",
              args("sql", "INSERT INTO notes VALUES ($1, $2)", "params", List.of(1, "alice"))));
      assertThat(rows(ok(call(c, "execute_query", args("sql", "SELECT owner FROM notes")))))
          .containsExactly(List.of("alice"));
    } finally {
      c.closeGracefully();
    }
    assertThat(server.stderr()).contains("user alice@example.com authorized client " + f.clientId);

    // 6. Refresh: the refresh token rotates; the old one is spent.
    OAuthFlow.Tokens t2 = f.refresh(t.refresh());
    secrets.addAll(f.secrets);
    assertThat(t2.refresh()).isNotEqualTo(t.refresh());
    assertThat(t2.access()).isNotEqualTo(t.access());
    McpSyncClient c2 = f.mcp(t2.access());
    try {
      ok(call(c2, "execute_query", args("sql", "SELECT 1")));
    } finally {
      c2.closeGracefully();
    }

    // 7. Revocation (RFC 7009) of the refresh token ends the family: refresh and access tokens.
    assertThat(f.revoke(t2.refresh()).statusCode()).isEqualTo(200);
    HttpResponse<String> afterRevoke = f.refreshRequest(t2.refresh());
    assertThat(afterRevoke.statusCode()).isEqualTo(400);
    assertThat(afterRevoke.body()).contains("invalid_grant");
    HttpResponse<String> revokedAccess = mcpPost(base, t2.access());
    assertThat(revokedAccess.statusCode()).isEqualTo(401);
    assertThat(revokedAccess.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("invalid_token")
        .contains("revoked");
  }

  @Test
  @Order(2)
  void reusingARefreshTokenRevokesItsWholeFamily() throws Exception {
    OAuthFlow f = client();
    OAuthFlow.Tokens t = login(f, "rita", "crdb:read");
    OAuthFlow.Tokens t2 = f.refresh(t.refresh());
    secrets.addAll(f.secrets);
    assertThat(mcpPost(base, t2.access()).statusCode()).isEqualTo(200);
    // The first refresh token again: someone kept a copy.
    HttpResponse<String> reuse = f.refreshRequest(t.refresh());
    assertThat(reuse.statusCode()).isEqualTo(400);
    assertThat(reuse.body()).contains("invalid_grant").contains("already used");
    // The whole family is gone: the rotated refresh token and its access token too.
    assertThat(f.refreshRequest(t2.refresh()).statusCode()).isEqualTo(400);
    assertThat(mcpPost(base, t2.access()).statusCode()).isEqualTo(401);
  }

  @Test
  @Order(3)
  void aReadOnlyScopeMakesEveryCallReadOnly() throws Exception {
    OAuthFlow f = client();
    OAuthFlow.Tokens t = login(f, "reader", "crdb:read");
    assertThat(t.scope()).isEqualTo("crdb:read");
    McpSyncClient c = f.mcp(t.access());
    try {
      ok(call(c, "execute_query", args("sql", "SELECT count(*) FROM notes")));
      CallToolResult insert =
          call(
              c,
              "execute_query",
              args("sql", "INSERT INTO notes VALUES ($1, $2)", "params", List.of(50, "reader")));
      assertThat(insert.isError()).as(text(insert)).isTrue();
      assertThat(text(insert).toLowerCase()).contains("read-only");
      // A tool that needs crdb:write: 403 insufficient_scope naming the scopes to ask for (the
      // MCP spec's step-up), before the call starts; the session goes on.
      HttpResponse<String> init = mcpPost(base, t.access());
      assertThat(init.statusCode()).isEqualTo(200);
      String sid = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
      RawHttp.post(
          base,
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
          "Authorization",
          "Bearer " + t.access(),
          "Mcp-Session-Id",
          sid);
      HttpResponse<String> writer =
          RawHttp.post(
              base,
              "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
                  + "\"insert_row\",\"arguments\":{\"table\":\"notes\",\"values\":{\"id\":51,"
                  + "\"owner\":\"r\"}}}}",
              "Authorization",
              "Bearer " + t.access(),
              "Mcp-Session-Id",
              sid);
      assertThat(writer.statusCode()).as(writer.body()).isEqualTo(403);
      assertThat(writer.headers().firstValue("WWW-Authenticate").orElse(""))
          .contains("error=\"insufficient_scope\"")
          .contains("scope=\"crdb:read crdb:write\"")
          .contains("resource_metadata=");
      assertThat(writer.body()).contains("insert_row needs the scope crdb:write");
      // A reading call on the same session still works.
      HttpResponse<String> reader =
          RawHttp.post(
              base,
              "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":"
                  + "\"list_tables\",\"arguments\":{}}}",
              "Authorization",
              "Bearer " + t.access(),
              "Mcp-Session-Id",
              sid);
      assertThat(reader.statusCode()).isEqualTo(200);
      assertThat(reader.body()).contains("notes");
      CallToolResult tx = call(c, "begin_transaction", args("read_only", false));
      assertThat(tx.isError()).as(text(tx)).isTrue();
      assertThat(text(tx)).contains("read-only");
    } finally {
      c.closeGracefully();
    }
    assertThat(TestDb.scalar(db, "SELECT count(*) FROM notes WHERE id IN (50, 51)")).isEqualTo(0L);
  }

  @Test
  @Order(4)
  void anotherUserCannotUseATransactionHandleOrASession() throws Exception {
    OAuthFlow fa = client();
    OAuthFlow.Tokens a = login(fa, "ann", "crdb:read crdb:write");
    OAuthFlow fb = client();
    OAuthFlow.Tokens b = login(fb, "bob", "crdb:read crdb:write");
    McpSyncClient ca = fa.mcp(a.access());
    McpSyncClient cb = fb.mcp(b.access());
    try {
      String tx = (String) ok(call(ca, "begin_transaction", args())).get("transaction_id");
      ok(
          call(
              ca,
              "execute_query",
              args(
                  "sql",
                  "INSERT INTO notes VALUES ($1, $2)",
                  "params",
                  List.of(60, "ann"),
                  "transaction_id",
                  tx)));
      CallToolResult stolen =
          call(cb, "execute_query", args("sql", "SELECT 1", "transaction_id", tx));
      assertThat(stolen.isError()).as(text(stolen)).isTrue();
      CallToolResult commit = call(cb, "commit_transaction", args("transaction_id", tx));
      assertThat(commit.isError()).as(text(commit)).isTrue();
      ok(call(ca, "rollback_transaction", args("transaction_id", tx)));
    } finally {
      ca.closeGracefully();
      cb.closeGracefully();
    }
    // Ann's session, presented with Bob's token: as if it did not exist.
    HttpResponse<String> init = mcpPost(base, a.access());
    assertThat(init.statusCode()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    secrets.add(session);
    RawHttp.post(
        base,
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "Authorization",
        "Bearer " + a.access(),
        "Mcp-Session-Id",
        session);
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
    HttpResponse<String> asBob =
        RawHttp.post(
            base, ping, "Authorization", "Bearer " + b.access(), "Mcp-Session-Id", session);
    assertThat(asBob.statusCode()).isEqualTo(404);
    HttpResponse<String> asAnn =
        RawHttp.post(
            base, ping, "Authorization", "Bearer " + a.access(), "Mcp-Session-Id", session);
    assertThat(asAnn.statusCode()).isEqualTo(200);
  }

  @Test
  @Order(5)
  void aClientIdMetadataDocumentStandsInForRegistration() throws Exception {
    JsonNode as =
        OAuthFlow.JSON.readTree(
            OAuthFlow.get(base.resolve("/.well-known/oauth-authorization-server")).body());
    assertThat(as.path("client_id_metadata_document_supported").asBoolean()).isTrue();
    String id = documents.url("/oauth/client.json");
    documents.put(
        "/oauth/client.json",
        "{\"client_id\":\""
            + id
            + "\",\"client_name\":\"Document Client\",\"redirect_uris\":[\""
            + REDIRECT
            + "\"],\"token_endpoint_auth_method\":\"none\"}");
    OAuthFlow f = new OAuthFlow(base, REDIRECT);
    f.clientId = id; // no registration
    nextLogin("doc-sub", "doc@example.com");
    String verifier = OAuthFlow.verifier();
    OAuthFlow.ConsentPage page =
        f.consentPage(f.authorizeParams("crdb:read", OAuthFlow.challenge(verifier), "d"));
    assertThat(page.response().body()).contains("Document Client");
    URI callback = OAuthFlow.location(OAuthFlow.get(OAuthFlow.location(f.answer(page, "allow"))));
    f.secrets.add(OAuthFlow.query(callback).get("code"));
    Map<String, String> back = OAuthFlow.query(OAuthFlow.location(OAuthFlow.get(callback)));
    OAuthFlow.Tokens t = f.redeem(back.get("code"), verifier);
    secrets.addAll(f.secrets);
    McpSyncClient c = f.mcp(t.access());
    try {
      ok(call(c, "execute_query", args("sql", "SELECT 1")));
    } finally {
      c.closeGracefully();
    }
    // A document that names another client_id, or a redirect URI it does not list: refused.
    String other = documents.url("/oauth/liar.json");
    documents.put(
        "/oauth/liar.json",
        "{\"client_id\":\"https://claude.ai/x\",\"redirect_uris\":[\"" + REDIRECT + "\"]}");
    OAuthFlow liar = new OAuthFlow(base, REDIRECT);
    liar.clientId = other;
    HttpResponse<String> r =
        OAuthFlow.get(
            liar.authorizeUrl(liar.authorizeParams(null, OAuthFlow.challenge(verifier), "l")));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("its own URL");
    Map<String, String> p = f.authorizeParams(null, OAuthFlow.challenge(verifier), "m");
    p.put("redirect_uri", "https://evil.example/cb");
    assertThat(OAuthFlow.get(f.authorizeUrl(p)).statusCode()).isEqualTo(400);
  }

  // --- Refusals of the authorization server ------------------------------------------------

  @Test
  @Order(5)
  void pkceIsRequiredAndOnlyS256() throws Exception {
    OAuthFlow f = client();
    Map<String, String> p = f.authorizeParams(null, OAuthFlow.challenge(OAuthFlow.verifier()), "x");
    Map<String, String> missing = new LinkedHashMap<>(p);
    missing.remove("code_challenge");
    missing.remove("code_challenge_method");
    Map<String, String> back =
        OAuthFlow.query(OAuthFlow.location(OAuthFlow.get(f.authorizeUrl(missing))));
    assertThat(back.get("error")).isEqualTo("invalid_request");
    assertThat(back.get("error_description")).contains("PKCE");
    assertThat(back.get("state")).isEqualTo("x");
    assertThat(back.get("iss")).isEqualTo(base.toString());
    Map<String, String> plain = new LinkedHashMap<>(p);
    plain.put("code_challenge", OAuthFlow.verifier());
    plain.put("code_challenge_method", "plain");
    back = OAuthFlow.query(OAuthFlow.location(OAuthFlow.get(f.authorizeUrl(plain))));
    assertThat(back.get("error")).isEqualTo("invalid_request");
    assertThat(back.get("error_description")).contains("S256");
    // A wrong verifier at the token endpoint.
    nextLogin("vic-sub", "vic@example.com");
    String verifier = OAuthFlow.verifier();
    OAuthFlow.Redirect ok = f.authorize(null, verifier, "y", null);
    secrets.addAll(f.secrets);
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", ok.params().get("code"));
    form.put("redirect_uri", REDIRECT);
    form.put("client_id", f.clientId);
    form.put("code_verifier", OAuthFlow.verifier());
    HttpResponse<String> wrong = f.tokenRequest(form);
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("invalid_grant");
    // The code was spent by that attempt: the right verifier cannot use it any more.
    form.put("code_verifier", verifier);
    assertThat(f.tokenRequest(form).body()).contains("invalid_grant");
  }

  @Test
  @Order(6)
  void redirectUrisMatchExactlyAndLoopbackOnlyInPort() throws Exception {
    OAuthFlow f = client();
    String challenge = OAuthFlow.challenge(OAuthFlow.verifier());
    for (String bad :
        List.of(
            "http://127.0.0.1:53682/other",
            "https://evil.example/callback",
            "http://127.0.0.1:53682/callback?x=1",
            "http://localhost:53682/callback")) {
      Map<String, String> p = f.authorizeParams(null, challenge, "s");
      p.put("redirect_uri", bad);
      HttpResponse<String> r = OAuthFlow.get(f.authorizeUrl(p));
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.headers().firstValue("Location")).as(bad).isEmpty();
      assertThat(r.body()).contains("Redirect URI mismatch");
    }
    // A loopback redirect URI may come back on another port (a native app's ephemeral one).
    Map<String, String> p = f.authorizeParams(null, challenge, "s");
    p.put("redirect_uri", "http://127.0.0.1:40001/callback");
    assertThat(OAuthFlow.get(f.authorizeUrl(p)).statusCode()).isEqualTo(200);
    // Registering a plain http redirect URI to another machine is refused.
    HttpResponse<String> reg =
        OAuthFlow.postJson(
            base.resolve("/register"),
            "{\"redirect_uris\":[\"http://evil.example/cb\"],\"token_endpoint_auth_method\":\"none\"}");
    assertThat(reg.statusCode()).isEqualTo(400);
    assertThat(reg.body()).contains("invalid_redirect_uri");
    // An unknown client gets a page, not a redirect.
    Map<String, String> unknown = f.authorizeParams(null, challenge, "s");
    unknown.put("client_id", "nobody");
    HttpResponse<String> r = OAuthFlow.get(f.authorizeUrl(unknown));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @Test
  @Order(7)
  void stateConsentAndCodesAreSingleUse() throws Exception {
    OAuthFlow f = client();
    nextLogin("sam-sub", "sam@example.com");
    String verifier = OAuthFlow.verifier();
    List<URI> callbacks = new ArrayList<>();
    OAuthFlow.Redirect back = f.authorize(null, verifier, "z", callbacks);
    secrets.addAll(f.secrets);
    // The identity provider's answer replayed: its state was used.
    HttpResponse<String> replay = OAuthFlow.get(callbacks.get(0));
    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(replay.headers().firstValue("Location")).isEmpty();
    // A state that never existed.
    HttpResponse<String> forged = OAuthFlow.get(base.resolve("/callback?code=abc&state=made-up"));
    assertThat(forged.statusCode()).isEqualTo(400);
    // The code works once; a second redemption revokes what the first one got.
    OAuthFlow.Tokens first = f.redeem(back.params().get("code"), verifier);
    secrets.addAll(f.secrets);
    assertThat(mcpPost(base, first.access()).statusCode()).isEqualTo(200);
    Map<String, String> again = new LinkedHashMap<>();
    again.put("grant_type", "authorization_code");
    again.put("code", back.params().get("code"));
    again.put("redirect_uri", REDIRECT);
    again.put("client_id", f.clientId);
    again.put("code_verifier", verifier);
    assertThat(f.tokenRequest(again).body()).contains("invalid_grant");
    assertThat(mcpPost(base, first.access()).statusCode()).isEqualTo(401);
    assertThat(f.refreshRequest(first.refresh()).statusCode()).isEqualTo(400);
    // A consent page answered twice, or without its cookie or CSRF token.
    OAuthFlow.ConsentPage page =
        f.consentPage(f.authorizeParams(null, OAuthFlow.challenge(verifier), "c"));
    OAuthFlow.ConsentPage noCookie =
        new OAuthFlow.ConsentPage(
            page.response(), "__Host-crdb-consent=wrong", page.consent(), page.csrf());
    assertThat(f.answer(noCookie, "allow").statusCode()).isEqualTo(403);
    OAuthFlow.ConsentPage page2 =
        f.consentPage(f.authorizeParams(null, OAuthFlow.challenge(verifier), "c"));
    OAuthFlow.ConsentPage badCsrf =
        new OAuthFlow.ConsentPage(page2.response(), page2.cookie(), page2.consent(), "forged");
    assertThat(f.answer(badCsrf, "allow").statusCode()).isEqualTo(403);
    OAuthFlow.ConsentPage page3 =
        f.consentPage(f.authorizeParams(null, OAuthFlow.challenge(verifier), "c"));
    Map<String, String> denied = OAuthFlow.query(OAuthFlow.location(f.answer(page3, "deny")));
    assertThat(denied.get("error")).isEqualTo("access_denied");
    assertThat(denied.get("state")).isEqualTo("c");
    assertThat(f.answer(page3, "allow").statusCode()).isEqualTo(400);
    secrets.addAll(f.secrets);
  }

  // --- Refusals of the resource server -----------------------------------------------------

  @Test
  @Order(8)
  void badTokensAreRefused() throws Exception {
    OAuthFlow f = client();
    OAuthFlow.Tokens t = login(f, "quinn", "crdb:read");
    // In the query string: refused, even a good one.
    HttpResponse<String> query =
        RawHttp.send(
            java.net.http.HttpRequest.newBuilder(base.resolve("/mcp?access_token=" + t.access()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(RawHttp.INITIALIZE))
                .build());
    assertThat(query.statusCode()).isEqualTo(400);
    assertThat(query.body()).contains("query string");
    // Garbage, another scheme, a token of our issuer with its signature changed.
    assertThat(mcpPost(base, "not-a-token").statusCode()).isEqualTo(401);
    assertThat(
            RawHttp.post(base, RawHttp.INITIALIZE, "Authorization", "Basic dXNlcjpwYXNz")
                .statusCode())
        .isEqualTo(401);
    String tampered = t.access().substring(0, t.access().length() - 4) + "AAAA";
    HttpResponse<String> bad = mcpPost(base, tampered);
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("error=\"invalid_token\"")
        .contains("resource_metadata=");
    // A token of the identity provider itself (another issuer, another audience).
    String idpToken =
        idp.issueToken(
                "idp",
                "crdb",
                new DefaultOAuth2TokenCallback(
                    "idp",
                    "mallory",
                    "JWT",
                    List.of(base + "/mcp"),
                    Map.of("scope", "crdb:read"),
                    600))
            .serialize();
    assertThat(mcpPost(base, idpToken).statusCode()).isEqualTo(401);
  }

  @Test
  @Order(9)
  void externalTokensAreValidatedByIssuerAudienceLifetimeAndScope() throws Exception {
    String resource = validatingBase + "/mcp";
    JsonNode prm =
        OAuthFlow.JSON.readTree(
            OAuthFlow.get(validatingBase.resolve("/.well-known/oauth-protected-resource/mcp"))
                .body());
    assertThat(prm.path("authorization_servers").get(0).asText())
        .isEqualTo(idp.issuerUrl("ext").toString());
    String good = token("ext", List.of(resource), "crdb:read", 600);
    McpSyncClient c = new OAuthFlow(validatingBase, REDIRECT).mcp(good);
    try {
      ok(call(c, "execute_query", args("sql", "SELECT 1")));
      CallToolResult insert =
          call(
              c,
              "execute_query",
              args("sql", "INSERT INTO notes VALUES ($1, $2)", "params", List.of(70, "carol")));
      assertThat(insert.isError()).as(text(insert)).isTrue();
    } finally {
      c.closeGracefully();
    }
    HttpResponse<String> audience =
        mcpPost(
            validatingBase, token("ext", List.of("https://other.example/mcp"), "crdb:read", 600));
    assertThat(audience.statusCode()).isEqualTo(401);
    assertThat(audience.headers().firstValue("WWW-Authenticate").orElse("")).contains("audience");
    HttpResponse<String> issuer =
        mcpPost(validatingBase, token("other", List.of(resource), "crdb:read", 600));
    assertThat(issuer.statusCode()).isEqualTo(401);
    HttpResponse<String> expired =
        mcpPost(validatingBase, token("ext", List.of(resource), "crdb:read", -3600));
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.headers().firstValue("WWW-Authenticate").orElse("")).contains("expired");
    HttpResponse<String> scope =
        mcpPost(validatingBase, token("ext", List.of(resource), "email", 600));
    assertThat(scope.statusCode()).isEqualTo(403);
    assertThat(scope.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"");
    // In validate mode this server is no authorization server.
    assertThat(
            OAuthFlow.get(validatingBase.resolve("/.well-known/oauth-authorization-server"))
                .statusCode())
        .isEqualTo(404);
  }

  String tokenFor(String user, List<String> audience) {
    String t =
        idp.issueToken(
                "ext",
                "client",
                new DefaultOAuth2TokenCallback(
                    "ext", user, "JWT", audience, Map.of("scope", "crdb:read"), 600))
            .serialize();
    secrets.add(t);
    return t;
  }

  String token(String issuerId, List<String> audience, String scope, long expiry) {
    String t =
        idp.issueToken(
                issuerId,
                "client",
                new DefaultOAuth2TokenCallback(
                    issuerId, "carol", "JWT", audience, Map.of("scope", scope), expiry))
            .serialize();
    secrets.add(t);
    return t;
  }

  // --- Nothing secret in the log -----------------------------------------------------------

  @Test
  @Order(100)
  void noTokenCodeCookieOrSecretIsLogged() throws Exception {
    assertThat(secrets).hasSizeGreaterThan(20);
    String auditLines = java.nio.file.Files.readString(audit);
    assertThat(auditLines).contains("\"tool\":\"execute_query\"");
    String log = server.stderr() + validating.stderr() + auditLines;
    assertThat(log).doesNotContain(IDP_SECRET);
    for (String s : secrets) {
      if (s != null && s.length() >= 16) {
        assertThat(log).as("the log holds a secret the test saw").doesNotContain(s);
        // JWTs: not even one of their parts.
        for (String part : s.split("\\.")) {
          if (part.length() >= 16) {
            assertThat(log).doesNotContain(part);
          }
        }
      }
    }
  }
}
