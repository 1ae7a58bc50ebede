package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.TestEngineKey;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Connections;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.core.tx.Transactions;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The third safety layer on its own: the database enforces read-only access, the statement timeout
 * applies to the call's transaction only, and connections go back to the pool clean.
 */
class SqlExecutorTest {
  static final EngineKey KEY = TestEngineKey.create();
  static Connections connections;
  static Transactions transactions;
  static SqlExecutor executor;
  static Database db;

  @BeforeAll
  static void setUp() {
    ConnectionSpec spec =
        TestDb.get()
            .createDatabase(
                "executor",
                "CREATE TABLE canary (id INT PRIMARY KEY); INSERT INTO canary VALUES (1)");
    // One connection in the pool, so every call reuses the same session.
    connections = new Connections(List.of(spec), 1, SafetyPolicy.permissive());
    transactions = new Transactions(KEY, Duration.ofSeconds(60), 5);
    executor = new SqlExecutor(KEY, 7, transactions);
    db = connections.get(null);
  }

  @AfterAll
  static void tearDown() {
    transactions.close();
    connections.close();
  }

  /**
   * Runs work through {@code on} with the test's key, as the local caller, outside a transaction.
   */
  static <T> T run(SqlExecutor on, Access access, SqlWork<T> work) {
    return on.run(KEY, db, access, null, Caller.local(), work);
  }

  /** Executes one statement in a read call of {@code on}: no guard, only the executor. */
  static boolean execute(SqlExecutor on, String sql) {
    return run(
        on,
        Access.READ,
        (c, d) -> {
          try (Statement s = c.createStatement()) {
            return s.execute(sql);
          }
        });
  }

