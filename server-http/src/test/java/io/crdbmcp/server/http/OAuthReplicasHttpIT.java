package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two replicas with {@code CRDB_AUTH_STORE=database} behind one public URL, as a load balancer
 * without affinity would use them: every step of one authorization lands on the other replica than
 * the step before, and each accepts the tokens the other signed and honours its revocations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthReplicasHttpIT {
  MockOAuth2Server idp;
  ConnectionSpec db;
  HttpServerProcess one;
  HttpServerProcess two;
  URI a;
  URI b;

  @BeforeAll
  void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start();
    db = TestDb.get().createDatabase("oauth_replicas", "SELECT 1");
    int portA = OAuthHttpIT.freePort();
    int portB = OAuthHttpIT.freePort();
    a = URI.create("http://127.0.0.1:" + portA);
    b = URI.create("http://127.0.0.1:" + portB);
    Map<String, String> env = new HashMap<>();
    env.put("CRDB_URL", TestDb.url(db));
    env.put("CRDB_AUTH_ENABLED", "true");
    env.put("CRDB_AUTH_STORE", "database");
    env.put("CRDB_AUTH_ISSUER_URL", a.toString()); // the one public URL of both
    env.put("CRDB_IDP_DISCOVERY_URL", idp.wellKnownUrl("idp").toString());
    env.put("CRDB_IDP_CLIENT_ID", "crdb");
    env.put("CRDB_IDP_CLIENT_SECRET", "replica-secret-0123456789");
    one =
        HttpServerProcess.start(env, List.of(), List.of("--streamable-http", "--port", "" + portA));
    two =
        HttpServerProcess.start(env, List.of(), List.of("--streamable-http", "--port", "" + portB));
  }

  @AfterAll
  void stop() {
    if (one != null) {
      one.close();
    }
    if (two != null) {
      two.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  @Test
  void everyStepMayLandOnAnotherReplica() throws Exception {
    OAuthFlow atA = new OAuthFlow(a, OAuthHttpIT.REDIRECT);
    OAuthFlow atB = new OAuthFlow(b, OAuthHttpIT.REDIRECT);
    atA.register();
    atB.clientId = atA.clientId; // registered at A, known at B
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "idp", "dana-sub", "JWT", List.of("crdb"), Map.of("email", "dana@example.com"), 3600));
    String verifier = OAuthFlow.verifier();
    // The consent page from B, answered at A.
    Map<String, String> params =
        atB.authorizeParams("crdb:read crdb:write", OAuthFlow.challenge(verifier), "r-1");
    params.put("resource", a + "/mcp"); // the public resource, whichever replica answers
    OAuthFlow.ConsentPage page = atB.consentPage(params);
    URI upstream = OAuthFlow.location(atA.answer(page, "allow"));
    URI callback = OAuthFlow.location(OAuthFlow.get(upstream));
    // The identity provider's answer reaches B (the callback URL names A; B serves the same path).
    URI atBCallback = b.resolve(callback.getRawPath() + "?" + callback.getRawQuery());
    Map<String, String> back = OAuthFlow.query(OAuthFlow.location(OAuthFlow.get(atBCallback)));
    assertThat(back.get("iss")).isEqualTo(a.toString());
    // Redeemed at A; the replayed callback at A finds its state used.
    OAuthFlow.Tokens t = atA.redeem(back.get("code"), verifier);
    assertThat(OAuthFlow.get(callback).statusCode()).isEqualTo(400);
    // Tokens A signed work at B.
    McpSyncClient c = atB.mcp(t.access());
    try {
      ok(c.callTool(new CallToolRequest("execute_query", args("sql", "SELECT 1"))));
    } finally {
      c.closeGracefully();
    }
    // Refreshed at B; the old refresh token, presented at A, revokes the family everywhere.
    OAuthFlow.Tokens t2 = atB.refresh(t.refresh());
    HttpResponse<String> reuse = atA.refreshRequest(t.refresh());
    assertThat(reuse.statusCode()).isEqualTo(400);
    assertThat(OAuthHttpIT.mcpPost(b, t2.access()).statusCode()).isEqualTo(401);
    assertThat(OAuthHttpIT.mcpPost(a, t2.access()).statusCode()).isEqualTo(401);
    assertThat(
            TestDb.scalar(db, "SELECT count(*) FROM crdb_mcp_store WHERE namespace = 'oauth.key'"))
        .isNotEqualTo(0L);
    String log = one.stderr() + two.stderr();
    for (String s : atA.secrets) {
      assertThat(log).doesNotContain(s);
    }
    for (String s : atB.secrets) {
      assertThat(log).doesNotContain(s);
    }
    assertThat(log).doesNotContain("replica-secret-0123456789");
  }
}
