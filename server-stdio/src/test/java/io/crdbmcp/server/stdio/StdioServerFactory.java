package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ServerFactory;
import io.crdbmcp.contract.ServerUnderTest;
import io.crdbmcp.contract.StartOptions;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;
import java.util.Optional;

/**
 * The contract suites over stdio: each server is the packaged jar started as a process of its own
 * ({@link ServerProcess}), with the JVM options and progress consumer of its {@link StartOptions}.
 */
final class StdioServerFactory implements ServerFactory {

  @Override
  public ServerUnderTest start(Map<String, String> env, StartOptions options) {
    return new Stdio(
        ServerProcess.start(
            env,
            options.jvmArgs(),
            options.progress(),
            options.resourceUpdates(),
            options.sampling()));
  }

  @Override
  public boolean startsProcesses() {
    return true;
  }

  /**
   * A {@link ServerProcess} seen as a {@link ServerUnderTest}. (ServerProcess itself stays free of
   * contract-tests types: the benchmarks run it with only the server's runtime class path.)
   */
  private record Stdio(ServerProcess server) implements ServerUnderTest {
    @Override
    public int cancelRunningCalls() {
      return server.transport.cancelRunningCalls("the test cancelled it");
    }

    @Override
    public McpSyncClient client() {
      return server.client;
    }

    @Override
    public CallToolResult call(String tool, Map<String, Object> args) {
      return server.call(tool, args);
    }

    @Override
    public CallToolResult callWithProgress(String tool, Map<String, Object> args, String token) {
      return server.callWithProgress(tool, args, token);
    }

    @Override
    public String logs() {
      return server.stderr();
    }

    @Override
    public Optional<ProcessHandle> process() {
      return Optional.ofNullable(server.process());
    }

    @Override
    public void kill() {
      server.kill();
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
