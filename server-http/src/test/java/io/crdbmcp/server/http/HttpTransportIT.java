package io.crdbmcp.server.http;

import static io.crdbmcp.server.http.RawHttp.INITIALIZE;
import static io.crdbmcp.server.http.RawHttp.post;
import static io.crdbmcp.server.http.RawHttp.raw;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Transport security of {@code --streamable-http}, each rejection over a real socket against the
 * packaged server: Host and Origin checks, CORS, the body limit, protocol versions, session ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpTransportIT {
  static final String ALLOWED_ORIGIN = "https://app.example.com";

  ConnectionSpec db;
  HttpServerProcess server;
  URI base;

  @BeforeAll
  void start() {
    db = TestDb.get().createDatabase("http", "CREATE TABLE t (id INT PRIMARY KEY)");
    server =
        HttpServerProcess.start(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_HTTP_CORS_ORIGINS",
                ALLOWED_ORIGIN,
                "CRDB_HTTP_MAX_BODY",
                "64KiB"));
    base = server.base();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** The server still answers a whole MCP exchange after whatever a test sent. */
  void stillServes() throws Exception {
    assertThat(RawHttp.initialize(base)).isNotBlank();
  }

  @Test
  void aForeignHostHeaderIsRefusedWith403OnEveryMethod() throws Exception {
    for (String method : new String[] {"POST", "GET", "DELETE"}) {
      RawHttp.Response r =
          raw(
              base,
              method
                  + " /mcp HTTP/1.1\r\nHost: attacker.example:"
                  + server.port()
                  + "\r\nContent-Type: application/json\r\nAccept: application/json,"
                  + " text/event-stream\r\nContent-Length: "
                  + (method.equals("POST") ? INITIALIZE.length() : 0)
                  + "\r\nConnection: close\r\n\r\n"
                  + (method.equals("POST") ? INITIALIZE : ""));
      assertThat(r.status()).as(method).isEqualTo(403);
      assertThat(r.body()).contains("Host").contains("CRDB_HTTP_ALLOWED_HOSTS");
      assertThat(r.headers()).doesNotContainKey("mcp-session-id");
    }
    // A request without a Host header at all (HTTP/1.0) is refused too.
    RawHttp.Response none = raw(base, "GET /mcp HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n");
    assertThat(none.status()).isIn(400, 403);
    // localhost with the port, as browsers and clients send it, is accepted.
    RawHttp.Response local =
        raw(
            base,
            "POST /mcp HTTP/1.1\r\nHost: localhost:"
                + server.port()
                + "\r\nContent-Type: application/json\r\nAccept: application/json,"
                + " text/event-stream\r\nContent-Length: "
                + INITIALIZE.length()
                + "\r\nConnection: close\r\n\r\n"
                + INITIALIZE);
    assertThat(local.status()).isEqualTo(200);
    stillServes();
  }

  @Test
  void anOriginThatIsNotAllowedIsRefusedAndAnAllowedOneGetsCors() throws Exception {
    HttpResponse<String> evil = post(base, INITIALIZE, "Origin", "https://evil.example");
    assertThat(evil.statusCode()).isEqualTo(403);
    assertThat(evil.body()).contains("Origin").contains("CRDB_HTTP_CORS_ORIGINS");
    assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(evil.headers().firstValue("Mcp-Session-Id")).isEmpty();
    // An origin that merely starts like the allowed one is another origin.
    assertThat(post(base, INITIALIZE, "Origin", ALLOWED_ORIGIN + ".evil.example").statusCode())
        .isEqualTo(403);
    assertThat(post(base, INITIALIZE, "Origin", "null").statusCode()).isEqualTo(403);

    HttpResponse<String> ok = post(base, INITIALIZE, "Origin", ALLOWED_ORIGIN);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    assertThat(ok.headers().allValues("Vary")).anyMatch(v -> v.contains("Origin"));
    assertThat(ok.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
        .contains("Mcp-Session-Id");

    HttpResponse<String> preflight =
        RawHttp.send(
            HttpRequest.newBuilder(base.resolve("/mcp"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", ALLOWED_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type, mcp-session-id")
                .build());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue(ALLOWED_ORIGIN);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
        .contains("Mcp-Session-Id")
        .contains("MCP-Protocol-Version");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
        .contains("DELETE");
    HttpResponse<String> evilPreflight =
        RawHttp.send(
            HttpRequest.newBuilder(base.resolve("/mcp"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .build());
    assertThat(evilPreflight.statusCode()).isEqualTo(403);
    assertThat(evilPreflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    stillServes();
  }

  @Test
  void aBodyOverTheLimitGets413WithoutBeingReadWhole() throws Exception {
    // Declared too large: refused from the header, before a byte of the body is read. The body
    // is never sent; the answer comes anyway.
    RawHttp.Response declared =
        raw(
            base,
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:"
                + server.port()
                + "\r\nContent-Type: application/json\r\nAccept: application/json,"
                + " text/event-stream\r\nContent-Length: 104857600\r\n\r\n");
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.body()).contains("CRDB_HTTP_MAX_BODY");

    // Chunked, no length: cut off at the limit (64 KiB here) by the bounded read.
    StringBuilder req =
        new StringBuilder(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:"
                + server.port()
                + "\r\nContent-Type: application/json\r\nAccept: application/json,"
                + " text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    String chunk = "x".repeat(8192);
    for (int i = 0; i < 12; i++) {
      req.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    req.append("0\r\n\r\n");
    RawHttp.Response chunked = raw(base, req.toString().getBytes(StandardCharsets.US_ASCII));
    assertThat(chunked.status()).isEqualTo(413);
    stillServes();
  }

  @Test
  void anUnsupportedProtocolVersionHeaderGets400() throws Exception {
    String token = RawHttp.initialize(base);
    HttpResponse<String> r =
        post(
            base,
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
            "Mcp-Session-Id",
            token,
            "MCP-Protocol-Version",
            "1999-01-01");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("1999-01-01").contains("2025-11-25");
    HttpResponse<String> good =
        post(
            base,
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
            "Mcp-Session-Id",
            token,
            "MCP-Protocol-Version",
            "2025-11-25");
    assertThat(good.statusCode()).isEqualTo(200);
    assertThat(good.body()).contains("execute_query");
  }

  @Test
  void sessionIdsAreLongRandomTokensAndUnknownOrEndedOnesGet404() throws Exception {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      String t = RawHttp.initialize(base);
      // 32 random bytes, base64url: 43 characters, 256 bits.
      assertThat(t).matches("[A-Za-z0-9_-]{43}");
      tokens.add(t);
    }
    assertThat(tokens).hasSize(5);
    // The SDK's own session ids (UUIDs) are not accepted from clients.
    HttpResponse<String> uuid =
        post(
            base,
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
            "Mcp-Session-Id",
            java.util.UUID.randomUUID().toString());
    assertThat(uuid.statusCode()).isEqualTo(404);
    assertThat(uuid.body()).contains("initialize");

    String token = tokens.iterator().next();
    HttpResponse<String> listed =
        post(
            base,
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
            "Mcp-Session-Id",
            token);
    assertThat(listed.statusCode()).isEqualTo(200);
    HttpResponse<String> deleted =
        RawHttp.send(
            HttpRequest.newBuilder(base.resolve("/mcp"))
                .DELETE()
                .header("Mcp-Session-Id", token)
                .build());
    assertThat(deleted.statusCode()).isEqualTo(200);
    HttpResponse<String> after =
        post(
            base,
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
            "Mcp-Session-Id",
            token);
    assertThat(after.statusCode()).isEqualTo(404);
    // Tokens are secrets: the server's log has none of them.
    for (String t : tokens) {
      assertThat(server.stderr()).doesNotContain(t);
    }
  }

  @Test
  void healthAndReadinessAnswerWithoutAnythingSecret() throws Exception {
    HttpResponse<String> health =
        RawHttp.send(HttpRequest.newBuilder(base.resolve("/healthz")).build());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"status\":\"up\"}");
    HttpResponse<String> ready =
        RawHttp.send(HttpRequest.newBuilder(base.resolve("/readyz")).build());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");
  }

  @Test
  void readinessFailsWhenTheDatabaseDoesNotAnswerAndSaysNothingSecret() throws Exception {
    try (HttpServerProcess down =
        HttpServerProcess.start(
            Map.of(
                "CRDB_URL",
                "postgresql://secretuser:s3cr3t-pw@127.0.0.1:9/nodb?sslmode=disable",
                "CRDB_TIMEOUT",
                "2"))) {
      HttpResponse<String> health =
          RawHttp.send(HttpRequest.newBuilder(down.base().resolve("/healthz")).build());
      assertThat(health.statusCode()).isEqualTo(200);
      HttpResponse<String> ready =
          RawHttp.send(
              HttpRequest.newBuilder(down.base().resolve("/readyz"))
                  .timeout(Duration.ofSeconds(30))
                  .build());
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body())
          .contains("unavailable")
          .doesNotContain("secretuser")
          .doesNotContain("s3cr3t-pw")
          .doesNotContain("127.0.0.1")
          .doesNotContain("nodb");
      assertThat(down.stderr()).doesNotContain("s3cr3t-pw");
    }
  }

  @Test
  void tooManySessionsGet503AndDeletingOneMakesRoom() throws Exception {
    try (HttpServerProcess small =
        HttpServerProcess.start(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_HTTP_MAX_SESSIONS", "2"))) {
      URI b = small.base();
      String first = RawHttp.initialize(b);
      RawHttp.initialize(b);
      HttpResponse<String> third = post(b, INITIALIZE);
      assertThat(third.statusCode()).isEqualTo(503);
      assertThat(third.body()).contains("CRDB_HTTP_MAX_SESSIONS");
      assertThat(third.headers().firstValue("Retry-After")).isPresent();
      RawHttp.send(
          HttpRequest.newBuilder(b.resolve("/mcp"))
              .DELETE()
              .header("Mcp-Session-Id", first)
              .build());
      assertThat(RawHttp.initialize(b)).isNotBlank();
    }
  }
}
