package io.crdbmcp.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the authorization server keeps between requests: registered clients, authorization requests
 * waiting for consent or for the identity provider, authorization codes and refresh tokens (both
 * only by their SHA-256 hash), and revoked token families. Everything that spans requests is here
 * and named by a key the client carries, so a shared implementation lets several replicas serve one
 * flow. Every {@code take} is single-use: a second take of the same key finds nothing.
 */
interface AuthStore {
  /** A registered client (RFC 7591). {@code secretHash} is null for a public client. */
  record Client(
      String id,
      String secretHash,
      List<String> redirectUris,
      String name,
      String authMethod,
      Instant issuedAt) {
    public Client {
      redirectUris = List.copyOf(redirectUris);
    }
  }

  /** An authorization request of a client, checked and waiting for the user. */
  record Request(
      String clientId,
      String clientName,
      String redirectUri,
      String codeChallenge,
      List<String> scopes,
      String clientState) {
    public Request {
      scopes = List.copyOf(scopes);
    }
  }

  /** A request on the consent page: bound to the browser's cookie and the page's CSRF token. */
  record Consent(Request request, String cookieHash, String csrf, Instant expires) {}

  /** A request sent to the identity provider: its nonce and PKCE verifier, under our state. */
  record Upstream(Request request, String nonce, String verifier, Instant expires) {}

  /** An authorization code, issued after the identity provider said who the user is. */
  record Code(Request request, Provider.Identity identity, Instant expires) {}

  /** A refresh token of one family (all tokens descending from one authorization). */
  record Refresh(
      String family,
      String clientId,
      Provider.Identity identity,
      List<String> scopes,
      Instant expires,
      boolean used) {
    public Refresh {
      scopes = List.copyOf(scopes);
    }
  }

  void putClient(Client c);

  Optional<Client> client(String id);

  int clientCount();

  void putConsent(String id, Consent c);

  Optional<Consent> takeConsent(String id);

  void putUpstream(String state, Upstream u);

  Optional<Upstream> takeUpstream(String state);

  void putCode(String hash, Code c);

  Optional<Code> takeCode(String hash);

  /** Remembers a redeemed code's family for a while, so that a second redemption revokes it. */
  void putSpentCode(String hash, String family, Instant expires);

  /** The family of a code redeemed before, if it is still remembered. */
  Optional<String> spentCode(String hash);

  void putRefresh(String hash, Refresh r);

  Optional<Refresh> refresh(String hash);

  /** Marks a refresh token used; false when it already was (a reuse). */
  boolean markUsed(String hash);

  /** Revokes a family until {@code until} (when its last token would have expired). */
  void revokeFamily(String family, Instant until);

  boolean familyRevoked(String family);
}
