package io.crdbmcp.server.http;

import io.crdbmcp.contract.CancellingTransport;
import io.crdbmcp.contract.ServerFactory;
import io.crdbmcp.contract.ServerUnderTest;
import io.crdbmcp.contract.StartOptions;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The contract suites over Streamable HTTP: each server is the packaged HTTP jar started as a
 * process of its own on a free port ({@link HttpServerProcess}), and the client is the SDK's
 * Streamable HTTP client.
 */
final class HttpServerFactory implements ServerFactory {

  @Override
  public ServerUnderTest start(Map<String, String> env, StartOptions options) {
    Map<String, String> settings = new java.util.HashMap<>(env);
    // The suites connect to the test database (local) with the connect tool; over HTTP that
    // needs the operator's permission.
    settings.putIfAbsent("CRDB_HTTP_CONNECT_HOSTS", "localhost,127.0.0.1");
    HttpServerProcess p =
        HttpServerProcess.start(
            settings, options.jvmArgs(), List.of("--streamable-http", "--port", "0"));
    try {
      CancellingTransport[] t = new CancellingTransport[1];
      McpSyncClient c = client(p, options, t);
      return new Http(p, c, t[0]);
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  /** An initialized SDK Streamable HTTP client of the server. */
  static McpSyncClient client(HttpServerProcess p, StartOptions options) {
    return client(p, options, new CancellingTransport[1]);
  }

  /** {@link #client(HttpServerProcess, StartOptions)}; {@code out[0]} gets its transport. */
  static McpSyncClient client(
      HttpServerProcess p, StartOptions options, CancellingTransport[] out) {
    CancellingTransport transport =
        new CancellingTransport(
            HttpClientStreamableHttpTransport.builder(p.base().toString())
                .endpoint(HttpServer.MCP_PATH)
                .build());
    out[0] = transport;
    McpClient.SyncSpec spec =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(60))
            .initializationTimeout(Duration.ofSeconds(60))
            .progressConsumer(options.progress())
            .resourcesUpdateConsumer(
                contents -> contents.forEach(c -> options.resourceUpdates().accept(c.uri())))
            .enableCallToolSchemaCaching(true);
    if (options.sampling() != null) {
      spec.capabilities(McpSchema.ClientCapabilities.builder().sampling().build())
          .sampling(options.sampling());
    }
    McpSyncClient client = spec.build();
    client.initialize();
    return client;
  }

  @Override
  public boolean startsProcesses() {
    return true;
  }

  private record Http(HttpServerProcess server, McpSyncClient client, CancellingTransport transport)
      implements ServerUnderTest {
    @Override
    public int cancelRunningCalls() {
      return transport.cancelRunningCalls("the test cancelled it");
    }

    @Override
    public String logs() {
      return server.stderr();
    }

    @Override
    public Optional<ProcessHandle> process() {
      return Optional.of(server.process().toHandle());
    }

    @Override
    public void close() {
      try {
        client.closeGracefully();
      } catch (RuntimeException ignored) {
        // The server may be gone already.
      }
      server.close();
    }
  }
}
