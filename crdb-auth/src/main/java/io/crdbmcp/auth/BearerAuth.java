package io.crdbmcp.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource server's side: every request to the MCP endpoint carries {@code Authorization:
 * Bearer <access token>}, a JWT whose signature, issuer, audience (the resource, RFC 8707) and
 * lifetime are checked here. A request without one, or with a bad one, gets 401 with {@code
 * WWW-Authenticate} naming the protected resource metadata (RFC 9728) and the scopes; a token with
 * none of this server's scopes gets 403 {@code insufficient_scope}. A token in the query string is
 * refused (400) and never read. Tokens never reach a log line or the database.
 */
public final class BearerAuth {
  private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);

  private final Supplier<ConfigurableJWTProcessor<SecurityContext>> processor;
  private final String resourceMetadata;
  private final List<String> scopes;
  private final Predicate<String> familyRevoked;
  private final Provider provider;
  private final boolean own;

  BearerAuth(
      Supplier<ConfigurableJWTProcessor<SecurityContext>> processor,
      String resourceMetadata,
      List<String> scopes,
      Predicate<String> familyRevoked,
      Provider provider,
      boolean own) {
    this.processor = processor;
    this.resourceMetadata = resourceMetadata;
    this.scopes = List.copyOf(scopes);
    this.familyRevoked = familyRevoked;
    this.provider = provider;
    this.own = own;
  }

  /** A processor for JWT access tokens of {@code issuer} for {@code audience}, keys from source. */
  static ConfigurableJWTProcessor<SecurityContext> processor(
      JWKSource<SecurityContext> keys, String issuer, String audience, boolean own) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSTypeVerifier(
        own
            ? new DefaultJOSEObjectTypeVerifier<>(SigningKeys.ACCESS_TOKEN_TYPE)
            : new DefaultJOSEObjectTypeVerifier<>(
                SigningKeys.ACCESS_TOKEN_TYPE,
                JOSEObjectType.JWT,
                new JOSEObjectType("application/at+jwt"),
                null));
    p.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            own
                ? Set.of(JWSAlgorithm.RS256)
                : Set.of(
                    JWSAlgorithm.RS256,
                    JWSAlgorithm.RS384,
                    JWSAlgorithm.RS512,
                    JWSAlgorithm.PS256,
                    JWSAlgorithm.ES256,
                    JWSAlgorithm.ES384),
            keys));
    p.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            audience,
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            Set.of("sub", "exp", "iat")));
    return p;
  }

  /**
   * Authenticates a request: the principal, or null after writing the refusal (401, 403 or 400) to
   * {@code res}.
   */
  public Principal authenticate(HttpServletRequest req, HttpServletResponse res)
      throws IOException {
    String query = req.getQueryString();
    if (query != null && query.matches("(?i)(^|.*&)access_token=.*")) {
      refuse(
          res,
          400,
          "invalid_request",
          "an access token in the query string is refused; send it in the Authorization header");
      return null;
    }
    String header = req.getHeader("Authorization");
    if (header == null || header.isBlank()) {
      challenge(res, 401, null, null);
      return null;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
      refuse(
          res, 401, "invalid_request", "the Authorization header must be 'Bearer <access token>'");
      return null;
    }
    String token = header.substring(7).trim();
    JWTClaimsSet claims;
    try {
      claims = processor.get().process(token, null);
    } catch (Exception e) {
      // The reason, never the token: expired, wrong audience or issuer, bad signature, unknown key.
      LOG.debug("bearer token refused: {}", reason(e));
      refuse(res, 401, "invalid_token", reason(e));
      return null;
    }
    Object family = claims.getClaim("fam");
    if (familyRevoked != null && family instanceof String f && familyRevoked.test(f)) {
      refuse(res, 401, "invalid_token", "the token was revoked; authorize again");
      return null;
    }
    Set<String> granted = grantedScopes(claims);
    granted.retainAll(AuthSettings.KNOWN_SCOPES);
    if (granted.isEmpty()) {
      challenge(
          res,
          403,
          "insufficient_scope",
          "the token grants none of this server's scopes (" + String.join(" ", scopes) + ")");
      return null;
    }
    String user = own ? claims.getSubject() : provider.identity(claims).user();
    Object client = claims.getClaim("client_id");
    if (client == null) {
      client = claims.getClaim("azp");
    }
    return new Principal(user, granted, client instanceof String c ? c : null);
  }

  private static Set<String> grantedScopes(JWTClaimsSet claims) {
    Set<String> out = new LinkedHashSet<>();
    for (String name : List.of("scope", "scp")) {
      Object v = claims.getClaim(name);
      if (v instanceof String s) {
        for (String part : s.split(" ")) {
          if (!part.isBlank()) {
            out.add(part);
          }
        }
      } else if (v instanceof Collection<?> c) {
        c.forEach(x -> out.add(String.valueOf(x)));
      }
    }
    return out;
  }

  private static String reason(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (m.contains("Expired")) {
      return "the token has expired; refresh it or authorize again";
    }
    if (m.contains("aud")) {
      return "the token is for another resource (audience); ask for a token for this server";
    }
    if (m.contains("iss")) {
      return "the token is from another issuer";
    }
    if (m.contains("Invalid serialized") || m.contains("parse")) {
      return "the token is not a JWT access token of this server";
    }
    if (m.contains("signature") || m.contains("key")) {
      return "the token's signature does not verify";
    }
    return "the token is not valid (" + clip(m) + ")";
  }

  private static String clip(String s) {
    String t = s.replaceAll("[\\p{Cntrl}\"\\\\]", "?");
    return t.length() > 120 ? t.substring(0, 120) + "..." : t;
  }

  /**
   * Answers a request whose token is valid but lacks a scope the request needs: 403 with {@code
   * WWW-Authenticate: Bearer error="insufficient_scope"} and, in {@code scope}, the scopes to ask
   * for (those it has and {@code needed}), so the client can authorize again and retry (the MCP
   * authorization spec's step-up).
   */
  public void insufficientScope(
      HttpServletResponse res, Principal p, String needed, String description) throws IOException {
    Set<String> ask = new java.util.TreeSet<>(p.scopes());
    ask.add(needed);
    challenge(res, 403, "insufficient_scope", description, ask);
  }

  private void challenge(HttpServletResponse res, int status, String error, String description)
      throws IOException {
    challenge(res, status, error, description, scopes);
  }

  private void challenge(
      HttpServletResponse res,
      int status,
      String error,
      String description,
      Collection<String> scopeParam)
      throws IOException {
    StringBuilder h = new StringBuilder("Bearer resource_metadata=\"" + resourceMetadata + "\"");
    h.append(", scope=\"").append(String.join(" ", scopeParam)).append('"');
    if (error != null) {
      h.append(", error=\"").append(error).append('"');
      h.append(", error_description=\"").append(clip(description)).append('"');
    }
    res.setHeader("WWW-Authenticate", h.toString());
    body(
        res,
        status,
        error == null ? "invalid_token" : error,
        description == null
            ? "this server needs an access token: see the authorization server named in "
                + resourceMetadata
            : description);
  }

  private void refuse(HttpServletResponse res, int status, String error, String description)
      throws IOException {
    challenge(res, status, error, description);
  }

  private static void body(HttpServletResponse res, int status, String error, String description)
      throws IOException {
    res.setStatus(status);
    res.setHeader("Cache-Control", "no-store");
    res.setContentType("application/json");
    res.setCharacterEncoding(StandardCharsets.UTF_8.name());
    res.getWriter()
        .write(
            "{\"error\":\""
                + error
                + "\",\"error_description\":\""
                + clip(description).replace("\"", "'")
                + "\"}");
  }
}
