package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.TreeSet;

/**
 * The first interceptor: a caller with scopes (an authenticated one) may call a tool only when they
 * grant the tool's {@link Scope}. A caller with no scopes at all is unauthenticated local use
 * (stdio, an embedding program) and may call every tool.
 */
final class ScopeCheck implements ToolInterceptor {
  /** The code of the refusal, as in RFC 6750's {@code insufficient_scope}. */
  static final String CODE = "INSUFFICIENT_SCOPE";

  @Override
  public CallToolResult intercept(ToolCall call, Next next) {
    Caller caller = call.caller();
    Scope needed = call.scope();
    if (caller.scopes().isEmpty() || needed.grantedBy(caller.scopes())) {
      return next.proceed();
    }
    return call.refuse(
        CODE,
        call.tool().name()
            + " needs the scope "
            + needed.id()
            + "; the caller"
            + (caller.user() == null ? "" : " (" + caller.user() + ")")
            + " has "
            + String.join(" ", new TreeSet<>(caller.scopes())),
        "authorize again asking for "
            + needed.id()
            + (needed == Scope.ADMIN ? "" : " (or a wider scope)")
            + ", or use tools your scopes allow");
  }
}
