package io.crdbmcp.auth;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.id.Issuer;
import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.sql.SystemStore;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth 2.1 for the HTTP transport, as the launcher mounts it: {@link #servlet()} on {@link
 * OAuthServer#paths()} and {@link #bearer()} in front of the MCP endpoint. Made from {@link
 * AuthSettings}; in {@link AuthSettings.Mode#ISSUE} this server is the authorization server (in
 * front of the identity provider) and signs its own access tokens, in {@link
 * AuthSettings.Mode#VALIDATE} it accepts the tokens of an external authorization server.
 */
public final class OAuth {
  private static final Logger LOG = LoggerFactory.getLogger(OAuth.class);

  private final OAuthServer servlet;
  private final BearerAuth bearer;

  private OAuth(OAuthServer servlet, BearerAuth bearer) {
    this.servlet = servlet;
    this.bearer = bearer;
  }

  /**
   * Builds the authorization server and the resource server's check.
   *
   * @param mcpPath the MCP endpoint's path ({@code /mcp}): the resource is the issuer URL with it
   * @param systemStore the server's table in the default database ({@code crdb.store()}), for
   *     {@code CRDB_AUTH_STORE=database}; may be null otherwise
   */
  public static OAuth create(AuthSettings settings, String mcpPath, SystemStore systemStore) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("authentication is not enabled");
    }
    Clock clock = Clock.systemUTC();
    String metadata = settings.issuer() + OAuthServer.PRM_PATH + mcpPath;
    if (settings.mode() == AuthSettings.Mode.ISSUE) {
      AuthStore store;
      SigningKeys keys;
      if (settings.store() == AuthSettings.Store.DATABASE) {
        if (systemStore == null || !systemStore.writable()) {
          throw new ConfigException(
              "CRDB_AUTH_STORE",
              "database keeps the OAuth data in a table of the default database, which this server"
                  + " cannot write (CRDB_READ_ONLY, or a read-only default connection)",
              "CRDB_AUTH_STORE=memory");
        }
        DatabaseStore db = new DatabaseStore(systemStore);
        store = db;
        keys =
            new SigningKeys(clock, settings.keyRotation(), settings.tokenExpiry(), db.keySlots());
      } else {
        MemoryStore memory = new MemoryStore(clock);
        store = memory;
        keys = new SigningKeys(clock, settings.keyRotation(), settings.tokenExpiry());
      }
      Upstream upstream =
          new Upstream(settings, URI.create(settings.issuer() + OAuthServer.CALLBACK_PATH));
      try {
        upstream.metadata();
      } catch (Upstream.UpstreamException e) {
        LOG.warn("{}; sign-ins fail until it answers", e.getMessage());
      }
      ConfigurableJWTProcessor<SecurityContext> own =
          BearerAuth.processor(
              keys.source(), settings.issuer().toString(), settings.audience(mcpPath), true);
      OAuthServer servlet = new OAuthServer(settings, mcpPath, clock, store, keys, upstream);
      BearerAuth bearer =
          new BearerAuth(
              () -> own,
              metadata,
              settings.scopes(),
              store::familyRevoked,
              settings.provider(),
              true);
      LOG.info(
          "OAuth: authorization server {} in front of {} ({}); access tokens live {} s; store: {}",
          settings.issuer(),
          settings.provider().name().toLowerCase(java.util.Locale.ROOT),
          settings.discoveryUrl(),
          settings.tokenExpiry().toSeconds(),
          settings.store() == AuthSettings.Store.DATABASE
              ? systemStore.describe()
              : "this process's memory");
      return new OAuth(servlet, bearer);
    }
    OAuthServer servlet = new OAuthServer(settings, mcpPath, clock, null, null, null);
    Supplier<ConfigurableJWTProcessor<SecurityContext>> external =
        new ExternalKeys(settings, settings.audience(mcpPath));
    BearerAuth bearer =
        new BearerAuth(
            external, metadata, AuthSettings.KNOWN_SCOPES, null, settings.provider(), false);
    LOG.info(
        "OAuth: accepting access tokens of {} for audience {}",
        settings.externalIssuer(),
        settings.audience(mcpPath));
    return new OAuth(servlet, bearer);
  }

  /** The endpoints: resource metadata, and in issue mode the authorization server. */
  public OAuthServer servlet() {
    return servlet;
  }

  /** The check of every request to the MCP endpoint. */
  public BearerAuth bearer() {
    return bearer;
  }

  /** The paths of {@link #servlet()}. */
  public List<String> paths() {
    return servlet.paths();
  }

  /**
   * The external authorization server's keys: {@code CRDB_AUTH_JWKS_URL}, else the {@code jwks_uri}
   * of its metadata (looked up on first use, again after a failure).
   */
  private static final class ExternalKeys
      implements Supplier<ConfigurableJWTProcessor<SecurityContext>> {
    private final AuthSettings settings;
    private final String audience;
    private volatile ConfigurableJWTProcessor<SecurityContext> processor;

    ExternalKeys(AuthSettings settings, String audience) {
      this.settings = settings;
      this.audience = audience;
    }

    @Override
    public ConfigurableJWTProcessor<SecurityContext> get() {
      ConfigurableJWTProcessor<SecurityContext> p = processor;
      if (p != null) {
        return p;
      }
      synchronized (this) {
        if (processor == null) {
          URI jwks = settings.jwksUrl();
          try {
            if (jwks == null) {
              jwks =
                  AuthorizationServerMetadata.resolve(
                          new Issuer(settings.externalIssuer().toString()))
                      .getJWKSetURI();
            }
            JWKSource<SecurityContext> keys =
                JWKSourceBuilder.<SecurityContext>create(jwks.toURL()).retrying(true).build();
            processor =
                BearerAuth.processor(keys, settings.externalIssuer().toString(), audience, false);
          } catch (Exception e) {
            throw new IllegalStateException(
                "the key set of " + settings.externalIssuer() + " cannot be found: " + e, e);
          }
        }
        return processor;
      }
    }
  }
}
