package io.crdbmcp.core.schema;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.SqlErrors;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.sql.Access;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.tx.Savepoints;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.PlainSQL;
import org.jooq.Record1;
import org.jooq.Record2;
import org.jooq.ResultQuery;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * get_database_info, list_users, list_roles: statistics, users and roles from the catalogs, queried
 * with jOOQ inside {@link SqlExecutor#run} (through {@link SqlExecutor#dsl}).
 */
public final class DatabaseInfo {
  /** A role with its attributes and memberships. Password hashes are never read. */
  public record Role(
      String name,
      boolean canLogin,
      boolean superuser,
      boolean createDb,
      boolean createRole,
      String validUntil,
      List<String> memberOf,
      List<String> members) {}

  private final EngineKey key;
  private final SqlExecutor executor;
  private final SafetyPolicy policy;

  public DatabaseInfo(EngineKey key, SqlExecutor executor, SafetyPolicy policy) {
    EngineKey.check(key);
    this.key = key;
    this.executor = executor;
    this.policy = policy;
  }

  /**
   * Size, table count, owner and encoding of a database (default: the connection's); on CockroachDB
   * also ranges and regions.
   */
  public Map<String, Object> info(Database db, String database, String txId, Caller caller) {
    String name = database == null || database.isBlank() ? db.spec().database() : database;
    if (!policy.isDatabaseVisible(name)) {
      throw CrdbException.refused(
          "database '" + name + "' is blocked by CRDB_BLOCKED_DATABASES",
          "list the databases to see the visible ones");
    }
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          DSLContext dsl = executor.dsl(c);
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("database", name);
          m.put("server", d.displayName());
          Record2<String, String> owner =
              dsl.select(
                      Sql.fn("pg_get_userbyid", String.class, Sql.column("datdba")),
                      Sql.fn("pg_encoding_to_char", String.class, Sql.column("encoding")))
                  .from(Sql.table("pg_catalog", "pg_database"))
                  .where(Sql.col(String.class, "datname").eq(name))
                  .fetchOne();
          if (owner == null) {
            throw CrdbException.notFound(
                "database '" + name + "' does not exist",
                "list the databases to see the visible ones");
          }
          m.put("owner", owner.value1());
          m.put("encoding", owner.value2());
          if (d.isCockroach()) {
            cockroach(c, dsl, name, m);
          } else {
            postgres(dsl, name, m, db.spec().database().equals(name));
          }
          return m;
        });
  }

  private static void postgres(
      DSLContext dsl, String name, Map<String, Object> m, boolean current) {
    m.put(
        "size_bytes",
        dsl.select(Sql.fn("pg_database_size", Long.class, DSL.val(name))).fetchOne().value1());
    if (current) {
      tableCount(dsl, m);
    } else {
      m.put("tables", null);
      m.put("note", "table count is only available for the connection's current database");
    }
  }

  private static void tableCount(DSLContext dsl, Map<String, Object> m) {
    Field<String> type = Sql.col(String.class, "table_type");
    Record2<Integer, Integer> r =
        dsl.select(
                DSL.count().filterWhere(type.eq(DSL.inline("BASE TABLE"))),
                DSL.count().filterWhere(type.eq(DSL.inline("VIEW"))))
            .from(Sql.table("information_schema", "tables"))
            .where(
                Sql.col(String.class, "table_schema")
                    .notIn(
                        DSL.inline("pg_catalog"),
                        DSL.inline("information_schema"),
                        DSL.inline("crdb_internal"),
                        DSL.inline("pg_extension")))
            .fetchOne();
    m.put("tables", r.value1().longValue());
    m.put("views", r.value2().longValue());
  }

  /**
   * CockroachDB statistics, written from CockroachDB's documentation (SHOW RANGES ... WITH DETAILS,
   * SHOW REGIONS FROM DATABASE); each is optional and reported as null with a note when the server
   * version does not support it. Savepoints keep one failure from aborting the rest.
   *
   * <p>{@code [SHOW ...]} as a data source is CockroachDB syntax that jOOQ's POSTGRES dialect
   * cannot build: these sources are jOOQ plain-SQL templates, fixed text written here, with the
   * database name as a name quoted by jOOQ. No caller's text is ever part of them.
   */
  private static void cockroach(Connection c, DSLContext dsl, String name, Map<String, Object> m)
      throws SQLException {
    Name database = Sql.name(name);
    List<String> notes = new ArrayList<>();
    tableCount(dsl, m);
    Table<?> ranges = showSource("[SHOW RANGES FROM DATABASE {0} WITH DETAILS]", database);
    m.put(
        "size_bytes",
        optional(
            c,
            dsl.select(
                    DSL.sum(Sql.col(BigDecimal.class, "range_size_mb"))
                        .mul(DSL.inline(1048576))
                        .cast(SQLDataType.BIGINT))
                .from(ranges),
            notes,
            "size"));
    m.put(
        "ranges",
        optional(
            c,
            dsl.select(DSL.count().cast(SQLDataType.BIGINT))
                .from(showSource("[SHOW RANGES FROM DATABASE {0}]", database)),
            notes,
            "ranges"));
    Field<String> region = Sql.col(String.class, "region");
    String[] regions =
        optional(
            c,
            dsl.select(DSL.arrayAgg(region).orderBy(region))
                .from(showSource("[SHOW REGIONS FROM DATABASE {0}]", database)),
            notes,
            "regions");
    m.put("regions", regions == null ? null : Arrays.asList(regions));
    if (!notes.isEmpty()) {
      m.put("note", String.join("; ", notes));
    }
  }

  /** A CockroachDB {@code [SHOW ...]} data source; see {@link #cockroach}. */
  @PlainSQL
  private static Table<?> showSource(String template, Name database) {
    return DSL.table(template, database);
  }

  /** The value of a one-value query, or null with a note when the server refuses it. */
  private static <T> T optional(
      Connection c, ResultQuery<Record1<T>> query, List<String> notes, String what)
      throws SQLException {
    try {
      return Savepoints.around(
          c,
          "crdb_mcp_info",
          false,
          () -> {
            Record1<T> r = query.fetchOne();
            return r == null ? null : r.value1();
          });
    } catch (Savepoints.LostException lost) {
      throw lost; // the transaction is unusable
    } catch (DataAccessException e) {
      SQLException cause = e.getCause(SQLException.class);
      notes.add(
          what
              + " unavailable: "
              + SqlErrors.firstLine(cause == null ? e.getMessage() : cause.getMessage()));
      return null;
    }
  }

  /** Roles with attributes and memberships; {@code loginOnly} lists users. One catalog query. */
  public List<Role> roles(Database db, boolean loginOnly, String txId, Caller caller) {
    return executor.run(
        key,
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          Field<String> rolname = Sql.col(String.class, "r", "rolname");
          var rows =
              executor
                  .dsl(c)
                  .select(
                      rolname,
                      Sql.col(Boolean.class, "r", "rolcanlogin"),
                      Sql.col(Boolean.class, "r", "rolsuper"),
                      Sql.col(Boolean.class, "r", "rolcreatedb"),
                      Sql.col(Boolean.class, "r", "rolcreaterole"),
                      Sql.column("r", "rolvaliduntil").cast(SQLDataType.CLOB),
                      memberships("roleid", "member"),
                      memberships("member", "roleid"))
                  .from(Sql.table("pg_catalog", "pg_roles", "r"))
                  .where(rolname.notLike("pg\\_%"))
                  .and(
                      loginOnly
                          ? Sql.col(Boolean.class, "r", "rolcanlogin").isTrue()
                          : DSL.noCondition())
                  .orderBy(rolname)
                  .fetch();
          List<Role> out = new ArrayList<>();
          for (var r : rows) {
            out.add(
                new Role(
                    r.value1(),
                    Boolean.TRUE.equals(r.value2()),
                    Boolean.TRUE.equals(r.value3()),
                    Boolean.TRUE.equals(r.value4()),
                    Boolean.TRUE.equals(r.value5()),
                    r.value6(),
                    strings(r.value7()),
                    strings(r.value8())));
          }
          return out;
        });
  }

  /**
   * The names of the roles joined to role {@code r} through pg_auth_members, sorted: with
   * ("roleid", "member") the roles r is a member of, with ("member", "roleid") the members of r.
   */
  private static Field<String[]> memberships(String other, String self) {
    Field<String> name = Sql.col(String.class, "b", "rolname");
    return DSL.array(
        DSL.select(name)
            .from(Sql.table("pg_catalog", "pg_auth_members", "m"))
            .join(Sql.table("pg_catalog", "pg_roles", "b"))
            .on(Sql.column("b", "oid").eq(Sql.column("m", other)))
            .where(Sql.column("m", self).eq(Sql.column("r", "oid")))
            .orderBy(name));
  }

  private static List<String> strings(String[] a) {
    if (a == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String o : a) {
      out.add(String.valueOf(o));
    }
    return out;
  }
}
