package io.crdbmcp.core;

/** Receives progress of long operations (exports); MCP progress notifications implement it. */
@FunctionalInterface
public interface Progress {
  /**
   * @param done units done so far
   * @param total total units, or null when unknown
   * @param message a short human-readable status
   */
  void report(double done, Double total, String message);

  Progress NONE = (done, total, message) -> {};
}
