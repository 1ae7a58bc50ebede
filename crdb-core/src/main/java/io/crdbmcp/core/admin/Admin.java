package io.crdbmcp.core.admin;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.admin.AdminInfo.AlterRole;
import io.crdbmcp.core.admin.AdminInfo.CreateDatabase;
import io.crdbmcp.core.admin.AdminInfo.CreateRole;
import io.crdbmcp.core.admin.AdminInfo.DropDatabase;
import io.crdbmcp.core.admin.AdminInfo.DropRole;
import io.crdbmcp.core.admin.AdminInfo.Grant;
import io.crdbmcp.core.admin.AdminInfo.Grants;
import io.crdbmcp.core.admin.AdminInfo.Impact;
import io.crdbmcp.core.admin.AdminInfo.On;
import io.crdbmcp.core.admin.AdminInfo.Outcome;
import io.crdbmcp.core.admin.AdminInfo.Privileges;
import io.crdbmcp.core.admin.AdminInfo.TableEstimate;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.Rule;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.sql.Access;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.tx.Savepoints;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.postgresql.util.PasswordUtil;

/**
 * Database and role administration: create and drop databases, create, alter and drop roles, grant
 * and revoke privileges on a database, schema or table, and who can do what on an object. Every
 * statement is built here from structured arguments: fixed keywords, names quoted by jOOQ ({@link
 * Sql#quote}) and literals rendered by jOOQ ({@link DSL#inline}); no caller's text is ever SQL.
 * Each runs through {@link SqlExecutor#run}: role and privilege statements in one read-write
 * transaction, {@code CREATE DATABASE} and {@code DROP DATABASE} outside a transaction block
 * ({@link Access#OUTSIDE_TRANSACTION}), which PostgreSQL requires.
 *
 * <p>The destructive operations ({@code drop_database}, {@code alter_role}, {@code drop_role},
 * {@code revoke}) need {@code confirm}; without it they throw {@link
 * ErrorCode#CONFIRMATION_REQUIRED} saying what would happen. Every operation takes {@code dryRun},
 * which returns the exact statements and what they would affect and runs nothing that changes
 * anything. The safety guard's blocked commands govern SQL text ({@code execute_query}), not these
 * operations; they check their own settings: never on a read-only server or connection, {@code
 * CRDB_BLOCKED_DATABASES} protects those databases, the server's own login role cannot be dropped,
 * lose its login, get another password or an expiry.
 *
 * <p>Passwords: a generated password is returned once in the {@link Outcome} and kept nowhere. On
 * PostgreSQL the statement carries only its SCRAM-SHA-256 verifier, computed here (the driver's
 * {@link PasswordUtil}), so the plain password never reaches the server, its logs or its error
 * messages; on CockroachDB the password itself (see {@link #passwordLiteral}). The statements shown
 * carry {@code '****'} instead.
 *
 * <p>CockroachDB (from its documentation, unverified here): roles and users are the same thing
 * ({@code CREATE USER} is {@code CREATE ROLE ... WITH LOGIN}); role names are letters, digits,
 * underscores, dots and dashes, at most 63; {@code DROP DATABASE} drops the tables too ({@code
 * CASCADE}, written out); {@code VALID UNTIL NULL} clears an expiry; grants are read with {@code
 * SHOW GRANTS}.
 */
public final class Admin {
  /** PostgreSQL's NAMEDATALEN - 1: a longer name is silently truncated, so it is refused. */
  static final int MAX_NAME_BYTES = 63;

  /** Tables listed by a drop_database preview at most (all are counted). */
  static final int MAX_TABLES_LISTED = 100;

  /** Length of a generated password (~141 bits from {@link #ALPHABET}). */
  static final int GENERATED_PASSWORD_LENGTH = 24;

  /** Letters and digits without look-alikes (0/O, 1/l/I): safe to copy, never needs quoting. */
  private static final char[] ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

  private static final SecureRandom RANDOM = new SecureRandom();

  /** CockroachDB's documented rule for user and role names. */
  private static final Pattern COCKROACH_ROLE =
      Pattern.compile("[\\p{L}\\p{N}_][\\p{L}\\p{N}_.-]*");

  private static final Set<String> UNDROPPABLE = Set.of("system", "template0", "template1");

  /**
   * The privilege keywords accepted per object type (the only words of a caller that reach SQL).
   */
  static final Map<String, List<String>> PRIVILEGES =
      Map.of(
          "database",
          // CONNECT, CREATE, TEMPORARY: PostgreSQL; DROP, ZONECONFIG, BACKUP, RESTORE: CockroachDB.
          List.of(
              "ALL", "CONNECT", "CREATE", "TEMPORARY", "DROP", "ZONECONFIG", "BACKUP", "RESTORE"),
          "schema",
          List.of("ALL", "USAGE", "CREATE", "DROP", "CHANGEFEED"),
          "table",
          // TRUNCATE, REFERENCES, TRIGGER: PostgreSQL; DROP, ZONECONFIG, CHANGEFEED: CockroachDB.
          List.of(
              "ALL",
              "SELECT",
              "INSERT",
              "UPDATE",
              "DELETE",
              "TRUNCATE",
              "REFERENCES",
              "TRIGGER",
              "DROP",
              "ZONECONFIG",
              "CHANGEFEED"));

