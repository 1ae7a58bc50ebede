package io.crdbmcp.auth;

import java.util.Set;

/**
 * The user a bearer token speaks for: what {@code /mcp} hands to the tool calls of the request.
 *
 * @param user the user's name (the identity provider's verified email, UPN or subject)
 * @param scopes the scopes the token grants
 * @param clientId the OAuth client the token was issued to, or null when the token does not say
 */
public record Principal(String user, Set<String> scopes, String clientId) {
  public Principal {
    scopes = Set.copyOf(scopes);
  }
}
