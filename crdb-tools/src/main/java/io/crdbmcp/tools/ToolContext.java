package io.crdbmcp.tools;

import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Progress;

/**
 * Per-call context handed to handlers: who calls, how to report progress, the call's record (which
 * the tool fills with the connection, statement and rows), the client's model when the client
 * offers sampling, and the call's cancellation (which a transport fires on the client's {@code
 * notifications/cancelled}).
 */
public record ToolContext(
    Caller caller, Progress progress, CallRecord record, Sampling sampling, CallCancel cancel) {

  public ToolContext {
    sampling = sampling == null ? Sampling.NONE : sampling;
    cancel = cancel == null ? CallCancel.NONE : cancel;
  }

  /** A context that nobody cancels. */
  public ToolContext(Caller caller, Progress progress, CallRecord record, Sampling sampling) {
    this(caller, progress, record, sampling, CallCancel.NONE);
  }

  /** A context without sampling. */
  public ToolContext(Caller caller, Progress progress, CallRecord record) {
    this(caller, progress, record, Sampling.NONE, CallCancel.NONE);
  }

  /** A context for {@link CrdbTools#call}, which gives each call its own record. */
  public ToolContext(Caller caller, Progress progress) {
    this(caller, progress, null, Sampling.NONE, CallCancel.NONE);
  }

  public static ToolContext local() {
    return new ToolContext(Caller.local(), Progress.NONE);
  }
}