  /** What list_grants checks per object type on PostgreSQL (has_*_privilege). */
  private static final Map<String, List<String>> CHECKED =
      Map.of(
          "database", List.of("CONNECT", "CREATE", "TEMPORARY"),
          "schema", List.of("USAGE", "CREATE"),
          "table",
              List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"));

  private static final String SYSTEM_SCHEMAS =
      "('pg_catalog', 'information_schema', 'crdb_internal', 'pg_extension', 'pg_toast')";

  private final EngineKey key;
  private final SqlExecutor executor;
  private final SafetyPolicy policy;

  public Admin(EngineKey key, SqlExecutor executor, SafetyPolicy policy) {
    EngineKey.check(key);
    this.key = key;
    this.executor = executor;
    this.policy = policy;
  }

  // --- databases
  // ---------------------------------------------------------------------------------

  /** {@code CREATE DATABASE "name" [OWNER "owner"]}, outside a transaction block. */
  public Outcome createDatabase(Database db, CreateDatabase req, Caller caller) {
    String name = identifier("name", req.name());
    boolean cockroach = db.dialect().isCockroach();
    String owner = blank(req.owner()) ? null : roleName("owner", req.owner(), cockroach);
    refuseBlocked(name, "create_database", "creating");
    if (!req.dryRun()) {
      refuseWrites(db, "create_database");
    }
    Ddl st = new Ddl().word("CREATE DATABASE").name(name);
    if (owner != null) {
      st.word("OWNER").name(owner);
    }
    List<Stmt> statements = List.of(st.done());
    String target = "database " + Sql.quote(name);
    boolean exists = read(db, caller, c -> databaseExists(c, name));
    Impact impact = new Impact(exists, null, null, null, null, null, null, null, null);
    if (exists) {
      if (req.dryRun()) {
        return dry(
            target, statements, impact, target + " already exists: the statement would fail");
      }
      throw CrdbException.invalidArgument(
          target + " already exists; nothing was created", "list_databases shows the databases");
    }
    if (req.dryRun()) {
      return dry(target, statements, impact, "would create " + target);
    }
    run(db, Access.OUTSIDE_TRANSACTION, caller, statements);
    return done(target, statements, impact, null, "created " + target);
  }

  /**
   * {@code DROP DATABASE "name"} (on CockroachDB {@code ... CASCADE}), outside a transaction block.
   * Refused for databases in CRDB_BLOCKED_DATABASES, the system and template databases and the
   * database the connection is using. The impact lists its tables with approximate rows.
   */
  public Outcome dropDatabase(Database db, DropDatabase req, Caller caller) {
    String name = identifier("name", req.name());
    if (!policy.isDatabaseVisible(name)) {
      throw new SqlRefusedException(
          Rule.BLOCKED_DATABASE.id(),
          "database '"
              + name
              + "' is protected by CRDB_BLOCKED_DATABASES; drop_database refuses it",
          "remove it from CRDB_BLOCKED_DATABASES to allow dropping it");
    }
    if (UNDROPPABLE.contains(name.toLowerCase(Locale.ROOT))) {
      throw CrdbException.refused(
          "database '" + name + "' belongs to the server itself and is never dropped",
          "list_databases shows the databases");
    }
    if (!req.dryRun()) {
      refuseWrites(db, "drop_database");
    }
    String target = "database " + Sql.quote(name);
    String[] current = new String[1];
    boolean exists =
        read(
            db,
            caller,
            c -> {
              current[0] = scalar(c, "SELECT current_database()", List.of());
              return databaseExists(c, name);
            });
    if (name.equals(current[0])) {
      throw CrdbException.invalidArgument(
          "drop_database cannot drop " + target + ": this connection is using it",
          "switch_database (or connect) to another database of the server, then call drop_database"
              + " with that connection");
    }
    boolean cockroach = db.dialect().isCockroach();
    Ddl st = new Ddl().word("DROP DATABASE").name(name);
    if (cockroach) {
      st.word("CASCADE"); // CockroachDB's default too; written out since its tables go with it
    }
    List<Stmt> statements = List.of(st.done());
    if (!exists) {
      Impact none = new Impact(false, 0, 0L, List.of(), null, null, null, null, null);
      if (req.dryRun()) {
        return dry(target, statements, none, target + " does not exist: nothing would be dropped");
      }
      throw CrdbException.notFound(
          target + " does not exist; nothing was dropped", "list_databases shows the databases");
    }
    Impact impact = contents(db, name, caller, cockroach);
    String what = target + " " + describeContents(impact);
    if (req.dryRun()) {
      return dry(target, statements, impact, "would drop " + what);
    }
    requireConfirm(req.confirm(), "drop_database", "dropped", "drop " + what, statements);
    run(db, Access.OUTSIDE_TRANSACTION, caller, statements);
    return done(target, statements, impact, null, "dropped " + what);
  }

  /** The tables of another database, read on a connection of its own that is closed after. */
  private Impact contents(Database db, String name, Caller caller, boolean cockroach) {
    List<String> notes = new ArrayList<>();
    List<TableEstimate> tables = new ArrayList<>();
    int[] count = {0};
    long[] rows = {0};
    Database aside = db.aside(key, name);
    try {
      executor.run(
          key,
          aside,
          Access.READ,
          null,
          caller,
          (c, d) -> {
            // CockroachDB: SHOW TABLES of the connection's database (estimated_row_count from its
            // table statistics); PostgreSQL: the planner's reltuples (-1: never analyzed).
            String sql =
                cockroach
                    ? "SELECT schema_name, table_name, estimated_row_count FROM [SHOW TABLES]"
                        + " WHERE type = 'table' ORDER BY 1, 2"
                    : "SELECT n.nspname, c.relname,"
                        + " CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END"
                        + " FROM pg_catalog.pg_class c"
                        + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN "
                        + SYSTEM_SCHEMAS
                        + " AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2";
            try (PreparedStatement ps = executor.prepareBound(c, sql, List.of());
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                count[0]++;
                long n = rs.getLong(3);
                Long est = rs.wasNull() ? null : n;
                if (est != null) {
                  rows[0] += est;
                }
                if (tables.size() < MAX_TABLES_LISTED) {
                  tables.add(new TableEstimate(rs.getString(1), rs.getString(2), est));
                }
              }
            }
            return null;
          });
    } catch (CrdbException e) {
      notes.add("its tables could not be listed: " + e.getMessage());
      return new Impact(true, null, null, null, null, null, null, null, notes);
    } finally {
      aside.closeAside(key);
    }
    if (count[0] > tables.size()) {
      notes.add("only the first " + tables.size() + " of " + count[0] + " tables are listed");
    }
    notes.add("row counts are the planner's estimates (ANALYZE updates them)");
    return new Impact(true, count[0], rows[0], tables, null, null, null, null, notes);
  }

