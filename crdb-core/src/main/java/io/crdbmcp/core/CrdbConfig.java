package io.crdbmcp.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.connect.ConnectionSpec;
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
 * @param maxTransactionsPerClient open transactions of one client at most ({@code
 *     CRDB_MAX_TRANSACTIONS_PER_CLIENT})
 * @param poolSize connections per pool at most
 * @param knowledgePath the knowledge file ({@code CRDB_KNOWLEDGE_PATH})
 * @param knowledgeInDatabase whether knowledge lives in the default database instead ({@code
 *     CRDB_KNOWLEDGE_STORE=database})
 * @param cancelOtherUsers whether cancel_query may cancel statements of other database users than
 *     the server's own ({@code CRDB_CANCEL_OTHER_USERS})
 * @param outputSchemas whether tool descriptors carry output schemas ({@code CRDB_OUTPUT_SCHEMAS});
 *     off by default, since every byte of tools/list costs the model context
 * @param resilience retries, circuit breakers and the watchdog ({@code CRDB_RETRY_*}, {@code
 *     CRDB_BREAKER_*}, {@code CRDB_WATCHDOG_*})
 * @param ask questions in plain language: the model endpoint and the schema cache ({@code
 *     CRDB_LLM_*}, {@code CRDB_SCHEMA_CACHE_TTL})
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
    int maxTransactionsPerClient,
    int poolSize,
    Path knowledgePath,
    boolean knowledgeInDatabase,
    boolean cancelOtherUsers,
    boolean outputSchemas,
    Resilience resilience,
    AskSettings ask) {

  public static final String DEFAULT_CONNECTION = "default";
  public static final int DEFAULT_MAX_ROWS = 1000;
  public static final int DEFAULT_QUERY_TIMEOUT = 30;
  public static final int DEFAULT_CONNECT_TIMEOUT = 10;
  public static final int DEFAULT_TRANSACTION_IDLE_TIMEOUT = 300;
  public static final int DEFAULT_MAX_TRANSACTIONS = 10;
  public static final int DEFAULT_MAX_TRANSACTIONS_PER_CLIENT = 5;
  public static final int DEFAULT_POOL_SIZE = 5;

  public CrdbConfig {
    connections = List.copyOf(connections);
    toolsets = Set.copyOf(toolsets);
  }

  /**
   * Settings set from code, with the same names, validation and error messages as the environment:
   * {@code
   * CrdbConfig.builder().url("postgresql://app@localhost:26257/shop").readOnly(true).build()}.
   */
  public static CrdbSettings builder() {
    return new CrdbSettings();
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
   * Every {@code CRDB_*} setting this class reads. Any other {@code CRDB_*} variable in the
   * environment is refused as a likely typo (see {@link #OTHER_VARIABLES}).
   */
  public static final Set<String> SETTINGS =
      Set.of(
          "CRDB_URL",
          "CRDB_HOST",
          "CRDB_PORT",
          "CRDB_USER",
          "CRDB_PASSWORD",
          "CRDB_DATABASE",
          "CRDB_SSLMODE",
          "CRDB_SSLROOTCERT",
          "CRDB_CLUSTER",
          "CRDB_TIMEOUT",
          "CRDB_CONNECTIONS",
          "CRDB_TOOLSETS",
          "CRDB_MAX_ROWS",
          "CRDB_QUERY_TIMEOUT",
          "CRDB_READ_ONLY",
          "CRDB_BLOCKED_COMMANDS",
          "CRDB_BLOCKED_DATABASES",
          "CRDB_ALLOWED_SCHEMAS",
          "CRDB_BLOCKED_TABLES",
          "CRDB_BLOCKED_COLUMNS",
          "CRDB_ALLOWED_TABLES",
          "CRDB_ALLOWED_FUNCTIONS",
          "CRDB_MAX_SQL_LENGTH",
          "CRDB_MAX_SQL_DEPTH",
          "CRDB_EXPORT_DIR",
          "CRDB_TRANSACTION_IDLE_TIMEOUT",
          "CRDB_MAX_TRANSACTIONS",
          "CRDB_MAX_TRANSACTIONS_PER_CLIENT",
          "CRDB_POOL_SIZE",
          "CRDB_KNOWLEDGE_PATH",
          "CRDB_KNOWLEDGE_STORE",
          "CRDB_CANCEL_OTHER_USERS",
          "CRDB_OUTPUT_SCHEMAS",
          // Questions in plain language (AskSettings).
          "CRDB_LLM_BASE_URL",
          "CRDB_LLM_API_KEY",
          "CRDB_LLM_MODEL",
          "CRDB_LLM_TIMEOUT",
          "CRDB_SCHEMA_CACHE_TTL");

  /**
   * The settings of the transports, read by the launchers (server-http's {@code HttpSettings})
   * through {@link Env}, not part of the library's configuration. Known to the typo check.
   */
  public static final Set<String> TRANSPORT_SETTINGS =
      Set.of(
          "CRDB_HTTP_HOST",
          "CRDB_HTTP_PORT",
          "CRDB_HTTP_CORS_ORIGINS",
          "CRDB_HTTP_ALLOWED_HOSTS",
          "CRDB_HTTP_MAX_BODY",
          "CRDB_HTTP_MAX_SESSIONS",
          "CRDB_HTTP_SESSION_IDLE_TIMEOUT",
          "CRDB_HTTP_SHUTDOWN_GRACE",
          "CRDB_HTTP_CONNECT_HOSTS",
          // OAuth over HTTP (crdb-auth's AuthSettings)
          "CRDB_AUTH_ENABLED",
          "CRDB_AUTH_MODE",
          "CRDB_AUTH_ISSUER_URL",
          "CRDB_AUTH_SCOPES",
          "CRDB_AUTH_DEFAULT_SCOPES",
          "CRDB_AUTH_ALLOW_INSECURE_BIND",
          "CRDB_AUTH_KEY_ROTATION_SECONDS",
          "CRDB_AUTH_EXTERNAL_ISSUER",
          "CRDB_AUTH_JWKS_URL",
          "CRDB_AUTH_AUDIENCE",
          "CRDB_AUTH_STORE",
          "CRDB_AUTH_CLIENT_METADATA_HOSTS",
          "CRDB_IDP_PROVIDER",
          "CRDB_IDP_DISCOVERY_URL",
          "CRDB_IDP_CLIENT_ID",
          "CRDB_IDP_CLIENT_SECRET",
          "CRDB_IDP_SCOPES",
          "CRDB_TOKEN_EXPIRY_SECONDS",
          "CRDB_REFRESH_TOKEN_EXPIRY_SECONDS");

  /**
   * The settings of operating the server (issue 13): retries, circuit breakers and the watchdog,
   * read here into {@link Resilience}; the audit log, rate limits and metrics, read by the
   * launchers (crdb-tools' {@code ops} package) through {@link Env}. Known to the typo check.
   */
  public static final Set<String> OPERATIONS_SETTINGS =
      Set.of(
          "CRDB_AUDIT_ENABLED",
          "CRDB_AUDIT_PATH",
          "CRDB_AUDIT_LEVEL",
          "CRDB_AUDIT_REDACT_LITERALS",
          "CRDB_RATE_LIMIT_ENABLED",
          "CRDB_RATE_LIMIT_REQUESTS",
          "CRDB_RATE_LIMIT_WINDOW",
          "CRDB_RATE_LIMIT_CONCURRENT",
          "CRDB_RETRY_MAX_ATTEMPTS",
          "CRDB_BREAKER_THRESHOLD",
          "CRDB_BREAKER_WAIT",
          "CRDB_WATCHDOG_ENABLED",
          "CRDB_WATCHDOG_INTERVAL",
          "CRDB_WATCHDOG_TIMEOUT");

  /**
   * {@code CRDB_*} variables read by others and therefore not typos: the launcher script's JVM
   * options and class-data-sharing switch, and the test suite's database URL. (One string, so the
   * list of settings that --help and the README must document stays the one above.)
   */
  public static final Set<String> OTHER_VARIABLES =
      Set.of("CRDB_JAVA_OPTS CRDB_NO_CDS CRDB_TEST_URL".split(" "));

  /**
   * The settings that describe the default connection besides {@code CRDB_URL}: with {@code
   * CRDB_URL} the first four are refused as ambiguous, the others fill in what the URL leaves out.
   */
  public static final List<String> CONNECTION_SETTINGS =
      List.of(
          "CRDB_HOST",
          "CRDB_PORT",
          "CRDB_DATABASE",
          "CRDB_USER",
          "CRDB_PASSWORD",
          "CRDB_SSLMODE",
          "CRDB_SSLROOTCERT",
          "CRDB_CLUSTER");

  /** Keys an entry of {@code CRDB_CONNECTIONS} may have. */
  static final List<String> CONNECTION_KEYS =
      List.of(
          "name",
          "url",
          "host",
          "port",
          "user",
          "password",
          "database",
          "sslmode",
          "sslrootcert",
          "cluster",
          "read_only",
          "readOnly");

  /**
   * Builds and validates the configuration. Throws {@link ConfigException} naming the first bad
   * variable.
   */
  public static CrdbConfig fromEnvironment(Map<String, String> env) {
    return fromEnvironment(env, defaultRootCert());
  }

  /**
   * The CA file the PostgreSQL driver reads when no {@code sslrootcert} is given: {@code
   * ~/.postgresql/root.crt}, on Windows {@code %APPDATA%\postgresql\root.crt}.
   */
  static Path defaultRootCert() {
    if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows")) {
      String appData = System.getenv("APPDATA");
      return Path.of(appData == null ? "" : appData, "postgresql", "root.crt");
    }
    return Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
  }

  /** {@link #fromEnvironment(Map)} with the driver's default CA file given (for tests). */
  static CrdbConfig fromEnvironment(Map<String, String> env, Path defaultRootCert) {
    refuseUnknownVariables(env);
    Env e = new Env(env);
    int connectTimeout = e.positiveInt("CRDB_TIMEOUT", DEFAULT_CONNECT_TIMEOUT);
    boolean readOnly = e.bool("CRDB_READ_ONLY", false);

    List<ConnectionSpec> connections = new ArrayList<>();
    String url = e.get("CRDB_URL");
    String host = e.get("CRDB_HOST");
    String sslMode = e.get("CRDB_SSLMODE");
    if (sslMode != null && !ConnectionSpec.SSL_MODES.contains(sslMode.toLowerCase(Locale.ROOT))) {
      throw new ConfigException(
          "CRDB_SSLMODE",
          "'"
              + sslMode
              + "' is not one of disable, require, verify-ca, verify-full (or allow, prefer)",
          "CRDB_SSLMODE=verify-full");
    }
    if (url != null) {
      for (String s : CONNECTION_SETTINGS.subList(0, 4)) {
        if (e.has(s)) {
          throw new ConfigException(
              s,
              "is set together with CRDB_URL, which names the server too: set either CRDB_URL"
                  + " or CRDB_HOST, CRDB_PORT, CRDB_DATABASE and CRDB_USER, not both",
              "CRDB_URL=postgresql://app@db.example.com:26257/defaultdb");
        }
      }
      ConnectionSpec fromUrl;
      try {
        fromUrl = ConnectionSpec.fromUrl(DEFAULT_CONNECTION, url, connectTimeout, false);
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(
            "CRDB_URL",
            ex.getMessage(),
            "CRDB_URL=postgresql://app@db.example.com:26257/defaultdb");
      }
      Map<String, String> query = urlQuery(url);
      String password = fromUrl.password();
      if (e.has("CRDB_PASSWORD")) {
        if (password != null) {
          throw bothSet("CRDB_PASSWORD", "a password");
        }
        password = e.get("CRDB_PASSWORD");
      }
      String mode = fromUrl.sslMode();
      if (sslMode != null) {
        if (query.containsKey("sslmode")) {
          throw bothSet("CRDB_SSLMODE", "sslmode");
        }
        mode = sslMode;
      }
      String rootCert = fromUrl.sslRootCert();
      if (rootCert != null) {
        rootCert = existingFile("CRDB_URL", "sslrootcert '" + rootCert + "'", rootCert);
      }
      if (e.has("CRDB_SSLROOTCERT")) {
        if (rootCert != null) {
          throw bothSet("CRDB_SSLROOTCERT", "sslrootcert");
        }
        rootCert = e.existingFile("CRDB_SSLROOTCERT");
      }
      String cluster = fromUrl.cluster();
      if (e.has("CRDB_CLUSTER")) {
        if (cluster != null) {
          throw bothSet("CRDB_CLUSTER", "options=--cluster");
        }
        cluster = e.get("CRDB_CLUSTER");
      }
      ConnectionSpec spec =
          new ConnectionSpec(
              DEFAULT_CONNECTION,
              fromUrl.host(),
              fromUrl.port(),
              fromUrl.user(),
              password,
              fromUrl.database(),
              mode,
              rootCert,
              cluster,
              connectTimeout,
              false);
      requireCaFile(
          spec,
          sslMode != null ? "CRDB_SSLMODE" : "CRDB_URL",
          "CRDB_SSLROOTCERT (or sslrootcert in CRDB_URL)",
          "CRDB_SSLROOTCERT=/path/to/ca.crt",
          defaultRootCert);
      connections.add(spec);
    } else if (host != null) {
      String user = e.get("CRDB_USER");
      if (user == null) {
        throw new ConfigException(
            "CRDB_USER", "is required when CRDB_HOST is set", "CRDB_USER=app");
      }
      int port = e.port("CRDB_PORT", ConnectionSpec.DEFAULT_PORT);
      String rootCert = e.existingFile("CRDB_SSLROOTCERT");
      ConnectionSpec spec;
      try {
        spec =
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
                false);
      } catch (IllegalArgumentException ex) {
        throw new ConfigException("CRDB_HOST", ex.getMessage(), "CRDB_HOST=db.example.com");
      }
      requireCaFile(
          spec,
          "CRDB_SSLMODE",
          "CRDB_SSLROOTCERT",
          "CRDB_SSLROOTCERT=/path/to/ca.crt",
          defaultRootCert);
      connections.add(spec);
    } else if (e.has("CRDB_CONNECTIONS")) {
      for (String s : CONNECTION_SETTINGS.subList(1, CONNECTION_SETTINGS.size())) {
        if (e.has(s)) {
          throw new ConfigException(
              s,
              "has no effect: it belongs to the default connection, which needs CRDB_HOST (or"
                  + " CRDB_URL); entries of CRDB_CONNECTIONS take their own settings",
              "CRDB_HOST=db.example.com");
        }
      }
    }
    connections.addAll(
        parseConnections(e.get("CRDB_CONNECTIONS"), connectTimeout, connections, defaultRootCert));
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

    String knowledgePath = e.get("CRDB_KNOWLEDGE_PATH");
    Path knowledge =
        knowledgePath != null
            ? Path.of(expandHome(knowledgePath))
            : Path.of(System.getProperty("user.home"), ".cockroachdb-mcp", "knowledge.md");
    String store = e.getOrDefault("CRDB_KNOWLEDGE_STORE", "file").toLowerCase(Locale.ROOT);
    if (!store.equals("file") && !store.equals("database")) {
      throw new ConfigException(
          "CRDB_KNOWLEDGE_STORE",
          "'" + store + "' is not file or database",
          "CRDB_KNOWLEDGE_STORE=database");
    }

    return new CrdbConfig(
        connections,
        e.positiveInt("CRDB_MAX_ROWS", DEFAULT_MAX_ROWS),
        e.positiveInt("CRDB_QUERY_TIMEOUT", DEFAULT_QUERY_TIMEOUT),
        new LinkedHashSet<>(lower(e.list("CRDB_TOOLSETS"))),
        safety,
        exports.toAbsolutePath().normalize(),
        e.positiveInt("CRDB_TRANSACTION_IDLE_TIMEOUT", DEFAULT_TRANSACTION_IDLE_TIMEOUT),
        e.positiveInt("CRDB_MAX_TRANSACTIONS", DEFAULT_MAX_TRANSACTIONS),
        e.positiveInt("CRDB_MAX_TRANSACTIONS_PER_CLIENT", DEFAULT_MAX_TRANSACTIONS_PER_CLIENT),
        e.positiveInt("CRDB_POOL_SIZE", DEFAULT_POOL_SIZE),
        knowledge.toAbsolutePath().normalize(),
        store.equals("database"),
        e.bool("CRDB_CANCEL_OTHER_USERS", false),
        e.bool("CRDB_OUTPUT_SCHEMAS", false),
        Resilience.fromEnvironment(e),
        AskSettings.from(e));
  }

  private static final String CONNECTIONS_EXAMPLE =
      "CRDB_CONNECTIONS='[{\"name\":\"analytics\",\"url\":\"postgresql://reader@host:26257/db\","
          + "\"read_only\":true}]'";

  private static List<ConnectionSpec> parseConnections(
      String json, int connectTimeout, List<ConnectionSpec> existing, Path defaultRootCert) {
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
      for (Iterator<String> keys = n.fieldNames(); keys.hasNext(); ) {
        String key = keys.next();
        if (!CONNECTION_KEYS.contains(key)) {
          // readOnly is accepted but not offered: read_only is the documented spelling.
          String near =
              Spelling.closest(key, CONNECTION_KEYS.subList(0, CONNECTION_KEYS.size() - 1));
          throw new ConfigException(
              where,
              "unknown key '"
                  + key
                  + "'"
                  + (near == null ? "" : "; did you mean '" + near + "'?")
                  + " (keys: "
                  + String.join(", ", CONNECTION_KEYS.subList(0, CONNECTION_KEYS.size() - 1))
                  + ")",
              CONNECTIONS_EXAMPLE);
        }
      }
      if (n.has("url")) {
        for (String key : List.of("host", "port", "user", "database")) {
          if (n.has(key)) {
            throw new ConfigException(
                where,
                "has both \"url\" and \""
                    + key
                    + "\": the url names the server too; give either url, or host, port, user"
                    + " and database",
                CONNECTIONS_EXAMPLE);
          }
        }
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
      ConnectionSpec spec;
      try {
        if (text(n, "url") != null) {
          ConnectionSpec u = ConnectionSpec.fromUrl(name, text(n, "url"), connectTimeout, ro);
          String password = u.password();
          String mode = u.sslMode();
          String rootCert = u.sslRootCert();
          String cluster = u.cluster();
          Map<String, String> query = urlQuery(text(n, "url"));
          if (text(n, "password") != null) {
            if (password != null) {
              throw new IllegalArgumentException("has a password in \"url\" and in \"password\"");
            }
            password = text(n, "password");
          }
          if (text(n, "sslmode") != null) {
            if (query.containsKey("sslmode")) {
              throw new IllegalArgumentException("has sslmode in \"url\" and in \"sslmode\"");
            }
            mode = text(n, "sslmode");
          }
          if (text(n, "sslrootcert") != null) {
            if (rootCert != null) {
              throw new IllegalArgumentException(
                  "has sslrootcert in \"url\" and in \"sslrootcert\"");
            }
            rootCert = text(n, "sslrootcert");
          }
          if (text(n, "cluster") != null) {
            if (cluster != null) {
              throw new IllegalArgumentException("has a cluster in \"url\" and in \"cluster\"");
            }
            cluster = text(n, "cluster");
          }
          spec =
              new ConnectionSpec(
                  name,
                  u.host(),
                  u.port(),
                  u.user(),
                  password,
                  u.database(),
                  mode,
                  rootCert,
                  cluster,
                  connectTimeout,
                  ro);
        } else {
          if (text(n, "host") == null || text(n, "user") == null) {
            throw new IllegalArgumentException("needs \"url\", or \"host\" and \"user\"");
          }
          spec =
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
                  ro);
        }
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(where, ex.getMessage(), CONNECTIONS_EXAMPLE);
      }
      if (spec.sslRootCert() != null) {
        String file =
            existingFile(where, "sslrootcert '" + spec.sslRootCert() + "'", spec.sslRootCert());
        spec =
            new ConnectionSpec(
                spec.name(),
                spec.host(),
                spec.port(),
                spec.user(),
                spec.password(),
                spec.database(),
                spec.sslMode(),
                file,
                spec.cluster(),
                spec.connectTimeoutSeconds(),
                spec.readOnly());
      }
      requireCaFile(
          spec,
          where,
          "its \"sslrootcert\"",
          "CRDB_CONNECTIONS='[{\"name\":\"prod\",\"url\":\"postgresql://app@db:26257/shop"
              + "?sslmode=verify-full&sslrootcert=/path/to/ca.crt\"}]'",
          defaultRootCert);
      out.add(spec);
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

  /**
   * Refuses {@code CRDB_*} variables that are no setting: a mistyped name would otherwise be
   * ignored without a word. Names the closest known setting. Never shows a value.
   */
  private static void refuseUnknownVariables(Map<String, String> env) {
    List<String> known = new ArrayList<>(SETTINGS);
    known.addAll(TRANSPORT_SETTINGS);
    known.addAll(OPERATIONS_SETTINGS);
    known.addAll(OTHER_VARIABLES);
    List<String> unknown =
        env.keySet().stream()
            .filter(k -> k.toUpperCase(Locale.ROOT).startsWith("CRDB_"))
            .filter(k -> !known.contains(k))
            .sorted()
            .toList();
    if (unknown.isEmpty()) {
      return;
    }
    String first = unknown.get(0);
    String near = Spelling.closest(first.toUpperCase(Locale.ROOT), known);
    StringBuilder msg = new StringBuilder("is not a setting");
    if (near != null) {
      msg.append("; did you mean ").append(near).append('?');
    } else {
      msg.append(" (the README and --help list the settings)");
    }
    if (unknown.size() > 1) {
      msg.append(" Also unknown: ").append(String.join(", ", unknown.subList(1, unknown.size())));
    }
    throw new ConfigException(first, msg.toString(), null);
  }

  private static ConfigException bothSet(String variable, String urlPart) {
    return new ConfigException(
        variable, "is set and CRDB_URL has " + urlPart + " too: set it in one place", null);
  }

  /**
   * verify-ca and verify-full check the server's certificate against a CA certificate: without
   * {@code sslrootcert} the driver reads its default file, and every connection would fail if that
   * is missing too.
   */
  private static void requireCaFile(
      ConnectionSpec spec,
      String modeVariable,
      String rootCertSetting,
      String example,
      Path defaultRootCert) {
    if (!spec.sslMode().startsWith("verify-") || spec.sslRootCert() != null) {
      return;
    }
    if (defaultRootCert != null && Files.isRegularFile(defaultRootCert)) {
      return;
    }
    throw new ConfigException(
        modeVariable,
        "sslmode "
            + spec.sslMode()
            + " checks the server's certificate against a CA certificate, but "
            + rootCertSetting
            + " is not set and the driver's default CA file "
            + defaultRootCert
            + " does not exist: set "
            + rootCertSetting
            + " to the CA certificate file, or use sslmode require to encrypt without verifying",
        example);
  }

  private static String existingFile(String where, String what, String file) {
    Path p = Path.of(expandHome(file));
    if (!Files.isRegularFile(p)) {
      throw new ConfigException(where, what + ": the file does not exist", null);
    }
    return p.toString();
  }

  /** The query parameters of a connection URL, names in lower case. */
  private static Map<String, String> urlQuery(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    int q = url.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String kv : url.substring(q + 1).split("&")) {
      if (!kv.isEmpty()) {
        out.put(kv.split("=", 2)[0].toLowerCase(Locale.ROOT), "");
      }
    }
    return out;
  }

  /**
   * Typed access to {@code CRDB_*} settings with messages that name the variable: what this class
   * reads, and what the launchers read for their transports (server-http). Reading a name that is
   * not in {@link #SETTINGS} is a bug, so every setting is known to the typo check and to --help.
   */
  public record Env(Map<String, String> env) {
    /** The value, trimmed; null when unset or blank. */
    public String get(String name) {
      if (!SETTINGS.contains(name)
          && !TRANSPORT_SETTINGS.contains(name)
          && !OPERATIONS_SETTINGS.contains(name)) {
        throw new IllegalStateException(name + " is read but not listed in SETTINGS");
      }
      String v = env.get(name);
      return v == null || v.isBlank() ? null : v.trim();
    }

    public boolean has(String name) {
      return get(name) != null;
    }

    public String getOrDefault(String name, String def) {
      String v = get(name);
      return v == null ? def : v;
    }

    public int positiveInt(String name, int def) {
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

    public int port(String name, int def) {
      int p = positiveInt(name, def);
      if (p > 65535) {
        throw new ConfigException(
            name, "'" + p + "' is not a TCP port (1-65535)", name + "=" + def);
      }
      return p;
    }

    public boolean bool(String name, boolean def) {
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

    public List<String> list(String name) {
      String v = get(name);
      if (v == null) {
        return List.of();
      }
      return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public String existingFile(String name) {
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
