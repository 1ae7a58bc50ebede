package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.connect.Watchdog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * connect, disconnect, list_connections, switch_database. Every call is the caller's: connections
 * it opens (connect, switch_database) are its own, invisible to other clients; the configured
 * connections are shared and cannot be replaced or closed.
 */
final class ConnectionTools {
  private ConnectionTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(connect(crdb), disconnect(crdb), listConnections(crdb), switchDatabase(crdb));
  }

  private static Map<String, Object> describe(
      Crdb crdb, Database db, Caller caller, boolean probe) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", db.name());
    m.put("default", db.name().equals(crdb.connections().defaultName(caller)));
    m.put("host", db.spec().host());
    m.put("port", db.spec().port());
    m.put("database", db.spec().database());
    m.put("user", db.spec().user());
    m.put("sslmode", db.spec().sslMode());
    m.put("read_only", crdb.readOnly() || db.readOnly());
    if (probe) {
      try {
        Dialect d = db.dialect();
        m.put("server", d.displayName());
        m.put("status", "ok");
      } catch (CrdbException e) {
        m.put("server", null);
        m.put("status", "error: " + e.getMessage());
      }
      m.put("pool_active", db.activeConnections());
      m.put("pool_idle", db.idleConnections());
      m.put("watchdog", watchdog(crdb, db));
      m.put("watchdog_cancelled", db.cancelledByWatchdog());
      m.put("breaker", crdb.breaker(db).state());
    }
    return m;
  }

  /**
   * What the watchdog found at its last check of the pool: {@code ok at <time>}, {@code failed at
   * <time>: <problem>}, {@code not checked yet}, or {@code off} (CRDB_WATCHDOG_ENABLED=false).
   */
  private static String watchdog(Crdb crdb, Database db) {
    if (!crdb.config().resilience().watchdogEnabled()) {
      return "off";
    }
    Watchdog.Check c = db.lastCheck();
    if (c == null) {
      return "not checked yet";
    }
    return c.ok() ? "ok at " + c.at() : "failed at " + c.at() + ": " + c.problem();
  }

  static final Param<String> NAME = Param.text("name", "e.g. analytics").required();

  static final Param<String> URL =
      Param.text("url", "postgresql://user[:password]@host:port/database?sslmode=...");

  static final Param<String> HOST = Param.text("host", "Or url.");

  static final Param<Integer> PORT = Param.integer("port", "Default 26257.", 1);

  static final Param<String> USER = Param.text("user", "Or url.");

  static final Param<String> PASSWORD = Param.text("password", "Never echoed or logged.").secret();

  static final Param<String> DATABASE = Param.text("database", "Default defaultdb.");

  static final Param<String> SSLMODE =
      Param.choice(
          "sslmode",
          "TLS mode.",
          "prefer",
          "disable",
          "allow",
          "prefer",
          "require",
          "verify-ca",
          "verify-full");

  static final Param<Boolean> READ_ONLY =
      Param.flag("read_only", "Only reads on this connection.", false);

  static final Param<Boolean> REPLACE = Param.flag("replace", "Replace one of that name.", false);

  /** The arguments of connect. */
  record Connect(
      String name,
      String url,
      String host,
      Integer port,
      String user,
      String password,
      String database,
      String sslMode,
      boolean readOnly,
      boolean replace) {
    static Connect from(Args a) {
      return new Connect(
          a.get(NAME),
          a.get(URL),
          a.get(HOST),
          a.get(PORT),
          a.get(USER),
          a.get(PASSWORD),
          a.get(DATABASE),
          a.get(SSLMODE),
          a.get(READ_ONLY),
          a.get(REPLACE));
    }

    /** The connection these arguments describe: a URL, or host and user (and the rest). */
    ConnectionSpec spec(int timeoutSeconds) {
      try {
        if (url != null) {
          return ConnectionSpec.fromUrl(name, url, timeoutSeconds, readOnly);
        }
        if (host == null || user == null) {
          throw CrdbException.invalidArgument(
              "connect needs url, or host and user", "pass url, or host and user");
        }
        return new ConnectionSpec(
            name,
            host,
            port != null ? port : ConnectionSpec.DEFAULT_PORT,
            user,
            password,
            database != null ? database : ConnectionSpec.DEFAULT_DATABASE,
            sslMode,
            null,
            null,
            timeoutSeconds,
            readOnly);
      } catch (IllegalArgumentException e) {
        throw CrdbException.invalidArgument(
            "connect: " + e.getMessage(),
            "example url: postgresql://app@db.example.com:26257/defaultdb?sslmode=verify-full");
      }
    }
  }

  private static ToolDef connect(Crdb crdb) {
    return ToolDef.reader("connect")
        .group(Toolset.CONNECTION)
        .title("Connect to a database")
        .description(
            "Opens named connection name to CockroachDB or PostgreSQL (url, or host and user) and checks it.")
        .params(NAME, URL, HOST, PORT, USER, PASSWORD, DATABASE, SSLMODE, READ_ONLY, REPLACE)
        .output(OutputSchemas.anyObject())
        .scope(Scope.ADMIN)
        .handler(
            Connect::from,
            (q, ctx) -> {
              if (!q.name().matches("[A-Za-z0-9_.-]{1,64}")) {
                throw CrdbException.invalidArgument(
                    "connection name '" + q.name() + "' is not allowed",
                    "use 1-64 letters, digits, '_', '.', '-'");
              }
              int timeout =
                  crdb.config().defaultConnection() == null
                      ? CrdbConfig.DEFAULT_CONNECT_TIMEOUT
                      : crdb.config().defaultConnection().connectTimeoutSeconds(); // CRDB_TIMEOUT
              Database db = crdb.connections().connect(q.spec(timeout), q.replace(), ctx.caller());
              Map<String, Object> m = describe(crdb, db, ctx.caller(), true);
              return new ToolResult(
                  "Connected. Other tools run on it when called with \"connection\": \""
                      + db.name()
                      + "\".\n"
                      + Render.keyValues(m),
                  m);
            });
  }

  static final Param<String> CLOSED = NAME.describedAs("Connection name.");

  private static ToolDef disconnect(Crdb crdb) {
    return ToolDef.reader("disconnect")
        .group(Toolset.CONNECTION)
        .title("Close a connection")
        .description("Closes connection name; its open transactions roll back.")
        .param(CLOSED)
        .output(OutputSchemas.anyObject())
        .handler(
            a -> a.get(CLOSED),
            (name, ctx) -> {
              ConnectionSpec spec = crdb.connections().disconnect(name, ctx.caller());
              String defaultName = crdb.connections().defaultName(ctx.caller());
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("disconnected", spec.name());
              m.put("default", defaultName);
              return new ToolResult(
                  "Disconnected '"
                      + spec.name()
                      + "'. Default connection: "
                      + (defaultName == null ? "none (call connect)" : defaultName),
                  m);
            });
  }

  private static ToolDef listConnections(Crdb crdb) {
    return ToolDef.reader("list_connections")
        .group(Toolset.CONNECTION)
        .title("List connections")
        .description("Open connections: name, server, database, user, read-only, answering.")
        .params(Params.FORMAT, Params.DETAIL)
        .output(OutputSchemas.list("connections"))
        .handler(
            (a, ctx) -> {
              List<Map<String, Object>> items = new ArrayList<>();
              for (Database db : crdb.connections().list(ctx.caller())) {
                items.add(describe(crdb, db, ctx.caller(), true));
              }
              List<String> cols =
                  a.detailed()
                      ? List.of(
                          "name",
                          "default",
                          "server",
                          "status",
                          "host",
                          "port",
                          "database",
                          "user",
                          "sslmode",
                          "read_only",
                          "pool_active",
                          "pool_idle",
                          "watchdog",
                          "watchdog_cancelled",
                          "breaker")
                      : List.of(
                          "name", "default", "server", "database", "user", "read_only", "status");
              return Render.records(items, cols, "connections", a.json(), "");
            });
  }

  static final Param<String> SWITCH_TO = DATABASE.describedAs("Database to use.").required();

  /** The arguments of switch_database. */
  record SwitchDatabase(String database, String connection) {
    static SwitchDatabase from(Args a) {
      return new SwitchDatabase(a.get(SWITCH_TO), a.get(Params.CONNECTION));
    }
  }

  private static ToolDef switchDatabase(Crdb crdb) {
    return ToolDef.reader("switch_database")
        .group(Toolset.CONNECTION)
        .title("Switch database")
        .description("Points this client's connection at database.")
        .params(SWITCH_TO, Params.CONNECTION)
        .output(OutputSchemas.anyObject())
        .handler(
            SwitchDatabase::from,
            (q, ctx) -> {
              Database db =
                  crdb.connections().switchDatabase(q.connection(), q.database(), ctx.caller());
              Map<String, Object> m = describe(crdb, db, ctx.caller(), true);
              return new ToolResult(
                  "Connection '" + db.name() + "' now uses database " + db.spec().database() + ".",
                  m);
            });
  }
}
