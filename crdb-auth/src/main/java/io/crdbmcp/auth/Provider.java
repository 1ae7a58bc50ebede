package io.crdbmcp.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The identity providers, which differ only in claim quirks: every one is reached through OpenID
 * Connect discovery ({@code CRDB_IDP_DISCOVERY_URL}) and the authorization-code flow with PKCE.
 *
 * <ul>
 *   <li>{@code entra} (Azure AD / Entra ID): the multi-tenant endpoints publish the issuer as a
 *       template, {@code https://login.microsoftonline.com/{tenantid}/v2.0}, filled from the
 *       token's {@code tid}; the stable identity of a user is {@code oid} within {@code tid}
 *       ({@code sub} differs per application), and the name is {@code preferred_username} (the
 *       UPN).
 *   <li>{@code auth0}, {@code okta}, {@code duo}, {@code oidc}: {@code sub} is stable; the name is
 *       the verified {@code email}, else {@code preferred_username}, else {@code sub}.
 * </ul>
 */
public enum Provider {
  DUO,
  AUTH0,
  ENTRA,
  OKTA,
  OIDC;

  /** Who signed in: the name ownership, audit and rate limits use, and the stable subject. */
  public record Identity(String user, String subject) {}

  static Optional<Provider> parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.equals("azure") || n.equals("azuread")) {
      n = "entra";
    }
    for (Provider p : values()) {
      if (p.name().toLowerCase(Locale.ROOT).equals(n)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  static String names() {
    return Arrays.stream(values())
        .map(p -> p.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }

  /**
   * The issuer an ID token must name, from the one the discovery document gives: for Entra's
   * multi-tenant endpoints the template filled with the token's own {@code tid} (the signature,
   * checked against the discovered keys, still decides).
   */
  String expectedIssuer(String discovered, JWTClaimsSet unverified) {
    if (this == ENTRA && discovered.contains("{tenantid}")) {
      Object tid = unverified.getClaim("tid");
      if (tid instanceof String t && t.matches("[0-9a-fA-F-]{36}")) {
        return discovered.replace("{tenantid}", t);
      }
    }
    return discovered;
  }

  /** Who signed in, from the verified ID token's claims. */
  Identity identity(JWTClaimsSet claims) {
    if (this == ENTRA) {
      String oid = text(claims, "oid");
      String tid = text(claims, "tid");
      String subject = oid != null && tid != null ? tid + "/" + oid : claims.getSubject();
      String name = text(claims, "preferred_username");
      if (name == null) {
        name = text(claims, "email");
      }
      return new Identity(name != null ? name : subject, subject);
    }
    String email = text(claims, "email");
    Object verified = claims.getClaim("email_verified");
    if (email != null && !Boolean.FALSE.equals(verified) && !"false".equals(verified)) {
      return new Identity(email, claims.getSubject());
    }
    String name = text(claims, "preferred_username");
    return new Identity(name != null ? name : claims.getSubject(), claims.getSubject());
  }

  private static String text(JWTClaimsSet claims, String name) {
    Object v = claims.getClaim(name);
    return v instanceof String s && !s.isBlank() ? s : null;
  }
}
