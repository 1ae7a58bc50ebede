package io.crdbmcp.tools;

import java.util.List;

/**
 * Where a listing tool runs (its {@code connection} and {@code transaction_id}) and how it shows
 * its result ({@code format}, {@code detail}): the arguments every catalog listing shares.
 */
record View(Target target, boolean json, boolean detailed) {
  static View from(Args a) {
    return new View(Target.from(a), a.json(), a.detailed());
  }

  /** The text columns: every attribute when detailed, else the essentials. */
  List<String> columns(List<String> concise, List<String> detailed) {
    return this.detailed ? detailed : concise;
  }
}
