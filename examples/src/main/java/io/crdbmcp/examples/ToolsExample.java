package io.crdbmcp.examples;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbSettings;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.ToolContext;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Calling the server's tools in-process, exactly as an MCP client would see them (same arguments,
 * same compact text, same errors), for agents that want tool semantics without a transport.
 */
public final class ToolsExample {
  private ToolsExample() {}

  /** Calls describe_table and a failing query; returns both texts. */
  public static String run(Consumer<CrdbSettings> settings) {
    try (Crdb crdb = Crdb.create(settings)) {
      CrdbTools tools = CrdbTools.builder(crdb).build();
      CallToolResult described =
          tools.call("describe_table", Map.of("table", "promo_codes"), ToolContext.local());
      CallToolResult failed =
          tools.call("execute_query", Map.of("sql", "SELECT * FROM promo"), ToolContext.local());
      return text(described) + "\n" + text(failed);
    }
  }

  static String text(CallToolResult r) {
    return ((McpSchema.TextContent) r.content().get(0)).text();
  }

  public static void main(String[] args) {
    System.out.println(run(cfg -> cfg.fromEnvironment()));
  }
}
