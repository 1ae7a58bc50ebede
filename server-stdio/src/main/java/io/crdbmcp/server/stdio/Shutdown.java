package io.crdbmcp.server.stdio;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.modelcontextprotocol.server.McpSyncServer;

/**
 * What the server does on its way out, however it ends (end of input, SIGTERM, SIGINT): close the
 * MCP session, close every connection (which rolls back every open transaction), then stop the demo
 * database if there is one. Closing the connections gets a time budget: a database that no longer
 * answers must not keep the process alive (it rolls back a transaction whose connection drops
 * anyway).
 */
final class Shutdown {
  static final long CLOSE_BUDGET_MS = 1500;

  private Shutdown() {}

  static Thread hook(McpSyncServer server, Crdb crdb, EmbeddedPostgresServer demo) {
    return new Thread(() -> run(server, crdb, demo), "crdb-shutdown");
  }

  private static void run(McpSyncServer server, Crdb crdb, EmbeddedPostgresServer demo) {
    Thread closer =
        new Thread(
            () -> {
              try {
                server.closeGracefully();
              } catch (RuntimeException ignored) {
                // Closing anyway.
              }
              crdb.close();
            },
            "crdb-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(CLOSE_BUDGET_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      System.err.println(
          StdioServer.NAME
              + ": the database did not confirm closing within "
              + CLOSE_BUDGET_MS
              + " ms; exiting anyway (it rolls back open transactions when their connection"
              + " drops)");
    }
    if (demo != null) {
      demo.close();
    }
  }
}
