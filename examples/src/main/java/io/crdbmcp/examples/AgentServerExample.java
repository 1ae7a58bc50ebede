package io.crdbmcp.examples;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.ToolInterceptor;
import io.crdbmcp.tools.Toolset;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embedding the database tools in an agent's own MCP server. The agent builds its server with the
 * MCP SDK as usual; {@link CrdbTools#configure} puts the database tools on it (here only the schema
 * and query toolsets, on a read-only library instance), and the agent adds a tool of its own beside
 * them. An interceptor at the metrics stage counts the database calls; every call also passes the
 * scope check and the same guard as in the packaged server.
 *
 * <p>Run with the CRDB_* settings of your database ({@code CRDB_URL=postgresql://...}): it serves
 * MCP over stdin and stdout with the SDK's stdio transport.
 */
public final class AgentServerExample {
  private AgentServerExample() {}

  /** The agent's server on {@code transport}: the database tools and {@code agent_status}. */
  public static McpSyncServer server(Crdb crdb, McpServerTransportProvider transport) {
    AtomicLong calls = new AtomicLong();
    CrdbTools tools =
        CrdbTools.builder(crdb)
            .toolsets(Toolset.SCHEMA, Toolset.QUERY)
            .interceptor(
                ToolInterceptor.Stage.METRICS,
                (call, next) -> {
                  calls.incrementAndGet();
                  return next.proceed();
                })
            .build();
    return tools
        .configure(McpServer.sync(transport))
        .serverInfo("example-agent", "1.0.0")
        .tools(status(crdb, calls))
        .build();
  }

  /** The agent's own tool, declared with the SDK alone. */
  static SyncToolSpecification status(Crdb crdb, AtomicLong calls) {
    McpSchema.Tool tool =
        McpSchema.Tool.builder()
            .name("agent_status")
            .title("Agent status")
            .description("The database this agent works on and how many database calls it made.")
            .inputSchema(Map.of("type", "object", "properties", Map.of()))
            .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler(
            (exchange, request) ->
                CallToolResult.builder()
                    .addTextContent(crdb + ": " + calls.get() + " database tool calls")
                    .build())
        .build();
  }

  public static void main(String[] args) {
    Crdb crdb = Crdb.create(cfg -> cfg.fromEnvironment().readOnly(true));
    McpSyncServer server = server(crdb, new StdioServerTransportProvider(CrdbTools.jsonMapper()));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.closeGracefully();
                  crdb.close();
                }));
  }
}