  private static String describeContents(Impact i) {
    if (i.tableCount() == null) {
      return "(its tables could not be listed)";
    }
    if (i.tableCount() == 0) {
      return "(no tables)";
    }
    StringBuilder sb =
        new StringBuilder("with ")
            .append(i.tableCount())
            .append(i.tableCount() == 1 ? " table" : " tables")
            .append(" and about ")
            .append(i.approximateRows())
            .append(" rows: ");
    int shown = 0;
    for (TableEstimate t : i.tables()) {
      if (shown++ == 10) {
        sb.append(", …");
        break;
      }
      sb.append(shown > 1 ? ", " : "").append(t.schema()).append('.').append(t.table());
      sb.append(" (~").append(t.approximateRows() == null ? "?" : t.approximateRows()).append(')');
    }
    return sb.toString();
  }

  // --- roles
  // -------------------------------------------------------------------------------------

  /**
   * {@code CREATE ROLE "name" WITH LOGIN|NOLOGIN [CREATEDB] [CREATEROLE] [PASSWORD ...] [VALID
   * UNTIL ...]} and a {@code GRANT "role" TO "name"} per membership, in one transaction.
   */
  public Outcome createRole(Database db, CreateRole req, Caller caller) {
    boolean cockroach = db.dialect().isCockroach();
    String name = roleName("name", req.name(), cockroach);
    List<String> memberOf = roleNames("member_of", req.memberOf(), cockroach);
    checkPassword(req.password(), req.generatePassword());
    String validUntil = validUntil(req.validUntil());
    if (!req.dryRun()) {
      refuseWrites(db, "create_role");
    }
    String target = "role " + Sql.quote(name);
    boolean exists = read(db, caller, c -> roleExists(c, name));
    Impact impact = new Impact(exists, null, null, null, null, memberOf, null, null, null);
    String password =
        req.generatePassword() && !req.dryRun() && !exists ? generatePassword() : req.password();
    Ddl st = new Ddl().word("CREATE ROLE").name(name).word("WITH");
    st.word(req.login() ? "LOGIN" : "NOLOGIN");
    if (req.createDb()) {
      st.word("CREATEDB");
    }
    if (req.createRole()) {
      st.word("CREATEROLE");
    }
    if (password != null || req.generatePassword()) {
      st.word("PASSWORD").secret(password == null ? null : passwordLiteral(password, cockroach));
    }
    if (validUntil != null) {
      validUntil(st, validUntil, cockroach);
    }
    List<Stmt> statements = new ArrayList<>(List.of(st.done()));
    for (String g : memberOf) {
      statements.add(new Ddl().word("GRANT").name(g).word("TO").name(name).done());
    }
    String what = target + (req.login() ? " that can log in" : " that cannot log in");
    if (exists) {
      if (req.dryRun()) {
        return dry(
            target, statements, impact, target + " already exists: the statement would fail");
      }
      throw CrdbException.invalidArgument(
          target + " already exists; nothing was created",
          "list_roles shows the roles; alter_role changes one");
    }
    if (req.dryRun()) {
      return dry(
          target,
          statements,
          impact,
          "would create "
              + what
              + (req.generatePassword()
                  ? "; a password would be generated and shown once when it runs"
                  : ""));
    }
    run(db, Access.WRITE, caller, statements);
    boolean generated = req.generatePassword();
    return done(
        target,
        statements,
        impact,
        generated ? password : null,
        "created "
            + what
            + (generated
                ? "; its generated password is in this result only: it is not stored, logged or"
                    + " shown again"
                : ""));
  }

