package io.crdbmcp.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.safety.SafetyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Immutable configuration, built once from {@code CRDB_*} environment variables and validated then.
 * Every setting, its default and its meaning is listed in the README; this class is the only place
 * that reads them.
 *
 * @param connections named connections; the first is the default one
 * @param maxRows row cap per query ({@code CRDB_MAX_ROWS})
 * @param queryTimeoutSeconds statement timeout ({@code CRDB_QUERY_TIMEOUT})
 * @param toolsets groups of tools to offer; empty means all ({@code CRDB_TOOLSETS})
 * @param safety read-only mode, blocklists and access control
 * @param exportDir where export tools write ({@code CRDB_EXPORT_DIR})
 * @param transactionIdleTimeoutSeconds idle transactions are rolled back after this
 * @param maxTransactions open transactions at most
 * @param poolSize connections per pool at most
 */
public record CrdbConfig(
    List<ConnectionSpec> connections,
    int maxRows,
    int queryTimeoutSeconds,
    Set<String> toolsets,
    SafetyPolicy safety,
    Path exportDir,
    int transactionIdleTimeoutSeconds,
    int maxTransactions,
    int poolSize) {

  public static final String DEFAULT_CONNECTION = "default";
  public static final int DEFAULT_MAX_ROWS = 1000;
  public static final int DEFAULT_QUERY_TIMEOUT = 30;
  public static final int DEFAULT_CONNECT_TIMEOUT = 10;
  public static final int DEFAULT_TRANSACTION_IDLE_TIMEOUT = 300;
  public static final int DEFAULT_MAX_TRANSACTIONS = 10;
  public static final int DEFAULT_POOL_SIZE = 5;

  public CrdbConfig {
    connections = List.copyOf(connections);
    toolsets = Set.copyOf(toolsets);
  }

  /** The connection used when a call names none. */
  public ConnectionSpec defaultConnection() {
    return connections.isEmpty() ? null : connections.get(0);
  }

  /** Reads the process environment. */
  public static CrdbConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * Builds and validates the configuration. Throws {@link ConfigException} naming the first bad
   * variable.
   */
  public static CrdbConfig fromEnvironment(Map<String, String> env) {
    Env e = new Env(env);
    int connectTimeout = e.positiveInt("CRDB_TIMEOUT", DEFAULT_CONNECT_TIMEOUT);
    boolean readOnly = e.bool("CRDB_READ_ONLY", false);

    List<ConnectionSpec> connections = new ArrayList<>();
    String url = e.get("CRDB_URL");
    String host = e.get("CRDB_HOST");
    if (url != null) {
      try {
        connections.add(ConnectionSpec.fromUrl(DEFAULT_CONNECTION, url, connectTimeout, false));
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(
            "CRDB_URL",
            ex.getMessage(),
            "CRDB_URL=postgresql://app@db.example.com:26257/defaultdb");
      }
    } else if (host != null) {
      String user = e.get("CRDB_USER");
      if (user == null) {
        throw new ConfigException(
            "CRDB_USER", "is required when CRDB_HOST is set", "CRDB_USER=app");
      }
      String sslMode = e.get("CRDB_SSLMODE");
      if (sslMode != null && !ConnectionSpec.SSL_MODES.contains(sslMode.toLowerCase(Locale.ROOT))) {
        throw new ConfigException(
            "CRDB_SSLMODE",
            "'"
                + sslMode
                + "' is not one of disable, require, verify-ca, verify-full (or allow, prefer)",
            "CRDB_SSLMODE=verify-full");
      }
      int port = e.port("CRDB_PORT", ConnectionSpec.DEFAULT_PORT);
      String rootCert = e.existingFile("CRDB_SSLROOTCERT");
      try {
        connections.add(
            new ConnectionSpec(
                DEFAULT_CONNECTION,
                host,
                port,
                user,
                e.get("CRDB_PASSWORD"),
                e.getOrDefault("CRDB_DATABASE", ConnectionSpec.DEFAULT_DATABASE),
                sslMode,
                rootCert,
                e.get("CRDB_CLUSTER"),
                connectTimeout,
                false));
      } catch (IllegalArgumentException ex) {
        throw new ConfigException("CRDB_HOST", ex.getMessage(), "CRDB_HOST=db.example.com");
      }
    }
    connections.addAll(parseConnections(e.get("CRDB_CONNECTIONS"), connectTimeout, connections));
    if (connections.isEmpty()) {
      throw new ConfigException(
          "CRDB_HOST",
          "no database is configured (set CRDB_HOST and CRDB_USER, CRDB_URL or CRDB_CONNECTIONS;"
              + " or start with --demo to try the server on an embedded sample database)",
          "CRDB_HOST=localhost CRDB_USER=root CRDB_DATABASE=defaultdb");
    }

    List<String> blocked =
        e.has("CRDB_BLOCKED_COMMANDS")
            ? e.list("CRDB_BLOCKED_COMMANDS").stream().map(s -> s.toUpperCase(Locale.ROOT)).toList()
            : SafetyPolicy.DEFAULT_BLOCKED_COMMANDS;
    SafetyPolicy safety =
        new SafetyPolicy(
            readOnly,
            blocked,
            lower(e.list("CRDB_BLOCKED_DATABASES")),
            lower(e.list("CRDB_ALLOWED_SCHEMAS")),
            lower(e.list("CRDB_BLOCKED_TABLES")),
            parseBlockedColumns(e.get("CRDB_BLOCKED_COLUMNS")),
            lower(e.list("CRDB_ALLOWED_TABLES")),
            lower(e.list("CRDB_ALLOWED_FUNCTIONS")),
            e.positiveInt("CRDB_MAX_SQL_LENGTH", SafetyPolicy.DEFAULT_MAX_SQL_LENGTH),
            e.positiveInt("CRDB_MAX_SQL_DEPTH", SafetyPolicy.DEFAULT_MAX_SQL_DEPTH));

    String exportDir = e.get("CRDB_EXPORT_DIR");
    Path exports =
        exportDir != null
            ? Path.of(expandHome(exportDir))
            : Path.of(System.getProperty("user.home"), ".cockroachdb-mcp", "exports");

    return new CrdbConfig(
        connections,
        e.positiveInt("CRDB_MAX_ROWS", DEFAULT_MAX_ROWS),
        e.positiveInt("CRDB_QUERY_TIMEOUT", DEFAULT_QUERY_TIMEOUT),
        new LinkedHashSet<>(lower(e.list("CRDB_TOOLSETS"))),
        safety,
        exports.toAbsolutePath().normalize(),
        e.positiveInt("CRDB_TRANSACTION_IDLE_TIMEOUT", DEFAULT_TRANSACTION_IDLE_TIMEOUT),
        e.positiveInt("CRDB_MAX_TRANSACTIONS", DEFAULT_MAX_TRANSACTIONS),
        e.positiveInt("CRDB_POOL_SIZE", DEFAULT_POOL_SIZE));
  }

  /** A copy with another list of connections (used by the demo launcher and tests). */
  public CrdbConfig withConnections(List<ConnectionSpec> newConnections) {
    return new CrdbConfig(
        newConnections,
        maxRows,
        queryTimeoutSeconds,
        toolsets,
        safety,
        exportDir,
        transactionIdleTimeoutSeconds,
        maxTransactions,
        poolSize);
  }

  /** A copy with another safety policy. */
  public CrdbConfig withSafety(SafetyPolicy newSafety) {
    return new CrdbConfig(
        connections,
        maxRows,
        queryTimeoutSeconds,
        toolsets,
        newSafety,
        exportDir,
        transactionIdleTimeoutSeconds,
        maxTransactions,
        poolSize);
  }

  private static final String CONNECTIONS_EXAMPLE =
      "CRDB_CONNECTIONS='[{\"name\":\"analytics\",\"url\":\"postgresql://reader@host:26257/db\","
          + "\"read_only\":true}]'";

  private static List<ConnectionSpec> parseConnections(
      String json, int connectTimeout, List<ConnectionSpec> existing) {
    if (json == null) {
      return List.of();
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (Exception ex) {
      throw new ConfigException(
          "CRDB_CONNECTIONS",
          "is not valid JSON (expected an array of objects)",
          CONNECTIONS_EXAMPLE);
    }
    if (root == null || !root.isArray()) {
      throw new ConfigException(
          "CRDB_CONNECTIONS", "must be a JSON array of objects", CONNECTIONS_EXAMPLE);
    }
    Set<String> names = new HashSet<>();
    existing.forEach(c -> names.add(c.name()));
    List<ConnectionSpec> out = new ArrayList<>();
    int i = 0;
    for (JsonNode n : root) {
      String where = "CRDB_CONNECTIONS[" + i++ + "]";
      if (!n.isObject()) {
        throw new ConfigException(where, "must be an object", CONNECTIONS_EXAMPLE);
      }
      String name = text(n, "name");
      if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw new ConfigException(
            where + ".name",
            "is required: 1-64 letters, digits, '_', '.', '-'",
            CONNECTIONS_EXAMPLE);
      }
      if (!names.add(name)) {
        throw new ConfigException(
            where + ".name", "'" + name + "' is used twice", CONNECTIONS_EXAMPLE);
      }
      boolean ro = n.path("read_only").asBoolean(false) || n.path("readOnly").asBoolean(false);
      try {
        if (text(n, "url") != null) {
          out.add(ConnectionSpec.fromUrl(name, text(n, "url"), connectTimeout, ro));
        } else {
          if (text(n, "host") == null || text(n, "user") == null) {
            throw new IllegalArgumentException("needs \"url\", or \"host\" and \"user\"");
          }
          out.add(
              new ConnectionSpec(
                  name,
                  text(n, "host"),
                  n.path("port").asInt(ConnectionSpec.DEFAULT_PORT),
                  text(n, "user"),
                  text(n, "password"),
                  text(n, "database") == null
                      ? ConnectionSpec.DEFAULT_DATABASE
                      : text(n, "database"),
                  text(n, "sslmode"),
                  text(n, "sslrootcert"),
                  text(n, "cluster"),
                  connectTimeout,
                  ro));
        }
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(where, ex.getMessage(), CONNECTIONS_EXAMPLE);
      }
    }
    return out;
  }

  private static Map<String, Set<String>> parseBlockedColumns(String json) {
    if (json == null) {
      return Map.of();
    }
    String example = "CRDB_BLOCKED_COLUMNS='{\"users\":[\"password_hash\",\"ssn\"]}'";
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (Exception ex) {
      throw new ConfigException("CRDB_BLOCKED_COLUMNS", "is not valid JSON", example);
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(
          "CRDB_BLOCKED_COLUMNS", "must be a JSON object of table to column list", example);
    }
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!f.getValue().isArray()) {
        throw new ConfigException(
            "CRDB_BLOCKED_COLUMNS", "the value for '" + f.getKey() + "' must be an array", example);
      }
      Set<String> cols = new LinkedHashSet<>();
      f.getValue().forEach(c -> cols.add(c.asText().toLowerCase(Locale.ROOT)));
      out.put(f.getKey().toLowerCase(Locale.ROOT), Set.copyOf(cols));
    }
    return Map.copyOf(out);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Set<String> lower(List<String> items) {
    Set<String> out = new LinkedHashSet<>();
    items.forEach(s -> out.add(s.toLowerCase(Locale.ROOT)));
    return Set.copyOf(out);
  }

  static String expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return System.getProperty("user.home") + path.substring(1);
    }
    return path;
  }

  /** Typed access to the environment with messages that name the variable. */
  private record Env(Map<String, String> env) {
    String get(String name) {
      String v = env.get(name);
      return v == null || v.isBlank() ? null : v.trim();
    }

    boolean has(String name) {
      return get(name) != null;
    }

    String getOrDefault(String name, String def) {
      String v = get(name);
      return v == null ? def : v;
    }

    int positiveInt(String name, int def) {
      String v = get(name);
      if (v == null) {
        return def;
      }
      try {
        int n = Integer.parseInt(v);
        if (n <= 0) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException ex) {
        throw new ConfigException(
            name, "'" + v + "' is not a positive whole number", name + "=" + def);
      }
    }

    int port(String name, int def) {
      int p = positiveInt(name, def);
      if (p > 65535) {
        throw new ConfigException(
            name, "'" + p + "' is not a TCP port (1-65535)", name + "=" + def);
      }
      return p;
    }

    boolean bool(String name, boolean def) {
      String v = get(name);
      if (v == null) {
        return def;
      }
      switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes", "on":
          return true;
        case "false", "0", "no", "off":
          return false;
        default:
          throw new ConfigException(name, "'" + v + "' is not true or false", name + "=true");
      }
    }

    List<String> list(String name) {
      String v = get(name);
      if (v == null) {
        return List.of();
      }
      return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    String existingFile(String name) {
      String v = get(name);
      if (v == null) {
        return null;
      }
      Path p = Path.of(expandHome(v));
      if (!Files.isRegularFile(p)) {
        throw new ConfigException(
            name, "file '" + v + "' does not exist", name + "=/path/to/ca.crt");
      }
      return p.toString();
    }
  }
}
