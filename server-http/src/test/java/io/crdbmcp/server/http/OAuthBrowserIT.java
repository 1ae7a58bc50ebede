package io.crdbmcp.server.http;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The consent page in a real browser: Debian's headless chromium, driven through its chromedriver
 * (Selenium), in front of a real identity provider (mock-oauth2-server) and the packaged server.
 * The browser is what the page is written for: it must keep the {@code __Host-} cookie over plain
 * http on loopback (a Secure cookie it would drop anywhere else), hide it from scripts, refuse to
 * show the page in a frame, and carry the user from the click on Allow through the provider's login
 * back to the client's redirect URI with a code the client can redeem. The client's redirect URI is
 * a real HTTP server of the test's; the code it receives is redeemed and the token calls a tool.
 *
 * <p>Needs {@code chromium} and {@code chromium-driver} (Debian packages; {@code .ci/run} installs
 * them). Without them the test is skipped and says so; {@code CRDB_TEST_CHROMIUM} and {@code
 * CRDB_TEST_CHROMEDRIVER} point elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OAuthBrowserIT {
  static final String IDP_SECRET = "idp-browser-secret-c0ffee-0815";

  MockOAuth2Server idp;
  ConnectionSpec db;
  HttpServerProcess server;
  URI base;
  ChromeDriver browser;
  Path profile;

  /** The client's redirect URI: a real HTTP server on loopback; every request it gets, in order. */
  HttpServer client;

  final LinkedBlockingQueue<URI> arrivals = new LinkedBlockingQueue<>();
  String redirectUri;
  final List<String> secrets = new ArrayList<>();

  static String binary(String env, String fallback) {
    String v = System.getenv(env);
    return v != null && !v.isBlank() ? v : fallback;
  }

  @BeforeAll
  void start() throws Exception {
    File chromium = new File(binary("CRDB_TEST_CHROMIUM", "/usr/bin/chromium"));
    File driver = new File(binary("CRDB_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
    assumeTrue(
        chromium.canExecute() && driver.canExecute(),
        "no browser: install Debian's chromium and chromium-driver"
            + " (apt-get install chromium chromium-driver) to drive the consent page");

    idp = new MockOAuth2Server();
    idp.start();
    db = TestDb.get().createDatabase("oauthbrowser", "CREATE TABLE t (id INT PRIMARY KEY)");
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
    server =
        HttpServerProcess.start(
            env, List.of(), List.of("--streamable-http", "--port", String.valueOf(port)));

    client = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    client.createContext(
        "/",
        x -> {
          if (!x.getRequestURI().getPath().equals("/favicon.ico")) {
            arrivals.add(x.getRequestURI());
          }
          byte[] page =
              ("<!doctype html><title>client</title><p>"
                      + (x.getRequestURI().getPath().equals("/framed")
                          ? "<iframe id=\"f\" src=\"" + framedUrl + "\"></iframe>"
                          : "back at the client")
                      + "</p>")
                  .getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          x.sendResponseHeaders(200, page.length);
          x.getResponseBody().write(page);
          x.close();
        });
    client.start();
    redirectUri = "http://127.0.0.1:" + client.getAddress().getPort() + "/cb";

    profile = Files.createTempDirectory("chromium-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    // The flags that keep chromium from reaching out to the network on a machine without one.
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1000,800",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  /** The iframe's source on the client's {@code /framed} page (set by the test that frames it). */
  volatile String framedUrl = "about:blank";

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (client != null) {
      client.stop(0);
    }
    if (server != null) {
      System.out.println("--- the server's log ---\n" + server.stderr());
      server.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  OAuthFlow registered() throws Exception {
    OAuthFlow f = new OAuthFlow(base, redirectUri);
    f.register();
    return f;
  }

  /** The next request the client's server gets, within 30 s. */
  URI arrival() throws Exception {
    URI u = arrivals.poll(30, TimeUnit.SECONDS);
    assertThat(u)
        .as(
            "the browser reached the client's redirect URI (browser at %s)",
            browser.getCurrentUrl())
        .isNotNull();
    return u;
  }

  @Test
  @Order(1)
  void thePageCannotBeShownInAFrame() throws Exception {
    OAuthFlow f = registered();
    framedUrl =
        f.authorizeUrl(
                f.authorizeParams(
                    "crdb:read", OAuthFlow.challenge(OAuthFlow.verifier()), "framed-state"))
            .toString();
    browser.get("http://127.0.0.1:" + client.getAddress().getPort() + "/framed");
    assertThat(arrival().getPath()).isEqualTo("/framed");
    WebElement frame = browser.findElement(By.id("f"));
    browser.switchTo().frame(frame);
    try {
      // Chromium blocks the page (frame-ancestors 'none', X-Frame-Options: DENY): nothing of it
      // shows, no button a framing page could trick the user into clicking.
      assertThat(browser.findElements(By.id("allow"))).isEmpty();
      assertThat(browser.findElements(By.tagName("form"))).isEmpty();
    } finally {
      browser.switchTo().defaultContent();
    }
  }

  @Test
  @Order(2)
  void aUserAllowsTheClientInTheBrowserAndTheClientCallsToolsWithItsToken() throws Exception {
    OAuthFlow f = registered();
    String verifier = OAuthFlow.verifier();
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "idp", "dora-sub", "JWT", List.of("crdb"), Map.of("email", "dora@example.com"), 3600));
    browser.get(
        f.authorizeUrl(f.authorizeParams("crdb:read", OAuthFlow.challenge(verifier), "st-dora"))
            .toString());

    // The page as the user sees it.
    assertThat(browser.getTitle()).isEqualTo("Allow access to the database?");
    String text = browser.findElement(By.tagName("body")).getText();
    assertThat(text)
        .contains("flow test client asks to use this CockroachDB MCP server")
        .contains("crdb:read read data and schema")
        .doesNotContain("crdb:write")
        .contains("127.0.0.1:" + client.getAddress().getPort());
    Path shot = Path.of("target", "consent-page.png");
    Files.createDirectories(shot.getParent());
    Files.copy(
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
        shot,
        StandardCopyOption.REPLACE_EXISTING);

    // The browser kept the __Host- cookie (Secure, over http: loopback is a secure context) with
    // every attribute, and no script on the page can read it.
    Cookie cookie = browser.manage().getCookieNamed("__Host-crdb-consent");
    assertThat(cookie).as("the browser kept the consent cookie").isNotNull();
    assertThat(cookie.isSecure()).isTrue();
    assertThat(cookie.isHttpOnly()).isTrue();
    assertThat(cookie.getSameSite()).isEqualTo("Lax");
    assertThat(cookie.getPath()).isEqualTo("/");
    assertThat(cookie.getDomain()).isEqualTo("127.0.0.1");
    secrets.add(cookie.getValue());
    Object visible = ((JavascriptExecutor) browser).executeScript("return document.cookie");
    assertThat(String.valueOf(visible)).doesNotContain("crdb-consent");
    secrets.add(browser.findElement(By.name("csrf")).getDomAttribute("value"));

    // Allow: the form posts, the provider signs the user in, its callback sends the browser back.
    browser.findElement(By.id("allow")).click();
    URI back = arrival();
    Map<String, String> params = OAuthFlow.query(back);
    assertThat(back.getPath()).isEqualTo("/cb");
    assertThat(params).containsEntry("state", "st-dora").containsEntry("iss", base.toString());
    assertThat(params.get("code")).isNotBlank();
    secrets.add(params.get("code"));
    assertThat(browser.getCurrentUrl()).startsWith(redirectUri + "?");
    assertThat(browser.manage().getCookieNamed("__Host-crdb-consent"))
        .as("the consent cookie is cleared once answered")
        .isNull();

    // The client redeems the code and calls a tool as the user who allowed it.
    OAuthFlow.Tokens tokens = f.redeem(params.get("code"), verifier);
    secrets.addAll(f.secrets);
    assertThat(tokens.scope()).isEqualTo("crdb:read");
    McpSyncClient mcp = f.mcp(tokens.access());
    try {
      var r =
          mcp.callTool(new CallToolRequest("execute_query", args("sql", "SELECT count(*) FROM t")));
      assertThat(rows(ok(r)).get(0).get(0).toString()).isEqualTo("0");
    } finally {
      mcp.closeGracefully();
    }
  }

  @Test
  @Order(3)
  void aUserWhoDeniesSendsTheBrowserBackWithAccessDeniedAndNoCode() throws Exception {
    OAuthFlow f = registered();
    browser.get(
        f.authorizeUrl(
                f.authorizeParams(
                    "crdb:read crdb:write", OAuthFlow.challenge(OAuthFlow.verifier()), "st-no"))
            .toString());
    assertThat(browser.findElement(By.tagName("body")).getText())
        .contains("crdb:write change data");
    browser.findElement(By.id("deny")).click();
    URI back = arrival();
    Map<String, String> params = OAuthFlow.query(back);
    assertThat(back.getPath()).isEqualTo("/cb");
    assertThat(params)
        .containsEntry("error", "access_denied")
        .containsEntry("state", "st-no")
        .doesNotContainKey("code");
  }

  @Test
  @Order(100)
  void noCodeCookieOrSecretIsInTheServersLog() {
    assertThat(secrets).hasSizeGreaterThan(4);
    String log = server.stderr();
    assertThat(log).doesNotContain(IDP_SECRET);
    for (String s : secrets) {
      if (s != null && s.length() >= 16) {
        assertThat(log).as("the log holds a secret the browser saw").doesNotContain(s);
      }
    }
  }
}
