package io.crdbmcp.core;

/**
 * Not for library users: the capability that opens the execution engine's internals across its
 * packages. A raw connection is lent ({@code Database.borrow}), work runs on one ({@code
 * SqlExecutor.run}, {@code Transactions.runIn}) and user SQL reaches its connection ({@code
 * Queries.runPlainSql}) only for a caller that presents a key.
 *
 * <p>Java has no friend packages: the engine ({@code connect}, {@code sql}, {@code tx}) and the
 * capabilities built on it ({@code schema}, {@code rows}, {@code export}) live in several packages,
 * so these entry points must be public. The key keeps them closed: its constructor is
 * package-private to {@code io.crdbmcp.core}, where only {@link Crdb}'s wiring makes one, once per
 * instance, and hands it to the services it builds. Nothing public returns a key, so code outside
 * the library cannot run SQL around the safety guard through those entry points.
 */
public final class EngineKey {
  EngineKey() {}

  /**
   * Throws unless {@code key} is a key (only the library's wiring has one); the first line of every
   * entry point that takes one.
   */
  public static void check(EngineKey key) {
    if (key == null) {
      throw new IllegalArgumentException("an engine entry point needs the library's engine key");
    }
  }

  @Override
  public String toString() {
    return "EngineKey";
  }
}
