package io.crdbmcp.tools;

/**
 * Told about every call once it has ended, whatever ended it: also calls an interceptor refused
 * (which later interceptors never see) and calls of unknown tools. Cannot change the result. For
 * counting or logging every call, including refusals; exceptions it throws are logged and ignored.
 */
@FunctionalInterface
public interface CallListener {
  void callEnded(CallRecord record);
}
