package io.crdbmcp.server.stdio;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.tools.CrdbTools;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stdio launcher: configuration, core, tools, stdio transport. Logs go to stderr; stdout
 * carries only the protocol.
 */
public final class StdioServer {
  public static final String NAME = CrdbTools.SERVER_NAME;
  public static final String VERSION = CrdbTools.SERVER_VERSION;

  private StdioServer() {}

  public static void main(String[] argv) {
    List<String> args = List.of(argv);
    if (args.contains("--help") || args.contains("-h")) {
      System.out.print(Help.TEXT);
      return;
    }
    if (args.contains("--version")) {
      System.out.println(NAME + " " + VERSION);
      return;
    }
    for (String a : args) {
      if (!a.equals("--demo")) {
        System.err.println(
            NAME + ": unknown option '" + a + "'. Run with --help to see the options.");
        System.exit(2);
      }
    }
    // stdout is the protocol channel: keep the real one for the transport, send stray prints
    // to stderr.
    OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));

    Map<String, String> env = new HashMap<>(System.getenv());
    EmbeddedPostgresServer demo = null;
    if (args.contains("--demo")) {
      demo = startDemo(env);
    }
    CrdbConfig config;
    try {
      config = CrdbConfig.fromEnvironment(env);
    } catch (ConfigException e) {
      System.err.println(NAME + ": configuration error: " + e.getMessage());
      if (demo != null) {
        demo.close();
      }
      System.exit(2);
      return;
    }
    Crdb crdb = Crdb.open(config);
    CrdbTools tools;
    try {
      tools = CrdbTools.builder(crdb).build();
    } catch (ConfigException e) {
      System.err.println(NAME + ": configuration error: " + e.getMessage());
      crdb.close();
      System.exit(2);
      return;
    }
    StdioTransport transport = new StdioTransport(CrdbTools.jsonMapper(), System.in, protocolOut);
    McpSyncServer server = tools.configure(McpServer.sync(transport)).build();
    Runtime.getRuntime().addShutdownHook(Shutdown.hook(server, crdb, demo));
    System.err.println(
        NAME
            + " "
            + VERSION
            + " serving "
            + tools.definitions().size()
            + " tools over stdio"
            + (crdb.readOnly() ? " (read-only)" : "")
            + "; default connection: "
            + config.defaultConnection().describe());
    // One line soon after start saying who we are connected as, or exactly why not; serves anyway.
    crdb.connections().checkDefaultInBackground(line -> System.err.println(NAME + ": " + line));
    try {
      transport.awaitEnd();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(0);
  }

  private static EmbeddedPostgresServer startDemo(Map<String, String> env) {
    System.err.println(NAME + ": starting the embedded demo database (PostgreSQL)...");
    long t0 = System.nanoTime();
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
    pg.createDatabase("rideshare", EmbeddedPostgresServer.rideshareScript());
    // The demo database is the whole connection: settings meant for another database would
    // otherwise fill in (a password, a TLS mode) or be refused as ambiguous with its URL.
    List<String> ignored = new ArrayList<>();
    for (String name : CrdbConfig.CONNECTION_SETTINGS) {
      if (env.remove(name) != null) {
        ignored.add(name);
      }
    }
    for (String name : List.of("CRDB_URL", "CRDB_CONNECTIONS")) {
      if (env.remove(name) != null) {
        ignored.add(name);
      }
    }
    if (!ignored.isEmpty()) {
      System.err.println(
          NAME
              + ": --demo ignores "
              + String.join(", ", ignored)
              + " (it connects to its own database)");
    }
    env.put("CRDB_URL", pg.url("rideshare"));
    System.err.printf(
        "%s: demo database ready in %d ms: %s (users, vehicles, rides, promo_codes). "
            + "It is temporary: its data in %s is removed when the server exits.%n"
            + "%s: point an MCP client at this server with the command: bin/cockroachdb-mcp --demo%n",
        NAME, (System.nanoTime() - t0) / 1_000_000, pg.url("rideshare"), pg.directory(), NAME);
    return pg;
  }
}
