package io.crdbmcp.core;

import io.crdbmcp.core.safety.SafetyPolicy;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** get_database_info, list_users, list_roles: statistics, users and roles from the catalogs. */
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

  private final SqlExecutor executor;
  private final SafetyPolicy policy;

  public DatabaseInfo(SqlExecutor executor, SafetyPolicy policy) {
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
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("database", name);
          m.put("server", d.displayName());
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding)"
                      + " FROM pg_catalog.pg_database WHERE datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                throw CrdbException.notFound(
                    "database '" + name + "' does not exist",
                    "list the databases to see the visible ones");
              }
              m.put("owner", rs.getString(1));
              m.put("encoding", rs.getString(2));
            }
          }
          if (d.isCockroach()) {
            cockroach(c, name, m);
          } else {
            postgres(c, name, m, db.spec().database().equals(name));
          }
          return m;
        });
  }

  private static void postgres(Connection c, String name, Map<String, Object> m, boolean current)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_database_size(?)")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        m.put("size_bytes", rs.getLong(1));
      }
    }
    if (current) {
      tableCount(c, m);
    } else {
      m.put("tables", null);
      m.put("note", "table count is only available for the connection's current database");
    }
  }

  private static void tableCount(Connection c, Map<String, Object> m) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FILTER (WHERE table_type = 'BASE TABLE'),"
                    + " count(*) FILTER (WHERE table_type = 'VIEW')"
                    + " FROM information_schema.tables WHERE table_schema NOT IN"
                    + " ('pg_catalog', 'information_schema', 'crdb_internal', 'pg_extension')")) {
      rs.next();
      m.put("tables", rs.getLong(1));
      m.put("views", rs.getLong(2));
    }
  }

  /**
   * CockroachDB statistics, written from CockroachDB's documentation (SHOW RANGES ... WITH DETAILS,
   * SHOW REGIONS FROM DATABASE); each is optional and reported as null with a note when the server
   * version does not support it. Savepoints keep one failure from aborting the rest.
   */
  private static void cockroach(Connection c, String name, Map<String, Object> m)
      throws SQLException {
    String quoted = "\"" + name.replace("\"", "\"\"") + "\"";
    List<String> notes = new ArrayList<>();
    tableCount(c, m);
    m.put(
        "size_bytes",
        optional(
            c,
            "SELECT (sum(range_size_mb) * 1048576)::INT8 FROM [SHOW RANGES FROM DATABASE "
                + quoted
                + " WITH DETAILS]",
            notes,
            "size"));
    m.put(
        "ranges",
        optional(
            c, "SELECT count(*) FROM [SHOW RANGES FROM DATABASE " + quoted + "]", notes, "ranges"));
    Object regions =
        optional(
            c,
            "SELECT array_agg(region ORDER BY region) FROM [SHOW REGIONS FROM DATABASE "
                + quoted
                + "]",
            notes,
            "regions");
    m.put("regions", regions);
    if (!notes.isEmpty()) {
      m.put("note", String.join("; ", notes));
    }
  }

  private static Object optional(Connection c, String sql, List<String> notes, String what)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SAVEPOINT crdb_mcp_info");
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      Object v = null;
      if (rs.next()) {
        v = rs.getObject(1);
        if (v instanceof Array a) {
          Object[] arr = (Object[]) a.getArray();
          v = arr == null ? List.of() : Arrays.asList(arr);
        }
      }
      try (Statement release = c.createStatement()) {
        release.execute("RELEASE SAVEPOINT crdb_mcp_info");
      }
      return v;
    } catch (SQLException e) {
      try (Statement s = c.createStatement()) {
        s.execute("ROLLBACK TO SAVEPOINT crdb_mcp_info");
      }
      notes.add(what + " unavailable: " + CrdbException.firstLine(e.getMessage()));
      return null;
    }
  }

  /** Roles with attributes and memberships; {@code loginOnly} lists users. One catalog query. */
  public List<Role> roles(Database db, boolean loginOnly, String txId, Caller caller) {
    return executor.run(
        db,
        Access.READ,
        txId,
        caller,
        (c, d) -> {
          String sql =
              "SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole,"
                  + " r.rolvaliduntil::TEXT,"
                  + " ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m"
                  + "   JOIN pg_catalog.pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid"
                  + "   ORDER BY 1),"
                  + " ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m"
                  + "   JOIN pg_catalog.pg_roles b ON b.oid = m.member WHERE m.roleid = r.oid"
                  + "   ORDER BY 1)"
                  + " FROM pg_catalog.pg_roles r"
                  + " WHERE r.rolname NOT LIKE 'pg\\_%'"
                  + (loginOnly ? " AND r.rolcanlogin" : "")
                  + " ORDER BY r.rolname";
          List<Role> out = new ArrayList<>();
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
              out.add(
                  new Role(
                      rs.getString(1),
                      rs.getBoolean(2),
                      rs.getBoolean(3),
                      rs.getBoolean(4),
                      rs.getBoolean(5),
                      rs.getString(6),
                      strings(rs.getArray(7)),
                      strings(rs.getArray(8))));
            }
          }
          return out;
        });
  }

  private static List<String> strings(Array a) throws SQLException {
    if (a == null) {
      return List.of();
    }
    Object[] arr = (Object[]) a.getArray();
    List<String> out = new ArrayList<>();
    for (Object o : arr) {
      out.add(String.valueOf(o));
    }
    return out;
  }
}
