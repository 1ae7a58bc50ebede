package io.crdbmcp.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity provider, as this server's OpenID Connect client: its discovery document (fetched on
 * first use and kept), the authentication request (authorization code with PKCE S256, a nonce and
 * our own single-use state), the code exchange and the ID token's validation (signature from the
 * discovered keys, issuer, audience, nonce, lifetime). Neither codes, tokens nor the client secret
 * are ever logged.
 */
final class Upstream {
  private final AuthSettings settings;
  private final URI callback;
  private volatile OIDCProviderMetadata metadata;
  private volatile JWKSource<SecurityContext> keys;
  private final Map<String, IDTokenValidator> validators = new ConcurrentHashMap<>();

  Upstream(AuthSettings settings, URI callback) {
    this.settings = settings;
    this.callback = callback;
  }

  /** The discovery document, fetched once (again after a failure). */
  OIDCProviderMetadata metadata() throws UpstreamException {
    OIDCProviderMetadata m = metadata;
    if (m != null) {
      return m;
    }
    synchronized (this) {
      if (metadata == null) {
        try {
          HTTPRequest get = new HTTPRequest(HTTPRequest.Method.GET, settings.discoveryUrl());
          get.setConnectTimeout(5000);
          get.setReadTimeout(10000);
          HTTPResponse r = get.send();
          if (r.getStatusCode() != 200) {
            throw new UpstreamException(
                "the identity provider's discovery document ("
                    + settings.discoveryUrl()
                    + ") answered HTTP "
                    + r.getStatusCode());
          }
          OIDCProviderMetadata parsed = OIDCProviderMetadata.parse(r.getBody());
          keys =
              JWKSourceBuilder.<SecurityContext>create(parsed.getJWKSetURI().toURL())
                  .retrying(true)
                  .build();
          metadata = parsed;
        } catch (UpstreamException e) {
          throw e;
        } catch (Exception e) {
          throw new UpstreamException(
              "the identity provider's discovery document ("
                  + settings.discoveryUrl()
                  + ") cannot be read: "
                  + e.getMessage());
        }
      }
      return metadata;
    }
  }

  /** Where to send the browser: the provider's authorization endpoint with this request. */
  URI authenticationRequest(String state, String nonce, String verifier) throws UpstreamException {
    OIDCProviderMetadata m = metadata();
    return new AuthenticationRequest.Builder(
            ResponseType.CODE,
            new Scope(settings.idpScopes().toArray(String[]::new)),
            new ClientID(settings.idpClientId()),
            callback)
        .endpointURI(m.getAuthorizationEndpointURI())
        .state(new State(state))
        .nonce(new Nonce(nonce))
        .codeChallenge(new CodeVerifier(verifier), CodeChallengeMethod.S256)
        .build()
        .toURI();
  }

  /** Exchanges the provider's code and returns who signed in, from the validated ID token. */
  Provider.Identity redeem(String code, String nonce, String verifier) throws UpstreamException {
    OIDCProviderMetadata m = metadata();
    AuthorizationCodeGrant grant =
        new AuthorizationCodeGrant(
            new AuthorizationCode(code), callback, new CodeVerifier(verifier));
    TokenRequest request;
    ClientID id = new ClientID(settings.idpClientId());
    if (settings.idpClientSecret() == null) {
      request = new TokenRequest(m.getTokenEndpointURI(), id, grant);
    } else {
      Secret secret = new Secret(settings.idpClientSecret());
      List<ClientAuthenticationMethod> methods = m.getTokenEndpointAuthMethods();
      boolean postOnly =
          methods != null
              && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
              && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST);
      request =
          new TokenRequest(
              m.getTokenEndpointURI(),
              postOnly ? new ClientSecretPost(id, secret) : new ClientSecretBasic(id, secret),
              grant);
    }
    TokenResponse response;
    try {
      HTTPRequest http = request.toHTTPRequest();
      http.setConnectTimeout(5000);
      http.setReadTimeout(15000);
      response = OIDCTokenResponseParser.parse(http.send());
    } catch (Exception e) {
      throw new UpstreamException(
          "the identity provider's token endpoint cannot be reached: " + e.getClass().getName());
    }
    if (!response.indicatesSuccess()) {
      TokenErrorResponse err = response.toErrorResponse();
      throw new UpstreamException(
          "the identity provider refused the code: "
              + (err.getErrorObject() == null ? "no reason" : err.getErrorObject().getCode()));
    }
    JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
    if (idToken == null) {
      throw new UpstreamException("the identity provider returned no ID token");
    }
    try {
      String issuer =
          settings.provider().expectedIssuer(m.getIssuer().getValue(), idToken.getJWTClaimsSet());
      IDTokenValidator v = validators.computeIfAbsent(issuer, this::validator);
      IDTokenClaimsSet claims = v.validate(idToken, new Nonce(nonce));
      return settings.provider().identity(claims.toJWTClaimsSet());
    } catch (Exception e) {
      throw new UpstreamException(
          "the identity provider's ID token is not valid: " + e.getMessage());
    }
  }

  private IDTokenValidator validator(String issuer) {
    // Any signature algorithm the provider announces (never "none": that is no JWS algorithm).
    List<JWSAlgorithm> algs = metadata.getIDTokenJWSAlgs();
    java.util.Set<JWSAlgorithm> accepted =
        algs == null || algs.isEmpty()
            ? java.util.Set.of(JWSAlgorithm.RS256)
            : algs.stream()
                .filter(a -> !a.getName().equalsIgnoreCase("none") && !a.getName().startsWith("HS"))
                .collect(java.util.stream.Collectors.toSet());
    return new IDTokenValidator(
        new Issuer(issuer),
        new ClientID(settings.idpClientId()),
        new JWSVerificationKeySelector<>(accepted, keys),
        null);
  }

  /** The identity provider failed or refused; the message names no secret. */
  static final class UpstreamException extends Exception {
    UpstreamException(String message) {
      super(message);
    }
  }
}
