package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Progress;

/** Per-call context handed to handlers: who calls, and how to report progress. */
public record ToolContext(Caller caller, Progress progress) {
  public static ToolContext local() {
    return new ToolContext(Caller.local(), Progress.NONE);
  }
}
