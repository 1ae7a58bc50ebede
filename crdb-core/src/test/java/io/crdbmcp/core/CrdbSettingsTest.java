package io.crdbmcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings builder: every setting {@link CrdbConfig#fromEnvironment} reads can be set from
 * code, reaches the same field, and a bad value fails with exactly the environment's message.
 */
class CrdbSettingsTest {
  static final String URL = "postgresql://app@db.example.com:26257/shop";

  @TempDir static Path dir;

  /**
   * One setting: how code sets a good value and where it lands; how code sets a bad value and the
   * same bad value as an environment variable (null when the setting accepts any value).
   */
  record Case(
      String setting,
      Consumer<CrdbSettings> good,
      Function<CrdbConfig, Object> read,
      Object expected,
      Consumer<CrdbSettings> bad,
      Map<String, String> badEnv) {}

  static Consumer<CrdbSettings> base() {
    return s -> s.url(URL);
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static List<Case> cases() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "not really a certificate");
    String missing = dir.resolve("missing.crt").toString();
    return List.of(
        new Case(
            "CRDB_URL",
            s -> s.url("postgresql://bob@h:1234/db"),
            c -> c.defaultConnection().port(),
            1234,
            s -> s.url("mysql://bob@h/db"),
            env("CRDB_URL", "mysql://bob@h/db")),
        new Case(
            "CRDB_HOST",
            s -> s.host("db.internal").user("app"),
            c -> c.defaultConnection().host(),
            "db.internal",
            s -> s.host("bad host/x").user("app"),
            env("CRDB_HOST", "bad host/x", "CRDB_USER", "app")),
        new Case(
            "CRDB_PORT",
            s -> s.host("h").user("app").port(5432),
            c -> c.defaultConnection().port(),
            5432,
            s -> s.host("h").user("app").port(70000),
            env("CRDB_HOST", "h", "CRDB_USER", "app", "CRDB_PORT", "70000")),
        new Case(
            "CRDB_USER",
            s -> s.host("h").user("bob"),
            c -> c.defaultConnection().user(),
            "bob",
            s -> s.url(URL).user("bob"),
            env("CRDB_URL", URL, "CRDB_USER", "bob")),
        new Case(
            "CRDB_PASSWORD",
            s -> s.url(URL).password("s3cret"),
            c -> c.defaultConnection().password(),
            "s3cret",
            s -> s.url("postgresql://app:pw@h/db").password("s3cret"),
            env("CRDB_URL", "postgresql://app:pw@h/db", "CRDB_PASSWORD", "s3cret")),
        new Case(
            "CRDB_DATABASE",
            s -> s.host("h").user("app").database("movr"),
            c -> c.defaultConnection().database(),
            "movr",
            s -> s.url(URL).database("movr"),
            env("CRDB_URL", URL, "CRDB_DATABASE", "movr")),
        new Case(
            "CRDB_SSLMODE",
            s -> s.url(URL).sslMode("require"),
            c -> c.defaultConnection().sslMode(),
            "require",
            s -> s.url(URL).sslMode("sometimes"),
            env("CRDB_URL", URL, "CRDB_SSLMODE", "sometimes")),
        new Case(
            "CRDB_SSLROOTCERT",
            s -> s.url(URL).sslRootCert(ca),
            c -> c.defaultConnection().sslRootCert(),
            ca.toString(),
            s -> s.host("h").user("app").sslRootCert(Path.of(missing)),
            env("CRDB_HOST", "h", "CRDB_USER", "app", "CRDB_SSLROOTCERT", missing)),
        new Case(
            "CRDB_CLUSTER",
            s -> s.url(URL).cluster("blue-42"),
            c -> c.defaultConnection().cluster(),
            "blue-42",
            s -> s.url(URL + "?options=--cluster%3Dred-1").cluster("blue-42"),
            env("CRDB_URL", URL + "?options=--cluster%3Dred-1", "CRDB_CLUSTER", "blue-42")),
        new Case(
            "CRDB_TIMEOUT",
            s -> s.url(URL).connectTimeoutSeconds(7),
            c -> c.defaultConnection().connectTimeoutSeconds(),
            7,
            s -> s.url(URL).connectTimeoutSeconds(0),
            env("CRDB_URL", URL, "CRDB_TIMEOUT", "0")),
        new Case(
            "CRDB_CONNECTIONS",
            s -> s.url(URL).connection("analytics", "postgresql://reader@dw:26257/dw", true),
            c -> c.connections().get(1).name() + " " + c.connections().get(1).readOnly(),
            "analytics true",
            s ->
                s.url(URL)
                    .connections(
                        "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\",\"readonly\":true}]"),
            env(
                "CRDB_URL",
                URL,
                "CRDB_CONNECTIONS",
                "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\",\"readonly\":true}]")),
        new Case(
            "CRDB_TOOLSETS",
            s -> s.url(URL).toolsets("Query", "schema"),
            CrdbConfig::toolsets,
            Set.of("query", "schema"),
            null,
            null),
        new Case(
            "CRDB_MAX_ROWS",
            s -> s.url(URL).maxRows(50),
            CrdbConfig::maxRows,
            50,
            s -> s.url(URL).maxRows(0),
            env("CRDB_URL", URL, "CRDB_MAX_ROWS", "0")),
        new Case(
            "CRDB_QUERY_TIMEOUT",
            s -> s.url(URL).queryTimeoutSeconds(9),
            CrdbConfig::queryTimeoutSeconds,
            9,
            s -> s.url(URL).queryTimeoutSeconds(-1),
            env("CRDB_URL", URL, "CRDB_QUERY_TIMEOUT", "-1")),
        new Case(
            "CRDB_READ_ONLY",
            s -> s.url(URL).readOnly(true),
            c -> c.safety().readOnly(),
            true,
            s -> s.url(URL).set("CRDB_READ_ONLY", "maybe"),
            env("CRDB_URL", URL, "CRDB_READ_ONLY", "maybe")),
        new Case(
            "CRDB_BLOCKED_COMMANDS",
            s -> s.url(URL).blockedCommands("drop", "DELETE"),
            c -> c.safety().blockedCommands(),
            List.of("DROP", "DELETE"),
            null,
            null),
        new Case(
            "CRDB_BLOCKED_DATABASES",
            s -> s.url(URL).blockedDatabases("Secret", "system"),
            c -> c.safety().blockedDatabases(),
            Set.of("secret", "system"),
            null,
            null),
        new Case(
            "CRDB_ALLOWED_SCHEMAS",
            s -> s.url(URL).allowedSchemas("public"),
            c -> c.safety().allowedSchemas(),
            Set.of("public"),
            null,
            null),
        new Case(
            "CRDB_BLOCKED_TABLES",
            s -> s.url(URL).blockedTables("audit.log", "users"),
            c -> c.safety().blockedTables(),
            Set.of("audit.log", "users"),
            null,
            null),
        new Case(
            "CRDB_BLOCKED_COLUMNS",
            s -> s.url(URL).blockedColumns(Map.of("Users", List.of("SSN"))),
            c -> c.safety().blockedColumns(),
            Map.of("users", Set.of("ssn")),
            s -> s.url(URL).set("CRDB_BLOCKED_COLUMNS", "[\"users\"]"),
            env("CRDB_URL", URL, "CRDB_BLOCKED_COLUMNS", "[\"users\"]")),
        new Case(
            "CRDB_ALLOWED_TABLES",
            s -> s.url(URL).allowedTables("rides"),
            c -> c.safety().allowedTables(),
            Set.of("rides"),
            null,
            null),
        new Case(
            "CRDB_ALLOWED_FUNCTIONS",
            s -> s.url(URL).allowedFunctions("app.score"),
            c -> c.safety().allowedFunctions(),
            Set.of("app.score"),
            null,
            null),
        new Case(
            "CRDB_MAX_SQL_LENGTH",
            s -> s.url(URL).maxSqlLength(500),
            c -> c.safety().maxSqlLength(),
            500,
            s -> s.url(URL).maxSqlLength(0),
            env("CRDB_URL", URL, "CRDB_MAX_SQL_LENGTH", "0")),
        new Case(
            "CRDB_MAX_SQL_DEPTH",
            s -> s.url(URL).maxSqlDepth(10),
            c -> c.safety().maxSqlDepth(),
            10,
            s -> s.url(URL).maxSqlDepth(-5),
            env("CRDB_URL", URL, "CRDB_MAX_SQL_DEPTH", "-5")),
        new Case(
            "CRDB_EXPORT_DIR",
            s -> s.url(URL).exportDir(dir.resolve("out")),
            CrdbConfig::exportDir,
            dir.resolve("out").toAbsolutePath().normalize(),
            null,
            null),
        new Case(
            "CRDB_KNOWLEDGE_PATH",
            s -> s.url(URL).knowledgePath(dir.resolve("notes.md")),
            CrdbConfig::knowledgePath,
            dir.resolve("notes.md").toAbsolutePath().normalize(),
            null,
            null),
        new Case(
            "CRDB_KNOWLEDGE_STORE",
            s -> s.url(URL).knowledgeStore("database"),
            CrdbConfig::knowledgeInDatabase,
            true,
            s -> s.url(URL).knowledgeStore("cloud"),
            env("CRDB_URL", URL, "CRDB_KNOWLEDGE_STORE", "cloud")),
        new Case(
            "CRDB_TRANSACTION_IDLE_TIMEOUT",
            s -> s.url(URL).transactionIdleTimeoutSeconds(60),
            CrdbConfig::transactionIdleTimeoutSeconds,
            60,
            s -> s.url(URL).transactionIdleTimeoutSeconds(0),
            env("CRDB_URL", URL, "CRDB_TRANSACTION_IDLE_TIMEOUT", "0")),
        new Case(
            "CRDB_MAX_TRANSACTIONS",
            s -> s.url(URL).maxTransactions(3),
            CrdbConfig::maxTransactions,
            3,
            s -> s.url(URL).maxTransactions(0),
            env("CRDB_URL", URL, "CRDB_MAX_TRANSACTIONS", "0")),
        new Case(
            "CRDB_MAX_TRANSACTIONS_PER_CLIENT",
            s -> s.url(URL).maxTransactionsPerClient(2),
            CrdbConfig::maxTransactionsPerClient,
            2,
            s -> s.url(URL).maxTransactionsPerClient(0),
            env("CRDB_URL", URL, "CRDB_MAX_TRANSACTIONS_PER_CLIENT", "0")),
        new Case(
            "CRDB_POOL_SIZE",
            s -> s.url(URL).poolSize(2),
            CrdbConfig::poolSize,
            2,
            s -> s.url(URL).poolSize(0),
            env("CRDB_URL", URL, "CRDB_POOL_SIZE", "0")),
        new Case(
            "CRDB_CANCEL_OTHER_USERS",
            s -> s.url(URL).cancelOtherUsers(true),
            CrdbConfig::cancelOtherUsers,
            true,
            s -> s.url(URL).set("CRDB_CANCEL_OTHER_USERS", "sometimes"),
            env("CRDB_URL", URL, "CRDB_CANCEL_OTHER_USERS", "sometimes")),
        new Case(
            "CRDB_OUTPUT_SCHEMAS",
            s -> s.url(URL).outputSchemas(true),
            CrdbConfig::outputSchemas,
            true,
            s -> s.url(URL).set("CRDB_OUTPUT_SCHEMAS", "maybe"),
            env("CRDB_URL", URL, "CRDB_OUTPUT_SCHEMAS", "maybe")),
        new Case(
            "CRDB_LLM_BASE_URL",
            s -> s.url(URL).llmBaseUrl("http://127.0.0.1:8000/v1/"),
            c -> c.ask().llmBaseUrl(),
            "http://127.0.0.1:8000/v1",
            s -> s.url(URL).llmBaseUrl("ftp://models"),
            env("CRDB_URL", URL, "CRDB_LLM_BASE_URL", "ftp://models")),
        new Case(
            "CRDB_LLM_API_KEY",
            s -> s.url(URL).llmApiKey("sk-test"),
            c -> c.ask().llmApiKey() + " " + c.ask().llmBaseUrl(),
            "sk-test https://api.openai.com/v1",
            s -> s.url(URL).llmApiKey("sk-test").llmBaseUrl("https://u:sk-test@h/v1"),
            env(
                "CRDB_URL",
                URL,
                "CRDB_LLM_API_KEY",
                "sk-test",
                "CRDB_LLM_BASE_URL",
                "https://u:sk-test@h/v1")),
        new Case(
            "CRDB_LLM_MODEL",
            s -> s.url(URL).llmModel("qwen2.5-coder"),
            c -> c.ask().llmModel(),
            "qwen2.5-coder",
            null,
            null),
        new Case(
            "CRDB_LLM_TIMEOUT",
            s -> s.url(URL).llmTimeoutSeconds(5),
            c -> c.ask().llmTimeoutSeconds(),
            5,
            s -> s.url(URL).llmTimeoutSeconds(0),
            env("CRDB_URL", URL, "CRDB_LLM_TIMEOUT", "0")),
        new Case(
            "CRDB_SCHEMA_CACHE_TTL",
            s -> s.url(URL).schemaCacheTtlSeconds(60),
            c -> c.ask().schemaCacheTtlSeconds(),
            60,
            s -> s.url(URL).schemaCacheTtlSeconds(-1),
            env("CRDB_URL", URL, "CRDB_SCHEMA_CACHE_TTL", "-1")));
  }

  static CrdbConfig build(Consumer<CrdbSettings> settings) {
    CrdbSettings s = CrdbConfig.builder();
    settings.accept(s);
    return s.build();
  }

  @Test
  void everySettingHasACase() throws Exception {
    Set<String> covered = new TreeSet<>();
    cases().forEach(c -> covered.add(c.setting()));
    assertThat(covered).isEqualTo(new TreeSet<>(CrdbConfig.SETTINGS));
  }

  @Test
  void everySettingSetFromCodeLandsWhereTheEnvironmentPutsIt() throws Exception {
    for (Case c : cases()) {
      CrdbConfig fromCode = build(c.good());
      assertThat(c.read().apply(fromCode)).as(c.setting()).isEqualTo(c.expected());
    }
  }

  @Test
  void theBuilderNeverShowsAValue() {
    CrdbSettings s = CrdbConfig.builder().url("postgresql://app:s3cret@h/db").password("s3cret");
    assertThat(s.toString()).contains("CRDB_URL", "CRDB_PASSWORD").doesNotContain("s3cret");
  }

  @Test
  void aBadValueFailsWithTheEnvironmentsMessage() throws Exception {
    int n = 0;
    for (Case c : cases()) {
      if (c.bad() == null) {
        continue;
      }
      ConfigException fromEnv =
          catchThrowableOfType(() -> CrdbConfig.fromEnvironment(c.badEnv()), ConfigException.class);
      ConfigException fromCode = catchThrowableOfType(() -> build(c.bad()), ConfigException.class);
      assertThat(fromEnv).as("environment, %s", c.setting()).isNotNull();
      assertThat(fromCode).as("code, %s", c.setting()).isNotNull();
      assertThat(fromCode.getMessage()).as(c.setting()).isEqualTo(fromEnv.getMessage());
      assertThat(fromCode.variable()).as(c.setting()).isEqualTo(fromEnv.variable());
      assertThat(fromCode.getMessage()).doesNotContain("s3cret");
      n++;
    }
    assertThat(n).isGreaterThanOrEqualTo(20);
  }

  @Test
  void unknownAndMissingSettingsFailAsInTheEnvironment() {
    Map<String, String> typo = new HashMap<>(env("CRDB_URL", URL, "CRDB_READONLY", "true"));
    assertThatThrownBy(() -> build(s -> s.url(URL).set("CRDB_READONLY", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            catchThrowableOfType(() -> CrdbConfig.fromEnvironment(typo), ConfigException.class)
                .getMessage())
        .hasMessageContaining("did you mean CRDB_READ_ONLY?");
    assertThatThrownBy(() -> build(s -> {}))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            catchThrowableOfType(() -> CrdbConfig.fromEnvironment(Map.of()), ConfigException.class)
                .getMessage());
    assertThatThrownBy(
            () -> build(s -> s.url(URL).connection("a", "postgresql://u@h/d").connections("[]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CRDB_CONNECTIONS: is set both as JSON");
  }

  @Test
  void defaultsAreTheEnvironmentsAndNullUnsets() {
    CrdbConfig code = build(s -> s.url(URL).maxRows(5).set("CRDB_MAX_ROWS", null));
    CrdbConfig env = CrdbConfig.fromEnvironment(Map.of("CRDB_URL", URL));
    assertThat(code).isEqualTo(env);
    assertThat(code.maxTransactionsPerClient())
        .isEqualTo(CrdbConfig.DEFAULT_MAX_TRANSACTIONS_PER_CLIENT)
        .isEqualTo(5);
  }

  @Test
  void theEnvironmentCanBeTheStartAndCodeOverridesIt() {
    CrdbConfig c =
        build(s -> s.environment(Map.of("CRDB_URL", URL, "CRDB_MAX_ROWS", "7")).maxRows(8));
    assertThat(c.maxRows()).isEqualTo(8);
    assertThat(c.defaultConnection().database()).isEqualTo("shop");
  }
}
