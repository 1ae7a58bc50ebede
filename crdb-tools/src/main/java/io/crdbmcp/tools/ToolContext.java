package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Progress;

/**
 * Per-call context handed to handlers: who calls, how to report progress, and the call's record
 * (which the tool fills with the connection, statement and rows).
 */
public record ToolContext(Caller caller, Progress progress, CallRecord record) {

  /** A context for {@link CrdbTools#call}, which gives each call its own record. */
  public ToolContext(Caller caller, Progress progress) {
    this(caller, progress, null);
  }

  public static ToolContext local() {
    return new ToolContext(Caller.local(), Progress.NONE);
  }
}
