package io.crdbmcp.tools.launch;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.ToolDef;
import io.crdbmcp.tools.Toolset;
import io.crdbmcp.tools.ops.AuditLog;
import io.crdbmcp.tools.ops.Metrics;
import io.crdbmcp.tools.ops.OpsSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What every launcher does before it has a transport and after it lost it, in one place: start the
 * demo database when asked (and make it the whole connection), read and validate the settings, open
 * the library, announce what is served and check the default connection once; on the way out, close
 * every connection (rolling back open transactions) within a time budget, then stop the demo
 * database. A launcher adds only its transport: {@code
 * launch.tools().build().build(McpServer.sync(transport))}.
 */
public final class Launch implements AutoCloseable {
  /** The name in log lines. */
  public static final String NAME = CrdbTools.SERVER_NAME;

  /** How long closing the connections may take before the process ends anyway, milliseconds. */
  public static final long CLOSE_BUDGET_MS = 1500;

  private final Crdb crdb;
  private final EmbeddedPostgresServer demo;
  private final Map<String, String> env;
  private final Consumer<String> log;
  private volatile AuditLog audit;
  private volatile Metrics metrics;

  private Launch(
      Crdb crdb, EmbeddedPostgresServer demo, Map<String, String> env, Consumer<String> log) {
    this.crdb = crdb;
    this.demo = demo;
    this.env = env;
    this.log = log;
  }

  /**
   * Reads the settings from {@code environment} (with the demo database in place of the configured
   * connection when {@code demo}) and opens the library.
   *
   * @param log where one-line messages go (stderr)
   * @throws ConfigException for a missing or malformed setting; the demo database is stopped first
   */
  public static Launch open(Map<String, String> environment, boolean demo, Consumer<String> log) {
    Map<String, String> env = new HashMap<>(environment);
    EmbeddedPostgresServer pg = demo ? startDemo(env, log) : null;
    try {
      Crdb crdb = Crdb.open(CrdbConfig.fromEnvironment(env));
      return new Launch(crdb, pg, Map.copyOf(env), log);
    } catch (RuntimeException e) {
      if (pg != null) {
        pg.close();
      }
      throw e;
    }
  }

  public Crdb crdb() {
    return crdb;
  }

  /**
   * The settings as the server reads them: the environment, with the demo database's URL in place
   * of the connection settings when the demo runs. Transport settings are read from here.
   */
  public Map<String, String> environment() {
    return env;
  }

  /** The embedded demo database, or null. */
  public EmbeddedPostgresServer demo() {
    return demo;
  }

  /** The server's metrics: every call of {@link #tools()} is recorded in it. */
  public synchronized Metrics metrics() {
    if (metrics == null) {
      metrics = new Metrics(crdb);
    }
    return metrics;
  }

  /**
   * The tools, with the toolsets of {@code CRDB_TOOLSETS}.
   *
   * @throws ConfigException when {@code CRDB_TOOLSETS} names an unknown toolset
   */
  public CrdbTools.Builder tools() {
    CrdbTools.Builder b = CrdbTools.builder(crdb).metrics(metrics());
    OpsSettings ops = OpsSettings.fromEnvironment(env);
    if (ops.auditEnabled()) {
      if (audit == null) {
        Set<String> writers = new HashSet<>();
        for (Toolset set : Toolset.values()) {
          for (ToolDef t : set.tools(crdb)) {
            if (t.writes()) {
              writers.add(t.name());
            }
          }
        }
        AuditLog a =
            new AuditLog(ops.auditPath(), ops.auditLevel(), ops.auditRedactLiterals(), writers);
        try {
          audit = a.open();
        } catch (IOException e) {
          throw new ConfigException(
              "CRDB_AUDIT_PATH",
              "cannot open " + ops.auditPath() + " for appending: " + e.getMessage(),
              "CRDB_AUDIT_PATH=/var/log/cockroachdb-mcp/audit.jsonl");
        }
        log.accept(NAME + ": audit log: " + ops.auditPath() + " (" + ops.auditLevel() + ")");
      }
      b.listener(audit);
    }
    return b;
  }

  /**
   * Logs what is served ({@code cockroachdb-mcp 0.1.0 serving 29 tools over stdio; default
   * connection: ...}), then checks the default connection once in the background and logs who it is
   * connected as, or exactly why not. The server serves either way.
   *
   * @param where the transport, as the line should say it ({@code "stdio"}, {@code "Streamable HTTP
   *     at http://127.0.0.1:8080/mcp"})
   */
  public void announce(CrdbTools tools, String where) {
    CrdbConfig config = crdb.config();
    log.accept(
        NAME
            + " "
            + CrdbTools.SERVER_VERSION
            + " serving "
            + tools.definitions().size()
            + " tools over "
            + where
            + (crdb.readOnly() ? " (read-only)" : "")
            + "; default connection: "
            + config.defaultConnection().describe());
    crdb.connections().checkDefaultInBackground(line -> log.accept(NAME + ": " + line));
  }

  /**
   * Closes every connection (which rolls back every open transaction) within {@link
   * #CLOSE_BUDGET_MS}: a database that no longer answers must not keep the process alive (it rolls
   * back a transaction whose connection drops anyway). Then stops the demo database, if any.
   */
  @Override
  public void close() {
    close(() -> {});
  }

  /**
   * {@link #close()}, with {@code first} (ending the transport's sessions) run before the
   * connections close and within the same budget.
   */
  public void close(Runnable first) {
    Thread closer =
        new Thread(
            () -> {
              try {
                first.run();
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
      log.accept(
          NAME
              + ": the database did not confirm closing within "
              + CLOSE_BUDGET_MS
              + " ms; exiting anyway (it rolls back open transactions when their connection"
              + " drops)");
    }
    if (audit != null) {
      audit.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  private static EmbeddedPostgresServer startDemo(Map<String, String> env, Consumer<String> log) {
    log.accept(NAME + ": starting the embedded demo database (PostgreSQL)...");
    long t0 = System.nanoTime();
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
    try {
      pg.createDatabase("rideshare", EmbeddedPostgresServer.rideshareScript());
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
    // The demo database is the whole connection: settings meant for another database would
    // otherwise fill in (a password, a TLS mode) or be refused as ambiguous with its URL.
    List<String> ignored = new ArrayList<>();
    List<String> names = new ArrayList<>(CrdbConfig.CONNECTION_SETTINGS);
    names.add("CRDB_URL");
    names.add("CRDB_CONNECTIONS");
    for (String name : names) {
      if (env.remove(name) != null) {
        ignored.add(name);
      }
    }
    if (!ignored.isEmpty()) {
      log.accept(
          NAME
              + ": --demo ignores "
              + String.join(", ", ignored)
              + " (it connects to its own database)");
    }
    String url = pg.url("rideshare");
    env.put("CRDB_URL", url);
    log.accept(
        String.format(
            "%s: demo database ready in %d ms: %s (users, vehicles, rides, promo_codes). "
                + "It is temporary: its data in %s is removed when the server exits.",
            NAME, (System.nanoTime() - t0) / 1_000_000, url, pg.directory()));
    return pg;
  }
}