  /**
   * {@code ALTER ROLE "name" WITH ...} (login, createdb, createrole, password, valid until) and
   * {@code GRANT} / {@code REVOKE} of memberships, in one transaction. Needs confirm.
   */
  public Outcome alterRole(Database db, AlterRole req, Caller caller) {
    boolean cockroach = db.dialect().isCockroach();
    String name = roleName("name", req.name(), cockroach);
    List<String> add = roleNames("add_member_of", req.addMemberOf(), cockroach);
    List<String> remove = roleNames("remove_member_of", req.removeMemberOf(), cockroach);
    checkPassword(req.password(), req.generatePassword());
    String validUntil = validUntil(req.validUntil());
    boolean credentials = req.password() != null || req.generatePassword();
    boolean attributes =
        credentials
            || req.login() != null
            || req.createDb() != null
            || req.createRole() != null
            || validUntil != null;
    if (!attributes && add.isEmpty() && remove.isEmpty()) {
      throw CrdbException.invalidArgument(
          "alter_role has nothing to change",
          "pass at least one of password, generate_password, login, createdb, createrole,"
              + " valid_until, add_member_of, remove_member_of");
    }
    if (!req.dryRun()) {
      refuseWrites(db, "alter_role");
    }
    String target = "role " + Sql.quote(name);
    RoleFacts facts = read(db, caller, c -> roleFacts(c, name, cockroach));
    if (facts.isSelf(name, cockroach)
        && (Boolean.FALSE.equals(req.login()) || credentials || validUntil != null)) {
      throw CrdbException.refused(
          target
              + " is the server's own login role: alter_role does not remove its login, change"
              + " its password or set its expiry",
          "change the server's own role outside the server");
    }
    if (!facts.exists()) {
      throw CrdbException.notFound(
          target + " does not exist; nothing was changed", "list_roles shows the roles");
    }
    String password =
        req.generatePassword() && !req.dryRun() && req.confirm()
            ? generatePassword()
            : req.password();
    List<Stmt> statements = new ArrayList<>();
    if (attributes) {
      Ddl st = new Ddl().word("ALTER ROLE").name(name).word("WITH");
      if (req.login() != null) {
        st.word(req.login() ? "LOGIN" : "NOLOGIN");
      }
      if (req.createDb() != null) {
        st.word(req.createDb() ? "CREATEDB" : "NOCREATEDB");
      }
      if (req.createRole() != null) {
        st.word(req.createRole() ? "CREATEROLE" : "NOCREATEROLE");
      }
      if (credentials) {
        st.word("PASSWORD").secret(password == null ? null : passwordLiteral(password, cockroach));
      }
      if (validUntil != null) {
        validUntil(st, validUntil, cockroach);
      }
      statements.add(st.done());
    }
    for (String g : add) {
      statements.add(new Ddl().word("GRANT").name(g).word("TO").name(name).done());
    }
    for (String g : remove) {
      statements.add(new Ddl().word("REVOKE").name(g).word("FROM").name(name).done());
    }
    Impact impact =
        new Impact(true, null, null, null, null, facts.memberOf(), facts.members(), null, null);
    String what = "change " + target + " with " + statements.size() + " statement(s)";
    if (req.dryRun()) {
      return dry(target, statements, impact, "would " + what);
    }
    requireConfirm(req.confirm(), "alter_role", "changed", what, statements);
    run(db, Access.WRITE, caller, statements);
    return done(
        target,
        statements,
        impact,
        req.generatePassword() ? password : null,
        "changed "
            + target
            + (req.generatePassword()
                ? "; its new generated password is in this result only: it is not stored, logged"
                    + " or shown again"
                : ""));
  }

  /**
   * {@code DROP ROLE "name"}. Refused for the server's own login role; the impact lists what the
   * role owns, its memberships and where it holds privileges (PostgreSQL refuses to drop a role
   * that still owns objects or holds privileges).
   */
  public Outcome dropRole(Database db, DropRole req, Caller caller) {
    boolean cockroach = db.dialect().isCockroach();
    String name = roleName("name", req.name(), cockroach);
    if (!req.dryRun()) {
      refuseWrites(db, "drop_role");
    }
    String target = "role " + Sql.quote(name);
    RoleFacts facts = read(db, caller, c -> roleFacts(c, name, cockroach));
    if (facts.isSelf(name, cockroach)) {
      throw CrdbException.refused(
          target + " is the server's own login role and cannot be dropped",
          "drop it outside the server, logged in as another role");
    }
    List<Stmt> statements = List.of(new Ddl().word("DROP ROLE").name(name).done());
    if (!facts.exists()) {
      Impact none = new Impact(false, null, null, null, null, null, null, null, null);
      if (req.dryRun()) {
        return dry(target, statements, none, target + " does not exist: nothing would be dropped");
      }
      throw CrdbException.notFound(
          target + " does not exist; nothing was dropped", "list_roles shows the roles");
    }
    Impact impact =
        new Impact(
            true,
            null,
            null,
            null,
            facts.owns(),
            facts.memberOf(),
            facts.members(),
            facts.privileges(),
            facts.notes());
    String what = target + " " + describeRole(facts);
    if (req.dryRun()) {
      return dry(target, statements, impact, "would drop " + what);
    }
    requireConfirm(req.confirm(), "drop_role", "dropped", "drop " + what, statements);
    try {
      run(db, Access.WRITE, caller, statements);
    } catch (CrdbException e) {
      if ("2BP01".equals(e.sqlState())) {
        throw new CrdbException(
            e.code(),
            e.getMessage(),
            "revoke its privileges (revoke) and give what it owns to another role first;"
                + " drop_role with dry_run=true lists them",
            e.sqlState(),
            e);
      }
      throw e;
    }
    return done(target, statements, impact, null, "dropped " + what);
  }

  private static String describeRole(RoleFacts f) {
    List<String> parts = new ArrayList<>();
    parts.add(f.owns().isEmpty() ? "owning nothing" : "owning " + String.join(", ", f.owns()));
    if (!f.memberOf().isEmpty()) {
      parts.add("member of " + String.join(", ", f.memberOf()));
    }
    if (!f.members().isEmpty()) {
      parts.add("with members " + String.join(", ", f.members()));
    }
    if (!f.privileges().isEmpty()) {
      parts.add("holding " + String.join(", ", f.privileges()));
    }
    return "(" + String.join("; ", parts) + ")";
  }

