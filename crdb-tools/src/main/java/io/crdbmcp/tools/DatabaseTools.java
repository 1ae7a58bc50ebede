package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.schema.DatabaseInfo;
import io.crdbmcp.core.schema.DatabaseInfo.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** get_database_info, list_users, list_roles. */
final class DatabaseTools {
  private DatabaseTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(info(crdb), roles(crdb, true), roles(crdb, false));
  }

  static final Param<String> DATABASE = Param.text("database", "Default: current.").brief();

  /** The arguments of get_database_info. */
  record Info(String database, Target target, boolean json) {}

  private static ToolDef info(Crdb crdb) {
    return ToolDef.reader("get_database_info")
        .group(Toolset.DATABASE)
        .title("Database statistics")
        .description(
            "Size, tables, owner, encoding of database; ranges and regions on CockroachDB.")
        .params(DATABASE, Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT)
        .output(
            OutputSchemas.object(Map.of("database", Map.of("type", "string")), List.of("database")))
        .handler(
            a -> new Info(a.get(DATABASE), Target.from(a), a.json()),
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              Map<String, Object> m =
                  toMap(
                      crdb.databaseInfo()
                          .info(db, q.database(), q.target().transactionId(), ctx.caller()));
              return new ToolResult(q.json() ? Render.toJson(m) : Render.keyValues(m), m);
            });
  }

  /**
   * The statistics as the tool reports them: in the order it always has (on CockroachDB the counts
   * come before the size), {@code tables} always named, {@code views} and {@code note} only when
   * known, {@code ranges} and {@code regions} only on CockroachDB.
   */
  static Map<String, Object> toMap(DatabaseInfo.Stats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("database", s.database());
    m.put("server", s.server());
    m.put("owner", s.owner());
    m.put("encoding", s.encoding());
    if (s.cluster() == null) {
      m.put("size_bytes", s.sizeBytes());
    }
    m.put("tables", s.tables());
    if (s.views() != null) {
      m.put("views", s.views());
    }
    if (s.cluster() != null) {
      m.put("size_bytes", s.sizeBytes());
      m.put("ranges", s.cluster().ranges());
      m.put("regions", s.cluster().regions());
    }
    if (s.note() != null) {
      m.put("note", s.note());
    }
    return m;
  }

  private static final List<String> ROLE_COLUMNS =
      List.of("name", "login", "superuser", "createdb", "createrole", "member_of", "members");

  /** list_users: only name, superuser and memberships unless detailed. */
  private static final View.Shown USERS =
      new View.Shown("users", List.of("name", "superuser", "member_of"), ROLE_COLUMNS, "");

  private static final View.Shown ROLES = View.Shown.as("roles", ROLE_COLUMNS);

  private static Map<String, Object> role(Role r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", r.name());
    m.put("login", r.canLogin());
    m.put("superuser", r.superuser());
    m.put("createdb", r.createDb());
    m.put("createrole", r.createRole());
    m.put("valid_until", r.validUntil());
    m.put("member_of", r.memberOf());
    m.put("members", r.members());
    return m;
  }

  private static ToolDef roles(Crdb crdb, boolean users) {
    String name = users ? "list_users" : "list_roles";
    return ToolDef.reader(name)
        .group(Toolset.DATABASE)
        .title(users ? "List users" : "List roles")
        .description(
            users
                ? "Lists roles that can log in, with attributes and memberships."
                : "Lists roles with attributes, memberships and members.")
        .params(Params.CONNECTION, Params.TRANSACTION_ID, Params.FORMAT, Params.DETAIL)
        .output(OutputSchemas.list(users ? "users" : "roles"))
        .handler(
            View::from,
            View.listing(
                crdb,
                users ? USERS : ROLES,
                DatabaseTools::role,
                (v, db, tx, caller) -> crdb.databaseInfo().roles(db, users, tx, caller)));
  }
}
