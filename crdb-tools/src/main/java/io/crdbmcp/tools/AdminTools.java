package io.crdbmcp.tools;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.admin.AdminInfo;
import io.crdbmcp.core.admin.AdminInfo.Outcome;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.StatementKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The administration tools (seed 001, issue 15), the opt-in {@code admin} toolset: create_database,
 * drop_database, create_role, alter_role, drop_role, grant, revoke and list_grants. Each reads its
 * arguments into crdb-core's request records ({@code AdminInfo}) and calls {@code Crdb.admin()},
 * which builds every statement from them; no argument is SQL. The destructive ones need {@code
 * confirm: true}; all take {@code dry_run: true}. All need the {@code crdb:admin} scope.
 */
final class AdminTools {
  private AdminTools() {}

  static List<ToolDef> all(Crdb crdb) {
    return List.of(
        createDatabase(crdb),
        dropDatabase(crdb),
        createRole(crdb),
        alterRole(crdb),
        dropRole(crdb),
        grant(crdb, true),
        grant(crdb, false),
        listGrants(crdb));
  }

  // --- arguments
  // ----------------------------------------------------------------------------------

  static final Param<String> DATABASE_NAME =
      Param.text(
              "name",
              "Name of the database, exactly as it should be spelled (any characters; it is quoted).")
          .required();

  static final Param<String> ROLE_NAME =
      Param.text(
              "name",
              "Name of the role, exactly as it should be spelled (on PostgreSQL any characters, it"
                  + " is quoted; on CockroachDB letters, digits, _ . -).")
          .required();

  static final Param<String> OWNER =
      Param.text("owner", "Role that will own the database (default: the server's own role).");

  static final Param<Boolean> DRY_RUN =
      Param.flag(
          "dry_run",
          "Show the exact statements and what they would affect, and change nothing.",
          false);

  static final Param<Boolean> CONFIRM =
      Param.flag(
          "confirm",
          "Required (true) to run it; without it nothing changes and the error says what would.",
          false);

  static final Param<Boolean> LOGIN =
      Param.flag("login", "Whether the role can log in (a user) or not (a group).", true);

  static final Param<Boolean> LOGIN_CHANGE =
      Param.optionalFlag(
          "login",
          "true: the role may log in; false: it may not (omitted: unchanged). The server's own"
              + " role keeps its login.");

  static final Param<String> PASSWORD =
      Param.text(
              "password",
              "A password you chose (never shown, logged or audited). Prefer generate_password.")
          .secret();

  static final Param<Boolean> GENERATE_PASSWORD =
      Param.flag(
          "generate_password",
          "Generate a strong password and show it once in the result (it is not stored or"
              + " logged).",
          false);

  static final Param<Boolean> CREATEDB =
      Param.flag("createdb", "Whether the role may create databases.", false);

  static final Param<Boolean> CREATEROLE =
      Param.flag("createrole", "Whether the role may create roles.", false);

  static final Param<Boolean> CREATEDB_CHANGE =
      Param.optionalFlag("createdb", "Whether the role may create databases (omitted: unchanged).");

  static final Param<Boolean> CREATEROLE_CHANGE =
      Param.optionalFlag("createrole", "Whether the role may create roles (omitted: unchanged).");

  static final Param<String> VALID_UNTIL =
      Param.text(
          "valid_until",
          "When the password stops working: ISO date or timestamp (2026-12-31,"
              + " 2026-12-31T23:59:59Z), or infinity for never.");

  static final Param<List<Object>> MEMBER_OF =
      Param.array("member_of", "Roles the new role becomes a member of (inherits their rights).");

  static final Param<List<Object>> ADD_MEMBER_OF =
      Param.array("add_member_of", "Roles to make the role a member of.");

  static final Param<List<Object>> REMOVE_MEMBER_OF =
      Param.array("remove_member_of", "Roles to remove the role from.");

  static final Param<String> OBJECT_TYPE =
      Param.text("object_type", "What the privileges are on: database, schema or table.")
          .required();

  static final Param<String> OBJECT =
      Param.text("object", "Name of the database, schema or table (unquoted).").required();

