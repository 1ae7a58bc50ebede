package io.crdbmcp.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of {@link CrdbConfig}, set from code: {@code Crdb.create(cfg ->
 * cfg.url("postgresql://app@localhost:26257/shop").readOnly(true))}.
 *
 * <p>Every method sets one {@code CRDB_*} setting of the README's table (named in its comment), and
 * {@link #build()} reads them with {@link CrdbConfig#fromEnvironment(Map)}: the same defaults, the
 * same validation and the same error messages (which name the setting, e.g. {@code CRDB_MAX_ROWS:
 * '0' is not a positive whole number}). Nothing is checked before {@link #build()}. A setting set
 * twice keeps the last value; {@code null} unsets it.
 */
public final class CrdbSettings {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<Map<String, Object>> connectionEntries = new ArrayList<>();

  CrdbSettings() {}

  /**
   * Sets a setting by its environment name ({@code "CRDB_MAX_ROWS"}, {@code "5"}); names that are
   * no setting are refused by {@link #build()} like unknown environment variables.
   */
  public CrdbSettings set(String setting, String value) {
    Objects.requireNonNull(setting, "setting");
    if (value == null) {
      values.remove(setting);
    } else {
      values.put(setting, value);
    }
    return this;
  }

  /** Every entry of {@code environment} (other than {@code CRDB_*} ones are ignored by build). */
  public CrdbSettings environment(Map<String, String> environment) {
    environment.forEach(this::set);
    return this;
  }

  /** The process environment's {@code CRDB_*} settings; later calls override single ones. */
  public CrdbSettings fromEnvironment() {
    return environment(System.getenv());
  }

  /** {@code CRDB_URL}: the whole default connection, {@code postgresql://user@host:port/db}. */
  public CrdbSettings url(String url) {
    return set("CRDB_URL", url);
  }

  /** {@code CRDB_HOST}. */
  public CrdbSettings host(String host) {
    return set("CRDB_HOST", host);
  }

  /** {@code CRDB_PORT}. */
  public CrdbSettings port(int port) {
    return set("CRDB_PORT", Integer.toString(port));
  }

  /** {@code CRDB_USER}. */
  public CrdbSettings user(String user) {
    return set("CRDB_USER", user);
  }

  /** {@code CRDB_PASSWORD}; never logged or shown. */
  public CrdbSettings password(String password) {
    return set("CRDB_PASSWORD", password);
  }

  /** {@code CRDB_DATABASE}. */
  public CrdbSettings database(String database) {
    return set("CRDB_DATABASE", database);
  }

  /** {@code CRDB_SSLMODE}: disable, require, verify-ca or verify-full (allow, prefer). */
  public CrdbSettings sslMode(String sslMode) {
    return set("CRDB_SSLMODE", sslMode);
  }

  /** {@code CRDB_SSLROOTCERT}: the CA certificate file; must exist. */
  public CrdbSettings sslRootCert(Path caFile) {
    return set("CRDB_SSLROOTCERT", caFile == null ? null : caFile.toString());
  }

  /** {@code CRDB_CLUSTER}: CockroachDB Cloud routing id. */
  public CrdbSettings cluster(String cluster) {
    return set("CRDB_CLUSTER", cluster);
  }

  /** {@code CRDB_TIMEOUT}: connect timeout, seconds. */
  public CrdbSettings connectTimeoutSeconds(int seconds) {
    return set("CRDB_TIMEOUT", Integer.toString(seconds));
  }

  /**
   * {@code CRDB_CONNECTIONS}: the JSON array of more named connections, as in the environment. Use
   * either this or {@link #connection}.
   */
  public CrdbSettings connections(String json) {
    return set("CRDB_CONNECTIONS", json);
  }

  /** One more named connection (an entry of {@code CRDB_CONNECTIONS}). */
  public CrdbSettings connection(String name, String url) {
    return connection(name, url, false);
  }

  /** One more named connection that only reads (an entry of {@code CRDB_CONNECTIONS}). */
  public CrdbSettings readOnlyConnection(String name, String url) {
    return connection(name, url, true);
  }

  /** One more named connection, optionally read-only (an entry of {@code CRDB_CONNECTIONS}). */
  public CrdbSettings connection(String name, String url, boolean readOnly) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", name);
    entry.put("url", url);
    if (readOnly) {
      entry.put("read_only", true);
    }
    connectionEntries.add(entry);
    return this;
  }

  /** {@code CRDB_TOOLSETS}: the tool groups to offer (the tools' concern; kept in the config). */
  public CrdbSettings toolsets(String... toolsets) {
    return set("CRDB_TOOLSETS", list(toolsets));
  }

  /** {@code CRDB_MAX_ROWS}: row cap per query. */
  public CrdbSettings maxRows(int maxRows) {
    return set("CRDB_MAX_ROWS", Integer.toString(maxRows));
  }

  /** {@code CRDB_QUERY_TIMEOUT}: statement timeout, seconds. */
  public CrdbSettings queryTimeoutSeconds(int seconds) {
    return set("CRDB_QUERY_TIMEOUT", Integer.toString(seconds));
  }

  /** {@code CRDB_READ_ONLY}: refuse every write, DDL, session or cluster change. */
  public CrdbSettings readOnly(boolean readOnly) {
    return set("CRDB_READ_ONLY", Boolean.toString(readOnly));
  }

  /** {@code CRDB_BLOCKED_COMMANDS}: commands refused even when writes are allowed. */
  public CrdbSettings blockedCommands(String... commands) {
    return set("CRDB_BLOCKED_COMMANDS", list(commands));
  }

  /** {@code CRDB_BLOCKED_DATABASES}. */
  public CrdbSettings blockedDatabases(String... databases) {
    return set("CRDB_BLOCKED_DATABASES", list(databases));
  }

  /** {@code CRDB_ALLOWED_SCHEMAS}. */
  public CrdbSettings allowedSchemas(String... schemas) {
    return set("CRDB_ALLOWED_SCHEMAS", list(schemas));
  }

  /** {@code CRDB_BLOCKED_TABLES}: optionally schema-qualified. */
  public CrdbSettings blockedTables(String... tables) {
    return set("CRDB_BLOCKED_TABLES", list(tables));
  }

  /** {@code CRDB_BLOCKED_COLUMNS}: table to columns, {@code Map.of("users", List.of("ssn"))}. */
  public CrdbSettings blockedColumns(Map<String, ? extends Collection<String>> columnsByTable) {
    if (columnsByTable == null) {
      return set("CRDB_BLOCKED_COLUMNS", null);
    }
    try {
      return set("CRDB_BLOCKED_COLUMNS", JSON.writeValueAsString(columnsByTable));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("blocked columns cannot be written as JSON", e);
    }
  }

  /** {@code CRDB_ALLOWED_TABLES}: an allow-list; other tables are refused. */
  public CrdbSettings allowedTables(String... tables) {
    return set("CRDB_ALLOWED_TABLES", list(tables));
  }

  /** {@code CRDB_ALLOWED_FUNCTIONS}: functions allowed where the function policy would refuse. */
  public CrdbSettings allowedFunctions(String... functions) {
    return set("CRDB_ALLOWED_FUNCTIONS", list(functions));
  }

  /** {@code CRDB_MAX_SQL_LENGTH}: longest statement accepted, characters. */
  public CrdbSettings maxSqlLength(int characters) {
    return set("CRDB_MAX_SQL_LENGTH", Integer.toString(characters));
  }

  /** {@code CRDB_MAX_SQL_DEPTH}: deepest nesting of parentheses and brackets. */
  public CrdbSettings maxSqlDepth(int depth) {
    return set("CRDB_MAX_SQL_DEPTH", Integer.toString(depth));
  }

  /** {@code CRDB_EXPORT_DIR}: where exports write. */
  public CrdbSettings exportDir(Path dir) {
    return set("CRDB_EXPORT_DIR", dir == null ? null : dir.toString());
  }

  /** {@code CRDB_TRANSACTION_IDLE_TIMEOUT}: idle transactions are rolled back after this. */
  public CrdbSettings transactionIdleTimeoutSeconds(int seconds) {
    return set("CRDB_TRANSACTION_IDLE_TIMEOUT", Integer.toString(seconds));
  }

  /** {@code CRDB_MAX_TRANSACTIONS}: open transactions at most, all clients together. */
  public CrdbSettings maxTransactions(int max) {
    return set("CRDB_MAX_TRANSACTIONS", Integer.toString(max));
  }

  /** {@code CRDB_MAX_TRANSACTIONS_PER_CLIENT}: open transactions of one client at most. */
  public CrdbSettings maxTransactionsPerClient(int max) {
    return set("CRDB_MAX_TRANSACTIONS_PER_CLIENT", Integer.toString(max));
  }

  /** {@code CRDB_KNOWLEDGE_PATH}: the markdown file that keeps saved knowledge. */
  public CrdbSettings knowledgePath(Path file) {
    return set("CRDB_KNOWLEDGE_PATH", file == null ? null : file.toString());
  }

  /**
   * {@code CRDB_KNOWLEDGE_STORE}: {@code file} (the default: {@code CRDB_KNOWLEDGE_PATH}) or {@code
   * database} (a table of the default database, shared by every server that uses it).
   */
  public CrdbSettings knowledgeStore(String store) {
    return set("CRDB_KNOWLEDGE_STORE", store);
  }

  /** {@code CRDB_POOL_SIZE}: connections per pool at most. */
  public CrdbSettings poolSize(int size) {
    return set("CRDB_POOL_SIZE", Integer.toString(size));
  }

  /**
   * {@code CRDB_CANCEL_OTHER_USERS}: whether cancel_query may cancel statements of other database
   * users than the server's own (default false).
   */
  public CrdbSettings cancelOtherUsers(boolean allow) {
    return set("CRDB_CANCEL_OTHER_USERS", Boolean.toString(allow));
  }

  // --- Questions in plain language (AskSettings) ---------------------------------------------

  /** {@code CRDB_LLM_BASE_URL}: an OpenAI-compatible endpoint, {@code https://host/v1}. */
  public CrdbSettings llmBaseUrl(String url) {
    return set("CRDB_LLM_BASE_URL", url);
  }

  /** {@code CRDB_LLM_API_KEY}: the endpoint's key; never logged or shown. */
  public CrdbSettings llmApiKey(String key) {
    return set("CRDB_LLM_API_KEY", key);
  }

  /** {@code CRDB_LLM_MODEL}: the model that writes SQL (default gpt-4o-mini). */
  public CrdbSettings llmModel(String model) {
    return set("CRDB_LLM_MODEL", model);
  }

  /** {@code CRDB_LLM_TIMEOUT}: how long one answer of the endpoint may take, seconds. */
  public CrdbSettings llmTimeoutSeconds(int seconds) {
    return set("CRDB_LLM_TIMEOUT", Integer.toString(seconds));
  }

  /** {@code CRDB_SCHEMA_CACHE_TTL}: how long a schema read for questions is reused, seconds. */
  public CrdbSettings schemaCacheTtlSeconds(int seconds) {
    return set("CRDB_SCHEMA_CACHE_TTL", Integer.toString(seconds));
  }

  /**
   * {@code CRDB_OUTPUT_SCHEMAS}: whether tool descriptors carry the JSON schema of their structured
   * results (default false: smaller tools/list; structured content is returned either way).
   */
  public CrdbSettings outputSchemas(boolean offer) {
    return set("CRDB_OUTPUT_SCHEMAS", Boolean.toString(offer));
  }

  /**
   * Validates the settings as {@link CrdbConfig#fromEnvironment(Map)} does and returns the
   * configuration. Throws {@link ConfigException} naming the first bad setting.
   */
  public CrdbConfig build() {
    Map<String, String> env = new LinkedHashMap<>(values);
    if (!connectionEntries.isEmpty()) {
      if (env.containsKey("CRDB_CONNECTIONS")) {
        throw new ConfigException(
            "CRDB_CONNECTIONS",
            "is set both as JSON (connections) and entry by entry (connection): use one",
            null);
      }
      try {
        env.put("CRDB_CONNECTIONS", JSON.writeValueAsString(connectionEntries));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("connections cannot be written as JSON", e);
      }
    }
    return CrdbConfig.fromEnvironment(env);
  }

  private static String list(String... items) {
    if (items == null) {
      return null;
    }
    return String.join(",", items);
  }

  /** Names only, never values (a password may be among them). */
  @Override
  public String toString() {
    List<String> names = new ArrayList<>(values.keySet());
    if (!connectionEntries.isEmpty()) {
      names.add("CRDB_CONNECTIONS");
    }
    return "CrdbSettings" + names;
  }
}
