package io.crdbmcp.core.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.testing.TestDb;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AnswerFirst} against a real PostgreSQL, on a pool of one connection: inside a run, a
 * call's connection is cleaned and given back when the run ends (its read-only transaction is still
 * open between the call returning and the end of the run), a second call in the same run still gets
 * the one connection, and a run that fails gives it back too. Outside a run nothing waits. With an
 * executor, the release runs there after the run (the connection lent until then), or on the run's
 * thread if the executor refuses it. The session's state is read from {@code pg_stat_activity} on a
 * connection of the test's own.
 */
class AnswerFirstTest {
  private static ConnectionSpec spec;

  @BeforeAll
  static void database() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "the session states read are PostgreSQL's");
    spec = TestDb.get().createDatabase("answer_first", "SELECT 1");
  }

  private static Crdb open() {
    return Crdb.open(
        CrdbConfig.fromEnvironment(
            Map.of("CRDB_URL", TestDb.url(spec), "CRDB_POOL_SIZE", "1", "CRDB_TIMEOUT", "5")));
  }

  /** The server's sessions on the test database with a transaction open and no statement. */
  private static long idleInTransaction() throws Exception {
    return ((Number)
            TestDb.scalar(
                spec,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"))
        .longValue();
  }

  @Test
  void insideARunTheCallsConnectionIsCleanedWhenTheRunEndsNotBeforeTheCallReturns()
      throws Exception {
    try (Crdb crdb = open()) {
      AtomicLong during = new AtomicLong(-1);
      AnswerFirst.run(
          () -> {
            assertThat(crdb.query("SELECT 42 AS answer").rows()).hasSize(1);
            try {
              during.set(idleInTransaction());
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      assertThat(during.get()).as("the read's transaction, not yet rolled back").isEqualTo(1);
      assertThat(idleInTransaction()).as("rolled back when the run ended").isZero();
    }
  }

  @Test
  void outsideARunTheConnectionIsCleanedBeforeTheCallReturns() throws Exception {
    try (Crdb crdb = open()) {
      assertThat(AnswerFirst.active()).isFalse();
      assertThat(crdb.query("SELECT 42 AS answer").rows()).hasSize(1);
      assertThat(idleInTransaction()).isZero();
    }
  }

  @Test
  void secondAndThirdCallsInOneRunGetThePoolsOneConnection() throws Exception {
    try (Crdb crdb = open()) {
      AnswerFirst.run(
          () -> {
            for (int i = 1; i <= 3; i++) {
              assertThat(crdb.query("SELECT " + i + " AS n").rows()).hasSize(1);
            }
          });
      assertThat(idleInTransaction()).isZero();
      assertThat(crdb.query("SELECT 4 AS n").rows()).hasSize(1);
    }
  }

  @Test
  void aRunThatFailsAfterACallStillGivesTheConnectionBack() throws Exception {
    try (Crdb crdb = open()) {
      assertThatThrownBy(
              () ->
                  AnswerFirst.run(
                      () -> {
                        crdb.query("SELECT 42 AS answer");
                        throw new IllegalStateException("the answer could not be written");
                      }))
          .hasMessage("the answer could not be written");
      assertThat(AnswerFirst.active()).isFalse();
      assertThat(idleInTransaction()).isZero();
      assertThat(crdb.query("SELECT 43 AS answer").rows()).hasSize(1);
    }
  }

  @Test
  void withAnExecutorTheReleaseRunsThereAfterTheRunAndTheConnectionIsLentUntilThen()
      throws Exception {
    ExecutorService releases =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "test-release");
              t.setDaemon(true);
              return t;
            });
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<String> releasedOn = new AtomicReference<>();
    try (Crdb crdb = open()) {
      // The executor's thread waits for the test first, so the release cannot have run yet.
      releases.execute(
          () -> {
            try {
              go.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      AnswerFirst.run(
          () -> assertThat(crdb.query("SELECT 42 AS answer").rows()).hasSize(1),
          r ->
              releases.execute(
                  () -> {
                    releasedOn.set(Thread.currentThread().getName());
                    r.run();
                  }));
      assertThat(AnswerFirst.active()).isFalse();
      assertThat(idleInTransaction()).as("not released yet: still lent, still open").isEqualTo(1);
      // The pool's one connection is still lent: a call now waits for the release.
      CompletableFuture<Integer> next =
          CompletableFuture.supplyAsync(() -> crdb.query("SELECT 43 AS answer").rows().size());
      Thread.sleep(200);
      assertThat(next).isNotDone();
      go.countDown();
      assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(releasedOn.get()).isEqualTo("test-release");
      assertThat(idleInTransaction()).isZero();
    } finally {
      go.countDown();
      releases.shutdownNow();
    }
  }

  @Test
  void anExecutorThatRefusesTheReleaseLeavesItToTheRunsThread() throws Exception {
    try (Crdb crdb = open()) {
      AnswerFirst.run(
          () -> assertThat(crdb.query("SELECT 42 AS answer").rows()).hasSize(1),
          r -> {
            throw new RejectedExecutionException("full");
          });
      assertThat(idleInTransaction()).as("released on the run's thread").isZero();
      assertThat(crdb.query("SELECT 43 AS answer").rows()).hasSize(1);
    }
  }

  @Test
  void anExecutorThatFailsAfterQueueingTheReleaseCannotHaveItRunTwice() throws Exception {
    try (Crdb crdb = open()) {
      AtomicReference<Runnable> queued = new AtomicReference<>();
      // Queued, then a failure (as a thread pool that could not start a thread): released inline.
      AnswerFirst.run(
          () -> assertThat(crdb.query("SELECT 42 AS answer").rows()).hasSize(1),
          r -> {
            queued.set(r);
            throw new OutOfMemoryError("unable to create native thread (test)");
          });
      assertThat(idleInTransaction()).as("released on the run's thread").isZero();
      // The queued copy runs late, while the pool's one connection is lent to the next call: it
      // must do nothing (a second release would evict that connection under the other call).
      AtomicReference<Object> during = new AtomicReference<>();
      AnswerFirst.run(
          () -> {
            during.set(crdb.query("SELECT pg_backend_pid() AS pid").rows().get(0).get(0));
            queued.get().run();
          });
      Object after = crdb.query("SELECT pg_backend_pid() AS pid").rows().get(0).get(0);
      assertThat(after)
          .as("the same session: the connection was not evicted")
          .isEqualTo(during.get());
      assertThat(idleInTransaction()).isZero();
    }
  }
}
