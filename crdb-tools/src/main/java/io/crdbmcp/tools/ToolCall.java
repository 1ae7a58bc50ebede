package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Objects;

/** One call as an interceptor sees it: the tool, the scope it needs, the caller and the record. */
public final class ToolCall {
  private final ToolDef tool;
  private final Scope scope;
  private final ToolContext context;

  ToolCall(ToolDef tool, Scope scope, ToolContext context) {
    this.tool = tool;
    this.scope = scope;
    this.context = context;
  }

  /** The tool's declaration (name, group, effect ...). */
  public ToolDef tool() {
    return tool;
  }

  /** The scope the caller needs for this tool on this server. */
  public Scope scope() {
    return scope;
  }

  public Caller caller() {
    return context.caller();
  }

  /** The call's record: filled as the call runs, complete once {@code next.proceed()} returned. */
  public CallRecord record() {
    return context.record();
  }

  ToolContext context() {
    return context;
  }

  /**
   * Refuses the call: ends the record as {@link CallRecord.Outcome#REFUSED} with {@code code} and
   * returns the {@code isError} result to hand back instead of calling {@code next}.
   *
   * @param code stable, UPPER_SNAKE_CASE, e.g. {@code INSUFFICIENT_SCOPE}, {@code RATE_LIMITED}
   * @param message what was refused and why, without secrets
   * @param suggestion what the caller can do instead; may be null
   */
  public CallToolResult refuse(String code, String message, String suggestion) {
    if (code == null || !code.matches("[A-Z][A-Z0-9_]*")) {
      throw new IllegalArgumentException("refusal code '" + code + "' is not UPPER_SNAKE_CASE");
    }
    Objects.requireNonNull(message, "message");
    record().end(CallRecord.Outcome.REFUSED, code);
    return CrdbTools.refusal(code, message, suggestion);
  }
}