  static final Param<String> SCHEMA =
      Param.text("schema", "Schema of the table (object_type table; default public).");

  static final Param<List<Object>> PRIVILEGES =
      Param.array(
          "privileges",
          "Privilege names, e.g. [\"SELECT\", \"INSERT\"] or [\"ALL\"]. database: CONNECT, CREATE,"
              + " TEMPORARY; schema: USAGE, CREATE; table: SELECT, INSERT, UPDATE, DELETE,"
              + " TRUNCATE, REFERENCES, TRIGGER (CockroachDB also DROP, ZONECONFIG, CHANGEFEED,"
              + " BACKUP, RESTORE).");

  static final Param<String> GRANTEE =
      Param.text("role", "The role that gets or loses the privileges (PUBLIC: every role).")
          .required();

  static final Param<String> ROLE_FILTER =
      Param.text("role", "Only this role (default: every role that has a privilege).");

  static final Param<Boolean> WITH_GRANT_OPTION =
      Param.flag(
          "with_grant_option", "The role may grant these privileges to others as well.", false);

  // --- the tools
  // ----------------------------------------------------------------------------------

  private static ToolDef createDatabase(Crdb crdb) {
    return ToolDef.writer("create_database")
        .group(Toolset.ADMIN)
        .scope(Scope.ADMIN)
        .title("Create a database")
        .description(
            "Creates a database (CREATE DATABASE, run outside a transaction), optionally owned by"
                + " a role. dry_run=true shows the statement. Databases in CRDB_BLOCKED_DATABASES"
                + " are refused. Main argument: name.")
        .params(DATABASE_NAME, OWNER, DRY_RUN, Params.CONNECTION, Params.FORMAT)
        .output(OUTCOME)
        .handler(
            a ->
                new Call<>(
                    new AdminInfo.CreateDatabase(
                        a.get(DATABASE_NAME), a.get(OWNER), a.get(DRY_RUN)),
                    Target.connectionOnly(a),
                    a.json()),
            (q, ctx) ->
                outcome(
                    crdb,
                    ctx,
                    q,
                    "create_database",
                    StatementKind.DDL,
                    "CREATE DATABASE",
                    q.request().dryRun(),
                    false,
                    db -> crdb.admin().createDatabase(db, q.request(), ctx.caller())));
  }

  private static ToolDef dropDatabase(Crdb crdb) {
    return ToolDef.writer("drop_database")
        .group(Toolset.ADMIN)
        .scope(Scope.ADMIN)
        .destructive()
        .title("Drop a database")
        .description(
            "Drops a database and everything in it (DROP DATABASE, outside a transaction). Needs"
                + " confirm=true; dry_run=true shows the statement and the tables with approximate"
                + " rows that would be lost. Refused for CRDB_BLOCKED_DATABASES, the system"
                + " databases and the database the connection is using. Main argument: name.")
        .params(DATABASE_NAME, CONFIRM, DRY_RUN, Params.CONNECTION, Params.FORMAT)
        .output(OUTCOME)
        .handler(
            a ->
                new Call<>(
                    new AdminInfo.DropDatabase(
                        a.get(DATABASE_NAME), a.get(CONFIRM), a.get(DRY_RUN)),
                    Target.connectionOnly(a),
                    a.json()),
            (q, ctx) ->
                outcome(
                    crdb,
                    ctx,
                    q,
                    "drop_database",
                    StatementKind.DDL,
                    "DROP DATABASE",
                    q.request().dryRun(),
                    true,
                    db -> crdb.admin().dropDatabase(db, q.request(), ctx.caller())));
  }

