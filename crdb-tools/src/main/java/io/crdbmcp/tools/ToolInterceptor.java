package io.crdbmcp.tools;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

/**
 * Runs around every tool call. Interceptors form one chain in the order of their {@link Stage}
 * (scope check, rate limit, metrics, audit; several at one stage in the order they were added), and
 * the tool runs at its end. An interceptor may:
 *
 * <ul>
 *   <li><b>refuse</b> the call: return {@link ToolCall#refuse} without calling {@code next}; the
 *       tool and the later interceptors do not run, the client gets an {@code isError} result;
 *   <li><b>wrap</b> it: do something before and after {@code next.proceed()} (time it, hold a
 *       permit);
 *   <li><b>observe</b> it: read {@link ToolCall#record()} after {@code next.proceed()}, when it
 *       holds the outcome and what the tool filled in.
 * </ul>
 *
 * {@code next.proceed()} never throws: failures of the tool or of later interceptors come back as
 * {@code isError} results, and the record says what happened. An interceptor that throws is treated
 * the same way ({@code INTERNAL}, or the code of a {@link io.crdbmcp.core.CrdbException}).
 */
@FunctionalInterface
public interface ToolInterceptor {

  /** Where in the chain an interceptor runs; earlier stages run first (outermost). */
  enum Stage {
    /** Who may call what: the {@link Scope} check. */
    SCOPE,
    /** How often: rate limits and quotas. */
    RATE_LIMIT,
    /** How long and how often it failed: metrics. */
    METRICS,
    /** What was done: the audit log. */
    AUDIT
  }

  /** The rest of the chain. */
  @FunctionalInterface
  interface Next {
    /** Runs the later interceptors and the tool; returns their result. Never throws. */
    CallToolResult proceed();
  }

  CallToolResult intercept(ToolCall call, Next next);
}
