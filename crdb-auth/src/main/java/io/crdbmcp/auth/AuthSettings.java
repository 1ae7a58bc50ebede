package io.crdbmcp.auth;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.CrdbConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OAuth settings ({@code CRDB_AUTH_*}, {@code CRDB_IDP_*}, {@code CRDB_TOKEN_EXPIRY_SECONDS},
 * {@code CRDB_REFRESH_TOKEN_EXPIRY_SECONDS}), read once at start and validated like every other
 * setting: a {@link ConfigException} names the variable. {@link #toString()} never shows the
 * identity provider's client secret.
 *
 * @param enabled whether {@code /mcp} needs a bearer token at all
 * @param mode {@link Mode#ISSUE}: this server is the authorization server, in front of the identity
 *     provider; {@link Mode#VALIDATE}: tokens of an external authorization server are checked
 *     against its keys
 * @param issuer this server's public base URL ({@code https://mcp.example.com}), without a trailing
 *     slash; every URL the server tells clients is built from it
 * @param provider which identity provider (its claim quirks)
 * @param discoveryUrl the identity provider's OpenID Connect discovery document
 * @param idpClientId this server's client id at the identity provider
 * @param idpClientSecret its client secret, or null for a public client (PKCE only)
 * @param idpScopes scopes asked of the identity provider (always with {@code openid})
 * @param tokenExpiry lifetime of an access token
 * @param refreshExpiry lifetime of a refresh token
 * @param scopes the scopes a user may be granted (and is asked to consent to)
 * @param defaultScopes the scopes granted when a client asks for none
 * @param allowInsecureBind allow a non-loopback listener while the issuer URL is plain http
 * @param keyRotation how often a new signing key replaces the current one
 * @param externalIssuer in validate mode: the authorization server whose tokens are accepted
 * @param jwksUrl in validate mode: its key set (null: from its metadata)
 * @param audience the audience a token must name (default: the resource URL)
 * @param store where clients, codes, refresh tokens and signing keys are kept
 * @param metadataHosts hosts whose Client ID Metadata Documents are fetched: {@code ["*"]} any host
 *     with public addresses, empty for none
 */
public record AuthSettings(
    boolean enabled,
    Mode mode,
    URI issuer,
    Provider provider,
    URI discoveryUrl,
    String idpClientId,
    String idpClientSecret,
    List<String> idpScopes,
    Duration tokenExpiry,
    Duration refreshExpiry,
    List<String> scopes,
    List<String> defaultScopes,
    boolean allowInsecureBind,
    Duration keyRotation,
    URI externalIssuer,
    URI jwksUrl,
    String audience,
    Store store,
    List<String> metadataHosts) {

  /** The scopes of this server's tools, narrowest first (crdb-tools' {@code Scope}). */
  public static final List<String> KNOWN_SCOPES = List.of("crdb:read", "crdb:write", "crdb:admin");

  public static final int DEFAULT_TOKEN_EXPIRY = 900;
  public static final int DEFAULT_REFRESH_TOKEN_EXPIRY = 1_209_600;
  public static final int DEFAULT_KEY_ROTATION = 86_400;
  public static final String DEFAULT_IDP_SCOPES = "openid email profile";
  public static final String DEFAULT_SCOPES = "crdb:read crdb:write";
  public static final String DEFAULT_DEFAULT_SCOPES = "crdb:read";

  /** Where the authorization server keeps what spans requests. */
  public enum Store {
    /** This process's memory: one replica; a restart signs everyone out. */
    MEMORY,
    /** The default database's server table: replicas share it. */
    DATABASE
  }

  /** Who issues the tokens {@code /mcp} accepts. */
  public enum Mode {
    ISSUE,
    VALIDATE
  }

  public AuthSettings {
    idpScopes = List.copyOf(idpScopes);
    scopes = List.copyOf(scopes);
    defaultScopes = List.copyOf(defaultScopes);
    metadataHosts = List.copyOf(metadataHosts);
  }

  /** Authentication off: {@code /mcp} is open, as without crdb-auth. */
  public static AuthSettings disabled() {
    return new AuthSettings(
        false,
        Mode.ISSUE,
        null,
        Provider.OIDC,
        null,
        null,
        null,
        List.of(),
        Duration.ofSeconds(DEFAULT_TOKEN_EXPIRY),
        Duration.ofSeconds(DEFAULT_REFRESH_TOKEN_EXPIRY),
        List.of(),
        List.of(),
        false,
        Duration.ofSeconds(DEFAULT_KEY_ROTATION),
        null,
        null,
        null,
        Store.MEMORY,
        List.of());
  }

  /** Reads and checks the settings. */
  public static AuthSettings fromEnvironment(Map<String, String> env) {
    CrdbConfig.Env e = new CrdbConfig.Env(env);
    if (!e.bool("CRDB_AUTH_ENABLED", false)) {
      return disabled();
    }
    Mode mode =
        switch (e.getOrDefault("CRDB_AUTH_MODE", "issue").toLowerCase(Locale.ROOT)) {
          case "issue" -> Mode.ISSUE;
          case "validate" -> Mode.VALIDATE;
          default ->
              throw new ConfigException(
                  "CRDB_AUTH_MODE",
                  "'"
                      + e.get("CRDB_AUTH_MODE")
                      + "' is not a mode: issue (this server issues tokens, in front of the"
                      + " identity provider) or validate (tokens of an external authorization"
                      + " server)",
                  "CRDB_AUTH_MODE=issue");
        };
    String issuerText = e.get("CRDB_AUTH_ISSUER_URL");
    if (issuerText == null) {
      throw new ConfigException(
          "CRDB_AUTH_ISSUER_URL",
          "is required with CRDB_AUTH_ENABLED: the public https URL clients reach this server at",
          "CRDB_AUTH_ISSUER_URL=https://mcp.example.com");
    }
    URI issuer = baseUrl("CRDB_AUTH_ISSUER_URL", issuerText);
    boolean insecure = e.bool("CRDB_AUTH_ALLOW_INSECURE_BIND", false);
    if ("http".equals(issuer.getScheme()) && !loopback(issuer.getHost()) && !insecure) {
      throw new ConfigException(
          "CRDB_AUTH_ISSUER_URL",
          "'"
              + issuerText
              + "' is plain http on a host other than this machine: tokens and codes would cross"
              + " the network unencrypted; use https (a TLS-terminating proxy in front), or set"
              + " CRDB_AUTH_ALLOW_INSECURE_BIND=true for a test network",
          "CRDB_AUTH_ISSUER_URL=https://mcp.example.com");
    }
    String providerText = e.getOrDefault("CRDB_IDP_PROVIDER", "oidc");
    Provider provider =
        Provider.parse(providerText)
            .orElseThrow(
                () ->
                    new ConfigException(
                        "CRDB_IDP_PROVIDER",
                        "'" + providerText + "' is not one of " + Provider.names(),
                        "CRDB_IDP_PROVIDER=oidc"));
    List<String> scopes = scopes(e, "CRDB_AUTH_SCOPES", DEFAULT_SCOPES);
    List<String> defaults = scopes(e, "CRDB_AUTH_DEFAULT_SCOPES", DEFAULT_DEFAULT_SCOPES);
    if (!scopes.containsAll(defaults)) {
      throw new ConfigException(
          "CRDB_AUTH_DEFAULT_SCOPES",
          "lists " + defaults + ", not all of them in CRDB_AUTH_SCOPES " + scopes,
          "CRDB_AUTH_DEFAULT_SCOPES=crdb:read");
    }
    URI discovery = null;
    String clientId = null;
    String secret = null;
    URI external = null;
    URI jwks = null;
    if (mode == Mode.ISSUE) {
      String d = e.get("CRDB_IDP_DISCOVERY_URL");
      if (d == null) {
        throw new ConfigException(
            "CRDB_IDP_DISCOVERY_URL",
            "is required with CRDB_AUTH_ENABLED: the identity provider's OpenID Connect discovery"
                + " document",
            "CRDB_IDP_DISCOVERY_URL=https://example.okta.com/.well-known/openid-configuration");
      }
      discovery = url("CRDB_IDP_DISCOVERY_URL", d, insecure);
      clientId = e.get("CRDB_IDP_CLIENT_ID");
      if (clientId == null) {
        throw new ConfigException(
            "CRDB_IDP_CLIENT_ID",
            "is required with CRDB_AUTH_ENABLED: this server's client id at the identity provider"
                + " (its redirect URI there is "
                + issuer
                + OAuthServer.CALLBACK_PATH
                + ")",
            "CRDB_IDP_CLIENT_ID=cockroachdb-mcp");
      }
      secret = e.get("CRDB_IDP_CLIENT_SECRET");
    } else {
      String x = e.get("CRDB_AUTH_EXTERNAL_ISSUER");
      if (x == null) {
        throw new ConfigException(
            "CRDB_AUTH_EXTERNAL_ISSUER",
            "is required with CRDB_AUTH_MODE=validate: the authorization server whose tokens are"
                + " accepted",
            "CRDB_AUTH_EXTERNAL_ISSUER=https://login.example.com");
      }
      external = url("CRDB_AUTH_EXTERNAL_ISSUER", x, insecure);
      String j = e.get("CRDB_AUTH_JWKS_URL");
      jwks = j == null ? null : url("CRDB_AUTH_JWKS_URL", j, insecure);
    }
    List<String> idpScopes = new ArrayList<>(List.of("openid"));
    for (String s : e.getOrDefault("CRDB_IDP_SCOPES", DEFAULT_IDP_SCOPES).split("[\\s,]+")) {
      if (!s.isBlank() && !idpScopes.contains(s)) {
        idpScopes.add(s);
      }
    }
    return new AuthSettings(
        true,
        mode,
        issuer,
        provider,
        discovery,
        clientId,
        secret,
        idpScopes,
        Duration.ofSeconds(e.positiveInt("CRDB_TOKEN_EXPIRY_SECONDS", DEFAULT_TOKEN_EXPIRY)),
        Duration.ofSeconds(
            e.positiveInt("CRDB_REFRESH_TOKEN_EXPIRY_SECONDS", DEFAULT_REFRESH_TOKEN_EXPIRY)),
        scopes,
        defaults,
        insecure,
        Duration.ofSeconds(e.positiveInt("CRDB_AUTH_KEY_ROTATION_SECONDS", DEFAULT_KEY_ROTATION)),
        external,
        jwks,
        e.get("CRDB_AUTH_AUDIENCE"),
        store(e),
        metadataHosts(e));
  }

  private static List<String> metadataHosts(CrdbConfig.Env e) {
    List<String> hosts =
        e.has("CRDB_AUTH_CLIENT_METADATA_HOSTS")
            ? e.list("CRDB_AUTH_CLIENT_METADATA_HOSTS")
            : List.of("*");
    if (hosts.size() == 1 && hosts.get(0).equalsIgnoreCase("none")) {
      return List.of();
    }
    for (String h : hosts) {
      if (!h.equals("*") && !h.matches("[A-Za-z0-9.\\-:\\[\\]]+")) {
        throw new ConfigException(
            "CRDB_AUTH_CLIENT_METADATA_HOSTS",
            "'" + h + "' is not a host name (or *, or none)",
            "CRDB_AUTH_CLIENT_METADATA_HOSTS=claude.ai");
      }
    }
    return hosts;
  }

  private static Store store(CrdbConfig.Env e) {
    return switch (e.getOrDefault("CRDB_AUTH_STORE", "memory").toLowerCase(Locale.ROOT)) {
      case "memory" -> Store.MEMORY;
      case "database" -> Store.DATABASE;
      default ->
          throw new ConfigException(
              "CRDB_AUTH_STORE",
              "'"
                  + e.get("CRDB_AUTH_STORE")
                  + "' is not a store: memory (this process) or database (a table of the default"
                  + " database, shared by replicas)",
              "CRDB_AUTH_STORE=database");
    };
  }

  /** The protected resource a token must be for: the issuer URL with the MCP endpoint's path. */
  public String resource(String mcpPath) {
    return issuer + mcpPath;
  }

  /** The audience a token must name: {@code CRDB_AUTH_AUDIENCE}, else the resource. */
  public String audience(String mcpPath) {
    return audience != null ? audience : resource(mcpPath);
  }

  /**
   * Checks where the server listens: with authentication on, a non-loopback listener while the
   * public URL is plain http is refused unless {@code CRDB_AUTH_ALLOW_INSECURE_BIND} says so.
   */
  public void checkListener(String host, boolean loopbackOnly) {
    if (enabled && !loopbackOnly && "http".equals(issuer.getScheme()) && !allowInsecureBind) {
      throw new ConfigException(
          "CRDB_AUTH_ALLOW_INSECURE_BIND",
          "listening on "
              + host
              + " (reachable from other machines) while CRDB_AUTH_ISSUER_URL is plain http: bearer"
              + " tokens would cross the network unencrypted. Put a TLS-terminating proxy in"
              + " front and set CRDB_AUTH_ISSUER_URL to its https URL, listen on 127.0.0.1, or"
              + " set CRDB_AUTH_ALLOW_INSECURE_BIND=true",
          "CRDB_AUTH_ISSUER_URL=https://mcp.example.com");
    }
  }

  @Override
  public String toString() {
    return "AuthSettings[enabled="
        + enabled
        + ", mode="
        + mode
        + ", issuer="
        + issuer
        + ", provider="
        + provider
        + ", discoveryUrl="
        + discoveryUrl
        + ", idpClientId="
        + idpClientId
        + ", idpClientSecret="
        + (idpClientSecret == null ? "none" : "****")
        + ", tokenExpiry="
        + tokenExpiry.toSeconds()
        + "s, scopes="
        + scopes
        + "]";
  }

  static boolean loopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
  }

  private static List<String> scopes(CrdbConfig.Env e, String name, String def) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : e.getOrDefault(name, def).split("[\\s,]+")) {
      if (s.isBlank()) {
        continue;
      }
      if (!KNOWN_SCOPES.contains(s)) {
        throw new ConfigException(
            name, "'" + s + "' is not one of " + String.join(", ", KNOWN_SCOPES), name + "=" + def);
      }
      out.add(s);
    }
    if (out.isEmpty()) {
      throw new ConfigException(name, "lists no scope", name + "=" + def);
    }
    return List.copyOf(out);
  }

  private static URI baseUrl(String name, String value) {
    URI u = url(name, value, true);
    if (u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new ConfigException(
          name,
          "'" + value + "' must not have a query or fragment",
          name + "=https://mcp.example.com");
    }
    String s = u.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s);
  }

  private static URI url(String name, String value, boolean allowHttp) {
    URI u;
    try {
      u = new URI(value.trim());
    } catch (Exception ex) {
      throw new ConfigException(name, "'" + value + "' is not a URL", name + "=https://...");
    }
    boolean https = "https".equalsIgnoreCase(u.getScheme());
    boolean http = "http".equalsIgnoreCase(u.getScheme());
    if (u.getHost() == null || !(https || http) || u.getUserInfo() != null) {
      throw new ConfigException(
          name, "'" + value + "' is not an http(s) URL with a host", name + "=https://...");
    }
    if (http && !allowHttp && !loopback(u.getHost())) {
      throw new ConfigException(
          name,
          "'"
              + value
              + "' is plain http to another machine; use https (or set"
              + " CRDB_AUTH_ALLOW_INSECURE_BIND=true for a test network)",
          name + "=https://...");
    }
    return u;
  }
}
