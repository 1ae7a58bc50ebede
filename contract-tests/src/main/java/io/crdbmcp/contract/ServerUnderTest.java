package io.crdbmcp.contract;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One running server and an initialized SDK client connected to it, whatever the transport. Made by
 * a {@link ServerFactory}; closing it closes the client and stops the server.
 */
public interface ServerUnderTest extends AutoCloseable {

  /** The initialized SDK client, for what the helpers below do not cover. */
  McpSyncClient client();

  /** Calls a tool; a tool failure is an {@code isError} result, a protocol error an exception. */
  default CallToolResult call(String tool, Map<String, Object> args) {
    return client().callTool(new McpSchema.CallToolRequest(tool, args));
  }

  /**
   * Calls a tool with a progress token, so the server sends progress notifications; they reach the
   * consumer given in {@link StartOptions#progress()}.
   */
  default CallToolResult callWithProgress(String tool, Map<String, Object> args, String token) {
    return client()
        .callTool(new McpSchema.CallToolRequest(tool, args, Map.of("progressToken", token)));
  }

  /**
   * Sends {@code notifications/cancelled} for every tool call of this client still running, as a
   * client does when its user stops a call (see {@link CancellingTransport}).
   *
   * @return how many calls it named
   */
  default int cancelRunningCalls() {
    throw new UnsupportedOperationException("this transport's client cannot cancel calls");
  }

  /** The tools the server offers. */
  default List<McpSchema.Tool> listTools() {
    return client().listTools().tools();
  }

  /**
   * Everything the server has logged so far (the process's stderr for a server in a process of its
   * own). Tests check that no secret reaches it; a transport that cannot capture the server's log
   * returns what it can.
   */
  String logs();

  /**
   * The server's own operating-system process, when the transport starts one (see {@link
   * ServerFactory#startsProcesses()}); empty when the server runs inside the test JVM.
   */
  default Optional<ProcessHandle> process() {
    return Optional.empty();
  }

  /**
   * Ends the server at once, as a crash would (SIGKILL to its process), then closes the client.
   * Only for transports whose servers run as processes of their own.
   */
  default void kill() {
    ProcessHandle p =
        process()
            .orElseThrow(
                () -> new UnsupportedOperationException("the server has no process of its own"));
    p.destroyForcibly();
    p.onExit().join();
    try {
      client().close();
    } catch (RuntimeException ignored) {
      // The transport is already broken.
    }
  }

  /** Closes the client gracefully and stops the server. */
  @Override
  void close();
}