  static String scalar(Access access, String sql) {
    return run(
        executor,
        access,
        (c, d) -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
          }
        });
  }

  @Test
  void theDatabaseRefusesWritesInAReadCallEvenWithoutTheGuard() {
    assertThatThrownBy(() -> execute(executor, "INSERT INTO canary VALUES (2)"))
        .isInstanceOfSatisfying(
            CrdbException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SQL_REFUSED);
              assertThat(e.sqlState()).isEqualTo("25006");
            });
    assertThat(scalar(Access.READ, "SELECT count(*) FROM canary")).isEqualTo("1");
  }

  @Test
  void readOnlyAndTimeoutHoldForTheCallAndAreGoneAfterIt() {
    assertThat(scalar(Access.READ, "SELECT current_setting('transaction_read_only')"))
        .isEqualTo("on");
    assertThat(scalar(Access.READ, "SELECT current_setting('statement_timeout')")).isEqualTo("7s");
    // The same pooled session, after the call: no read-only leftover, no open transaction.
    assertThat(scalar(Access.WRITE, "SELECT current_setting('transaction_read_only')"))
        .isEqualTo("off");
    assertThat(scalar(Access.WRITE, "SELECT current_setting('default_transaction_read_only')"))
        .isEqualTo("off");
  }

  @Test
  void aSessionThatHasTheTimeoutFromItsLoginSendsNoSetAndIsStillReadOnlyWithTheTimeout() {
    scalar(Access.READ, "SELECT 1");
    // The pool holds one connection, made (on PostgreSQL) with the executor's timeout in its
    // login, so the executor sends no SET of its own: the driver's BEGIN READ ONLY starts it.
    String seen =
        run(
            executor,
            Access.READ,
            (c, d) -> {
              try (Statement s = c.createStatement();
                  ResultSet rs =
                      s.executeQuery(
                          "SELECT current_setting('transaction_read_only'),"
                              + " current_setting('statement_timeout')")) {
                rs.next();
                return db.sessionTimeout(KEY, c) + " " + rs.getString(1) + " " + rs.getString(2);
              }
            });
    assertThat(seen).isEqualTo((TestDb.get().isCockroach() ? "0" : "7") + " on 7s");
    assertThatThrownBy(() -> execute(executor, "INSERT INTO canary VALUES (3)"))
        .isInstanceOfSatisfying(
            CrdbException.class, e -> assertThat(e.sqlState()).isEqualTo("25006"));
    // A write on the same session is not read-only, and still has the timeout.
    assertThat(
            scalar(
                Access.WRITE,
                "SELECT current_setting('transaction_read_only') || ' '"
                    + " || current_setting('statement_timeout')"))
        .isEqualTo("off 7s");
  }

  @Test
  void aSessionSettingACommittedCallChangedIsResetBeforeTheNextCall() {
    scalar(Access.WRITE, "SELECT set_config('statement_timeout', '0', false)");
    scalar(Access.WRITE, "SELECT set_config('application_name', 'changed', false)");
    assertThat(scalar(Access.READ, "SELECT current_setting('statement_timeout')")).isEqualTo("7s");
    assertThat(scalar(Access.READ, "SELECT current_setting('application_name')"))
        .isEqualTo("cockroachdb-mcp");
    assertThat(scalar(Access.WRITE, "SELECT current_setting('statement_timeout')")).isEqualTo("7s");
  }

  @Test
  void aReadCallsSessionStateIsGoneAndItsTransactionEndedWhenItsConnectionGoesBack() {
    // PostgreSQL's one-message release (CockroachDB keeps DISCARD ALL).
    org.junit.jupiter.api.Assumptions.assumeFalse(
        TestDb.get().isCockroach(), "the PostgreSQL release path");
    // What a read call leaves on the session that its rollback does not undo: a session advisory
    // lock, a prepared statement, a holdable cursor; and a setting, which the rollback does undo.
    String backend =
        run(
            executor,
            Access.READ,
            (c, d) -> {
              try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_lock(6161)");
                s.execute("PREPARE left_behind AS SELECT 1");
                s.execute("DECLARE kept CURSOR WITH HOLD FOR SELECT 1");
                s.execute("SELECT set_config('application_name', 'changed', false)");
                try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                  rs.next();
                  return rs.getString(1);
                }
              }
            });
    String after =
        scalar(
            Access.READ,
            "SELECT pg_backend_pid() || ' '"
                + " || (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                + " AND pid = pg_backend_pid()) || ' '"
                + " || (SELECT count(*) FROM pg_prepared_statements WHERE name = 'left_behind')"
                + " || ' ' || (SELECT count(*) FROM pg_cursors WHERE name = 'kept')"
                + " || ' ' || current_setting('application_name')");
    // One pooled connection: the same session, with none of it left.
    assertThat(after).isEqualTo(backend + " 0 0 0 cockroachdb-mcp");
    assertThat(db.activeConnections()).isZero();
  }

  @Test
  void jooqStatementsRunWithTheExecutorsTimeoutAndTheirErrorsAreTranslated() {
    Integer timeout =
        run(
            executor,
            Access.READ,
            (c, d) -> executor.dsl(c).configuration().settings().getQueryTimeout());
    assertThat(timeout).isEqualTo(12);
    assertThatThrownBy(
            () ->
                run(
                    executor,
                    Access.READ,
                    (c, d) -> executor.dsl(c).select(DSL.inline(1).div(DSL.inline(0))).fetchOne()))
        .isInstanceOfSatisfying(
            CrdbException.class, e -> assertThat(e.sqlState()).isEqualTo("22012"));
  }

  @Test
  void aFailedCallLeavesNoOpenTransaction() {
    assertThatThrownBy(() -> scalar(Access.READ, "SELECT 1/0")).isInstanceOf(CrdbException.class);
    // A new transaction starts cleanly on the same session (an aborted one would fail with 25P02).
    assertThat(scalar(Access.READ, "SELECT 'fine'")).isEqualTo("fine");
    assertThat(db.activeConnections()).isZero();
  }

  @Test
  void runWithoutTheEngineKeyIsRefused() {
    assertThatThrownBy(
            () -> executor.run(null, db, Access.READ, null, Caller.local(), (c, d) -> "ran"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> db.borrow(null)).isInstanceOf(IllegalArgumentException.class);
    assertThat(db.activeConnections()).isZero();
  }

  @Test
  void statementTimeoutCancelsAStuckQuery() {
    SqlExecutor fast = new SqlExecutor(KEY, 1, transactions);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> execute(fast, "SELECT pg_sleep(30)"))
        .isInstanceOfSatisfying(
            CrdbException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.QUERY_TIMEOUT));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
  }
}
