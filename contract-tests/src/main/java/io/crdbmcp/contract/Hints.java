package io.crdbmcp.contract;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * A tool's hints as a client reads them: an absent hint (or absent annotations) has the protocol's
 * default, readOnlyHint false, destructiveHint true, idempotentHint false; destructive and
 * idempotent mean something only for a tool that is not read-only. The server sends only the hints
 * that differ from these defaults, so tests read them through here.
 */
final class Hints {
  private Hints() {}

  static boolean readOnly(McpSchema.Tool t) {
    return t.annotations() != null && Boolean.TRUE.equals(t.annotations().readOnlyHint());
  }

  static boolean destructive(McpSchema.Tool t) {
    if (readOnly(t)) {
      return false;
    }
    McpSchema.ToolAnnotations a = t.annotations();
    return a == null || a.destructiveHint() == null || a.destructiveHint();
  }

  static boolean idempotent(McpSchema.Tool t) {
    if (readOnly(t)) {
      return true;
    }
    McpSchema.ToolAnnotations a = t.annotations();
    return a != null && Boolean.TRUE.equals(a.idempotentHint());
  }
}
