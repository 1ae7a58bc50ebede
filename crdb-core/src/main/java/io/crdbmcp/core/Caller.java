package io.crdbmcp.core;

import java.util.Set;

/**
 * Who is calling: the client (an MCP session or process) and, once authentication exists, the user
 * and scopes. Passed to every service call so ownership (transactions, connections opened with
 * {@code connect} or {@code switch_database}), audit and rate limits see the same identity.
 *
 * @param clientId the transport-level client (stdio process or HTTP session); never null
 * @param user the authenticated user, or null when unauthenticated
 * @param scopes granted scopes; empty when unauthenticated
 * @param readOnly every call of this caller is read-only, whatever the server allows (a token
 *     granted only a read scope): writes are refused and transactions begin read-only
 */
public record Caller(String clientId, String user, Set<String> scopes, boolean readOnly) {
  public Caller {
    clientId = clientId == null ? "local" : clientId;
    scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
  }

  /** A caller that may write as far as the server allows. */
  public Caller(String clientId, String user, Set<String> scopes) {
    this(clientId, user, scopes, false);
  }

  /** The single local user of an embedded library or a stdio process. */
  public static Caller local() {
    return new Caller("local", null, Set.of());
  }

  public static Caller client(String clientId) {
    return new Caller(clientId, null, Set.of());
  }

  /** True when {@code other} is the same client and the same user. */
  public boolean sameAs(Caller other) {
    return other != null
        && clientId.equals(other.clientId)
        && java.util.Objects.equals(user, other.user);
  }

  /**
   * The owner of what this caller opens (connections, transactions): client and user, without the
   * scopes and the read-only mark. Two callers have the same owner exactly when {@link #sameAs}
   * holds.
   */
  public Caller owner() {
    return scopes.isEmpty() && !readOnly ? this : new Caller(clientId, user, Set.of(), false);
  }
}