  /** What is known about a role: the server's own login role, existence, ownerships, members. */
  private record RoleFacts(
      String self,
      boolean exists,
      List<String> owns,
      List<String> memberOf,
      List<String> members,
      List<String> privileges,
      List<String> notes) {
    boolean isSelf(String name, boolean cockroach) {
      // CockroachDB user names are case-insensitive (normalized to lower case).
      return cockroach ? name.equalsIgnoreCase(self) : name.equals(self);
    }
  }

  private RoleFacts roleFacts(Connection c, String name, boolean cockroach) throws SQLException {
    String self = scalar(c, "SELECT session_user", List.of());
    boolean exists = roleExists(c, name);
    List<String> owns = new ArrayList<>();
    List<String> memberOf = new ArrayList<>();
    List<String> members = new ArrayList<>();
    List<String> privileges = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (!exists) {
      return new RoleFacts(self, false, owns, memberOf, members, privileges, notes);
    }
    memberOf.addAll(
        strings(
            c,
            "SELECT g.rolname FROM pg_catalog.pg_auth_members m"
                + " JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
                + " JOIN pg_catalog.pg_roles r ON r.oid = m.member"
                + " WHERE r.rolname = ? ORDER BY 1",
            List.of(name)));
    members.addAll(
        strings(
            c,
            "SELECT r.rolname FROM pg_catalog.pg_auth_members m"
                + " JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
                + " JOIN pg_catalog.pg_roles r ON r.oid = m.member"
                + " WHERE g.rolname = ? ORDER BY 1",
            List.of(name)));
    for (String d :
        strings(
            c,
            "SELECT d.datname FROM pg_catalog.pg_database d"
                + " JOIN pg_catalog.pg_roles r ON r.oid = d.datdba WHERE r.rolname = ? ORDER BY 1",
            List.of(name))) {
      owns.add("database " + d);
    }
    for (String s :
        strings(
            c,
            "SELECT n.nspname FROM pg_catalog.pg_namespace n"
                + " JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner WHERE r.rolname = ?"
                + " AND n.nspname NOT IN "
                + SYSTEM_SCHEMAS
                + " ORDER BY 1",
            List.of(name))) {
      owns.add("schema " + s);
    }
    for (String t :
        strings(
            c,
            "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " JOIN pg_catalog.pg_roles r ON r.oid = c.relowner WHERE r.rolname = ?"
                + " AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY 1 LIMIT "
                + MAX_TABLES_LISTED,
            List.of(name))) {
      owns.add("relation " + t);
    }
    if (cockroach) {
      notes.add(
          "on CockroachDB the privileges the role holds are not listed here; DROP ROLE fails"
              + " while it holds any (list_grants shows them per object)");
    } else {
      // PostgreSQL's shared dependency catalog: ownerships ('o') and privileges ('a') of the role
      // in every database, also those this connection cannot see into.
      try {
        privileges.addAll(
            Savepoints.around(
                c,
                "crdb_mcp_admin",
                false,
                () ->
                    strings(
                        c,
                        "SELECT coalesce(d.datname, '(shared objects)') || ': ' || count(*)"
                            + " || CASE WHEN s.deptype = 'o' THEN ' owned object(s)'"
                            + " ELSE ' privilege grant(s)' END"
                            + " FROM pg_catalog.pg_shdepend s"
                            + " LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid"
                            + " JOIN pg_catalog.pg_roles r ON r.oid = s.refobjid"
                            + " WHERE r.rolname = ? AND s.deptype IN ('o', 'a')"
                            + " GROUP BY d.datname, s.deptype ORDER BY 1",
                        List.of(name))));
      } catch (Savepoints.LostException lost) {
        throw lost;
      } catch (SQLException | DataAccessException e) {
        notes.add("where it holds privileges could not be read: " + e.getMessage());
      }
    }
    return new RoleFacts(self, true, owns, memberOf, members, privileges, notes);
  }

  // --- privileges
  // --------------------------------------------------------------------------------

  /** {@code GRANT privileges ON DATABASE|SCHEMA|TABLE object TO role [WITH GRANT OPTION]}. */
  public Outcome grant(Database db, Privileges req, Caller caller) {
    return privileges(db, req, caller, true);
  }

  /** {@code REVOKE privileges ON DATABASE|SCHEMA|TABLE object FROM role}. Needs confirm. */
  public Outcome revoke(Database db, Privileges req, Caller caller) {
    return privileges(db, req, caller, false);
  }

  private Outcome privileges(Database db, Privileges req, Caller caller, boolean grant) {
    String tool = grant ? "grant" : "revoke";
    boolean cockroach = db.dialect().isCockroach();
    Target on = target(req.on(), tool);
    List<String> privs = privilegeWords(on.type(), req.privileges(), tool);
    boolean toPublic = "public".equalsIgnoreCase(blank(req.role()) ? "" : req.role().trim());
    String role = toPublic ? "PUBLIC" : roleName("role", req.role(), cockroach);
    if (req.withGrantOption() && !grant) {
      throw CrdbException.invalidArgument(
          "with_grant_option is for grant only", "call revoke without with_grant_option");
    }
    if (!req.dryRun()) {
      refuseWrites(db, tool);
    }
    Ddl st = new Ddl().word(grant ? "GRANT" : "REVOKE").word(String.join(", ", privs));
    st.word("ON").word(on.type().toUpperCase(Locale.ROOT));
    on.render(st);
    st.word(grant ? "TO" : "FROM");
    if (toPublic) {
      st.word("PUBLIC");
    } else {
      st.name(role);
    }
    if (req.withGrantOption()) {
      st.word("WITH GRANT OPTION");
    }
    List<Stmt> statements = List.of(st.done());
    String target = on.display();
    String who = toPublic ? "PUBLIC" : "role " + Sql.quote(role);
    String what = String.join(", ", privs) + " on " + target + (grant ? " to " : " from ") + who;
    Impact impact = null;
    if (!toPublic) {
      Grants now = grants(db, req.on(), role, caller);
      List<String> held = now.grants().isEmpty() ? List.of() : now.grants().get(0).privileges();
      impact = new Impact(null, null, null, null, null, null, null, held, now.notes());
    }
    if (req.dryRun()) {
      return dry(target, statements, impact, "would " + tool + " " + what);
    }
    if (!grant) {
      requireConfirm(req.confirm(), "revoke", "revoked", "revoke " + what, statements);
    }
    run(db, Access.WRITE, caller, statements);
    return done(target, statements, impact, null, (grant ? "granted " : "revoked ") + what);
  }

