package io.crdbmcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.connect.ConnectionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrdbConfigTest {

  @Test
  void theModelEndpointIsOffUntilConfiguredAndItsKeyIsNeverShown() {
    CrdbConfig none =
        CrdbConfig.fromEnvironment(Map.of("CRDB_HOST", "db.example.com", "CRDB_USER", "app"));
    assertThat(none.ask().llmConfigured()).isFalse();
    assertThat(none.ask().llmModel()).isEqualTo("gpt-4o-mini");
    assertThat(none.ask().llmTimeoutSeconds()).isEqualTo(30);
    assertThat(none.ask().schemaCacheTtlSeconds()).isEqualTo(300);
    CrdbConfig keyed =
        CrdbConfig.fromEnvironment(
            Map.of(
                "CRDB_HOST", "db.example.com",
                "CRDB_USER", "app",
                "CRDB_LLM_API_KEY", "sk-very-secret-key"));
    assertThat(keyed.ask().llmBaseUrl()).isEqualTo("https://api.openai.com/v1");
    assertThat(keyed.toString()).doesNotContain("sk-very-secret-key");
    assertThat(keyed.ask().toString()).contains("llmApiKey=***");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_HOST", "db.example.com",
                        "CRDB_USER", "app",
                        "CRDB_LLM_BASE_URL", "https://api.example.com/v1?key=sk-very-secret-key")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_LLM_BASE_URL")
        .hasMessageNotContaining("sk-very-secret-key");
  }

  @Test
  void defaultsFollowThePrd() {
    CrdbConfig c =
        CrdbConfig.fromEnvironment(Map.of("CRDB_HOST", "db.example.com", "CRDB_USER", "app"));
    ConnectionSpec d = c.defaultConnection();
    assertThat(d.port()).isEqualTo(26257);
    assertThat(d.database()).isEqualTo("defaultdb");
    assertThat(d.sslMode()).isEqualTo("prefer");
    assertThat(c.maxRows()).isEqualTo(1000);
    assertThat(c.queryTimeoutSeconds()).isEqualTo(30);
    assertThat(c.safety().readOnly()).isFalse();
    assertThat(c.safety().blockedCommands())
        .containsExactly(
            "DROP", "TRUNCATE", "ALTER", "GRANT", "REVOKE", "CREATE USER", "DROP USER");
    assertThat(c.toolsets()).isEmpty();
    assertThat(c.exportDir().toString()).endsWith(".cockroachdb-mcp/exports");
  }

  @Test
  void noDatabaseSuggestsDemo() {
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_HOST")
        .hasMessageContaining("--demo");
  }

  @Test
  void namesTheBadVariableAndShowsAGoodValue() {
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_HOST", "h", "CRDB_USER", "u", "CRDB_PORT", "26x57")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CRDB_PORT: '26x57' is not a positive whole number. Example: CRDB_PORT=26257");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_HOST", "h", "CRDB_USER", "u", "CRDB_PORT", "70000")))
        .hasMessageContaining("CRDB_PORT")
        .hasMessageContaining("1-65535");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_HOST", "h", "CRDB_USER", "u", "CRDB_SSLMODE", "sometimes")))
        .hasMessageContaining("CRDB_SSLMODE")
        .hasMessageContaining("verify-full");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_HOST", "h", "CRDB_USER", "u", "CRDB_READ_ONLY", "perhaps")))
        .hasMessageContaining("CRDB_READ_ONLY: 'perhaps' is not true or false");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(Map.of("CRDB_HOST", "h")))
        .hasMessageContaining("CRDB_USER");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_HOST", "h", "CRDB_USER", "u", "CRDB_SSLROOTCERT", "/no/such/ca.crt")))
        .hasMessageContaining("CRDB_SSLROOTCERT")
        .hasMessageContaining("does not exist");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_HOST", "h", "CRDB_USER", "u", "CRDB_BLOCKED_COLUMNS", "[1]")))
        .hasMessageContaining("CRDB_BLOCKED_COLUMNS")
        .hasMessageContaining("Example");
  }

  @Test
  void neverShowsThePassword() {
    assertThatThrownBy(
            () -> CrdbConfig.fromEnvironment(Map.of("CRDB_URL", "mysql://app:hunter2-secret@h/db")))
        .hasMessageContaining("CRDB_URL")
        .hasMessageNotContaining("hunter2-secret");
    CrdbConfig c =
        CrdbConfig.fromEnvironment(
            Map.of("CRDB_URL", "postgresql://app:hunter2-secret@h:5432/shop?sslmode=require"));
    assertThat(c.defaultConnection().toString()).doesNotContain("hunter2-secret").contains("****");
    assertThat(c.toString()).doesNotContain("hunter2-secret");
    assertThat(c.defaultConnection().password()).isEqualTo("hunter2-secret");
    assertThat(c.defaultConnection().port()).isEqualTo(5432);
    assertThat(c.defaultConnection().sslMode()).isEqualTo("require");
  }

  @Test
  void clusterRoutingIdBecomesAConnectionOption() {
    CrdbConfig c =
        CrdbConfig.fromEnvironment(
            Map.of(
                "CRDB_HOST",
                "free-tier.gcp.cockroachlabs.cloud",
                "CRDB_USER",
                "u",
                "CRDB_CLUSTER",
                "happy-koala-123"));
    assertThat(c.defaultConnection().driverProperties().getProperty("options"))
        .isEqualTo("--cluster=happy-koala-123");
  }

  @Test
  void parsesNamedConnections() {
    CrdbConfig c =
        CrdbConfig.fromEnvironment(
            Map.of(
                "CRDB_HOST",
                "main",
                "CRDB_USER",
                "u",
                "CRDB_CONNECTIONS",
                "[{\"name\":\"analytics\",\"url\":\"postgresql://r@a:26257/dw\",\"read_only\":true},"
                    + "{\"name\":\"pg\",\"host\":\"p\",\"port\":5432,\"user\":\"x\",\"database\":\"app\"}]"));
    assertThat(c.connections())
        .extracting(ConnectionSpec::name)
        .containsExactly("default", "analytics", "pg");
    assertThat(c.connections().get(1).readOnly()).isTrue();
    assertThat(c.connections().get(2).port()).isEqualTo(5432);
    assertThatThrownBy(
            () -> CrdbConfig.fromEnvironment(Map.of("CRDB_CONNECTIONS", "[{\"name\":\"a\"}]")))
        .hasMessageContaining("CRDB_CONNECTIONS[0]");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_CONNECTIONS",
                        "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\"},{\"name\":\"a\",\"url\":\"postgresql://u@h/d\"}]")))
        .hasMessageContaining("used twice");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(Map.of("CRDB_CONNECTIONS", "{")))
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void accessControlListsAreNormalized() {
    CrdbConfig c =
        CrdbConfig.fromEnvironment(
            Map.of(
                "CRDB_HOST",
                "h",
                "CRDB_USER",
                "u",
                "CRDB_BLOCKED_TABLES",
                "Secrets, public.Keys",
                "CRDB_BLOCKED_COLUMNS",
                "{\"Users\":[\"SSN\"]}",
                "CRDB_READ_ONLY",
                "yes",
                "CRDB_BLOCKED_COMMANDS",
                "delete, drop"));
    assertThat(c.safety().readOnly()).isTrue();
    assertThat(c.safety().blockedTables()).containsExactlyInAnyOrder("secrets", "public.keys");
    assertThat(c.safety().blockedColumns()).containsEntry("users", java.util.Set.of("ssn"));
    assertThat(c.safety().blockedCommands()).containsExactly("DELETE", "DROP");
    assertThat(c.safety().isTableVisible("public", "secrets")).isFalse();
    assertThat(c.safety().isColumnVisible("public", "users", "ssn")).isFalse();
  }

  static final Map<String, String> BASE = Map.of("CRDB_HOST", "h", "CRDB_USER", "u");

  static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> m = new HashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void anUnknownVariableIsRefusedWithTheClosestSetting() {
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_READONLY", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("CRDB_READONLY: is not a setting; did you mean CRDB_READ_ONLY?");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_PASWORD", "s3cret")))
        .hasMessageContaining("did you mean CRDB_PASSWORD?")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_MAXROWS", "5")))
        .hasMessageContaining("did you mean CRDB_MAX_ROWS?");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_SSL_MODE", "require")))
        .hasMessageContaining("did you mean CRDB_SSLMODE?");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_WHATEVER", "1")))
        .hasMessageStartingWith("CRDB_WHATEVER: is not a setting")
        .hasMessageContaining("--help");
    assertThatThrownBy(
            () -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_B_TYPO", "1", "CRDB_A_TYPO", "1")))
        .hasMessageStartingWith("CRDB_A_TYPO")
        .hasMessageContaining("Also unknown: CRDB_B_TYPO");
    // Variables of the launcher script and of the tests are not typos; other prefixes are not ours.
    CrdbConfig.fromEnvironment(
        with(
            BASE,
            "CRDB_JAVA_OPTS",
            "-Xmx64m",
            "CRDB_NO_CDS",
            "1",
            "CRDB_TEST_URL",
            "postgresql://x@y/z",
            "COCKROACH_URL",
            "x"));
  }

  @Test
  void everyCrdbVariableReadAnywhereIsKnown() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Set<String> read = new TreeSet<>();
    Pattern quoted = Pattern.compile("\"(CRDB_[A-Z0-9_]+)\"");
    Matcher m =
        quoted.matcher(
            Files.readString(
                root.resolve("crdb-core/src/main/java/io/crdbmcp/core/CrdbConfig.java")));
    while (m.find()) {
      read.add(m.group(1));
    }
    Pattern getenv = Pattern.compile("getenv\\(\"(CRDB_[A-Z0-9_]+)\"\\)");
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/"))
              .toList()) {
        Matcher g = getenv.matcher(Files.readString(f));
        while (g.find()) {
          read.add(g.group(1));
        }
      }
    }
    Matcher script =
        Pattern.compile("\\$\\{?(CRDB_[A-Z0-9_]+)")
            .matcher(Files.readString(root.resolve("bin/cockroachdb-mcp")));
    while (script.find()) {
      read.add(script.group(1));
    }
    assertThat(read).contains("CRDB_URL", "CRDB_TEST_URL", "CRDB_JAVA_OPTS", "CRDB_NO_CDS");
    Set<String> known = new TreeSet<>(CrdbConfig.SETTINGS);
    known.addAll(CrdbConfig.TRANSPORT_SETTINGS);
    known.addAll(CrdbConfig.OPERATIONS_SETTINGS);
    known.addAll(CrdbConfig.OTHER_VARIABLES);
    assertThat(known).containsAll(read);
    // Every setting is accepted (none refused as unknown) when all are given at once.
    Map<String, String> all = new HashMap<>();
    CrdbConfig.SETTINGS.forEach(k -> all.put(k, ""));
    CrdbConfig.TRANSPORT_SETTINGS.forEach(k -> all.put(k, ""));
    CrdbConfig.OPERATIONS_SETTINGS.forEach(k -> all.put(k, ""));
    CrdbConfig.OTHER_VARIABLES.forEach(k -> all.put(k, ""));
    all.putAll(BASE);
    CrdbConfig.fromEnvironment(all);
  }

  @Test
  void unknownKeysInConnectionsAreRefused() {
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_CONNECTIONS",
                        "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\",\"readonly\":true}]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CRDB_CONNECTIONS[0]")
        .hasMessageContaining("unknown key 'readonly'; did you mean 'read_only'?");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_CONNECTIONS",
                        "[{\"name\":\"a\",\"host\":\"h\",\"user\":\"u\",\"pasword\":\"pw-secret\"}]")))
        .hasMessageContaining("unknown key 'pasword'; did you mean 'password'?")
        .hasMessageNotContaining("pw-secret");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_CONNECTIONS",
                        "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\",\"host\":\"other\"}]")))
        .hasMessageContaining("both \"url\" and \"host\"");
    CrdbConfig c =
        CrdbConfig.fromEnvironment(
            Map.of(
                "CRDB_CONNECTIONS",
                "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\",\"password\":\"pw\","
                    + "\"readOnly\":true}]"));
    assertThat(c.defaultConnection().password()).isEqualTo("pw");
    assertThat(c.defaultConnection().readOnly()).isTrue();
  }

  @Test
  void urlTogetherWithHostPortDatabaseOrUserIsAmbiguous() {
    for (String s : new String[] {"CRDB_HOST", "CRDB_PORT", "CRDB_DATABASE", "CRDB_USER"}) {
      assertThatThrownBy(
              () ->
                  CrdbConfig.fromEnvironment(
                      Map.of("CRDB_URL", "postgresql://u@h:26257/d", s, "5432")))
          .as(s)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(s + ": is set together with CRDB_URL");
    }
    // The parts a URL leaves out may come from their own settings; not both.
    CrdbConfig c =
        CrdbConfig.fromEnvironment(
            Map.of(
                "CRDB_URL",
                "postgresql://u@h:26257/d",
                "CRDB_PASSWORD",
                "pw",
                "CRDB_SSLMODE",
                "require",
                "CRDB_CLUSTER",
                "koala-1"));
    assertThat(c.defaultConnection().password()).isEqualTo("pw");
    assertThat(c.defaultConnection().sslMode()).isEqualTo("require");
    assertThat(c.defaultConnection().cluster()).isEqualTo("koala-1");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_URL", "postgresql://u:pw1@h/d", "CRDB_PASSWORD", "pw2")))
        .hasMessageStartingWith("CRDB_PASSWORD: is set and CRDB_URL has a password too")
        .hasMessageNotContaining("pw1")
        .hasMessageNotContaining("pw2");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_URL",
                        "postgresql://u@h/d?sslmode=disable",
                        "CRDB_SSLMODE",
                        "require")))
        .hasMessageStartingWith("CRDB_SSLMODE: is set and CRDB_URL has sslmode too");
    // Settings of the default connection without one are not silently ignored.
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_CONNECTIONS",
                        "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\"}]",
                        "CRDB_USER",
                        "root")))
        .hasMessageStartingWith("CRDB_USER: has no effect");
  }

  @Test
  void verifyModesNeedACaFile(@TempDir Path dir) throws IOException {
    Path missing = dir.resolve("home/.postgresql/root.crt");
    Map<String, String> env = with(BASE, "CRDB_SSLMODE", "verify-full");
    assertThatThrownBy(() -> CrdbConfig.fromEnvironment(env, missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CRDB_SSLMODE: sslmode verify-full checks the server's certificate")
        .hasMessageContaining("CRDB_SSLROOTCERT is not set")
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("Example: CRDB_SSLROOTCERT=/path/to/ca.crt");
    assertThatThrownBy(
            () -> CrdbConfig.fromEnvironment(with(BASE, "CRDB_SSLMODE", "verify-ca"), missing))
        .hasMessageContaining("CRDB_SSLROOTCERT");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of("CRDB_URL", "postgresql://u@h/d?sslmode=verify-full"), missing))
        .hasMessageStartingWith("CRDB_URL: sslmode verify-full")
        .hasMessageContaining("CRDB_SSLROOTCERT (or sslrootcert in CRDB_URL)");
    assertThatThrownBy(
            () ->
                CrdbConfig.fromEnvironment(
                    Map.of(
                        "CRDB_CONNECTIONS",
                        "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d?sslmode=verify-ca\"}]"),
                    missing))
        .hasMessageStartingWith("CRDB_CONNECTIONS[0]: sslmode verify-ca");

    Path ca = Files.writeString(dir.resolve("ca.crt"), "not checked here");
    assertThat(
            CrdbConfig.fromEnvironment(with(env, "CRDB_SSLROOTCERT", ca.toString()), missing)
                .defaultConnection()
                .sslRootCert())
        .isEqualTo(ca.toString());
    assertThat(
            CrdbConfig.fromEnvironment(
                    Map.of("CRDB_URL", "postgresql://u@h/d?sslmode=verify-full&sslrootcert=" + ca),
                    missing)
                .defaultConnection()
                .sslRootCert())
        .isEqualTo(ca.toString());
    // The driver's default CA file counts.
    assertThat(CrdbConfig.fromEnvironment(env, ca).defaultConnection().sslMode())
        .isEqualTo("verify-full");
    // require encrypts without verifying: no CA file needed.
    assertThat(
            CrdbConfig.fromEnvironment(with(BASE, "CRDB_SSLMODE", "require"), missing)
                .defaultConnection()
                .sslMode())
        .isEqualTo("require");
  }
}