  private static ToolDef createRole(Crdb crdb) {
    return ToolDef.writer("create_role")
        .group(Toolset.ADMIN)
        .scope(Scope.ADMIN)
        .title("Create a role or user")
        .description(
            "Creates a role (CREATE ROLE; on CockroachDB roles and users are the same): login or"
                + " not, createdb, createrole, password expiry, memberships. generate_password=true"
                + " makes a strong password and shows it once in the result; it is never stored,"
                + " logged or audited (on PostgreSQL only its SCRAM verifier is sent). dry_run=true"
                + " shows the statements. Main argument: name.")
        .params(
            ROLE_NAME,
            LOGIN,
            GENERATE_PASSWORD,
            PASSWORD,
            CREATEDB,
            CREATEROLE,
            VALID_UNTIL,
            MEMBER_OF,
            DRY_RUN,
            Params.CONNECTION,
            Params.FORMAT)
        .output(OUTCOME)
        .handler(
            a ->
                new Call<>(
                    new AdminInfo.CreateRole(
                        a.get(ROLE_NAME),
                        a.get(LOGIN),
                        a.get(PASSWORD),
                        a.get(GENERATE_PASSWORD),
                        a.get(CREATEDB),
                        a.get(CREATEROLE),
                        a.get(VALID_UNTIL),
                        names(a, MEMBER_OF),
                        a.get(DRY_RUN)),
                    Target.connectionOnly(a),
                    a.json()),
            (q, ctx) ->
                outcome(
                    crdb,
                    ctx,
                    q,
                    "create_role",
                    StatementKind.PRIVILEGE,
                    "CREATE ROLE",
                    q.request().dryRun(),
                    false,
                    db -> crdb.admin().createRole(db, q.request(), ctx.caller())));
  }

  private static ToolDef alterRole(Crdb crdb) {
    return ToolDef.writer("alter_role")
        .group(Toolset.ADMIN)
        .scope(Scope.ADMIN)
        .destructive()
        .title("Change a role")
        .description(
            "Changes a role: password (generate_password=true shows a new one once), login,"
                + " createdb, createrole, password expiry (valid_until), memberships"
                + " (add_member_of, remove_member_of). Only what is passed changes. Needs"
                + " confirm=true; dry_run=true shows the statements. The server's own login role"
                + " keeps its login, password and expiry. Main argument: name.")
        .params(
            ROLE_NAME,
            GENERATE_PASSWORD,
            PASSWORD,
            LOGIN_CHANGE,
            CREATEDB_CHANGE,
            CREATEROLE_CHANGE,
            VALID_UNTIL,
            ADD_MEMBER_OF,
            REMOVE_MEMBER_OF,
            CONFIRM,
            DRY_RUN,
            Params.CONNECTION,
            Params.FORMAT)
        .output(OUTCOME)
        .handler(
            a ->
                new Call<>(
                    new AdminInfo.AlterRole(
                        a.get(ROLE_NAME),
                        a.get(PASSWORD),
                        a.get(GENERATE_PASSWORD),
                        a.get(LOGIN_CHANGE),
                        a.get(CREATEDB_CHANGE),
                        a.get(CREATEROLE_CHANGE),
                        a.get(VALID_UNTIL),
                        names(a, ADD_MEMBER_OF),
                        names(a, REMOVE_MEMBER_OF),
                        a.get(CONFIRM),
                        a.get(DRY_RUN)),
                    Target.connectionOnly(a),
                    a.json()),
            (q, ctx) ->
                outcome(
                    crdb,
                    ctx,
                    q,
                    "alter_role",
                    StatementKind.PRIVILEGE,
                    "ALTER ROLE",
                    q.request().dryRun(),
                    true,
                    db -> crdb.admin().alterRole(db, q.request(), ctx.caller())));
  }

  private static ToolDef dropRole(Crdb crdb) {
    return ToolDef.writer("drop_role")
        .group(Toolset.ADMIN)
        .scope(Scope.ADMIN)
        .destructive()
        .title("Drop a role or user")
        .description(
            "Drops a role (DROP ROLE). Needs confirm=true; dry_run=true shows the statement, what"
                + " the role owns, its memberships and where it holds privileges (PostgreSQL"
                + " refuses to drop a role that still owns objects or holds privileges). The"
                + " server's own login role cannot be dropped. Main argument: name.")
        .params(ROLE_NAME, CONFIRM, DRY_RUN, Params.CONNECTION, Params.FORMAT)
        .output(OUTCOME)
        .handler(
            a ->
                new Call<>(
                    new AdminInfo.DropRole(a.get(ROLE_NAME), a.get(CONFIRM), a.get(DRY_RUN)),
                    Target.connectionOnly(a),
                    a.json()),
            (q, ctx) ->
                outcome(
                    crdb,
                    ctx,
                    q,
                    "drop_role",
                    StatementKind.PRIVILEGE,
                    "DROP ROLE",
                    q.request().dryRun(),
                    true,
                    db -> crdb.admin().dropRole(db, q.request(), ctx.caller())));
  }

