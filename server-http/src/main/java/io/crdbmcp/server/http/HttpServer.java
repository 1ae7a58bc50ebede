package io.crdbmcp.server.http;

import io.crdbmcp.auth.AuthSettings;
import io.crdbmcp.auth.OAuth;
import io.crdbmcp.auth.Principal;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.connect.ConnectionCheck;
import io.crdbmcp.tools.ConnectHosts;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.Scope;
import io.crdbmcp.tools.ToolInterceptor;
import io.crdbmcp.tools.launch.Help;
import io.crdbmcp.tools.launch.Launch;
import io.crdbmcp.tools.launch.LaunchOptions;
import io.crdbmcp.tools.launch.LaunchOptions.Transport;
import io.crdbmcp.tools.ops.OpsSettings;
import io.crdbmcp.tools.ops.RateLimits;
import io.javalin.Javalin;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP launcher: the shared {@link Launch} (settings, demo, library, tools) plus the SDK's
 * servlet transport inside Javalin, behind {@link TransportGuard}. {@code --streamable-http} serves
 * Streamable HTTP at {@code /mcp}; {@code --http} the older HTTP+SSE transport ({@code GET /sse},
 * {@code POST /message}). {@code /healthz} and {@code /readyz} answer without authentication. With
 * {@code CRDB_AUTH_ENABLED}, crdb-auth's {@link OAuth} is mounted: its endpoints beside the
 * transport, its bearer check in {@link TransportGuard}.
 *
 * <p>SIGTERM or SIGINT: new requests get 503, calls in flight get {@code CRDB_HTTP_SHUTDOWN_GRACE}
 * to finish, then every session ends (its transactions rolled back), the pools close and the
 * process exits 0.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  static final String MCP_PATH = "/mcp";
  static final String SSE_PATH = "/sse";
  static final String MESSAGE_PATH = "/message";

  private final Launch launch;
  private final HttpSettings settings;
  private final Transport transport;
  private final McpSyncServer server;
  private final HttpSessions sessions;
  private final TransportGuard guard;
  private final Javalin app;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Readiness readiness;

  private HttpServer(
      Launch launch, CrdbTools tools, HttpSettings settings, Transport transport, OAuth oauth) {
    this.launch = launch;
    this.settings = settings;
    this.transport = transport;
    this.sessions =
        new HttpSessions(
            settings.sessionIdleTimeout(), settings.maxSessions(), launch.crdb()::closeClient);
    this.readiness = new Readiness(launch.crdb());
    HttpServlet servlet;
    List<String> versions;
    if (transport == Transport.STREAMABLE_HTTP) {
      HttpServletStreamableServerTransportProvider provider =
          HttpServletStreamableServerTransportProvider.builder()
              .jsonMapper(CrdbTools.jsonMapper())
              .mcpEndpoint(MCP_PATH)
              .contextExtractor(HttpServer::context)
              .maxRequestSize(settings.maxBody())
              // Pings keep a listening stream's connection alive and find clients that left.
              .keepAliveInterval(Duration.ofSeconds(30))
              // The SDK forgets sessions this long idle; HttpSessions ends them (and what they
              // left open in the database) on the same timeout, and refuses their ids at once.
              .sessionSweepInterval(settings.sessionIdleTimeout())
              .build();
      servlet = provider;
      versions = provider.protocolVersions();
      this.server = tools.build(McpServer.sync(provider));
      this.guard = new TransportGuard(settings, sessions, MCP_PATH, null, null, versions, id -> {});
    } else {
      HttpServletSseServerTransportProvider provider =
          HttpServletSseServerTransportProvider.builder()
              .jsonMapper(CrdbTools.jsonMapper())
              .sseEndpoint(SSE_PATH)
              .messageEndpoint(MESSAGE_PATH)
              .contextExtractor(HttpServer::context)
              .maxRequestSize(settings.maxBody())
              // The only sign that a client left: a keep-alive write on its stream fails.
              .keepAliveInterval(Duration.ofSeconds(5))
              .build();
      servlet = provider;
      versions = provider.protocolVersions();
      this.server = tools.build(McpServer.sync(provider));
      this.guard =
          new TransportGuard(
              settings,
              sessions,
              null,
              SSE_PATH,
              MESSAGE_PATH,
              versions,
              launch.crdb()::closeClient);
    }
    guard.cancellations(tools.cancellations());
    if (oauth != null) {
      guard.requireBearer(oauth.bearer(), oauth.paths());
      guard.scopes(
          (tool, p) ->
              tools.scopeMissing(
                  tool,
                  new Caller(null, p.user(), p.scopes(), !Scope.WRITE.grantedBy(p.scopes()))));
    }
    // A tool call may run up to the statement timeout while its response stream is silent.
    long idleMillis = Math.max(120_000L, (launch.crdb().queryTimeoutSeconds() + 60L) * 1000L);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.http.maxRequestSize = settings.maxBody();
              cfg.jetty.addConnector(
                  (jetty, httpConfig) -> {
                    httpConfig.setSendServerVersion(false);
                    ServerConnector c =
                        new ServerConnector(jetty, new HttpConnectionFactory(httpConfig));
                    c.setHost(settings.host());
                    c.setPort(settings.port());
                    c.setIdleTimeout(idleMillis);
                    return c;
                  });
              cfg.jetty.modifyServletContextHandler(
                  handler -> {
                    ServletHolder holder = new ServletHolder("mcp", servlet);
                    holder.setAsyncSupported(true); // the SDK's responses are asynchronous
                    if (transport == Transport.STREAMABLE_HTTP) {
                      handler.addServlet(holder, MCP_PATH);
                    } else {
                      handler.addServlet(holder, SSE_PATH);
                      handler.addServlet(holder, MESSAGE_PATH);
                    }
                    if (oauth != null) {
                      ServletHolder auth = new ServletHolder("oauth", oauth.servlet());
                      for (String path : oauth.paths()) {
                        handler.addServlet(auth, path);
                      }
                    }
                    FilterHolder filter = new FilterHolder(guard);
                    filter.setAsyncSupported(true);
                    handler.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
                  });
              // Prometheus text; behind the bearer check when OAuth is on (TransportGuard).
              cfg.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(launch.metrics().scrape()));
              cfg.routes.get(
                  "/healthz",
                  ctx -> ctx.contentType("application/json").result("{\"status\":\"up\"}"));
              cfg.routes.get(
                  "/readyz",
                  ctx -> {
                    Readiness.State s = readiness.state();
                    ctx.status(s.ready() ? 200 : 503)
                        .contentType("application/json")
                        .result(s.json());
                  });
            });
  }

  /**
   * What a tool call learns of its HTTP request: its client (see {@link TransportGuard#CLIENT})
   * and, with OAuth, the user its bearer token speaks for ({@link TransportGuard#PRINCIPAL}).
   */
  static McpTransportContext context(HttpServletRequest request) {
    Map<String, Object> c = new HashMap<>();
    Object client = request.getAttribute(TransportGuard.CLIENT);
    if (client != null) {
      c.put(TransportGuard.CLIENT, client);
    }
    Object principal = request.getAttribute(TransportGuard.PRINCIPAL);
    if (principal != null) {
      c.put(TransportGuard.PRINCIPAL, principal);
    }
    return c.isEmpty() ? McpTransportContext.EMPTY : McpTransportContext.create(c);
  }

  /**
   * The caller of a tool call: the client its transport named ({@link TransportGuard#CLIENT}), so
   * that ending the session ends what it opened; the SDK's session id otherwise.
   */
  static Caller caller(McpSyncServerExchange exchange) {
    McpTransportContext context = exchange == null ? null : exchange.transportContext();
    Object client = context == null ? null : context.get(TransportGuard.CLIENT);
    String clientId =
        client instanceof String c ? c : exchange == null ? null : exchange.sessionId();
    if (context != null && context.get(TransportGuard.PRINCIPAL) instanceof Principal p) {
      // A token without crdb:write makes every call read-only, whatever the server allows.
      return new Caller(clientId, p.user(), p.scopes(), !Scope.WRITE.grantedBy(p.scopes()));
    }
    return Caller.client(clientId);
  }

  /** Starts serving; returns once the port is open. */
  static HttpServer start(
      Launch launch, CrdbTools tools, HttpSettings settings, Transport transport, OAuth oauth) {
    HttpServer s = new HttpServer(launch, tools, settings, transport, oauth);
    s.app.start();
    return s;
  }

  /** The port actually listened on. */
  int port() {
    return app.port();
  }

  /** Where clients connect: {@code http://127.0.0.1:8080/mcp} (or {@code .../sse}). */
  String url() {
    String h =
        settings.host().contains(":") && !settings.host().startsWith("[")
            ? "[" + settings.host() + "]"
            : settings.host();
    return "http://"
        + h
        + ":"
        + port()
        + (transport == Transport.STREAMABLE_HTTP ? MCP_PATH : SSE_PATH);
  }

  /**
   * Stops: new requests get 503, calls in flight get the shutdown grace to finish, then every
   * session ends (transactions rolled back), the HTTP server and the pools close, the demo stops.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    guard.drain();
    long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
    while (guard.callsInFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = guard.callsInFlight();
    if (left > 0) {
      LOG.warn(
          "{} call(s) still running after the shutdown grace of {} s; they are cancelled",
          left,
          settings.shutdownGrace().toSeconds());
    }
    launch.close(
        () -> {
          sessions.close();
          try {
            server.closeGracefully();
          } catch (RuntimeException ignored) {
            // Closing anyway.
          }
          try {
            app.stop();
          } catch (RuntimeException e) {
            LOG.debug("stopping the HTTP server: {}", e.toString());
          }
        });
  }

  public static void main(String[] argv) {
    String name = CrdbTools.SERVER_NAME;
    LaunchOptions options;
    try {
      options = LaunchOptions.parse(List.of(argv));
    } catch (LaunchOptions.UsageException e) {
      System.err.println(name + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(Help.TEXT);
      return;
    }
    if (options.version()) {
      System.out.println(name + " " + CrdbTools.SERVER_VERSION);
      return;
    }
    if (options.transport() == Transport.STDIO) {
      System.err.println(
          name
              + ": this is the HTTP server: add --streamable-http (or --http for the older HTTP+SSE"
              + " transport); without either, bin/cockroachdb-mcp serves stdio");
      System.exit(2);
      return;
    }
    Launch launch;
    HttpSettings settings;
    AuthSettings auth;
    CrdbTools tools;
    try {
      // The HTTP and OAuth settings are checked before the demo database starts.
      HttpSettings early =
          HttpSettings.fromEnvironment(System.getenv(), options.host(), options.port());
      AuthSettings.fromEnvironment(System.getenv())
          .checkListener(early.host(), early.loopbackOnly());
      launch = Launch.open(System.getenv(), options.demo(), System.err::println);
    } catch (ConfigException e) {
      System.err.println(name + ": configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      HttpSettings read =
          HttpSettings.fromEnvironment(launch.environment(), options.host(), options.port());
      auth = AuthSettings.fromEnvironment(launch.environment());
      settings = auth.enabled() ? withIssuerHost(read, auth) : read;
      CrdbTools.Builder builder =
          launch
              .tools()
              // connect reaches only the hosts of CRDB_HTTP_CONNECT_HOSTS (none by default).
              .callers(HttpServer::caller)
              .interceptor(
                  ToolInterceptor.Stage.SCOPE,
                  new ConnectHosts(settings.connectHosts(), "CRDB_HTTP_CONNECT_HOSTS"));
      // Many clients share an HTTP server: rate limits per session and user (CRDB_RATE_LIMIT_*).
      RateLimits limits = RateLimits.of(OpsSettings.fromEnvironment(launch.environment()));
      if (limits != null) {
        builder.interceptor(ToolInterceptor.Stage.RATE_LIMIT, limits);
      }
      tools = builder.build();
    } catch (ConfigException e) {
      System.err.println(name + ": configuration error: " + e.getMessage());
      launch.close();
      System.exit(2);
      return;
    }
    OAuth oauth;
    try {
      oauth =
          auth.enabled()
              ? OAuth.create(
                  auth,
                  options.transport() == Transport.STREAMABLE_HTTP ? MCP_PATH : SSE_PATH,
                  launch.crdb().store())
              : null;
    } catch (ConfigException e) {
      System.err.println(name + ": configuration error: " + e.getMessage());
      launch.close();
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println(name + ": OAuth cannot start: " + rootMessage(e));
      launch.close();
      System.exit(2);
      return;
    }
    HttpServer http;
    try {
      http = start(launch, tools, settings, options.transport(), oauth);
    } catch (RuntimeException e) {
      System.err.println(
          name
              + ": cannot listen on "
              + settings.host()
              + ":"
              + settings.port()
              + ": "
              + rootMessage(e)
              + " (another process may use the port: choose one with --port or CRDB_HTTP_PORT)");
      launch.close();
      System.exit(1);
      return;
    }
    if (!settings.loopbackOnly() && oauth == null) {
      System.err.println(
          name
              + ": WARNING: listening on "
              + settings.host()
              + ", reachable from other machines, and nothing authenticates the clients: anyone"
              + " who reaches the port can use the database as "
              + launch.crdb().config().defaultConnection().user()
              + ". Put it behind an authenticating, TLS-terminating proxy or listen on 127.0.0.1.");
      if (settings.allowedHosts().stream()
          .allMatch(
              h ->
                  h.startsWith("localhost")
                      || h.startsWith("127.")
                      || h.startsWith("[::1]")
                      || h.startsWith(settings.host()))) {
        System.err.println(
            name
                + ": note: only Host headers "
                + String.join(", ", settings.allowedHosts())
                + " are accepted; set CRDB_HTTP_ALLOWED_HOSTS to the name clients use");
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable stop =
        () -> {
          http.close();
          stopped.countDown();
        };
    Signals.onTermination(stop);
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "crdb-shutdown"));
    launch.announce(tools, options.transport().label() + " at " + http.url());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(0);
  }

  /**
   * The settings with the Host of {@code CRDB_AUTH_ISSUER_URL} accepted too: clients (and the
   * browser on the consent page) reach the server under its public name.
   */
  private static HttpSettings withIssuerHost(HttpSettings s, AuthSettings auth) {
    java.net.URI issuer = auth.issuer();
    String host = issuer.getHost().toLowerCase(java.util.Locale.ROOT);
    String pattern = issuer.getPort() == -1 ? host : host + ":" + issuer.getPort();
    if (s.hostAllowed(pattern)) {
      return s;
    }
    List<String> hosts = new ArrayList<>(s.allowedHosts());
    hosts.add(pattern);
    return new HttpSettings(
        s.host(),
        s.port(),
        s.corsOrigins(),
        hosts,
        s.maxBody(),
        s.maxSessions(),
        s.sessionIdleTimeout(),
        s.shutdownGrace(),
        s.connectHosts());
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** {@code /readyz}: whether the default connection answers, checked at most every 5 s. */
  static final class Readiness {
    record State(boolean ready, String json) {}

    private final io.crdbmcp.core.Crdb crdb;
    private volatile State last;
    private volatile long checkedAt;

    Readiness(io.crdbmcp.core.Crdb crdb) {
      this.crdb = crdb;
    }

    synchronized State state() {
      long now = System.nanoTime();
      if (last == null || now - checkedAt > 5_000_000_000L) {
        ConnectionCheck c = crdb.connections().checkDefault();
        // Nothing secret: no host, user or message, only whether and the error class.
        last =
            c.ok()
                ? new State(true, "{\"status\":\"ready\"}")
                : new State(
                    false,
                    "{\"status\":\"unavailable\",\"reason\":\""
                        + c.error().code().name().toLowerCase(java.util.Locale.ROOT)
                        + "\"}");
        checkedAt = now;
      }
      return last;
    }
  }
}
