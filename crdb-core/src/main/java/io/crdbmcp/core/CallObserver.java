package io.crdbmcp.core;

/**
 * Sees every tool call once, at one place, after it finished. Audit logging, metrics and rate
 * accounting implement this; they never see argument values that may hold secrets.
 */
@FunctionalInterface
public interface CallObserver {
  /**
   * @param tool tool name
   * @param caller who called
   * @param durationMillis wall time of the call
   * @param errorCode null on success, else the stable error code
   */
  void onCall(String tool, Caller caller, double durationMillis, ErrorCode errorCode);

  CallObserver NONE = (tool, caller, durationMillis, errorCode) -> {};
}