  private static ToolDef grant(Crdb crdb, boolean grant) {
    String name = grant ? "grant" : "revoke";
    ToolDef.Builder b =
        ToolDef.writer(name)
            .group(Toolset.ADMIN)
            .scope(Scope.ADMIN)
            .idempotent()
            .title(grant ? "Grant privileges" : "Revoke privileges")
            .description(
                grant
                    ? "Grants privileges on a database, schema or table to a role (GRANT ... ON"
                        + " DATABASE|SCHEMA|TABLE ... TO ...), from structured arguments."
                        + " dry_run=true shows the statement and what the role holds now. Main"
                        + " arguments: privileges, object_type, object, role."
                    : "Revokes privileges on a database, schema or table from a role (REVOKE ..."
                        + " FROM ...). Needs confirm=true; dry_run=true shows the statement and"
                        + " what the role holds now. Main arguments: privileges, object_type,"
                        + " object, role.");
    if (!grant) {
      b.destructive();
    }
    b.params(PRIVILEGES, OBJECT_TYPE, OBJECT, SCHEMA, GRANTEE);
    if (grant) {
      b.param(WITH_GRANT_OPTION);
    } else {
      b.param(CONFIRM);
    }
    return b.params(DRY_RUN, Params.CONNECTION, Params.FORMAT)
        .output(OUTCOME)
        .handler(
            a ->
                new Call<>(
                    new AdminInfo.Privileges(
                        on(a),
                        names(a, PRIVILEGES),
                        a.get(GRANTEE),
                        grant && a.get(WITH_GRANT_OPTION),
                        !grant && a.get(CONFIRM),
                        a.get(DRY_RUN)),
                    Target.connectionOnly(a),
                    a.json()),
            (q, ctx) ->
                outcome(
                    crdb,
                    ctx,
                    q,
                    name,
                    StatementKind.PRIVILEGE,
                    grant ? "GRANT" : "REVOKE",
                    q.request().dryRun(),
                    !grant,
                    db ->
                        grant
                            ? crdb.admin().grant(db, q.request(), ctx.caller())
                            : crdb.admin().revoke(db, q.request(), ctx.caller())));
  }

  record GrantsQuery(AdminInfo.On on, String role, Target target, boolean json) {}

  private static ToolDef listGrants(Crdb crdb) {
    return ToolDef.reader("list_grants")
        .group(Toolset.ADMIN)
        .scope(Scope.ADMIN)
        .title("Who can do what on an object")
        .description(
            "The privileges each role has on a database, schema or table: on PostgreSQL the"
                + " effective ones (directly, through PUBLIC or a membership, as owner or"
                + " superuser); on CockroachDB those SHOW GRANTS lists. Main arguments:"
                + " object_type, object.")
        .params(OBJECT_TYPE, OBJECT, SCHEMA, ROLE_FILTER, Params.CONNECTION, Params.FORMAT)
        .output(
            OutputSchemas.object(
                OutputSchemas.properties(
                    "object_type", OutputSchemas.type("string"),
                    "object", OutputSchemas.type("string"),
                    "grants", OutputSchemas.arrayOf(OutputSchemas.type("object")),
                    "notes", OutputSchemas.arrayOf(OutputSchemas.type("string"))),
                List.of("object_type", "object", "grants")))
        .handler(
            a -> new GrantsQuery(on(a), a.get(ROLE_FILTER), Target.connectionOnly(a), a.json()),
            (q, ctx) -> {
              Database db = q.target().open(crdb, ctx);
              AdminInfo.Grants g = crdb.admin().grants(db, q.on(), q.role(), ctx.caller());
              ctx.record().rows(g.grants().size());
              Map<String, Object> s = RecordMaps.map(g);
              if (q.json()) {
                return new ToolResult(Render.toJson(s), s);
              }
              StringBuilder text = new StringBuilder();
              text.append("Privileges on ").append(g.object()).append(":\n");
              if (g.grants().isEmpty()) {
                text.append("  (no role has a privilege)\n");
              }
              for (AdminInfo.Grant gr : g.grants()) {
                text.append("  ").append(gr.role()).append(": ");
                text.append(
                    gr.privileges().isEmpty() ? "none" : String.join(", ", gr.privileges()));
                if (Boolean.TRUE.equals(gr.superuser())) {
                  text.append(" (superuser)");
                }
                if (Boolean.TRUE.equals(gr.grantable())) {
                  text.append(" (with grant option)");
                }
                text.append('\n');
              }
              for (String n : g.notes()) {
                text.append("Note: ").append(n).append('\n');
              }
              return new ToolResult(text.toString(), s);
            });
  }