  /**
   * Who can do what on a database, schema or table: on PostgreSQL the effective privileges of every
   * role (has_*_privilege: directly, through PUBLIC or a membership, as owner or superuser); on
   * CockroachDB {@code SHOW GRANTS ON ...}. {@code role} limits it to one role.
   */
  public Grants grants(Database db, On on, String role, Caller caller) {
    boolean cockroach = db.dialect().isCockroach();
    Target t = target(on, "list_grants");
    String only =
        blank(role) ? null : "PUBLIC".equals(role) ? role : roleName("role", role, cockroach);
    return read(db, caller, c -> cockroach ? showGrants(c, t, only) : effective(c, t, only));
  }

  private Grants effective(Connection c, Target t, String only) throws SQLException {
    String exists =
        switch (t.type()) {
          case "database" -> "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = ?";
          case "schema" -> "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = ?";
          default -> "SELECT count(*) FROM (SELECT to_regclass(?) AS r) x WHERE r IS NOT NULL";
        };
    // has_table_privilege reads a table name as SQL (quoted by jOOQ here); the others a plain name.
    String object = t.type().equals("table") ? t.quoted() : t.object();
    if (Long.parseLong(scalar(c, exists, List.of(object))) == 0) {
      throw CrdbException.notFound(
          t.display() + " does not exist",
          t.type().equals("table")
              ? "list_tables shows the tables"
              : t.type().equals("schema")
                  ? "list_schemas shows the schemas"
                  : "list_databases shows the databases");
    }
    List<String> checked = CHECKED.get(t.type());
    StringBuilder sql = new StringBuilder("SELECT r.rolname, r.rolsuper");
    List<Object> params = new ArrayList<>();
    for (String p : checked) {
      sql.append(", has_").append(t.type()).append("_privilege(r.oid, ?, ?)");
      params.add(object);
      params.add(p);
    }
    sql.append(" FROM pg_catalog.pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%'");
    if (only != null) {
      sql.append(" AND r.rolname = ?");
      params.add(only);
    }
    sql.append(" ORDER BY 1");
    List<Grant> out = new ArrayList<>();
    try (PreparedStatement ps = executor.prepareBound(c, sql.toString(), params);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        List<String> has = new ArrayList<>();
        for (int i = 0; i < checked.size(); i++) {
          if (rs.getBoolean(3 + i)) {
            has.add(checked.get(i));
          }
        }
        if (!has.isEmpty() || only != null) {
          out.add(new Grant(rs.getString(1), has, rs.getBoolean(2), null));
        }
      }
    }
    return new Grants(
        t.type(),
        t.display(),
        out,
        List.of(
            "effective privileges: granted directly, through PUBLIC or a role membership, or held"
                + " as owner or superuser"));
  }

  private Grants showGrants(Connection c, Target t, String only) throws SQLException {
    // CockroachDB's SHOW GRANTS as a data source: fixed text, the object's name quoted by jOOQ.
    StringBuilder sql =
        new StringBuilder(
                "SELECT grantee, privilege_type, is_grantable::STRING FROM [SHOW GRANTS ON ")
            .append(t.type().toUpperCase(Locale.ROOT))
            .append(' ')
            .append(t.quoted())
            .append("]");
    Map<String, List<String>> by = new LinkedHashMap<>();
    Map<String, Boolean> grantable = new LinkedHashMap<>();
    try (PreparedStatement ps = executor.prepareBound(c, sql.toString(), List.of());
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String who = rs.getString(1);
        if (only != null && !only.equalsIgnoreCase(who)) {
          continue;
        }
        by.computeIfAbsent(who, k -> new ArrayList<>()).add(rs.getString(2));
        String g = rs.getString(3);
        boolean yes = g != null && (g.equalsIgnoreCase("true") || g.equalsIgnoreCase("yes"));
        grantable.merge(who, yes, Boolean::logicalOr);
      }
    }
    List<Grant> out = new ArrayList<>();
    by.forEach((who, p) -> out.add(new Grant(who, p, null, grantable.get(who))));
    if (out.isEmpty() && only != null) {
      out.add(new Grant(only, List.of(), null, null));
    }
    return new Grants(
        t.type(), t.display(), out, List.of("privileges as SHOW GRANTS lists them (granted ones)"));
  }

  /** The object of a grant, revoke or list_grants, validated and visible to access control. */
  private record Target(String type, String object, String schema) {
    String quoted() {
      return schema == null ? Sql.quote(object) : Sql.quote(schema) + "." + Sql.quote(object);
    }

    String display() {
      return type + " " + quoted();
    }

    void render(Ddl st) {
      if (schema != null) {
        st.name(schema).raw(".").nameTight(object);
      } else {
        st.name(object);
      }
    }
  }

  private Target target(On on, String tool) {
    if (on == null || blank(on.objectType())) {
      throw CrdbException.invalidArgument(
          tool + " needs object_type: database, schema or table", "pass object_type and object");
    }
    String type = on.objectType().trim().toLowerCase(Locale.ROOT);
    if (!PRIVILEGES.containsKey(type)) {
      throw CrdbException.invalidArgument(
          "object_type '" + on.objectType() + "' is not one of database, schema, table",
          "pass object_type database, schema or table");
    }
    String object = identifier("object", on.object());
    switch (type) {
      case "database" -> {
        if (!policy.isDatabaseVisible(object)) {
          throw new SqlRefusedException(
              Rule.BLOCKED_DATABASE.id(),
              "database '" + object + "' is blocked by CRDB_BLOCKED_DATABASES",
              "list_databases shows the visible databases");
        }
        return new Target(type, object, null);
      }
      case "schema" -> {
        if (!policy.isSchemaVisible(object)) {
          throw new SqlRefusedException(
              Rule.SCHEMA_NOT_ALLOWED.id(),
              "schema '" + object + "' is not in CRDB_ALLOWED_SCHEMAS",
              "list_schemas shows the allowed schemas");
        }
        return new Target(type, object, null);
      }
      default -> {
        String schema = blank(on.schema()) ? "public" : identifier("schema", on.schema());
        if (!policy.isTableVisible(schema, object)) {
          throw new SqlRefusedException(
              Rule.BLOCKED_TABLE.id(),
              "table '" + schema + "." + object + "' is hidden by the access-control settings",
              "list_tables shows the visible tables");
        }
        return new Target(type, object, schema);
      }
    }
  }

  private static List<String> privilegeWords(String type, List<String> given, String tool) {
    if (given == null || given.isEmpty()) {
      throw CrdbException.invalidArgument(
          tool + " needs privileges, e.g. [\"SELECT\", \"INSERT\"]",
          "privileges on a " + type + ": " + String.join(", ", PRIVILEGES.get(type)));
    }
    Set<String> out = new LinkedHashSet<>();
    for (String p : given) {
      String w = p == null ? "" : p.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
      if (w.equals("ALL PRIVILEGES")) {
        w = "ALL";
      }
      if (w.equals("TEMP")) {
        w = "TEMPORARY";
      }
      if (!PRIVILEGES.get(type).contains(w)) {
        throw CrdbException.invalidArgument(
            "'" + p + "' is not a privilege on a " + type,
            "privileges on a " + type + ": " + String.join(", ", PRIVILEGES.get(type)));
      }
      out.add(w);
    }
    if (out.contains("ALL") && out.size() > 1) {
      throw CrdbException.invalidArgument(
          "ALL already includes the other privileges", "pass [\"ALL\"] alone");
    }
    return List.copyOf(out);
  }

  // --- checks
  // ------------------------------------------------------------------------------------

  /**
   * A name of a database, schema, table or role: not blank, no control characters, at most 63 bytes
   * (PostgreSQL would silently shorten a longer one and act on another name). Anything else is
   * allowed (spaces, quotes, any script): jOOQ quotes it.
   */
  static String identifier(String what, String name) {
    if (name == null || name.isBlank()) {
      throw CrdbException.invalidArgument(what + " is required", "pass the " + what + " by name");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw CrdbException.invalidArgument(
            what + " contains a control character (position " + (i + 1) + ")",
            "pass a name without control characters");
      }
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      throw CrdbException.invalidArgument(
          what + " is " + bytes + " bytes long; names are at most " + MAX_NAME_BYTES + " bytes",
          "pass a shorter name");
    }
    return name;
  }

  /** {@link #identifier}, and on CockroachDB its rule for role names. */
  static String roleName(String what, String name, boolean cockroach) {
    identifier(what, name);
    if (cockroach && !COCKROACH_ROLE.matcher(name).matches()) {
      throw CrdbException.invalidArgument(
          what
              + " '"
              + name
              + "' is not a CockroachDB role name (letters, digits, underscores, dots and dashes,"
              + " not starting with a dot or dash)",
          "pass a name such as app_reader");
    }
    return name;
  }

  private static List<String> roleNames(String what, List<String> names, boolean cockroach) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      out.add(roleName(what, n, cockroach));
    }
    return out;
  }

  private static void checkPassword(String password, boolean generate) {
    if (password != null && generate) {
      throw CrdbException.invalidArgument(
          "pass password or generate_password, not both", "leave out one of them");
    }
    if (password != null && password.isEmpty()) {
      throw CrdbException.invalidArgument(
          "password is empty", "pass a password, or generate_password=true");
    }
  }

  /** An ISO date or timestamp (normalized), {@code infinity} (no expiry), or null. */
  static String validUntil(String v) {
    if (blank(v)) {
      return null;
    }
    String s = v.trim();
    if (s.equalsIgnoreCase("infinity")) {
      return "infinity";
    }
    try {
      return OffsetDateTime.parse(s).toString();
    } catch (DateTimeParseException e) {
      // next form
    }
    try {
      return LocalDateTime.parse(s).toString();
    } catch (DateTimeParseException e) {
      // next form
    }
    try {
      return LocalDate.parse(s).toString();
    } catch (DateTimeParseException e) {
      throw CrdbException.invalidArgument(
          "valid_until '" + v + "' is not an ISO date or timestamp",
          "pass e.g. 2026-12-31, 2026-12-31T23:59:59Z, or infinity for no expiry");
    }
  }

  private static void validUntil(Ddl st, String validUntil, boolean cockroach) {
    st.word("VALID UNTIL");
    if (cockroach && validUntil.equals("infinity")) {
      st.word("NULL"); // CockroachDB: NULL clears the expiry
    } else {
      st.literal(validUntil);
    }
  }

  private void refuseWrites(Database db, String tool) {
    if (policy.readOnly() || db.readOnly()) {
      throw new SqlRefusedException(
          Rule.READ_ONLY.id(),
          tool
              + " is refused: "
              + (policy.readOnly()
                  ? "the server is read-only"
                  : "connection '" + db.name() + "' is read-only"),
          "use a connection that is not read-only");
    }
  }

  private void refuseBlocked(String name, String tool, String verb) {
    if (!policy.isDatabaseVisible(name)) {
      throw new SqlRefusedException(
          Rule.BLOCKED_DATABASE.id(),
          "database '"
              + name
              + "' is in CRDB_BLOCKED_DATABASES; "
              + tool
              + " refuses "
              + verb
              + " it",
          "choose another name, or remove it from CRDB_BLOCKED_DATABASES");
    }
  }

  private static void requireConfirm(
      boolean confirm, String tool, String past, String what, List<Stmt> statements) {
    if (!confirm) {
      throw new CrdbException(
          ErrorCode.CONFIRMATION_REQUIRED,
          tool
              + " needs confirm=true; nothing was "
              + past
              + ". It would "
              + what
              + ", running: "
              + String.join("; ", shown(statements)),
          "call " + tool + " again with confirm=true, or with dry_run=true to see it first");
    }
  }

  // --- passwords
  // ---------------------------------------------------------------------------------

  /** A new random password: {@link #GENERATED_PASSWORD_LENGTH} letters and digits. */
  static String generatePassword() {
    char[] out = new char[GENERATED_PASSWORD_LENGTH];
    for (int i = 0; i < out.length; i++) {
      out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(out);
  }

  /**
   * The text after {@code PASSWORD}. PostgreSQL: the SCRAM-SHA-256 verifier (PostgreSQL stores a
   * verifier given this way as is, so the password itself never leaves this process). CockroachDB:
   * the password, which it hashes itself and redacts from its logs; it would accept a verifier only
   * from v22.2 with a cluster setting on, and an older server would take the verifier for the
   * password itself.
   */
  private static String passwordLiteral(String password, boolean cockroach) {
    String value = cockroach ? password : PasswordUtil.encodeScramSha256(password.toCharArray());
    return literal(value);
  }

  private static String literal(String value) {
    return Sql.dsl().render(DSL.inline(value));
  }

  // --- running
  // -----------------------------------------------------------------------------------

  /** One statement: the text that runs, and the text shown (secrets as {@code '****'}). */
  record Stmt(String sql, String shown) {
    @Override
    public String toString() {
      return shown;
    }
  }

  /** Builds one statement from fixed words, names quoted by jOOQ and literals inlined by jOOQ. */
  static final class Ddl {
    private final StringBuilder sql = new StringBuilder();
    private final StringBuilder shown = new StringBuilder();

    private Ddl both(String text, boolean space) {
      if (space && sql.length() > 0) {
        sql.append(' ');
        shown.append(' ');
      }
      sql.append(text);
      shown.append(text);
      return this;
    }

    /** Fixed text of this class: keywords, privilege words from {@link #PRIVILEGES}. */
    Ddl word(String keyword) {
      return both(keyword, true);
    }

    Ddl raw(String text) {
      return both(text, false);
    }

    Ddl name(String identifier) {
      return both(Sql.quote(identifier), true);
    }

    Ddl nameTight(String identifier) {
      return both(Sql.quote(identifier), false);
    }

    Ddl literal(String value) {
      return both(Admin.literal(value), true);
    }

    /** A secret literal (already rendered); null: not known yet (a dry run). Shown as '****'. */
    Ddl secret(String renderedLiteral) {
      sql.append(' ').append(renderedLiteral == null ? "NULL" : renderedLiteral);
      shown.append(" '****'");
      return this;
    }

    Stmt done() {
      return new Stmt(sql.toString(), shown.toString());
    }
  }

  private interface Read<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T read(Database db, Caller caller, Read<T> work) {
    return executor.run(key, db, Access.READ, null, caller, (c, d) -> work.run(c));
  }

  private void run(Database db, Access access, Caller caller, List<Stmt> statements) {
    executor.run(
        key,
        db,
        access,
        null,
        caller,
        (c, d) -> {
          for (Stmt st : statements) {
            try (PreparedStatement ps = executor.prepareBound(c, st.sql(), List.of())) {
              ps.execute();
            }
          }
          return null;
        });
  }

  private String scalar(Connection c, String sql, List<Object> params) throws SQLException {
    try (PreparedStatement ps = executor.prepareBound(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private List<String> strings(Connection c, String sql, List<Object> params) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = executor.prepareBound(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private boolean databaseExists(Connection c, String name) throws SQLException {
    return Long.parseLong(
            scalar(
                c, "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = ?", List.of(name)))
        > 0;
  }

  private boolean roleExists(Connection c, String name) throws SQLException {
    return Long.parseLong(
            scalar(c, "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = ?", List.of(name)))
        > 0;
  }

  private static List<String> shown(List<Stmt> statements) {
    return statements.stream().map(Stmt::shown).toList();
  }

  private static Outcome dry(String target, List<Stmt> st, Impact impact, String message) {
    return new Outcome(
        "dry_run", target, shown(st), impact, null, "dry run, nothing changed: " + message);
  }

  private static Outcome done(
      String target, List<Stmt> st, Impact impact, String password, String message) {
    return new Outcome("done", target, shown(st), impact, password, message);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
