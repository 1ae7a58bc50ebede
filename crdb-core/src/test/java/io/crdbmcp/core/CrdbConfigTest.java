package io.crdbmcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CrdbConfigTest {

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
}
