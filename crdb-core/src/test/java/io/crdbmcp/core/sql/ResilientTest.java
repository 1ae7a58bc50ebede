package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Resilience;
import io.crdbmcp.core.TestEngineKey;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Connections;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.core.tx.Transactions;
import java.net.ServerSocket;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retries and the circuit breaker of the executor against a real database: a retry error (40001) is
 * retried for reads and for writes the server runs itself, a read whose connection broke is
 * retried, a write whose connection broke after it was sent is not, and a connection that keeps
 * failing is refused at once with the time it is tried again.
 */
class ResilientTest {
  static final EngineKey KEY = TestEngineKey.create();
  static Connections connections;
  static Transactions transactions;
  static SqlExecutor executor;
  static Database db;

  @BeforeAll
  static void setUp() {
    ConnectionSpec spec = TestDb.get().createDatabase("resilient", "CREATE TABLE hits (n INT)");
    connections = new Connections(List.of(spec), 2, SafetyPolicy.permissive());
    transactions = new Transactions(KEY, Duration.ofSeconds(60), 5);
    executor =
        new SqlExecutor(
            KEY,
            7,
            transactions,
            new Resilience(
                3,
                Duration.ofMillis(10),
                5,
                Duration.ofSeconds(30),
                false,
                Duration.ofSeconds(30),
                Duration.ofSeconds(60)));
    db = connections.get(null);
  }

  @AfterAll
  static void tearDown() {
    transactions.close();
    connections.close();
  }

  static final String RETRY_ERROR =
      "DO $$ BEGIN RAISE EXCEPTION 'restart transaction' USING ERRCODE = '40001'; END $$";

  /** Work that fails with {@code firstSql} on its first attempt and returns the attempt after. */
  static SqlWork<Integer> failingOnce(AtomicInteger attempts, String firstSql, String thenSql) {
    return (c, d) -> {
      int n = attempts.incrementAndGet();
      try (Statement s = c.createStatement()) {
        s.execute(n == 1 ? firstSql : thenSql);
      }
      return n;
    };
  }

  @Test
  void aRetryErrorIsRetriedForReadsAndForWritesTheServerRuns() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    assertThat(
            executor.run(
                KEY,
                db,
                Access.READ,
                null,
                Caller.local(),
                failingOnce(reads, RETRY_ERROR, "SELECT 1")))
        .isEqualTo(2);
    AtomicInteger writes = new AtomicInteger();
    long before = count();
    assertThat(
            executor.run(
                KEY,
                db,
                Access.WRITE,
                null,
                Caller.local(),
                failingOnce(writes, RETRY_ERROR, "INSERT INTO hits VALUES (1)")))
        .isEqualTo(2);
    assertThat(count()).isEqualTo(before + 1);
  }

  @Test
  void aRetryErrorThatKeepsComingEndsAfterTheAttempts() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                executor.run(
                    KEY,
                    db,
                    Access.READ,
                    null,
                    Caller.local(),
                    (c, d) -> {
                      attempts.incrementAndGet();
                      try (Statement s = c.createStatement()) {
                        return s.execute(RETRY_ERROR);
                      }
                    }))
        .isInstanceOf(CrdbException.class)
        .satisfies(
            e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.RETRY_TRANSACTION));
    assertThat(attempts).hasValue(3);
  }

  static final String KILL_MYSELF = "SELECT pg_terminate_backend(pg_backend_pid())";

  @Test
  void aReadWhoseConnectionBrokeIsRetriedOnAFreshOne() {
    AtomicInteger attempts = new AtomicInteger();
    assertThat(
            executor.run(
                KEY,
                db,
                Access.READ,
                null,
                Caller.local(),
                failingOnce(attempts, KILL_MYSELF, "SELECT 1")))
        .isEqualTo(2);
  }

  @Test
  void aWriteWhoseConnectionBrokeAfterItWasSentIsNeverRunAgain() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    long before = count();
    assertThatThrownBy(
            () ->
                executor.run(
                    KEY,
                    db,
                    Access.WRITE,
                    null,
                    Caller.local(),
                    (c, d) -> {
                      attempts.incrementAndGet();
                      try (Statement s = c.createStatement()) {
                        s.execute("INSERT INTO hits VALUES (2)");
                        s.execute(KILL_MYSELF);
                      }
                      return 0;
                    }))
        .isInstanceOf(CrdbException.class)
        .satisfies(
            e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.CONNECTION_FAILED));
    assertThat(attempts).hasValue(1);
    assertThat(count()).isEqualTo(before); // rolled back with its connection, and not replayed
    // The next call gets a working connection.
    SqlWork<Boolean> valid = (c, d) -> c.isValid(2);
    boolean ok = executor.run(KEY, db, Access.READ, null, Caller.local(), valid);
    assertThat(ok).isTrue();
  }

  @Test
  void exportsAndOtherWorkWithOutsideEffectsRunOnce() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                SqlExecutor.withoutRetries(
                    () ->
                        executor.run(
                            KEY,
                            db,
                            Access.READ,
                            null,
                            Caller.local(),
                            failingOnce(attempts, RETRY_ERROR, "SELECT 1"))))
        .isInstanceOf(CrdbException.class);
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aConnectionThatKeepsFailingIsRefusedAtOnceUntilItsBreakerTriesAgain() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: connections to it are refused
    }
    ConnectionSpec down =
        new ConnectionSpec(
            "down",
            "127.0.0.1",
            port,
            "nobody",
            "pw-never-shown",
            "db",
            "disable",
            null,
            null,
            1,
            false);
    try (Connections cs = new Connections(List.of(down), 1, SafetyPolicy.permissive())) {
      Database d = cs.get(null);
      SqlExecutor ex =
          new SqlExecutor(
              KEY,
              7,
              transactions,
              new Resilience(
                  1,
                  Duration.ofMillis(10),
                  2,
                  Duration.ofSeconds(30),
                  false,
                  Duration.ofSeconds(30),
                  Duration.ofSeconds(60)));
      SqlWork<Boolean> ping = (c, dd) -> c.isValid(1);
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> ex.run(KEY, d, Access.READ, null, Caller.local(), ping))
            .isInstanceOf(CrdbException.class)
            .hasMessageNotContaining("refused until");
      }
      assertThat(ex.breaker(d).state()).isEqualTo("open");
      assertThat(ex.breaker(d).retryAt()).isNotNull();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> ex.run(KEY, d, Access.READ, null, Caller.local(), ping))
          .isInstanceOf(CrdbException.class)
          .hasMessageContaining("connection 'down' is failing")
          .hasMessageContaining("refused until")
          .hasMessageNotContaining("pw-never-shown");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
      // Other connections are not affected.
      assertThat(executor.breaker(db).state()).isEqualTo("closed");
    }
  }

  static long count() throws Exception {
    return ((Number) TestDb.scalar(db.spec(), "SELECT count(*) FROM hits")).longValue();
  }
}
