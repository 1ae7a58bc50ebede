package io.crdbmcp.core.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.testing.TestDb;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The watchdog against a real database: a statement running past CRDB_WATCHDOG_TIMEOUT (with a
 * longer statement timeout) is cancelled on the server, and a pool whose backends were all
 * terminated from outside is found broken and replaced.
 */
class WatchdogTest {

  @Test
  void aStatementPastTheWatchdogTimeoutIsCancelledOnTheServer() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("watchdog_cancel", "SELECT 1");
    try (Crdb crdb =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of(
                    "CRDB_URL", TestDb.url(spec),
                    "CRDB_QUERY_TIMEOUT", "120",
                    "CRDB_WATCHDOG_INTERVAL", "1",
                    "CRDB_WATCHDOG_TIMEOUT", "2")))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> crdb.query("SELECT pg_sleep(60), 'watchdog-probe'"))
          .isInstanceOf(CrdbException.class)
          .satisfies(
              e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.QUERY_TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
      Database db = crdb.connections().get(null);
      assertThat(db.cancelledByWatchdog()).isEqualTo(1);
      // Nothing of it runs on the server any more.
      Object running =
          TestDb.scalar(
              spec,
              "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                  + " AND query LIKE '%watchdog-probe%' AND pid <> pg_backend_pid()");
      assertThat(((Number) running).longValue()).isZero();
    }
  }

  @Test
  void aPoolWhoseBackendsWereTerminatedServesTheNextCall() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("watchdog_pool", "SELECT 1");
    try (Crdb crdb =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of(
                    "CRDB_URL", TestDb.url(spec),
                    "CRDB_WATCHDOG_INTERVAL", "1",
                    "CRDB_WATCHDOG_TIMEOUT", "60")))) {
      assertThat(crdb.query("SELECT 1 AS one").rows()).hasSize(1);
      Database db = crdb.connections().get(null);
      // Wait for a good check, then kill every backend of the pool from outside.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while ((db.lastCheck() == null || !db.lastCheck().ok()) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(db.lastCheck()).isNotNull();
      assertThat(db.lastCheck().ok()).isTrue();
      TestDb.scalar(
          spec,
          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
              + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
      // The next call works, whatever the watchdog has or has not done yet.
      assertThat(crdb.query("SELECT 2 AS two").rows()).hasSize(1);
    }
  }
}
