package io.crdbmcp.server.stdio;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.launch.Help;
import io.crdbmcp.tools.launch.Launch;
import io.crdbmcp.tools.launch.LaunchOptions;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The stdio launcher: the shared {@link Launch} (settings, demo, library, tools) plus our {@link
 * StdioTransport}. Logs go to stderr; stdout carries only the protocol.
 */
public final class StdioServer {
  public static final String NAME = CrdbTools.SERVER_NAME;
  public static final String VERSION = CrdbTools.SERVER_VERSION;

  private StdioServer() {}

  /**
   * Names slf4j's provider (slf4j-simple, ours), unless the user named one: otherwise slf4j finds
   * it by opening every jar on the class path, about 30 ms of a 0.5 s start (async-profiler, wall
   * clock). Called before anything logs. slf4j then says at every start which provider it was told
   * to load; its own messages are kept to warnings, so that line is not printed.
   */
  static void namedLogProvider() {
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
      if (System.getProperty("slf4j.internal.verbosity") == null) {
        System.setProperty("slf4j.internal.verbosity", "WARN");
      }
    }
  }

  public static void main(String[] argv) {
    namedLogProvider();
    LaunchOptions options;
    try {
      options = LaunchOptions.parse(List.of(argv));
    } catch (LaunchOptions.UsageException e) {
      System.err.println(NAME + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(Help.TEXT);
      return;
    }
    if (options.version()) {
      System.out.println(NAME + " " + VERSION);
      return;
    }
    if (options.transport() != LaunchOptions.Transport.STDIO) {
      System.err.println(
          NAME
              + ": this is the stdio server; the HTTP transports are served by"
              + " server-http/target/server-http.jar (bin/cockroachdb-mcp picks it for"
              + " --streamable-http and --http)");
      System.exit(2);
      return;
    }
    // stdout is the protocol channel: keep the real one for the transport, send stray prints
    // to stderr.
    OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
    CompletableFuture<McpJsonMapper> mapper = JsonWarmUp.start();

    Launch launch;
    CrdbTools tools;
    try {
      launch = Launch.open(System.getenv(), options.demo(), System.err::println);
    } catch (ConfigException e) {
      System.err.println(NAME + ": configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      tools = launch.tools().build();
    } catch (ConfigException e) {
      System.err.println(NAME + ": configuration error: " + e.getMessage());
      launch.close();
      System.exit(2);
      return;
    }
    if (options.demo()) {
      System.err.println(
          NAME
              + ": point an MCP client at this server with the command: bin/cockroachdb-mcp --demo");
    }
    // stdin unbuffered: the transport reads it in chunks of its own. System.in's buffer asks the
    // kernel how much more is waiting after every read (fstat and ioctl, two system calls per
    // call).
    StdioTransport transport =
        new StdioTransport(
            JsonWarmUp.mapper(mapper),
            new FileInputStream(FileDescriptor.in),
            protocolOut,
            tools.cancellations());
    // Immediate execution: a call runs on the transport's thread that read it, which has handed the
    // reading on (see StdioTransport), instead of one more hand-off to the SDK's scheduler.
    McpSyncServer server = tools.build(McpServer.sync(transport).immediateExecution(true));
    // However the process ends (end of input, SIGTERM, SIGINT): close the MCP session, then every
    // connection (rolling back open transactions), then the demo database.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> launch.close(server::closeGracefully), "crdb-shutdown"));
    launch.announce(tools, "stdio");
    try {
      transport.awaitEnd();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (CdsTraining.requested()) {
      CdsTraining.loadSessionClasses();
    }
    System.exit(0);
  }
}
