package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Progress;

/**
 * Per-call context handed to handlers: who calls, how to report progress, the call's record (which
 * the tool fills with the connection, statement and rows), and the client's model when the client
 * offers sampling.
 */
public record ToolContext(Caller caller, Progress progress, CallRecord record, Sampling sampling) {

  public ToolContext {
    sampling = sampling == null ? Sampling.NONE : sampling;
  }

  /** A context without sampling. */
  public ToolContext(Caller caller, Progress progress, CallRecord record) {
    this(caller, progress, record, Sampling.NONE);
  }

  /** A context for {@link CrdbTools#call}, which gives each call its own record. */
  public ToolContext(Caller caller, Progress progress) {
    this(caller, progress, null, Sampling.NONE);
  }

  public static ToolContext local() {
    return new ToolContext(Caller.local(), Progress.NONE);
  }
}
