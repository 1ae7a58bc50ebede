package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
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
    }
    return m;
  }

  private static ToolDef connect(Crdb crdb) {
    Params p =
        Params.of()
            .requiredString("name", "Name for the new connection, e.g. analytics.")
            .string(
                "url",
                "postgresql://user[:password]@host:port/database?sslmode=... (alternative to"
                    + " host/user/...)")
            .string("host", "Server host name or address.")
            .integer("port", "Server port (default 26257).", 1)
            .string("user", "Database user.")
            .add(Param.text("password", "Password; never echoed or logged.").secret())
            .string("database", "Database name (default defaultdb).")
            .choice(
                "sslmode",
                "TLS mode.",
                "prefer",
                "disable",
                "allow",
                "prefer",
                "require",
                "verify-ca",
                "verify-full")
            .bool("read_only", "Only allow reads on this connection.", false)
            .bool("replace", "Replace an open connection of the same name.", false);
    return ToolDef.reader("connect")
        .group(Toolset.CONNECTION)
        .title("Connect to a database")
        .description(
            "Opens a named connection to a CockroachDB or PostgreSQL server and checks it with a"
                + " round trip. Give either url, or host and user. Other tools select it with their"
                + " connection argument. It belongs to this client: other clients do not see it.")
        .params(p)
        .output(OutputSchemas.anyObject())
        .scope(Scope.ADMIN)
        .handler(
            (a, ctx) -> {
              String name = a.requireText("name");
              if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw CrdbException.invalidArgument(
                    "connection name '" + name + "' is not allowed",
                    "use 1-64 letters, digits, '_', '.', '-'");
              }
              int timeout =
                  crdb.config().defaultConnection() == null
                      ? CrdbConfig.DEFAULT_CONNECT_TIMEOUT
                      : crdb.config().defaultConnection().connectTimeoutSeconds(); // CRDB_TIMEOUT
              ConnectionSpec spec;
              try {
                if (a.has("url")) {
                  spec =
                      ConnectionSpec.fromUrl(name, a.string("url"), timeout, a.bool("read_only"));
                } else {
                  if (!a.has("host") || !a.has("user")) {
                    throw CrdbException.invalidArgument(
                        "connect needs url, or host and user", "pass url, or host and user");
                  }
                  spec =
                      new ConnectionSpec(
                          name,
                          a.string("host"),
                          a.has("port") ? a.integer("port") : ConnectionSpec.DEFAULT_PORT,
                          a.string("user"),
                          a.string("password"),
                          a.has("database")
                              ? a.string("database")
                              : ConnectionSpec.DEFAULT_DATABASE,
                          a.string("sslmode"),
                          null,
                          null,
                          timeout,
                          a.bool("read_only"));
                }
              } catch (IllegalArgumentException e) {
                throw CrdbException.invalidArgument(
                    "connect: " + e.getMessage(),
                    "example url: postgresql://app@db.example.com:26257/defaultdb?sslmode=verify-full");
              }
              Database db = crdb.connections().connect(spec, a.bool("replace"), ctx.caller());
              Map<String, Object> m = describe(crdb, db, ctx.caller(), true);
              return new ToolResult(
                  a.json() ? Render.toJson(m) : "Connected.\n" + Render.keyValues(m), m);
            });
  }

  private static ToolDef disconnect(Crdb crdb) {
    Params p = Params.of().requiredString("name", "Name of the connection to close.");
    return ToolDef.reader("disconnect")
        .group(Toolset.CONNECTION)
        .title("Close a connection")
        .description(
            "Closes a named connection this client opened, and its pool. Open transactions on it are"
                + " rolled back. Connections configured in the server's settings cannot be closed.")
        .params(p)
        .output(OutputSchemas.anyObject())
        .handler(
            (a, ctx) -> {
              ConnectionSpec spec =
                  crdb.connections().disconnect(a.requireText("name"), ctx.caller());
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
    Params p = Params.of().format().detail();
    return ToolDef.reader("list_connections")
        .group(Toolset.CONNECTION)
        .title("List connections")
        .description(
            "Lists the open connections: name, server, database, user, whether read-only, and"
                + " whether it answers.")
        .params(p)
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
                          "pool_idle")
                      : List.of(
                          "name", "default", "server", "database", "user", "read_only", "status");
              return Render.records(items, cols, "connections", a.json(), "");
            });
  }

  private static ToolDef switchDatabase(Crdb crdb) {
    Params p =
        Params.of()
            .requiredString("database", "Database to use from now on (see list_databases).")
            .connection();
    return ToolDef.reader("switch_database")
        .group(Toolset.CONNECTION)
        .title("Switch database")
        .description(
            "Points a connection at another database on the same server. Later calls of this client"
                + " on that connection use it; other clients keep the database they had.")
        .params(p)
        .output(OutputSchemas.anyObject())
        .handler(
            (a, ctx) -> {
              Database db =
                  crdb.connections()
                      .switchDatabase(a.connection(), a.requireText("database"), ctx.caller());
              Map<String, Object> m = describe(crdb, db, ctx.caller(), true);
              return new ToolResult(
                  "Connection '" + db.name() + "' now uses database " + db.spec().database() + ".",
                  m);
            });
  }
}