  // --- shared
  // -------------------------------------------------------------------------------------

  private static final Map<String, Object> OUTCOME =
      OutputSchemas.object(
          OutputSchemas.properties(
              "action", OutputSchemas.type("string"),
              "target", OutputSchemas.type("string"),
              "statements", OutputSchemas.arrayOf(OutputSchemas.type("string")),
              "impact", OutputSchemas.type("object"),
              "password", OutputSchemas.type("string"),
              "message", OutputSchemas.type("string")),
          List.of("action", "target", "statements", "message"));

  /** One administration call: its request, connection and output format. */
  record Call<R>(R request, Target target, boolean json) {}

  private static AdminInfo.On on(Args a) {
    return new AdminInfo.On(a.get(OBJECT_TYPE), a.get(OBJECT), a.get(SCHEMA));
  }

  /** A list argument of names: every element a string. */
  private static List<String> names(Args a, Param<List<Object>> p) {
    List<Object> given = a.get(p);
    List<String> out = new ArrayList<>();
    if (given == null) {
      return out;
    }
    for (Object o : given) {
      if (!(o instanceof String s)) {
        throw CrdbException.invalidArgument(
            a.tool() + ": every element of '" + p.name() + "' must be a string", p.description());
      }
      out.add(s);
    }
    return out;
  }

  /**
   * Runs one administration call and renders its outcome: the record says what kind of statement it
   * was (built from structured arguments, never SQL text); the text gives the message, the
   * statements, the impact, how to run a dry run for real, and a generated password once.
   */
  private static ToolResult outcome(
      Crdb crdb,
      ToolContext ctx,
      Call<?> q,
      String tool,
      StatementKind kind,
      String command,
      boolean dryRun,
      boolean needsConfirm,
      Function<Database, Outcome> action) {
    Database db = q.target().open(crdb, ctx);
    ctx.record()
        .classification(
            new Classification(
                kind,
                command,
                !dryRun,
                List.of(),
                List.of(),
                List.of("built from structured arguments by " + tool)));
    Outcome o = action.apply(db);
    ctx.record().rows(o.action().equals("done") ? o.statements().size() : 0);
    Map<String, Object> s = RecordMaps.map(o);
    if (q.json()) {
      return new ToolResult(Render.toJson(s), s);
    }
    StringBuilder text = new StringBuilder();
    text.append(o.action().equals("done") ? "DONE: " : "DRY RUN: ")
        .append(o.message())
        .append('\n');
    text.append("Statements:\n");
    for (String st : o.statements()) {
      text.append("  ").append(st).append('\n');
    }
    if (o.impact() != null) {
      Map<String, Object> impact = new LinkedHashMap<>(RecordMaps.map(o.impact()));
      if (!impact.isEmpty()) {
        text.append("Impact:\n");
        impact.forEach(
            (k, v) ->
                text.append("  ").append(k).append(": ").append(Render.toJson(v)).append('\n'));
      }
    }
    if (o.action().equals("dry_run")) {
      text.append("To run it: call ")
          .append(tool)
          .append(" again without dry_run")
          .append(needsConfirm ? " and with confirm=true" : "")
          .append(".\n");
    }
    if (o.password() != null) {
      text.append("Password (shown this once; not stored, logged or audited): ")
          .append(o.password())
          .append('\n');
    }
    return new ToolResult(text.toString(), s);
  }
}
