package io.crdbmcp.core.schema;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.SqlErrors;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.tx.Savepoints;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * with jOOQ inside {@link SqlExecutor#run} (through {@link Schema}, whose access policy applies).
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

  /**
   * Statistics of one database, as get_database_info reports them.
   *
   * @param server the server's name and version
   * @param sizeBytes the database's size; null when the server does not say (see {@code note})
   * @param tables base tables outside the system schemas; null on PostgreSQL for a database other
   *     than the connection's (its catalog is not reachable from this connection)
   * @param views views outside the system schemas; null when {@code tables} is
   * @param cluster ranges and regions; null on PostgreSQL
   * @param note what could not be read, or null
   */
  public record Stats(
      String database,
      String server,
      String owner,
      String encoding,
      Long sizeBytes,
      Long tables,
      Long views,
      Cluster cluster,
      String note) {}

  /**
   * CockroachDB's view of a database; each value is null when the server version cannot tell.
   *
   * @param regions the database's regions, sorted
   */
  public record Cluster(Long ranges, List<String> regions) {}

  private record Counts(long tables, long views) {}

  /** What the server-specific queries found; see {@link Stats}. */
  private record Figures(Long sizeBytes, Long tables, Long views, Cluster cluster, String note) {}

  private final Schema schema;

  /** The statistics, users and roles of the databases that {@code schema}'s policy shows. */
  public DatabaseInfo(Schema schema) {
    this.schema = schema;
  }

  /**
   * Size, table count, owner and encoding of a database (default: the connection's); on CockroachDB
   * also ranges and regions.
   */
  public Stats info(Database db, String database, String txId, Caller caller) {
    String name = database == null || database.isBlank() ? db.spec().database() : database;
    if (!schema.policy().isDatabaseVisible(name)) {
      throw CrdbException.refused(
          "database '" + name + "' is blocked by CRDB_BLOCKED_DATABASES",
          "list the databases to see the visible ones");
    }
    return schema.read(
        db,
        txId,
        caller,
        (c, d) -> {
          DSLContext dsl = schema.dsl(c);
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
          Figures f =
              d.isCockroach()
                  ? cockroach(c, dsl, name)
                  : postgres(dsl, name, db.spec().database().equals(name));
          return new Stats(
              name,
              d.displayName(),
              owner.value1(),
              owner.value2(),
              f.sizeBytes(),
              f.tables(),
              f.views(),
              f.cluster(),
              f.note());
        });
  }

  private static Figures postgres(DSLContext dsl, String name, boolean current) {
    Long size =
        dsl.select(Sql.fn("pg_database_size", Long.class, DSL.val(name))).fetchOne().value1();
    if (!current) {
      return new Figures(
          size,
          null,
          null,
          null,
          "table count is only available for the connection's current database");
    }
    Counts n = tableCount(dsl);
    return new Figures(size, n.tables(), n.views(), null, null);
  }

  private static Counts tableCount(DSLContext dsl) {
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
    return new Counts(r.value1().longValue(), r.value2().longValue());
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
  private static Figures cockroach(Connection c, DSLContext dsl, String name) throws SQLException {
    Name database = Sql.name(name);
    List<String> notes = new ArrayList<>();
    Counts n = tableCount(dsl);
    Table<?> ranges = showSource("[SHOW RANGES FROM DATABASE {0} WITH DETAILS]", database);
    Long size =
        optional(
            c,
            dsl.select(
                    DSL.sum(Sql.col(BigDecimal.class, "range_size_mb"))
                        .mul(DSL.inline(1048576))
                        .cast(SQLDataType.BIGINT))
                .from(ranges),
            notes,
            "size");
    Long rangeCount =
        optional(
            c,
            dsl.select(DSL.count().cast(SQLDataType.BIGINT))
                .from(showSource("[SHOW RANGES FROM DATABASE {0}]", database)),
            notes,
            "ranges");
    Field<String> region = Sql.col(String.class, "region");
    String[] regions =
        optional(
            c,
            dsl.select(DSL.arrayAgg(region).orderBy(region))
                .from(showSource("[SHOW REGIONS FROM DATABASE {0}]", database)),
            notes,
            "regions");
    return new Figures(
        size,
        n.tables(),
        n.views(),
        new Cluster(rangeCount, regions == null ? null : Arrays.asList(regions)),
        notes.isEmpty() ? null : String.join("; ", notes));
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
    return schema.read(
        db,
        txId,
        caller,
        (c, d) -> {
          Field<String> rolname = Sql.col(String.class, "r", "rolname");
          var rows =
              schema
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
