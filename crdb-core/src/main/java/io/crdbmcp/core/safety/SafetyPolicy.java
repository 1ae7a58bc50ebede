package io.crdbmcp.core.safety;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything the guard needs to decide. Names are normalized to lower case; the collections are
 * immutable.
 *
 * @param readOnly refuse everything that can change state
 * @param blockedCommands command prefixes refused, matched word-wise and case-insensitively ({@code
 *     DROP} blocks {@code DROP TABLE}; {@code CREATE USER} also blocks {@code CREATE ROLE})
 * @param blockedDatabases databases that may not be named
 * @param allowedSchemas schemas that may be read; empty means all (system catalogs always)
 * @param blockedTables {@code table} or {@code schema.table} names that may not be referenced
 * @param blockedColumns table ({@code table} or {@code schema.table}) to hidden columns
 * @param allowedTables when non-empty, the only tables that may be referenced
 * @param allowedFunctions user-defined (or volatile built-in) functions an operator allows where
 *     the policy would refuse them: {@code name} or {@code schema.name}
 * @param maxSqlLength the longest statement text accepted, in characters
 * @param maxSqlDepth the deepest nesting of parentheses and brackets accepted
 */
public record SafetyPolicy(
    boolean readOnly,
    List<String> blockedCommands,
    Set<String> blockedDatabases,
    Set<String> allowedSchemas,
    Set<String> blockedTables,
    Map<String, Set<String>> blockedColumns,
    Set<String> allowedTables,
    Set<String> allowedFunctions,
    int maxSqlLength,
    int maxSqlDepth) {

  /** Longest statement accepted unless configured otherwise ({@code CRDB_MAX_SQL_LENGTH}). */
  public static final int DEFAULT_MAX_SQL_LENGTH = SqlLimits.DEFAULT_MAX_LENGTH;

  /** Deepest nesting accepted unless configured otherwise ({@code CRDB_MAX_SQL_DEPTH}). */
  public static final int DEFAULT_MAX_SQL_DEPTH = SqlLimits.DEFAULT_MAX_DEPTH;

  /** Commands refused unless configured otherwise. */
  public static final List<String> DEFAULT_BLOCKED_COMMANDS =
      List.of("DROP", "TRUNCATE", "ALTER", "GRANT", "REVOKE", "CREATE USER", "DROP USER");

  /** Schemas that stay readable whatever {@link #allowedSchemas()} says. */
  static final Set<String> SYSTEM_SCHEMAS =
      Set.of("pg_catalog", "information_schema", "crdb_internal", "pg_extension");

  public SafetyPolicy {
    blockedCommands = normCommands(blockedCommands);
    blockedDatabases = lowerSet(blockedDatabases);
    allowedSchemas = lowerSet(allowedSchemas);
    blockedTables = lowerSet(blockedTables);
    allowedTables = lowerSet(allowedTables);
    allowedFunctions = lowerSet(allowedFunctions);
    if (maxSqlLength < 1 || maxSqlDepth < 1) {
      throw new IllegalArgumentException("SQL limits must be positive");
    }
    Map<String, Set<String>> cols = new HashMap<>();
    if (blockedColumns != null) {
      blockedColumns.forEach(
          (k, v) -> {
            if (k != null && v != null && !v.isEmpty()) {
              cols.merge(lower(k), lowerSet(v), (x, y) -> union(x, y));
            }
          });
    }
    blockedColumns = Map.copyOf(cols);
  }

  /** A policy with no allowed functions and the default limits. */
  public SafetyPolicy(
      boolean readOnly,
      List<String> blockedCommands,
      Set<String> blockedDatabases,
      Set<String> allowedSchemas,
      Set<String> blockedTables,
      Map<String, Set<String>> blockedColumns,
      Set<String> allowedTables) {
    this(
        readOnly,
        blockedCommands,
        blockedDatabases,
        allowedSchemas,
        blockedTables,
        blockedColumns,
        allowedTables,
        Set.of(),
        DEFAULT_MAX_SQL_LENGTH,
        DEFAULT_MAX_SQL_DEPTH);
  }

  /** Nothing blocked, not read-only. */
  public static SafetyPolicy permissive() {
    return new SafetyPolicy(false, List.of(), Set.of(), Set.of(), Set.of(), Map.of(), Set.of());
  }

  public boolean isDatabaseVisible(String database) {
    return database == null || !blockedDatabases.contains(lower(database));
  }

  public boolean isSchemaVisible(String schema) {
    if (schema == null || allowedSchemas.isEmpty()) {
      return true;
    }
    String s = lower(schema);
    return SYSTEM_SCHEMAS.contains(s) || allowedSchemas.contains(s);
  }

  public boolean isTableVisible(String schema, String table) {
    if (table == null || !isSchemaVisible(schema)) {
      return false;
    }
    return !isTableBlocked(schema, table) && isTableAllowed(schema, table);
  }

  public boolean isColumnVisible(String schema, String table, String column) {
    if (!isTableVisible(schema, table) || column == null) {
      return false;
    }
    return !blockedColumnsOf(schema, table).contains(lower(column));
  }

  // ---------------------------------------------------------------------------------------------

  /** True if a table named so (schema may be null when unqualified) is blocked. */
  boolean isTableBlocked(String schema, String table) {
    return matchesAny(blockedTables, schema, table);
  }

  /** True if the allow-list is empty or names this table. */
  boolean isTableAllowed(String schema, String table) {
    if (allowedTables.isEmpty()) {
      return true;
    }
    if (schema != null && SYSTEM_SCHEMAS.contains(lower(schema))) {
      return true;
    }
    return matchesAny(allowedTables, schema, table);
  }

  /** Blocked columns of a table (union over all matching entries). */
  Set<String> blockedColumnsOf(String schema, String table) {
    Set<String> out = new HashSet<>();
    blockedColumns.forEach(
        (k, v) -> {
          if (matches(k, schema, table)) {
            out.addAll(v);
          }
        });
    return out;
  }

  public boolean hasAccessControls() {
    return !blockedTables.isEmpty()
        || !blockedColumns.isEmpty()
        || !allowedTables.isEmpty()
        || !allowedSchemas.isEmpty()
        || !blockedDatabases.isEmpty();
  }

  private static boolean matchesAny(Set<String> entries, String schema, String table) {
    for (String e : entries) {
      if (matches(e, schema, table)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code users} matches the table users in any schema; {@code public.users} matches public.users
   * and an unqualified users (which may resolve to it).
   */
  static boolean matches(String entry, String schema, String table) {
    String t = lower(table);
    int dot = entry.lastIndexOf('.');
    if (dot < 0) {
      return entry.equals(t);
    }
    String es = entry.substring(0, dot);
    int d2 = es.lastIndexOf('.');
    if (d2 >= 0) {
      es = es.substring(d2 + 1);
    }
    return entry.substring(dot + 1).equals(t) && (schema == null || es.equals(lower(schema)));
  }

  /** The table part of a policy entry. */
  static String tablePart(String entry) {
    int dot = entry.lastIndexOf('.');
    return dot < 0 ? entry : entry.substring(dot + 1);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT).trim();
  }

  private static Set<String> lowerSet(Set<String> in) {
    Set<String> out = new HashSet<>();
    if (in != null) {
      for (String s : in) {
        if (s != null && !s.isBlank()) {
          out.add(lower(s));
        }
      }
    }
    return Set.copyOf(out);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.addAll(b);
    return Set.copyOf(out);
  }

  private static List<String> normCommands(List<String> in) {
    List<String> out = new ArrayList<>();
    if (in != null) {
      for (String s : in) {
        if (s != null && !s.isBlank()) {
          out.add(String.join(" ", s.trim().toUpperCase(Locale.ROOT).split("\\s+")));
        }
      }
    }
    return List.copyOf(out);
  }
}
