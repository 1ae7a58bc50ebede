package io.crdbmcp.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.auth.BearerAuth;
import io.crdbmcp.auth.Principal;
import io.crdbmcp.tools.Cancellations;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The checks every HTTP request passes before it reaches the SDK's transport servlet, as a servlet
 * filter on {@code /*}: Javalin's before-handlers do not run for a servlet mounted beside it, and
 * the SDK's default validator accepts everything. In order:
 *
 * <ol>
 *   <li>{@code /healthz} and {@code /readyz} pass (they reveal nothing; load balancers send any
 *       Host);
 *   <li>a {@code Host} not in {@code CRDB_HTTP_ALLOWED_HOSTS} gets 403 (DNS-rebinding protection);
 *   <li>an {@code Origin} not in {@code CRDB_HTTP_CORS_ORIGINS} gets 403; an allowed one gets CORS
 *       headers, always with {@code Vary: Origin}, and its preflight {@code OPTIONS} is answered
 *       here;
 *   <li>while the server shuts down, 503;
 *   <li>a body declared larger than {@code CRDB_HTTP_MAX_BODY} gets 413 unread (a chunked one is
 *       cut off at the limit by the SDK's bounded read, also 413);
 *   <li>on {@code /mcp}: an {@code MCP-Protocol-Version} the transport does not speak gets 400; an
 *       {@code Mcp-Session-Id} that is not a live session's token gets 404; a new session when
 *       {@code CRDB_HTTP_MAX_SESSIONS} are open gets 503. The token is swapped for the SDK's own id
 *       on the way in and back on the way out ({@link HttpSessions}); {@code DELETE /mcp} ends the
 *       session here too.
 *   <li>with OAuth ({@link #requireBearer}): every request to the MCP endpoints needs a valid
 *       bearer token ({@link BearerAuth}: 401/403 otherwise), checked before its session, and a
 *       session answers only the user who started it (404 for anyone else). The authorization
 *       server's own paths skip the Origin check (a browser posts the consent form from this
 *       server's own origin; the form carries its CSRF token).
 * </ol>
 *
 * Tool calls in flight are counted, so shutdown can let them finish.
 */
final class TransportGuard implements Filter {
  static final String SESSION_HEADER = "Mcp-Session-Id";

  /**
   * The request attribute (and transport-context key) naming the client of a request: the SDK's id
   * of its session. Tool calls run as {@code Caller.client(...)} of it, and ending the session ends
   * what that client left open.
   */
  static final String CLIENT = "io.crdbmcp/client";

  /** The request attribute (and transport-context key) holding the request's {@link Principal}. */
  static final String PRINCIPAL = "io.crdbmcp/principal";

  static final String PROTOCOL_HEADER = "MCP-Protocol-Version";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where tool calls are registered and the client's cancellations delivered; null for none. */
  private volatile Cancellations cancellations;

  /** See {@link #scopes}; null without OAuth. */
  private volatile java.util.function.BiFunction<String, Principal, java.util.Optional<String>>
      missingScope;

  private final HttpSettings settings;
  private final HttpSessions sessions;
  private final String mcpPath;
  private final String ssePath;
  private final String messagePath;
  private final List<String> protocolVersions;
  private final Consumer<String> onSseEnd;
  private final AtomicInteger callsInFlight = new AtomicInteger();
  private final Set<String> sseSessions = ConcurrentHashMap.newKeySet();

  /** With OAuth: the user who opened each legacy SSE stream (only they may post to it). */
  private final Map<String, String> sseOwners = new ConcurrentHashMap<>();

  private volatile boolean draining;
  private volatile BearerAuth bearer;
  private volatile Set<String> authPaths = Set.of();

  /**
   * @param mcpPath the Streamable HTTP endpoint, or null when that transport is not served
   * @param ssePath the legacy SSE endpoint, or null
   * @param messagePath the legacy SSE transport's message endpoint, or null
   * @param onSseEnd called with the SDK's session id when a legacy SSE stream ends
   */
  TransportGuard(
      HttpSettings settings,
      HttpSessions sessions,
      String mcpPath,
      String ssePath,
      String messagePath,
      List<String> protocolVersions,
      Consumer<String> onSseEnd) {
    this.settings = settings;
    this.sessions = sessions;
    this.mcpPath = mcpPath;
    this.ssePath = ssePath;
    this.messagePath = messagePath;
    this.protocolVersions = List.copyOf(protocolVersions);
    this.onSseEnd = onSseEnd;
  }

  /**
   * Requires a bearer token on the MCP endpoints; {@code paths} are the authorization server's
   * (served without the Origin check). Called once, before the server starts.
   */
  void cancellations(Cancellations cancellations) {
    this.cancellations = cancellations;
  }

  /**
   * With OAuth: the scope a principal lacks for a tool (empty when it has what the tool needs); a
   * tool call it lacks one for is answered 403 {@code insufficient_scope} before it starts.
   */
  void scopes(
      java.util.function.BiFunction<String, Principal, java.util.Optional<String>> missing) {
    this.missingScope = missing;
  }

  /**
   * Answers a tool call the request's token lacks the scope for (403 with the scopes to ask for, as
   * the MCP authorization spec's step-up wants); false when the call may go on.
   */
  private boolean refusedForScope(HttpServletRequest req, HttpServletResponse res)
      throws IOException {
    BearerAuth b = bearer;
    var missing = missingScope;
    String tool = CallBody.toolOf(req);
    if (b == null || missing == null || tool == null) {
      return false;
    }
    if (!(req.getAttribute(PRINCIPAL) instanceof Principal p)) {
      return false;
    }
    java.util.Optional<String> needed = missing.apply(tool, p);
    if (needed.isEmpty()) {
      return false;
    }
    b.insufficientScope(
        res,
        p,
        needed.get(),
        tool
            + " needs the scope "
            + needed.get()
            + "; this token has "
            + String.join(" ", new java.util.TreeSet<>(p.scopes()))
            + ": authorize again asking for "
            + needed.get());
    return true;
  }

  /**
   * A posted message as the SDK should see it: a tool call with its cancellation key, a client's
   * cancellation delivered to the call it names (see {@link CallBody}).
   */
  private HttpServletRequest calls(HttpServletRequest req, String session) throws IOException {
    Cancellations c = cancellations;
    if (c == null || !"POST".equals(req.getMethod())) {
      return req;
    }
    return CallBody.of(req, session, c, settings.maxBody());
  }

  void requireBearer(BearerAuth bearer, java.util.Collection<String> paths) {
    this.bearer = bearer;
    this.authPaths = Set.copyOf(paths);
  }

  /**
   * Authenticates a request to an MCP endpoint; false when it was refused (the answer is written).
   */
  private boolean authenticated(HttpServletRequest req, HttpServletResponse res)
      throws IOException {
    BearerAuth b = bearer;
    if (b == null) {
      return true;
    }
    Principal p = b.authenticate(req, res);
    if (p == null) {
      return false;
    }
    req.setAttribute(PRINCIPAL, p);
    return true;
  }

  /** {@link #user} as a map value (maps hold no null). */
  private static String userKey(HttpServletRequest req) {
    String u = user(req);
    return u == null ? "" : u;
  }

  private static String user(HttpServletRequest req) {
    return req.getAttribute(PRINCIPAL) instanceof Principal p ? p.user() : null;
  }

  /** From now on every request but health checks gets 503. */
  void drain() {
    draining = true;
  }

  /** Requests other than event streams that are still running. */
  int callsInFlight() {
    return callsInFlight.get();
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse res = (HttpServletResponse) response;
    String path = req.getRequestURI();
    if (path.equals("/healthz") || path.equals("/readyz")) {
      chain.doFilter(req, res);
      return;
    }
    res.addHeader("Vary", "Origin");
    String host = req.getHeader("Host");
    if (!settings.hostAllowed(host)) {
      refuse(
          res,
          403,
          "Host header "
              + (host == null ? "missing" : "'" + clip(host) + "'")
              + " is not allowed (DNS-rebinding protection); the server's operator can list it in"
              + " CRDB_HTTP_ALLOWED_HOSTS");
      return;
    }
    String origin = req.getHeader("Origin");
    if (origin != null && !authPaths.contains(path)) {
      if (!settings.originAllowed(origin)) {
        refuse(
            res,
            403,
            "Origin '"
                + clip(origin)
                + "' is not allowed; the server's operator can list it in CRDB_HTTP_CORS_ORIGINS");
        return;
      }
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Expose-Headers", SESSION_HEADER + ", WWW-Authenticate");
    }
    if ("OPTIONS".equals(req.getMethod())) {
      if (origin == null || req.getHeader("Access-Control-Request-Method") == null) {
        refuse(res, 405, "OPTIONS is only for CORS preflight requests of allowed origins");
        return;
      }
      res.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
      res.setHeader(
          "Access-Control-Allow-Headers",
          "Content-Type, Accept, Authorization, "
              + SESSION_HEADER
              + ", "
              + PROTOCOL_HEADER
              + ", Last-Event-ID");
      res.setHeader("Access-Control-Max-Age", "600");
      res.setStatus(204);
      return;
    }
    if (draining) {
      res.setHeader("Connection", "close");
      res.setHeader("Retry-After", "5");
      refuse(res, 503, "the server is shutting down; try again in a moment");
      return;
    }
    if (req.getContentLengthLong() > settings.maxBody()) {
      refuse(
          res,
          413,
          "the request body of "
              + req.getContentLengthLong()
              + " bytes is larger than the limit of "
              + settings.maxBody()
              + " bytes (CRDB_HTTP_MAX_BODY)");
      return;
    }
    if (mcpPath != null && path.equals(mcpPath)) {
      streamable(req, res, chain);
    } else if (ssePath != null && path.equals(ssePath) && "GET".equals(req.getMethod())) {
      sseStream(req, res, chain);
    } else if (messagePath != null && path.equals(messagePath)) {
      if (!authenticated(req, res)) {
        return;
      }
      String id = req.getParameter("sessionId");
      if (id == null
          || !sseSessions.contains(id)
          || !java.util.Objects.equals(sseOwners.get(id), userKey(req))) {
        refuse(
            res,
            404,
            "session not found: its event stream (GET "
                + ssePath
                + ") ended or never existed; open a new one");
        return;
      }
      req.setAttribute(CLIENT, id);
      HttpServletRequest in = calls(req, "sse:" + id);
      if (refusedForScope(in, res)) {
        return;
      }
      counted(in, res, chain, null);
    } else if (path.equals("/metrics")) {
      if (authenticated(req, res)) {
        chain.doFilter(req, res);
      }
    } else if (authPaths.contains(path)) {
      chain.doFilter(req, res); // OAuth answers in OAuth's shapes (RFC 6749 errors, HTML pages)
    } else {
      counted(req, res, chain, null);
    }
  }

  private void streamable(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    String version = req.getHeader(PROTOCOL_HEADER);
    if (version != null && !protocolVersions.contains(version.trim())) {
      refuse(
          res,
          400,
          "MCP-Protocol-Version '"
              + clip(version)
              + "' is not supported; this server speaks "
              + String.join(", ", protocolVersions));
      return;
    }
    if (!authenticated(req, res)) {
      return;
    }
    String user = user(req);
    String token = req.getHeader(SESSION_HEADER);
    HttpSessions.Entry entry = null;
    if (token != null) {
      entry = sessions.find(token.trim()).orElse(null);
      if (entry != null && !java.util.Objects.equals(entry.owner, user)) {
        entry = null; // another user's session: as if it did not exist
      }
      if (entry == null) {
        refuse(
            res,
            404,
            "session not found: it ended, expired or never existed; start a new one with"
                + " initialize");
        return;
      }
    } else if ("POST".equals(req.getMethod()) && sessions.full()) {
      res.setHeader("Retry-After", "30");
      refuse(
          res,
          503,
          "the server has "
              + sessions.size()
              + " open sessions, its limit (CRDB_HTTP_MAX_SESSIONS); end one (DELETE /mcp) or"
              + " try again later");
      return;
    }
    HttpServletRequest in =
        entry == null ? req : calls(new SessionIdRequest(req, entry.sdkId), "http:" + entry.sdkId);
    if (refusedForScope(in, res)) {
      return;
    }
    if (entry != null) {
      in.setAttribute(CLIENT, entry.sdkId);
    }
    SessionIdResponse out = new SessionIdResponse(res, sessions, user);
    HttpSessions.Entry session = entry;
    if (session != null) {
      session.inFlight.incrementAndGet();
      session.touch();
    }
    counted(
        in,
        out,
        chain,
        () -> {
          if (session != null) {
            session.touch();
            session.inFlight.decrementAndGet();
          }
        });
    if (session != null && "DELETE".equals(req.getMethod()) && out.getStatus() < 300) {
      sessions.end(token.trim(), "deleted by the client");
    }
  }

  /**
   * A legacy SSE stream is its session: the SDK names it in the stream's first event ({@code
   * endpoint}: {@code /message?sessionId=...}); when the stream ends, so does the session.
   */
  private void sseStream(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!authenticated(req, res)) {
      return;
    }
    if (sseSessions.size() >= settings.maxSessions()) {
      res.setHeader("Retry-After", "30");
      refuse(
          res,
          503,
          "the server has "
              + sseSessions.size()
              + " open sessions, its limit (CRDB_HTTP_MAX_SESSIONS); try again later");
      return;
    }
    // The id is known as soon as the SDK writes it, before the client can post to it.
    String owner = userKey(req);
    SseSessionResponse out =
        new SseSessionResponse(
            res,
            id -> {
              sseOwners.put(id, owner);
              sseSessions.add(id);
            });
    chain.doFilter(req, out);
    Runnable ended =
        () -> {
          String id = out.sessionId();
          if (id != null && sseSessions.remove(id)) {
            sseOwners.remove(id);
            onSseEnd.accept(id);
          }
        };
    whenDone(req, ended);
  }

  /** Runs the request, counting it as a call in flight unless it opens an event stream. */
  private void counted(
      HttpServletRequest req, HttpServletResponse res, FilterChain chain, Runnable after)
      throws IOException, ServletException {
    boolean call = !"GET".equals(req.getMethod());
    if (call) {
      callsInFlight.incrementAndGet();
    }
    AtomicBoolean done = new AtomicBoolean();
    Runnable end =
        () -> {
          if (done.compareAndSet(false, true)) {
            if (call) {
              callsInFlight.decrementAndGet();
            }
            if (after != null) {
              after.run();
            }
          }
        };
    JsonErrors out = new JsonErrors(res);
    try {
      chain.doFilter(req, out);
      out.finish();
    } finally {
      whenDone(req, end);
    }
  }

  /** Runs {@code action} when the request is over: now, or when its asynchronous part ends. */
  private static void whenDone(HttpServletRequest req, Runnable action) {
    if (req.isAsyncStarted()) {
      try {
        req.getAsyncContext().addListener(new OnEnd(action));
        return;
      } catch (IllegalStateException completedMeanwhile) {
        // Ended between the check and the listener: it is over now.
      }
    }
    action.run();
  }

  private static String clip(String s) {
    String t = s.replaceAll("[\\p{Cntrl}]", "?");
    return t.length() > 100 ? t.substring(0, 100) + "..." : t;
  }

  /** A JSON-RPC error body with the status, as the SDK's transport answers. */
  static void refuse(HttpServletResponse res, int status, String message) throws IOException {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", status == 400 || status == 404 ? -32600 : -32000);
    error.put("message", message);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("jsonrpc", "2.0");
    body.put("id", null);
    body.put("error", error);
    res.setStatus(status);
    res.setContentType("application/json");
    res.setCharacterEncoding(StandardCharsets.UTF_8.name());
    res.getWriter().write(JSON.writeValueAsString(body));
  }

  private record OnEnd(Runnable action) implements AsyncListener {
    @Override
    public void onComplete(AsyncEvent event) {
      action.run();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      action.run();
    }

    @Override
    public void onError(AsyncEvent event) {
      action.run();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  /**
   * Error answers in one shape, {@code {"jsonrpc":"2.0","id":null,"error":{"code","message"}}}: the
   * SDK's transports write their errors as the whole serialized exception (its stack trace
   * included) and use the container's HTML error page for others; both are rewritten here.
   */
  private static final class JsonErrors extends HttpServletResponseWrapper {
    private int status = 200;
    private java.io.StringWriter captured;

    JsonErrors(HttpServletResponse response) {
      super(response);
    }

    @Override
    public void setStatus(int sc) {
      status = sc;
      super.setStatus(sc);
    }

    @Override
    public void sendError(int sc) throws IOException {
      sendError(sc, null);
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
      status = sc;
      refuse((HttpServletResponse) getResponse(), sc, standardMessage(sc, msg));
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      if (status >= 400) {
        if (captured == null) {
          captured = new java.io.StringWriter();
        }
        return new PrintWriter(captured);
      }
      return super.getWriter();
    }

    /** Writes the captured error body in the one shape. */
    void finish() throws IOException {
      if (captured == null || isCommitted()) {
        return;
      }
      String message = null;
      try {
        com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(captured.toString());
        com.fasterxml.jackson.databind.JsonNode m =
            n.has("jsonRpcError") ? n.path("jsonRpcError").path("message") : n.path("message");
        if (m.isTextual()) {
          message = m.asText();
        }
      } catch (IOException | RuntimeException notJson) {
        message = null;
      }
      refuse((HttpServletResponse) getResponse(), status, standardMessage(status, message));
    }

    private static String standardMessage(int status, String given) {
      if (given != null && !given.isBlank()) {
        return clip(given.length() > 300 ? given.substring(0, 300) : given);
      }
      return switch (status) {
        case 400 -> "bad request";
        case 404 -> "not found: this server serves MCP at its transport's endpoint";
        case 405 -> "method not allowed";
        case 413 -> "the request body is larger than the limit (CRDB_HTTP_MAX_BODY)";
        case 415 -> "the request body must be application/json";
        case 503 -> "the server is shutting down";
        default -> "the request failed (HTTP " + status + ")";
      };
    }
  }

  /** The request as the SDK sees it: with its own session id in place of the client's token. */
  private static final class SessionIdRequest extends HttpServletRequestWrapper {
    private final String sdkId;

    SessionIdRequest(HttpServletRequest request, String sdkId) {
      super(request);
      this.sdkId = sdkId;
    }

    @Override
    public String getHeader(String name) {
      return SESSION_HEADER.equalsIgnoreCase(name) ? sdkId : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return SESSION_HEADER.equalsIgnoreCase(name)
          ? Collections.enumeration(List.of(sdkId))
          : super.getHeaders(name);
    }
  }

  /** The response as the client sees it: a new session's SDK id replaced by its token. */
  private static final class SessionIdResponse extends HttpServletResponseWrapper {
    private final HttpSessions sessions;
    private final String owner;

    SessionIdResponse(HttpServletResponse response, HttpSessions sessions, String owner) {
      super(response);
      this.sessions = sessions;
      this.owner = owner;
    }

    @Override
    public void setHeader(String name, String value) {
      super.setHeader(name, swap(name, value));
    }

    @Override
    public void addHeader(String name, String value) {
      super.addHeader(name, swap(name, value));
    }

    private String swap(String name, String value) {
      return SESSION_HEADER.equalsIgnoreCase(name) && value != null
          ? sessions.started(value, owner)
          : value;
    }
  }

  /** Reads the SDK's session id out of a legacy SSE stream's first event. */
  private static final class SseSessionResponse extends HttpServletResponseWrapper {
    private static final String MARK = "sessionId=";
    private final Consumer<String> onId;
    private volatile String sessionId;
    private PrintWriter writer;

    SseSessionResponse(HttpServletResponse response, Consumer<String> onId) {
      super(response);
      this.onId = onId;
    }

    String sessionId() {
      return sessionId;
    }

    @Override
    public synchronized PrintWriter getWriter() throws IOException {
      if (writer == null) {
        PrintWriter real = super.getWriter();
        writer =
            new PrintWriter(real) {
              @Override
              public void write(String s, int off, int len) {
                if (sessionId == null) {
                  String part = s.substring(off, off + len);
                  int i = part.indexOf(MARK);
                  if (i >= 0) {
                    int from = i + MARK.length();
                    int to = from;
                    while (to < part.length()
                        && (Character.isLetterOrDigit(part.charAt(to)) || part.charAt(to) == '-')) {
                      to++;
                    }
                    sessionId = part.substring(from, to);
                    onId.accept(sessionId);
                  }
                }
                super.write(s, off, len);
              }
            };
      }
      return writer;
    }
  }
}
