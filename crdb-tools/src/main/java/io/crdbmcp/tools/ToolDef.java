package io.crdbmcp.tools;

import java.util.Map;
import java.util.Objects;

/**
 * One tool, declared as data: name, group, description, input and output schema, hints and the
 * handler. Tool groups return lists of these; {@link CrdbTools} turns them into SDK specifications
 * and wraps every handler in the same error handling and observation.
 *
 * @param writes true when the tool can change data or state; such tools are not offered in
 *     read-only mode
 */
public record ToolDef(
    String name,
    Toolset group,
    String title,
    String description,
    Params params,
    Map<String, Object> outputSchema,
    boolean readOnly,
    boolean destructive,
    boolean idempotent,
    boolean writes,
    Handler handler) {

  /** Handles one call with arguments already unwrapped. */
  @FunctionalInterface
  public interface Handler {
    ToolResult handle(Args args, ToolContext context);
  }

  public ToolDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(handler, "handler");
    if (!name.matches("[a-z][a-z0-9_]{1,63}")) {
      throw new IllegalArgumentException("tool name '" + name + "' is not snake_case");
    }
  }

  /** A tool that only reads. */
  public static ToolDef reader(
      String name,
      Toolset group,
      String title,
      String description,
      Params params,
      Map<String, Object> outputSchema,
      Handler handler) {
    return new ToolDef(
        name, group, title, description, params, outputSchema, true, false, true, false, handler);
  }

  /** A tool that changes data or state. */
  public static ToolDef writer(
      String name,
      Toolset group,
      String title,
      String description,
      Params params,
      Map<String, Object> outputSchema,
      boolean destructive,
      boolean idempotent,
      Handler handler) {
    return new ToolDef(
        name,
        group,
        title,
        description,
        params,
        outputSchema,
        false,
        destructive,
        idempotent,
        true,
        handler);
  }
}
