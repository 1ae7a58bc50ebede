package io.crdbmcp.auth;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.RegistrationError;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.JakartaServletUtils;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallenge;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Token;
import com.nimbusds.oauth2.sdk.token.Tokens;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.minidev.json.JSONArray;
import net.minidev.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorization server in front of the identity provider, and the protected resource's
 * metadata. One servlet for these paths (all relative to {@code CRDB_AUTH_ISSUER_URL}):
 *
 * <ul>
 *   <li>{@code /.well-known/oauth-protected-resource} and its {@code /mcp} variant (RFC 9728);
 *   <li>{@code /.well-known/oauth-authorization-server} (RFC 8414; also served as {@code
 *       /.well-known/openid-configuration} for clients that look there);
 *   <li>{@code /register} (RFC 7591 dynamic registration);
 *   <li>{@code /authorize}: checks the client, the exact redirect URI (a loopback URI may differ in
 *       port only), PKCE S256 and the resource, then shows the consent page; {@code POST
 *       /authorize/consent} takes the user's answer (bound to a {@code __Host-} cookie and a CSRF
 *       token) and sends the browser to the identity provider;
 *   <li>{@code /callback}: the identity provider's answer, under our single-use state; the client
 *       gets a code, its state and {@code iss} (RFC 9207);
 *   <li>{@code /token}: authorization code (with the PKCE verifier) and refresh token grants;
 *       refresh tokens rotate, and presenting a used one revokes its whole family;
 *   <li>{@code /revoke} (RFC 7009) and {@code /jwks} (our signing keys).
 * </ul>
 *
 * In {@link AuthSettings.Mode#VALIDATE} only the resource metadata is served. Codes, tokens,
 * secrets and cookies never reach a log line.
 */
public final class OAuthServer extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(OAuthServer.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  public static final String PRM_PATH = "/.well-known/oauth-protected-resource";
  public static final String AS_METADATA_PATH = "/.well-known/oauth-authorization-server";
  public static final String OIDC_METADATA_PATH = "/.well-known/openid-configuration";
  public static final String AUTHORIZE_PATH = "/authorize";
  public static final String CONSENT_PATH = "/authorize/consent";
  public static final String CALLBACK_PATH = "/callback";
  public static final String TOKEN_PATH = "/token";
  public static final String REGISTER_PATH = "/register";
  public static final String REVOKE_PATH = "/revoke";
  public static final String JWKS_PATH = "/jwks";
  static final String CONSENT_COOKIE = "__Host-crdb-consent";
  static final Duration CONSENT_LIFETIME = Duration.ofMinutes(10);
  static final Duration CODE_LIFETIME = Duration.ofSeconds(60);
  static final int MAX_CLIENTS = 10_000;

  private final transient AuthSettings settings;
  private final String mcpPath;
  private final String resource;
  private final transient Clock clock;
  private final transient AuthStore store;
  private final transient SigningKeys keys;
  private final transient Upstream upstream;
  private final transient ConfigurableJWTProcessor<SecurityContext> ownTokens;
  private final transient ClientMetadataDocuments documents;

  OAuthServer(
      AuthSettings settings,
      String mcpPath,
      Clock clock,
      AuthStore store,
      SigningKeys keys,
      Upstream upstream) {
    this.settings = settings;
    this.mcpPath = mcpPath;
    this.resource = settings.resource(mcpPath);
    this.clock = clock;
    this.store = store;
    this.keys = keys;
    this.upstream = upstream;
    this.documents = new ClientMetadataDocuments(settings.metadataHosts(), clock);
    this.ownTokens =
        keys == null
            ? null
            : BearerAuth.processor(
                keys.source(), settings.issuer().toString(), settings.audience(mcpPath), true);
  }

  /** The paths this servlet answers, to mount it on. */
  public List<String> paths() {
    List<String> p = new ArrayList<>(List.of(PRM_PATH, PRM_PATH + mcpPath));
    if (settings.mode() == AuthSettings.Mode.ISSUE) {
      p.addAll(
          List.of(
              AS_METADATA_PATH,
              OIDC_METADATA_PATH,
              AUTHORIZE_PATH,
              CONSENT_PATH,
              CALLBACK_PATH,
              TOKEN_PATH,
              REGISTER_PATH,
              REVOKE_PATH,
              JWKS_PATH));
    }
    return p;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String path = req.getRequestURI();
    String method = req.getMethod();
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    try {
      if (path.equals(PRM_PATH) || path.equals(PRM_PATH + mcpPath)) {
        get(method, res, () -> json(res, 200, resourceMetadata(), true));
      } else if (settings.mode() != AuthSettings.Mode.ISSUE) {
        json(res, 404, error("not_found", "no such endpoint"), false);
      } else if (path.equals(AS_METADATA_PATH) || path.equals(OIDC_METADATA_PATH)) {
        get(
            method,
            res,
            () -> {
              JSONObject m = serverMetadata().toJSONObject();
              m.put("client_id_metadata_document_supported", documents.applies("https://x/y"));
              json(res, 200, m, true);
            });
      } else if (path.equals(JWKS_PATH)) {
        get(
            method,
            res,
            () -> json(res, 200, new JSONObject(keys.publicKeys().toJSONObject()), true));
      } else if (path.equals(AUTHORIZE_PATH)) {
        get(method, res, () -> authorize(req, res));
      } else if (path.equals(CONSENT_PATH) && method.equals("POST")) {
        consent(req, res);
      } else if (path.equals(CALLBACK_PATH)) {
        get(method, res, () -> callback(req, res));
      } else if (path.equals(TOKEN_PATH) && method.equals("POST")) {
        token(req, res);
      } else if (path.equals(REGISTER_PATH) && method.equals("POST")) {
        register(req, res);
      } else if (path.equals(REVOKE_PATH) && method.equals("POST")) {
        revoke(req, res);
      } else {
        json(res, 405, error("invalid_request", method + " is not allowed on " + path), false);
      }
    } catch (RuntimeException e) {
      LOG.error("OAuth endpoint {} failed: {}", path, e.toString());
      if (!res.isCommitted()) {
        json(res, 500, error("server_error", "the request failed; see the server log"), false);
      }
    }
  }

  private interface Action {
    void run() throws IOException;
  }

  private static void get(String method, HttpServletResponse res, Action a) throws IOException {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      json(res, 405, error("invalid_request", method + " is not allowed here; use GET"), false);
      return;
    }
    a.run();
  }

  // --- Metadata ----------------------------------------------------------------------------

  private JSONObject resourceMetadata() {
    JSONObject o = new JSONObject();
    o.put("resource", resource);
    JSONArray servers = new JSONArray();
    servers.add(
        settings.mode() == AuthSettings.Mode.ISSUE
            ? settings.issuer().toString()
            : settings.externalIssuer().toString());
    o.put("authorization_servers", servers);
    JSONArray scopes = new JSONArray();
    scopes.addAll(
        settings.mode() == AuthSettings.Mode.ISSUE ? settings.scopes() : AuthSettings.KNOWN_SCOPES);
    o.put("scopes_supported", scopes);
    JSONArray methods = new JSONArray();
    methods.add("header");
    o.put("bearer_methods_supported", methods);
    o.put("resource_name", "cockroachdb-mcp");
    return o;
  }

  private AuthorizationServerMetadata serverMetadata() {
    String base = settings.issuer().toString();
    AuthorizationServerMetadata m = new AuthorizationServerMetadata(new Issuer(base));
    m.setAuthorizationEndpointURI(URI.create(base + AUTHORIZE_PATH));
    m.setTokenEndpointURI(URI.create(base + TOKEN_PATH));
    m.setRegistrationEndpointURI(URI.create(base + REGISTER_PATH));
    m.setRevocationEndpointURI(URI.create(base + REVOKE_PATH));
    m.setJWKSetURI(URI.create(base + JWKS_PATH));
    m.setScopes(new Scope(settings.scopes().toArray(String[]::new)));
    m.setResponseTypes(List.of(ResponseType.CODE));
    m.setResponseModes(List.of(ResponseMode.QUERY));
    m.setGrantTypes(List.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
    m.setCodeChallengeMethods(List.of(CodeChallengeMethod.S256));
    List<ClientAuthenticationMethod> auth =
        List.of(
            ClientAuthenticationMethod.NONE,
            ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
            ClientAuthenticationMethod.CLIENT_SECRET_POST);
    m.setTokenEndpointAuthMethods(auth);
    m.setRevocationEndpointAuthMethods(auth);
    m.setSupportsAuthorizationResponseIssuerParam(true);
    return m;
  }

  // --- Registration (RFC 7591) -------------------------------------------------------------

  private void register(HttpServletRequest req, HttpServletResponse res) throws IOException {
    ClientMetadata meta;
    try {
      meta = ClientRegistrationRequest.parse(httpRequest(req)).getClientMetadata();
    } catch (ParseException e) {
      registrationError(res, RegistrationError.INVALID_CLIENT_METADATA, safe(e.getMessage()));
      return;
    }
    if (meta.getRedirectionURIs() == null || meta.getRedirectionURIs().isEmpty()) {
      registrationError(res, RegistrationError.INVALID_REDIRECT_URI, "redirect_uris is required");
      return;
    }
    for (URI u : meta.getRedirectionURIs()) {
      String why = badRedirect(u);
      if (why != null) {
        registrationError(res, RegistrationError.INVALID_REDIRECT_URI, why);
        return;
      }
    }
    meta.applyDefaults();
    for (GrantType g : meta.getGrantTypes()) {
      if (!g.equals(GrantType.AUTHORIZATION_CODE) && !g.equals(GrantType.REFRESH_TOKEN)) {
        registrationError(
            res,
            RegistrationError.INVALID_CLIENT_METADATA,
            "grant_types may list authorization_code and refresh_token only");
        return;
      }
    }
    for (ResponseType t : meta.getResponseTypes()) {
      if (!t.equals(ResponseType.CODE)) {
        registrationError(
            res, RegistrationError.INVALID_CLIENT_METADATA, "response_types may list code only");
        return;
      }
    }
    ClientAuthenticationMethod method = meta.getTokenEndpointAuthMethod();
    if (!method.equals(ClientAuthenticationMethod.NONE)
        && !method.equals(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
        && !method.equals(ClientAuthenticationMethod.CLIENT_SECRET_POST)) {
      registrationError(
          res,
          RegistrationError.INVALID_CLIENT_METADATA,
          "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post");
      return;
    }
    if (store.clientCount() >= MAX_CLIENTS) {
      registrationError(
          res,
          new ErrorObject("temporarily_unavailable", "too many registered clients", 503),
          "too many registered clients");
      return;
    }
    String id = random(24);
    Secret secret = method.equals(ClientAuthenticationMethod.NONE) ? null : new Secret(random(32));
    List<String> uris = meta.getRedirectionURIs().stream().map(URI::toString).toList();
    String name = meta.getName() == null ? "unnamed client" : clipName(meta.getName());
    store.putClient(
        new AuthStore.Client(
            id,
            secret == null ? null : hash(secret.getValue()),
            uris,
            name,
            method.getValue(),
            clock.instant()));
    LOG.info("OAuth client registered: '{}' ({}), redirect URIs {}", name, id, uris);
    ClientInformation info =
        new ClientInformation(new ClientID(id), Date.from(clock.instant()), meta, secret);
    apply(new ClientInformationResponse(info, true).toHTTPResponse(), res);
  }

  private void registrationError(HttpServletResponse res, ErrorObject err, String description)
      throws IOException {
    apply(
        new ClientRegistrationErrorResponse(err.setDescription(description)).toHTTPResponse(), res);
  }

  /** Why a redirect URI cannot be registered, or null when it can. */
  static String badRedirect(URI u) {
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (u.getFragment() != null) {
      return "a redirect URI must not have a fragment";
    }
    if (scheme.equals("https")) {
      return u.getHost() == null ? "a redirect URI needs a host" : null;
    }
    if (scheme.equals("http")) {
      return AuthSettings.loopback(u.getHost())
          ? null
          : "a plain http redirect URI must be a loopback address (127.0.0.1, [::1] or"
              + " localhost); use https";
    }
    if (Set.of("", "javascript", "data", "file", "vbscript", "blob", "about").contains(scheme)) {
      return "a redirect URI must be https, http on a loopback address, or an app's own scheme";
    }
    return null;
  }

  // --- Authorization request ---------------------------------------------------------------

  private void authorize(HttpServletRequest req, HttpServletResponse res) throws IOException {
    for (String p :
        List.of(
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "resource")) {
      String[] v = req.getParameterValues(p);
      if (v != null && v.length > 1) {
        page(res, 400, "Bad authorization request", "The parameter " + p + " is repeated.");
        return;
      }
    }
    AuthStore.Client client;
    try {
      client = client(req.getParameter("client_id"));
    } catch (ClientMetadataDocuments.DocumentException e) {
      LOG.info("client metadata document refused: {}", e.getMessage());
      page(res, 400, "Client not accepted", "The client's metadata document: " + e.getMessage());
      return;
    }
    if (client == null) {
      page(
          res,
          400,
          "Unknown client",
          "The client_id is not registered here. The MCP client should register first ("
              + REGISTER_PATH
              + ").");
      return;
    }
    String given = req.getParameter("redirect_uri");
    String redirect =
        given == null && client.redirectUris().size() == 1
            ? client.redirectUris().get(0)
            : matchRedirect(client, given);
    if (redirect == null) {
      page(
          res,
          400,
          "Redirect URI mismatch",
          "The redirect_uri is not one this client registered; nothing was sent to it.");
      return;
    }
    URI back = URI.create(redirect);
    String stateText = req.getParameter("state");
    State state = stateText == null ? null : new State(stateText);
    if (stateText != null && stateText.length() > 512) {
      redirectError(res, back, OAuth2Error.INVALID_REQUEST, "state is too long", null);
      return;
    }
    if (!"code".equals(req.getParameter("response_type"))) {
      redirectError(
          res, back, OAuth2Error.UNSUPPORTED_RESPONSE_TYPE, "response_type must be code", state);
      return;
    }
    String challenge = req.getParameter("code_challenge");
    String method = req.getParameter("code_challenge_method");
    if (challenge == null) {
      redirectError(
          res, back, OAuth2Error.INVALID_REQUEST, "code_challenge (PKCE, S256) is required", state);
      return;
    }
    if (!"S256".equals(method)) {
      redirectError(
          res,
          back,
          OAuth2Error.INVALID_REQUEST,
          "code_challenge_method must be S256; plain (or none) is refused",
          state);
      return;
    }
    if (!challenge.matches("[A-Za-z0-9._~-]{43,128}")) {
      redirectError(
          res, back, OAuth2Error.INVALID_REQUEST, "code_challenge is not an S256 challenge", state);
      return;
    }
    String res8707 = req.getParameter("resource");
    if (res8707 != null && !sameResource(res8707)) {
      redirectError(
          res,
          back,
          new ErrorObject("invalid_target", null, 400),
          "resource must be " + resource,
          state);
      return;
    }
    List<String> scopes = grantable(req.getParameter("scope"));
    AuthStore.Request request =
        new AuthStore.Request(client.id(), client.name(), redirect, challenge, scopes, stateText);
    String consentId = random(32);
    String cookie = random(32);
    String csrf = random(32);
    store.putConsent(
        consentId,
        new AuthStore.Consent(request, hash(cookie), csrf, clock.instant().plus(CONSENT_LIFETIME)));
    res.addHeader(
        "Set-Cookie",
        CONSENT_COOKIE
            + "="
            + cookie
            + "; Path=/; Max-Age="
            + CONSENT_LIFETIME.toSeconds()
            + "; Secure; HttpOnly; SameSite=Lax");
    consentPage(res, request, back, consentId, csrf);
  }

  private boolean sameResource(String r) {
    String a = r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
    return a.equals(resource) || a.equals(settings.issuer().toString());
  }

  /** The requested scopes this server may grant (unknown ones are dropped), else the defaults. */
  private List<String> grantable(String requested) {
    Set<String> out = new LinkedHashSet<>();
    if (requested != null) {
      for (String s : requested.split(" ")) {
        if (settings.scopes().contains(s)) {
          out.add(s);
        }
      }
    }
    return out.isEmpty() ? settings.defaultScopes() : List.copyOf(out);
  }

  /** The registered redirect URI {@code given} matches, or null. */
  static String matchRedirect(AuthStore.Client client, String given) {
    if (given == null) {
      return null;
    }
    if (client.redirectUris().contains(given)) {
      return given;
    }
    URI g;
    try {
      g = new URI(given);
    } catch (Exception e) {
      return null;
    }
    // RFC 8252 7.3: a loopback redirect URI may use any port (a native app's ephemeral one).
    if (!"http".equals(g.getScheme()) || !AuthSettings.loopback(g.getHost())) {
      return null;
    }
    for (String r : client.redirectUris()) {
      URI u = URI.create(r);
      if ("http".equals(u.getScheme())
          && u.getHost() != null
          && u.getHost().equalsIgnoreCase(g.getHost())
          && java.util.Objects.equals(u.getRawPath(), g.getRawPath())
          && java.util.Objects.equals(u.getRawQuery(), g.getRawQuery())
          && g.getRawFragment() == null
          && g.getRawUserInfo() == null) {
        return given;
      }
    }
    return null;
  }

  private void redirectError(
      HttpServletResponse res, URI back, ErrorObject error, String description, State state)
      throws IOException {
    URI to =
        new AuthorizationErrorResponse(
                back,
                error.setDescription(description),
                state,
                new Issuer(settings.issuer().toString()),
                ResponseMode.QUERY)
            .toURI();
    res.setStatus(302);
    res.setHeader("Location", to.toString());
  }

  private void consentPage(
      HttpServletResponse res, AuthStore.Request r, URI back, String consentId, String csrf)
      throws IOException {
    StringBuilder scopes = new StringBuilder();
    for (String s : r.scopes()) {
      scopes
          .append("<li><code>")
          .append(html(s))
          .append("</code> ")
          .append(describe(s))
          .append("</li>");
    }
    String body =
        "<p><strong>"
            + html(r.clientName())
            + "</strong> asks to use this CockroachDB MCP server ("
            + html(resource)
            + ") as you.</p>"
            + "<p>It would be allowed to:</p><ul>"
            + scopes
            + "</ul><p>After you allow it you sign in at your identity provider; the answer goes"
            + " back to <code>"
            + html(
                back.getScheme() + "://" + (back.getAuthority() == null ? "" : back.getAuthority()))
            + "</code>. Only allow clients you started yourself.</p>"
            + "<form method=\"post\" action=\""
            + CONSENT_PATH
            + "\"><input type=\"hidden\" name=\"consent\" value=\""
            + consentId
            + "\"><input type=\"hidden\" name=\"csrf\" value=\""
            + csrf
            + "\"><button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow"
            + "</button> <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">"
            + "Deny</button></form>";
    htmlPage(res, 200, "Allow access to the database?", body);
  }

  private static String describe(String scope) {
    return switch (scope) {
      case "crdb:read" -> "read data and schema";
      case "crdb:write" -> "change data";
      case "crdb:admin" -> "manage the server's connections";
      default -> "";
    };
  }

  private void consent(HttpServletRequest req, HttpServletResponse res) throws IOException {
    AuthStore.Consent c = store.takeConsent(req.getParameter("consent")).orElse(null);
    String cookie = cookie(req, CONSENT_COOKIE);
    clearConsentCookie(res);
    if (c == null) {
      page(
          res,
          400,
          "This page has expired",
          "The consent page was already answered or is older than "
              + CONSENT_LIFETIME.toMinutes()
              + " minutes. Start again from your MCP client.");
      return;
    }
    if (cookie == null
        || !equal(hash(cookie), c.cookieHash())
        || !equal(req.getParameter("csrf"), c.csrf())) {
      LOG.warn("consent answer refused: its cookie or CSRF token does not match the page's");
      page(
          res,
          403,
          "Request refused",
          "This answer did not come from the consent page this browser was shown.");
      return;
    }
    AuthStore.Request r = c.request();
    URI back = URI.create(r.redirectUri());
    State state = r.clientState() == null ? null : new State(r.clientState());
    if (!"allow".equals(req.getParameter("decision"))) {
      redirectError(res, back, OAuth2Error.ACCESS_DENIED, "the user denied access", state);
      return;
    }
    String upstreamState = random(32);
    String nonce = random(32);
    String verifier = new CodeVerifier().getValue();
    URI to;
    try {
      to = upstream.authenticationRequest(upstreamState, nonce, verifier);
    } catch (Upstream.UpstreamException e) {
      LOG.warn("cannot send the user to the identity provider: {}", e.getMessage());
      redirectError(
          res,
          back,
          OAuth2Error.TEMPORARILY_UNAVAILABLE,
          "the identity provider cannot be reached",
          state);
      return;
    }
    store.putUpstream(
        upstreamState,
        new AuthStore.Upstream(r, nonce, verifier, clock.instant().plus(CONSENT_LIFETIME)));
    res.setStatus(302);
    res.setHeader("Location", to.toString());
  }

  private void clearConsentCookie(HttpServletResponse res) {
    res.addHeader(
        "Set-Cookie", CONSENT_COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
  }

  // --- The identity provider's answer ------------------------------------------------------

  private void callback(HttpServletRequest req, HttpServletResponse res) throws IOException {
    AuthStore.Upstream u = store.takeUpstream(req.getParameter("state")).orElse(null);
    if (u == null) {
      page(
          res,
          400,
          "This sign-in has expired",
          "The identity provider's answer does not belong to a sign-in in progress: it was already"
              + " used or is too old. Start again from your MCP client.");
      return;
    }
    AuthStore.Request r = u.request();
    URI back = URI.create(r.redirectUri());
    State state = r.clientState() == null ? null : new State(r.clientState());
    String code = req.getParameter("code");
    if (req.getParameter("error") != null || code == null) {
      LOG.info("the identity provider did not sign the user in for client {}", r.clientId());
      redirectError(
          res, back, OAuth2Error.ACCESS_DENIED, "the identity provider did not sign you in", state);
      return;
    }
    Provider.Identity who;
    try {
      who = upstream.redeem(code, u.nonce(), u.verifier());
    } catch (Upstream.UpstreamException e) {
      LOG.warn("sign-in at the identity provider failed: {}", e.getMessage());
      redirectError(
          res,
          back,
          OAuth2Error.ACCESS_DENIED,
          "the sign-in at the identity provider failed",
          state);
      return;
    }
    String ours = random(32);
    store.putCode(hash(ours), new AuthStore.Code(r, who, clock.instant().plus(CODE_LIFETIME)));
    LOG.info("user {} authorized client {} for {}", who.user(), r.clientId(), r.scopes());
    URI to =
        new AuthorizationSuccessResponse(
                back,
                new AuthorizationCode(ours),
                null,
                state,
                new Issuer(settings.issuer().toString()),
                ResponseMode.QUERY)
            .toURI();
    res.setStatus(302);
    res.setHeader("Location", to.toString());
  }

  // --- Token endpoint ----------------------------------------------------------------------

  private void token(HttpServletRequest req, HttpServletResponse res) throws IOException {
    TokenRequest tr;
    try {
      tr = TokenRequest.parse(httpRequest(req));
    } catch (ParseException e) {
      tokenError(res, OAuth2Error.INVALID_REQUEST, safe(e.getMessage()));
      return;
    }
    AuthStore.Client client = authenticateClient(tr.getClientAuthentication(), tr.getClientID());
    if (client == null) {
      tokenError(
          res,
          OAuth2Error.INVALID_CLIENT,
          "unknown client, or its credentials do not match how it registered");
      return;
    }
    if (tr.getResources() != null) {
      for (URI r : tr.getResources()) {
        if (!sameResource(r.toString())) {
          tokenError(
              res, new ErrorObject("invalid_target", null, 400), "resource must be " + resource);
          return;
        }
      }
    }
    AuthorizationGrant grant = tr.getAuthorizationGrant();
    if (grant instanceof AuthorizationCodeGrant g) {
      String codeHash = hash(g.getAuthorizationCode().getValue());
      AuthStore.Code code = store.takeCode(codeHash).orElse(null);
      if (code == null) {
        String family = store.spentCode(codeHash).orElse(null);
        if (family != null) {
          // A redeemed code again: whoever holds it is not the client. Its tokens are revoked.
          store.revokeFamily(family, familyEnd());
          LOG.warn(
              "a redeemed authorization code was presented again by client {}: the tokens issued"
                  + " for it are revoked",
              client.id());
        }
        tokenError(res, OAuth2Error.INVALID_GRANT, "the code is unknown, used or expired");
        return;
      }
      AuthStore.Request r = code.request();
      if (!r.clientId().equals(client.id())) {
        tokenError(res, OAuth2Error.INVALID_GRANT, "the code was issued to another client");
        return;
      }
      if (g.getRedirectionURI() == null
          || !g.getRedirectionURI().toString().equals(r.redirectUri())) {
        tokenError(
            res, OAuth2Error.INVALID_GRANT, "redirect_uri must be the one of the authorization");
        return;
      }
      CodeVerifier v = g.getCodeVerifier();
      if (v == null
          || !equal(
              CodeChallenge.compute(CodeChallengeMethod.S256, v).getValue(), r.codeChallenge())) {
        tokenError(
            res, OAuth2Error.INVALID_GRANT, "code_verifier does not match the code_challenge");
        return;
      }
      String family = random(16);
      store.putSpentCode(codeHash, family, clock.instant().plus(Duration.ofMinutes(10)));
      issue(res, client, family, code.identity(), r.scopes());
    } else if (grant instanceof RefreshTokenGrant g) {
      String h = hash(g.getRefreshToken().getValue());
      AuthStore.Refresh old = store.refresh(h).orElse(null);
      if (old == null
          || !old.clientId().equals(client.id())
          || !old.expires().isAfter(clock.instant())
          || store.familyRevoked(old.family())) {
        tokenError(
            res, OAuth2Error.INVALID_GRANT, "the refresh token is unknown, expired or revoked");
        return;
      }
      if (!store.markUsed(h)) {
        // A used refresh token again: someone holds a copy. Nothing of this family is valid now.
        store.revokeFamily(old.family(), familyEnd());
        LOG.warn(
            "a used refresh token of client {} (user {}) was presented again: its tokens are"
                + " revoked",
            client.id(),
            old.identity().user());
        tokenError(
            res,
            OAuth2Error.INVALID_GRANT,
            "the refresh token was already used; every token of this authorization is revoked");
        return;
      }
      List<String> scopes = old.scopes();
      if (tr.getScope() != null) {
        List<String> asked = tr.getScope().toStringList();
        if (!scopes.containsAll(asked)) {
          tokenError(res, OAuth2Error.INVALID_SCOPE, "a refresh may narrow the scopes, not widen");
          return;
        }
        scopes = asked;
      }
      issue(res, client, old.family(), old.identity(), scopes);
    } else {
      tokenError(
          res,
          OAuth2Error.UNSUPPORTED_GRANT_TYPE,
          "grant_type must be authorization_code or refresh_token");
    }
  }

  private Instant familyEnd() {
    return clock.instant().plus(settings.refreshExpiry()).plus(settings.tokenExpiry());
  }

  private void issue(
      HttpServletResponse res,
      AuthStore.Client client,
      String family,
      Provider.Identity who,
      List<String> scopes)
      throws IOException {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(settings.issuer().toString())
            .subject(who.user())
            .audience(settings.audience(mcpPath))
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(settings.tokenExpiry())))
            .jwtID(random(16))
            .claim("scope", String.join(" ", scopes))
            .claim("client_id", client.id())
            .claim("fam", family)
            .build();
    String access = keys.sign(claims);
    String refresh = random(32);
    store.putRefresh(
        hash(refresh),
        new AuthStore.Refresh(
            family, client.id(), who, scopes, now.plus(settings.refreshExpiry()), false));
    Scope scope = new Scope(scopes.toArray(String[]::new));
    apply(
        new AccessTokenResponse(
                new Tokens(
                    new BearerAccessToken(access, settings.tokenExpiry().toSeconds(), scope),
                    new RefreshToken(refresh)))
            .toHTTPResponse(),
        res);
  }

  /** A registered client, or the one a client ID metadata document describes; null if neither. */
  private AuthStore.Client client(String id) throws ClientMetadataDocuments.DocumentException {
    AuthStore.Client c = store.client(id).orElse(null);
    return c != null ? c : documents.client(id).orElse(null);
  }

  /** The client of a token or revocation request, if its credentials match its registration. */
  private AuthStore.Client authenticateClient(ClientAuthentication auth, ClientID publicId) {
    if (auth != null) {
      AuthStore.Client c = store.client(auth.getClientID().getValue()).orElse(null);
      Secret s =
          auth instanceof ClientSecretBasic b
              ? b.getClientSecret()
              : auth instanceof ClientSecretPost p ? p.getClientSecret() : null;
      if (c == null || c.secretHash() == null || s == null) {
        return null;
      }
      return equal(hash(s.getValue()), c.secretHash()) ? c : null;
    }
    if (publicId == null) {
      return null;
    }
    AuthStore.Client c;
    try {
      c = client(publicId.getValue());
    } catch (ClientMetadataDocuments.DocumentException e) {
      return null;
    }
    return c != null && c.secretHash() == null ? c : null;
  }

  private void tokenError(HttpServletResponse res, ErrorObject err, String description)
      throws IOException {
    apply(new TokenErrorResponse(err.setDescription(description)).toHTTPResponse(), res);
  }

  // --- Revocation (RFC 7009) ---------------------------------------------------------------

  private void revoke(HttpServletRequest req, HttpServletResponse res) throws IOException {
    TokenRevocationRequest rr;
    try {
      rr = TokenRevocationRequest.parse(httpRequest(req));
    } catch (ParseException e) {
      tokenError(res, OAuth2Error.INVALID_REQUEST, safe(e.getMessage()));
      return;
    }
    AuthStore.Client client = authenticateClient(rr.getClientAuthentication(), rr.getClientID());
    if (client == null) {
      tokenError(res, OAuth2Error.INVALID_CLIENT, "unknown client or wrong credentials");
      return;
    }
    Token t = rr.getToken();
    String value = t.getValue();
    AuthStore.Refresh r = t instanceof AccessToken ? null : store.refresh(hash(value)).orElse(null);
    String family = null;
    if (r != null && r.clientId().equals(client.id())) {
      family = r.family();
    } else if (r == null) {
      try {
        JWTClaimsSet claims = ownTokens.process(value, null);
        if (client.id().equals(claims.getClaim("client_id"))
            && claims.getClaim("fam") instanceof String f) {
          family = f;
        }
      } catch (Exception notOurs) {
        family = null; // RFC 7009: an invalid token is not an error
      }
    }
    if (family != null) {
      store.revokeFamily(family, familyEnd());
      LOG.info("tokens of client {} revoked at its request", client.id());
    }
    res.setStatus(200);
  }

  // --- Helpers -----------------------------------------------------------------------------

  private static HTTPRequest httpRequest(HttpServletRequest req) throws IOException {
    return JakartaServletUtils.createHTTPRequest(req, 64 * 1024);
  }

  private static void apply(HTTPResponse r, HttpServletResponse res) throws IOException {
    JakartaServletUtils.applyHTTPResponse(r, res);
  }

  private static JSONObject error(String code, String description) {
    JSONObject o = new JSONObject();
    o.put("error", code);
    o.put("error_description", description);
    return o;
  }

  private static void json(HttpServletResponse res, int status, Map<String, ?> body, boolean open)
      throws IOException {
    res.setStatus(status);
    if (open) {
      // Public documents: browser-based clients may read them from any origin.
      res.setHeader("Access-Control-Allow-Origin", "*");
    }
    res.setContentType("application/json");
    res.setCharacterEncoding(StandardCharsets.UTF_8.name());
    res.getWriter().write(JSONObject.toJSONString(body));
  }

  private static void page(HttpServletResponse res, int status, String title, String text)
      throws IOException {
    htmlPage(res, status, title, "<p>" + html(text) + "</p>");
  }

  private static void htmlPage(HttpServletResponse res, int status, String title, String bodyHtml)
      throws IOException {
    res.setStatus(status);
    res.setContentType("text/html");
    res.setCharacterEncoding(StandardCharsets.UTF_8.name());
    res.setHeader(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.getWriter()
        .write(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                + html(title)
                + "</title><style>body{font-family:sans-serif;max-width:40em;margin:3em auto;"
                + "line-height:1.5}button{font-size:1em;padding:.4em 1.2em}</style></head><body>"
                + "<h1>"
                + html(title)
                + "</h1>"
                + bodyHtml
                + "</body></html>");
  }

  static String html(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String cookie(HttpServletRequest req, String name) {
    Cookie[] cookies = req.getCookies();
    if (cookies == null) {
      return null;
    }
    for (Cookie c : cookies) {
      if (c.getName().equals(name)) {
        return c.getValue();
      }
    }
    return null;
  }

  private static String clipName(String name) {
    String n = name.replaceAll("[\\p{Cntrl}]", " ").trim();
    return n.length() > 80 ? n.substring(0, 80) + "..." : n;
  }

  /** An error description OAuth allows (printable ASCII without quote or backslash). */
  private static String safe(String s) {
    String t = s == null ? "bad request" : s.replaceAll("[^\\x20-\\x7E]|[\"\\\\]", "'");
    return t.length() > 200 ? t.substring(0, 200) : t;
  }

  static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** SHA-256, base64url: how codes, refresh tokens, secrets and cookies are kept. */
  static String hash(String value) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean equal(String a, String b) {
    return a != null
        && b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
