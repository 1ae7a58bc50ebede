package io.crdbmcp.tools;

import java.util.Collection;

/**
 * The OAuth scope a tool needs. Each scope includes the ones before it: a caller granted {@code
 * crdb:write} may also read, {@code crdb:admin} may do everything. A caller with no scopes at all
 * (unauthenticated local use: stdio, an embedding program) may call every tool.
 */
public enum Scope {
  /** Read data and metadata. */
  READ("crdb:read"),
  /** Change data (and run statements that may change it). */
  WRITE("crdb:write"),
  /** Manage the server itself: open and close connections. */
  ADMIN("crdb:admin");

  private final String id;

  Scope(String id) {
    this.id = id;
  }

  /** The scope string, e.g. {@code crdb:read}, as it appears in tokens. */
  public String id() {
    return id;
  }

  /** Whether a caller holding {@code granted} has this scope (directly or through a wider one). */
  public boolean grantedBy(Collection<String> granted) {
    for (Scope s : values()) {
      if (s.ordinal() >= ordinal() && granted.contains(s.id)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return id;
  }
}
