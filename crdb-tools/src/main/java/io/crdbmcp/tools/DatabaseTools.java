package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.schema.DatabaseInfo.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** get_database_info, list_users, list_roles. */
final class DatabaseTools {
  private DatabaseTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(info(crdb), roles(crdb, true), roles(crdb, false));
  }

  static final Param<String> DATABASE =
      Param.text("database", "Database name (default: the connection's current database).");

  private static ToolDef info(Crdb crdb) {
    return ToolDef.reader("get_database_info")
        .group(Toolset.DATABASE)
        .title("Database statistics")
        .description(
            "Size, table and view count, owner and encoding of a database; on CockroachDB also the"
                + " number of ranges and the regions.")
        .params(DATABASE, Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT)
        .output(
            OutputSchemas.object(Map.of("database", Map.of("type", "string")), List.of("database")))
        .handler(
            (a, ctx) -> {
              Target target = Target.from(a);
              Database db = target.open(crdb, ctx);
              Map<String, Object> m =
                  crdb.databaseInfo()
                      .info(db, a.get(DATABASE), target.transactionId(), ctx.caller());
              return new ToolResult(a.json() ? Render.toJson(m) : Render.keyValues(m), m);
            });
  }

  private static ToolDef roles(Crdb crdb, boolean users) {
    String name = users ? "list_users" : "list_roles";
    return ToolDef.reader(name)
        .group(Toolset.DATABASE)
        .title(users ? "List users" : "List roles")
        .description(
            users
                ? "Lists the roles that can log in, with their attributes and role memberships."
                    + " Password hashes are never shown."
                : "Lists every role with its attributes (login, superuser, createdb, createrole),"
                    + " the roles it is a member of, and its members.")
        .params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT, Params.DETAIL)
        .output(OutputSchemas.list(users ? "users" : "roles"))
        .handler(
            (a, ctx) -> {
              Target target = Target.from(a);
              Database db = target.open(crdb, ctx);
              List<Map<String, Object>> items = new ArrayList<>();
              for (Role r :
                  crdb.databaseInfo().roles(db, users, target.transactionId(), ctx.caller())) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", r.name());
                m.put("login", r.canLogin());
                m.put("superuser", r.superuser());
                m.put("createdb", r.createDb());
                m.put("createrole", r.createRole());
                m.put("valid_until", r.validUntil());
                m.put("member_of", r.memberOf());
                m.put("members", r.members());
                items.add(m);
              }
              List<String> cols =
                  a.detailed() || !users
                      ? List.of(
                          "name",
                          "login",
                          "superuser",
                          "createdb",
                          "createrole",
                          "member_of",
                          "members")
                      : List.of("name", "superuser", "member_of");
              return Render.records(items, cols, users ? "users" : "roles", a.json(), "");
            });
  }
}
