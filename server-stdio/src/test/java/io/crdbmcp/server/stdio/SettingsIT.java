package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings cannot be mistyped silently: the packaged server stops with one line, exit code 2. */
class SettingsIT {

  @Test
  void anUnknownVariableStopsTheServerAndNamesTheClosestSetting() throws Exception {
    StartupIT.Run r =
        StartupIT.run(
            Map.of(
                "CRDB_URL", "postgresql://app@db.example.com:26257/defaultdb",
                "CRDB_READONLY", "true"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr())
        .contains("CRDB_READONLY")
        .contains("did you mean CRDB_READ_ONLY?")
        .doesNotContain("Exception");
  }

  @Test
  void aMistypedPasswordVariableNeverShowsItsValue() throws Exception {
    StartupIT.Run r =
        StartupIT.run(
            Map.of(
                "CRDB_URL", "postgresql://app@db.example.com:26257/defaultdb",
                "CRDB_PASWORD", "hunter2-do-not-print"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr())
        .contains("CRDB_PASWORD")
        .contains("did you mean CRDB_PASSWORD?")
        .doesNotContain("hunter2-do-not-print");
  }

  @Test
  void anUnknownKeyInConnectionsIsRefused() throws Exception {
    StartupIT.Run r =
        StartupIT.run(
            Map.of(
                "CRDB_CONNECTIONS",
                "[{\"name\":\"a\",\"url\":\"postgresql://u@h/d\",\"readonly\":true}]"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr())
        .contains("CRDB_CONNECTIONS[0]")
        .contains("'readonly'")
        .contains("did you mean 'read_only'?");
  }

  @Test
  void urlTogetherWithHostIsAmbiguous() throws Exception {
    StartupIT.Run r =
        StartupIT.run(
            Map.of(
                "CRDB_URL", "postgresql://app@db.example.com:26257/defaultdb",
                "CRDB_HOST", "other.example.com"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr()).contains("CRDB_HOST").contains("CRDB_URL");
  }

  @Test
  void launcherAndTestVariablesAreNotTypos() throws Exception {
    // The launcher reads CRDB_JAVA_OPTS and CRDB_NO_CDS, the tests CRDB_TEST_URL: allowed. The
    // server then starts; it is stopped by closing its stdin.
    StartupIT.Run r =
        StartupIT.run(
            Map.of(
                "CRDB_URL", "postgresql://app@127.0.0.1:9/defaultdb?sslmode=disable",
                "CRDB_TIMEOUT", "1",
                "CRDB_JAVA_OPTS", "-Xmx64m",
                "CRDB_NO_CDS", "1",
                "CRDB_TEST_URL", "postgresql://x@y/z"));
    assertThat(r.exit()).isZero();
    assertThat(r.stderr()).doesNotContain("configuration error");
  }
}
