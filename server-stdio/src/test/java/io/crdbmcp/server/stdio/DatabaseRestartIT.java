package io.crdbmcp.server.stdio;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The database stops and starts again under a running packaged server: calls fail clearly while it
 * is down, the server recovers by itself once it is back, and a write refused while it was down is
 * not replayed afterwards. A PostgreSQL of its own, on the same data directory and port across the
 * restart.
 */
class DatabaseRestartIT {

  /** A PostgreSQL on {@code data}, kept when it stops; on {@code port}, or a free one for 0. */
  static EmbeddedPostgres start(Path data, int port) throws Exception {
    EmbeddedPostgres.Builder b =
        EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false);
    if (port != 0) {
      b.setPort(port);
    }
    return b.start();
  }

  static long count(EmbeddedPostgres pg) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM kept")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void theServerRecoversWithoutARestartAndReplaysNoWrite() throws Exception {
    Path data = Files.createTempDirectory("crdb-restart-it").resolve("data");
    EmbeddedPostgres pg = start(data, 0);
    int port = pg.getPort();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kept (id INT PRIMARY KEY)");
    }
    Map<String, String> env =
        Map.of(
            "CRDB_URL",
            "postgresql://postgres@localhost:" + port + "/postgres?sslmode=disable",
            "CRDB_TIMEOUT",
            "2",
            "CRDB_BREAKER_WAIT",
            "1");
    try (ServerProcess server = ServerProcess.start(env)) {
      ok(server.call("execute_query", args("sql", "INSERT INTO kept VALUES (1)")));
      pg.close();
      pg = null;
      // Down: each call fails with a clear error, and the server stays up.
      Map<String, Object> down =
          error(
              server.call("execute_query", args("sql", "INSERT INTO kept VALUES (2)")),
              "CONNECTION_FAILED");
      assertThat((String) down.get("message")).doesNotContain("Exception");
      error(server.call("execute_query", args("sql", "SELECT 1")), "CONNECTION_FAILED");
      pg = start(data, port);
      // Back: the server answers again on its own, within a bounded time.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      CallToolResult r;
      do {
        Thread.sleep(250);
        r = server.call("execute_query", args("sql", "SELECT count(*) AS n FROM kept"));
      } while (Boolean.TRUE.equals(r.isError()) && System.nanoTime() < deadline);
      assertThat(((Number) rows(ok(r)).get(0).get(0)).longValue()).isEqualTo(1);
      ok(server.call("execute_query", args("sql", "INSERT INTO kept VALUES (3)")));
      // The write refused while the database was down never ran.
      assertThat(count(pg)).isEqualTo(2);
    } finally {
      if (pg != null) {
        pg.close();
      }
    }
  }
}
