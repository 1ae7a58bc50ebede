package io.crdbmcp.core.connect;

import io.crdbmcp.core.Spelling;
import io.crdbmcp.core.safety.SafetyPolicy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * "Did you mean ...?" for a table or column the database says does not exist: one bounded catalog
 * query on a pooled connection of the same database, then the closest names by spelling. Only names
 * every access-control policy of that connection lets a caller see are offered.
 */
final class CatalogNames {
  private CatalogNames() {}

  /** Catalog rows read at most. */
  static final int MAX_ROWS = 20_000;

  /** Names suggested at most. */
  static final int MAX_SUGGESTIONS = 3;

  private static final String USER_SCHEMAS =
      " table_schema NOT IN ('pg_catalog', 'information_schema', 'crdb_internal', 'pg_extension')"
          + " AND table_schema NOT LIKE 'pg\\_toast%' AND table_schema NOT LIKE 'pg\\_temp%'";

  private static final Pattern RELATION = Pattern.compile("relation \"([^\"]+)\" does not exist");
  private static final Pattern COLUMN_OF =
      Pattern.compile("column \"([^\"]+)\" of relation \"([^\"]+)\" does not exist");
  private static final Pattern COLUMN = Pattern.compile("column \"([^\"]+)\" does not exist");
  private static final Pattern QUALIFIED_COLUMN =
      Pattern.compile("column ([^\\s\"]+)\\.([^\\s\"]+) does not exist");

  /**
   * Closest existing names for the missing table (42P01) or column (42703) named in {@code
   * message}; empty when the name cannot be read from the message, the connection has no pool yet
   * or no connection is free at once.
   */
  static List<String> suggest(ConnectionSpec spec, String sqlState, String message) {
    try {
      Database db = Database.live(spec);
      if (db == null || message == null) {
        return List.of();
      }
      List<SafetyPolicy> policies = Database.livePolicies(spec);
      if ("42P01".equals(sqlState)) {
        Matcher m = RELATION.matcher(message);
        return m.find() ? tables(db, policies, lastPart(m.group(1))) : List.of();
      }
      if ("42703".equals(sqlState)) {
        Matcher of = COLUMN_OF.matcher(message);
        if (of.find()) {
          return columns(db, policies, of.group(1), lastPart(of.group(2)));
        }
        Matcher q = QUALIFIED_COLUMN.matcher(message);
        if (q.find()) {
          return columns(db, policies, q.group(2), lastPart(q.group(1)));
        }
        Matcher c = COLUMN.matcher(message);
        if (c.find()) {
          return columns(db, policies, c.group(1), null);
        }
      }
      return List.of();
    } catch (RuntimeException e) {
      return List.of(); // a suggestion is a courtesy; the original error is what matters
    }
  }

  private static List<String> tables(Database db, List<SafetyPolicy> policies, String wanted) {
    Map<String, String> display = new LinkedHashMap<>();
    String sql =
        "SELECT table_schema, table_name FROM information_schema.tables WHERE"
            + USER_SCHEMAS
            + " ORDER BY table_schema = 'public' DESC, table_schema, table_name";
    read(
        db,
        sql,
        rs -> {
          String schema = rs.getString(1);
          String table = rs.getString(2);
          if (visible(policies, schema, table, null)) {
            display.putIfAbsent(
                table + "\u0000" + schema, "public".equals(schema) ? table : schema + "." + table);
          }
        });
    Map<String, String> byName = new LinkedHashMap<>();
    display.forEach((k, v) -> byName.putIfAbsent(k.substring(0, k.indexOf('\u0000')), v));
    return Spelling.closest(wanted, byName.keySet(), MAX_SUGGESTIONS).stream()
        .map(byName::get)
        .toList();
  }

  private static List<String> columns(
      Database db, List<SafetyPolicy> policies, String wanted, String relation) {
    // column name -> how to show it; within one named relation just the name, else table.column
    Map<String, List<String>> shown = new LinkedHashMap<>();
    List<String[]> all = new ArrayList<>();
    String sql =
        "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE"
            + USER_SCHEMAS
            + " ORDER BY table_schema = 'public' DESC, table_schema, table_name, ordinal_position";
    read(
        db,
        sql,
        rs -> {
          String schema = rs.getString(1);
          String table = rs.getString(2);
          String column = rs.getString(3);
          if (visible(policies, schema, table, column)) {
            all.add(new String[] {schema, table, column});
          }
        });
    boolean inRelation =
        relation != null && all.stream().anyMatch(r -> r[1].equalsIgnoreCase(relation));
    for (String[] r : all) {
      if (inRelation && !r[1].equalsIgnoreCase(relation)) {
        continue;
      }
      shown
          .computeIfAbsent(r[2], k -> new ArrayList<>())
          .add(inRelation ? r[2] : r[1] + "." + r[2]);
    }
    List<String> out = new ArrayList<>();
    for (String name : Spelling.closest(wanted, shown.keySet(), MAX_SUGGESTIONS)) {
      for (String s : shown.get(name)) {
        if (out.size() < MAX_SUGGESTIONS && !out.contains(s)) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static boolean visible(
      List<SafetyPolicy> policies, String schema, String table, String column) {
    for (SafetyPolicy p : policies) {
      if (!p.isTableVisible(schema, table)
          || (column != null && !p.isColumnVisible(schema, table, column))) {
        return false;
      }
    }
    return true;
  }

  private static String lastPart(String qualified) {
    int dot = qualified.lastIndexOf('.');
    return dot < 0 ? qualified : qualified.substring(dot + 1);
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private static void read(Database db, String sql, RowReader reader) {
    Connection c = db.borrowAtOnce();
    if (c == null) {
      return;
    }
    try {
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL statement_timeout = '2s'");
        s.setQueryTimeout(3);
        s.setMaxRows(MAX_ROWS);
        try (ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            reader.read(rs);
          }
        }
      }
    } catch (SQLException e) {
      // No suggestion then.
    } finally {
      // Only transaction-scoped state was set (SET LOCAL): a rollback undoes it.
      db.releaseAfterRollback(c);
    }
  }
}
