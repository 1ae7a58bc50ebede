package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.CancellingTransport;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The packaged stdio server started as a separate process ({@code java -jar
 * server-stdio/target/server-stdio.jar}) and an SDK {@link McpSyncClient} talking to it.
 */
final class ServerProcess implements AutoCloseable {
  final McpSyncClient client;
  final CancellingTransport transport;

  private ServerProcess(McpSyncClient client, CancellingTransport transport) {
    this.client = client;
    this.transport = transport;
  }

  static Path jar() {
    String p = System.getProperty("server.jar", "target/server-stdio.jar");
    Path jar = Path.of(p).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run ./mvnw package first");
    }
    return jar;
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Starts the server with these CRDB_* settings and initializes a client. */
  static ServerProcess start(Map<String, String> env) {
    return start(env, n -> {});
  }

  static ServerProcess start(
      Map<String, String> env, Consumer<McpSchema.ProgressNotification> progress) {
    return start(env, List.of(), progress);
  }

  /**
   * Starts the server with extra JVM arguments (e.g. {@code -Xmx64m}) placed before {@code -jar}.
   */
  static ServerProcess start(
      Map<String, String> env,
      List<String> jvmArgs,
      Consumer<McpSchema.ProgressNotification> progress) {
    return start(env, jvmArgs, progress, uri -> {});
  }

  /**
   * Starts the server; {@code resourceUpdates} receives the URI of each resource the server says
   * was updated.
   */
  static ServerProcess start(
      Map<String, String> env,
      List<String> jvmArgs,
      Consumer<McpSchema.ProgressNotification> progress,
      Consumer<String> resourceUpdates) {
    return start(env, jvmArgs, progress, resourceUpdates, null);
  }

  /**
   * Starts the server with a client that offers sampling when {@code sampling} is not null and
   * answers the server's {@code sampling/createMessage} requests with it.
   */
  static ServerProcess start(
      Map<String, String> env,
      List<String> jvmArgs,
      Consumer<McpSchema.ProgressNotification> progress,
      Consumer<String> resourceUpdates,
      Function<McpSchema.CreateMessageRequest, McpSchema.CreateMessageResult> sampling) {
    Map<String, String> e = new HashMap<>(env);
    e.putIfAbsent("CRDB_EXPORT_DIR", System.getProperty("java.io.tmpdir") + "/crdb-mcp-it-exports");
    List<String> args = new ArrayList<>(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"));
    args.addAll(jvmArgs);
    args.addAll(List.of("-jar", jar().toString()));
    Set<Long> before =
        ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    ServerParameters params = ServerParameters.builder(java()).args(args).env(e).build();
    StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
    StringBuffer err = new StringBuffer();
    transport.setStdErrorHandler(line -> err.append(line).append('\n'));
    CancellingTransport cancelling = new CancellingTransport(transport);
    McpClient.SyncSpec spec =
        McpClient.sync(cancelling)
            .requestTimeout(Duration.ofSeconds(60))
            .initializationTimeout(Duration.ofSeconds(60))
            .progressConsumer(progress)
            .resourcesUpdateConsumer(
                contents -> contents.forEach(c -> resourceUpdates.accept(c.uri())))
            // The client checks every structured result against the tool's output schema.
            .enableCallToolSchemaCaching(true);
    if (sampling != null) {
      spec.capabilities(McpSchema.ClientCapabilities.builder().sampling().build())
          .sampling(sampling);
    }
    McpSyncClient client = spec.build();
    ServerProcess sp = new ServerProcess(client, cancelling);
    sp.stderrSource = err;
    client.initialize();
    String jarPath = jar().toString();
    sp.process =
        ProcessHandle.current()
            .children()
            .filter(h -> !before.contains(h.pid()))
            .filter(h -> h.info().commandLine().map(c -> c.contains(jarPath)).orElse(true))
            .findFirst()
            .orElse(null);
    return sp;
  }

  private ProcessHandle process;

  /** The server process, when it could be identified among this JVM's children. */
  ProcessHandle process() {
    return process;
  }

  /** Kills the server process at once (SIGKILL), as a crash would, then closes the client. */
  void kill() {
    if (process != null) {
      process.destroyForcibly();
      process.onExit().join();
    }
    try {
      client.close();
    } catch (RuntimeException ignored) {
      // The transport is already broken.
    }
  }

  /** Calls a tool with a progress token so the server sends progress notifications. */
  CallToolResult callWithProgress(String tool, Map<String, Object> args, String token) {
    return client.callTool(
        new McpSchema.CallToolRequest(tool, args, Map.of("progressToken", token)));
  }

  private StringBuffer stderrSource;

  String stderr() {
    return stderrSource == null ? "" : stderrSource.toString();
  }

  CallToolResult call(String tool, Map<String, Object> args) {
    return client.callTool(new McpSchema.CallToolRequest(tool, args));
  }

  @Override
  public void close() {
    client.closeGracefully();
  }
}
