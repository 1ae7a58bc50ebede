package io.crdbmcp.server.stdio;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection failures are found at start and explained exactly, through the packaged server. A
 * PostgreSQL of its own that asks for passwords (the shared test database trusts every login) and
 * logs every failed login to a file, so the test counts login attempts.
 */
class ConnectionFailuresIT {
  static EmbeddedPostgres pg;
  static Path dir;
  static Path log;

  @BeforeAll
  static void startPostgres() throws Exception {
    dir = Files.createTempDirectory("crdb-conn-it");
    Path hba = dir.resolve("pg_hba.conf");
    Files.writeString(
        hba,
        """
        local all all trust
        host all postgres 127.0.0.1/32 trust
        host all postgres ::1/128 trust
        host all all 127.0.0.1/32 scram-sha-256
        host all all ::1/128 scram-sha-256
        """);
    Path logs = Files.createDirectories(dir.resolve("logs"));
    pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir.resolve("data"))
            .setServerConfig("hba_file", hba.toString())
            .setServerConfig("logging_collector", "on")
            .setServerConfig("log_directory", logs.toString())
            .setServerConfig("log_filename", "postgresql.log")
            .setServerConfig("log_min_messages", "fatal")
            .start();
    log = logs.resolve("postgresql.log");
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE app LOGIN PASSWORD 'right-password'");
      s.execute("CREATE DATABASE shop OWNER app");
    }
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    if (pg != null) {
      pg.close();
    }
  }

  static Map<String, String> env(String user, String password, String database, String sslmode) {
    Map<String, String> e = new HashMap<>();
    e.put("CRDB_HOST", "localhost");
    e.put("CRDB_PORT", Integer.toString(pg.getPort()));
    e.put("CRDB_USER", user);
    if (password != null) {
      e.put("CRDB_PASSWORD", password);
    }
    e.put("CRDB_DATABASE", database);
    e.put("CRDB_SSLMODE", sslmode);
    return e;
  }

  /** The start-up check's line on stderr (waits for it), with the server's name prefix. */
  static String startupLine(ServerProcess s, String marker) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      for (String line : s.stderr().lines().toList()) {
        if (line.contains(marker)) {
          return line;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no start-up line with '" + marker + "' in:\n" + s.stderr());
  }

  /** Failed logins of user app the server logged so far. */
  static long failedLogins() throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines
          .filter(l -> l.contains("password authentication failed for user \"app\""))
          .count();
    }
  }

  static long settledFailedLogins() throws Exception {
    long n = failedLogins();
    for (int i = 0; i < 20; i++) {
      Thread.sleep(100);
      long m = failedLogins();
      if (m == n && i >= 5) {
        return m;
      }
      n = m;
    }
    return n;
  }

  record Timed(Map<String, Object> error, long millis) {}

  static Timed failing(ServerProcess s, String code) {
    long t0 = System.nanoTime();
    var r = s.call("execute_query", args("sql", "SELECT 1"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    return new Timed(error(r, code), ms);
  }

  @Test
  void aGoodConnectionIsReportedAtStartWithUserAndServer() throws Exception {
    try (ServerProcess s = ServerProcess.start(env("app", "right-password", "shop", "disable"))) {
      String line = startupLine(s, "connection 'default'");
      assertThat(line)
          .contains("connected as app to PostgreSQL")
          .contains("app@localhost:" + pg.getPort() + "/shop")
          .doesNotContain("right-password");
      assertThat(rows(ok(s.call("execute_query", args("sql", "SELECT current_user")))))
          .containsExactly(List.of("app"));
    }
  }

  @Test
  void aWrongPasswordFailsOnceAtStartAndAtOnceOnEachCall() throws Exception {
    long before = settledFailedLogins();
    try (ServerProcess s = ServerProcess.start(env("app", "wrong-password", "shop", "disable"))) {
      String line = startupLine(s, "connection 'default'");
      assertThat(line)
          .contains("password authentication failed for user \"app\"")
          .contains("CRDB_PASSWORD")
          .contains("28P01")
          .doesNotContain("wrong-password");
      assertThat(settledFailedLogins() - before).as("failed logins at start").isEqualTo(1);

      // The server still serves: tools are listed, every call fails at once with the reason.
      assertThat(s.client.listTools().tools()).isNotEmpty();
      Timed first = failing(s, "CONNECTION_FAILED");
      Timed second = failing(s, "CONNECTION_FAILED");
      for (Timed t : List.of(first, second)) {
        assertThat(t.millis()).as("a refused login is reported at once").isLessThan(3000);
        assertThat(t.error().get("sqlstate")).isEqualTo("28P01");
        assertThat((String) t.error().get("message"))
            .contains("password authentication failed for user \"app\"")
            .contains("localhost:" + pg.getPort())
            .doesNotContain("ERROR:")
            .doesNotContain("wrong-password");
        assertThat((String) t.error().get("suggestion")).contains("CRDB_PASSWORD");
      }
      assertThat(second.error().get("message")).isEqualTo(first.error().get("message"));
      assertThat(settledFailedLogins() - before)
          .as("one login attempt per call, none in the background")
          .isEqualTo(3);

      // connect still works and opens a good connection next to the broken default one.
      ok(
          s.call(
              "connect",
              args(
                  "name",
                  "good",
                  "url",
                  "postgresql://app:right-password@localhost:"
                      + pg.getPort()
                      + "/shop?sslmode=disable")));
      assertThat(rows(ok(s.call("execute_query", args("sql", "SELECT 42", "connection", "good")))))
          .containsExactly(List.of(42));
      assertThat(s.stderr()).doesNotContain("right-password").doesNotContain("wrong-password");
    }
  }

  @Test
  void noPasswordNamesTheSetting() throws Exception {
    try (ServerProcess s = ServerProcess.start(env("app", null, "shop", "disable"))) {
      assertThat(startupLine(s, "connection 'default'"))
          .contains("asks for a password")
          .contains("set CRDB_PASSWORD");
      Timed t = failing(s, "CONNECTION_FAILED");
      assertThat(t.millis()).isLessThan(3000);
      assertThat((String) t.error().get("suggestion")).contains("CRDB_PASSWORD");
    }
  }

  @Test
  void anUnknownDatabaseNamesCrdbDatabase() throws Exception {
    try (ServerProcess s =
        ServerProcess.start(env("app", "right-password", "no_such_db", "disable"))) {
      assertThat(startupLine(s, "connection 'default'"))
          .contains("database \"no_such_db\" does not exist")
          .contains("CRDB_DATABASE");
      Timed t = failing(s, "NOT_FOUND");
      assertThat(t.millis()).isLessThan(3000);
      assertThat(t.error().get("sqlstate")).isEqualTo("3D000");
      assertThat((String) t.error().get("suggestion")).contains("CRDB_DATABASE");
    }
  }

  @Test
  void tlsRequiredOfAServerWithoutTlsNamesCrdbSslmode() throws Exception {
    try (ServerProcess s = ServerProcess.start(env("app", "right-password", "shop", "require"))) {
      assertThat(startupLine(s, "connection 'default'"))
          .contains("does not support SSL")
          .contains("CRDB_SSLMODE");
      Timed t = failing(s, "CONNECTION_FAILED");
      assertThat(t.millis()).isLessThan(3000);
      assertThat((String) t.error().get("suggestion")).contains("CRDB_SSLMODE=disable");
    }
  }

  @Test
  void nothingListeningIsRetriedBrieflyThenExplained() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    Map<String, String> e = env("app", "x", "shop", "disable");
    e.put("CRDB_PORT", Integer.toString(freePort));
    try (ServerProcess s = ServerProcess.start(e)) {
      assertThat(startupLine(s, "connection 'default'"))
          .contains("nothing accepts connections at localhost:" + freePort)
          .contains("CRDB_PORT");
      Timed t = failing(s, "CONNECTION_FAILED");
      assertThat(t.millis()).as("retried for about two seconds, not ten").isBetween(1000L, 5000L);
      assertThat((String) t.error().get("suggestion")).contains("CRDB_HOST").contains("CRDB_PORT");
    }
  }

  @Test
  void verifyFullWithoutACaFileIsRefusedAtStart() throws Exception {
    Path emptyHome = Files.createDirectories(dir.resolve("home-without-postgresql-dir"));
    ProcessBuilder pb =
        new ProcessBuilder(
            ServerProcess.java(),
            "-Duser.home=" + emptyHome,
            "-jar",
            ServerProcess.jar().toString());
    pb.environment().keySet().removeIf(k -> k.startsWith("CRDB_"));
    pb.environment().putAll(env("app", "hunter2-do-not-print", "shop", "verify-full"));
    Process p = pb.start();
    p.getOutputStream().close();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(err.strip().lines()).hasSize(1);
    assertThat(err)
        .contains("CRDB_SSLMODE")
        .contains("CRDB_SSLROOTCERT")
        .contains(emptyHome.resolve(".postgresql").resolve("root.crt").toString())
        .doesNotContain("hunter2-do-not-print")
        .doesNotContain("Exception");
  }

  /** The start-up line names the version PostgreSQL reports. */
  @Test
  void theStartupLineNamesTheServerVersion() throws Exception {
    try (ServerProcess s = ServerProcess.start(env("app", "right-password", "shop", "disable"))) {
      Matcher m =
          Pattern.compile("connected as app to PostgreSQL (\\d+)")
              .matcher(startupLine(s, "connection 'default'"));
      assertThat(m.find()).isTrue();
      assertThat(Integer.parseInt(m.group(1))).isGreaterThanOrEqualTo(12);
    }
  }
}
