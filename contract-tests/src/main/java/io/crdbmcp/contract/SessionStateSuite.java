package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Session state that one call leaves on a pooled connection must not reach the next call: every
 * connection goes back to the pool clean ({@code DISCARD ALL}). With {@code CRDB_POOL_SIZE=1} every
 * call lands on the same connection, so "the next call sees what the previous one left" is
 * deterministic. Each case checks through later calls and through an independent connection.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class SessionStateSuite extends ContractSuite {
  static final String SCHEMA =
      """
      CREATE SCHEMA hidden;
      CREATE TABLE hidden.canary (note TEXT);
      INSERT INTO hidden.canary VALUES ('hidden-row');
      CREATE TABLE public.canary (note TEXT);
      INSERT INTO public.canary VALUES ('public-row');
      CREATE FUNCTION public.leave_state() RETURNS int LANGUAGE plpgsql SECURITY INVOKER AS $f$
        BEGIN
          PERFORM set_config('search_path', 'hidden', false);
          PERFORM pg_advisory_lock(4242);
          RETURN 1;
        END $f$;
      """;

  static final String SEARCH_PATH = "SELECT current_setting('search_path')";
  static final String CANARY = "SELECT note FROM canary";

  /** Advisory locks held by any session in the current database. */
  static final String ADVISORY_LOCKS =
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
          + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

  /** Read-write server. */
  ConnectionSpec rwDb;

  ServerUnderTest rw;

  /** Read-only server that allows public.leave_state. */
  ConnectionSpec roAllowedDb;

  ServerUnderTest roAllowed;

  /** Read-only server without CRDB_ALLOWED_FUNCTIONS. */
  ConnectionSpec roPlainDb;

  ServerUnderTest roPlain;

  /** The search_path each server's connection starts with. */
  String rwSearchPath;

  String roAllowedSearchPath;

  @BeforeAll
  void setUp() {
    rwDb = TestDb.get().createDatabase("session_rw", SCHEMA);
    roAllowedDb = TestDb.get().createDatabase("session_ro_allowed", SCHEMA);
    roPlainDb = TestDb.get().createDatabase("session_ro_plain", SCHEMA);
    rw = startServer(Map.of("CRDB_URL", TestDb.url(rwDb), "CRDB_POOL_SIZE", "1"));
    roAllowed =
        startServer(
            Map.of(
                "CRDB_URL", TestDb.url(roAllowedDb),
                "CRDB_POOL_SIZE", "1",
                "CRDB_READ_ONLY", "true",
                "CRDB_ALLOWED_FUNCTIONS", "public.leave_state"));
    roPlain =
        startServer(
            Map.of(
                "CRDB_URL", TestDb.url(roPlainDb),
                "CRDB_POOL_SIZE", "1",
                "CRDB_READ_ONLY", "true"));
    rwSearchPath = (String) one(rw, SEARCH_PATH);
    roAllowedSearchPath = (String) one(roAllowed, SEARCH_PATH);
    assertThat(rwSearchPath).doesNotContain("hidden");
    assertThat(roAllowedSearchPath).doesNotContain("hidden");
  }

  @AfterAll
  void tearDown() {
    for (ServerUnderTest s : new ServerUnderTest[] {rw, roAllowed, roPlain}) {
      if (s != null) {
        s.close();
      }
    }
  }

  /**
   * Best effort, so that one leak does not make every later case fail too: undoes on the read-write
   * server's connection what a case may have left there. Results are ignored.
   */
  @AfterEach
  void undoLeftovers() {
    if (rw == null || rwSearchPath == null) {
      return;
    }
    try {
      rw.call(
          "execute_query",
          args(
              "sql",
              "SELECT set_config('search_path', $1, false), pg_advisory_unlock_all()",
              "params",
              List.of(rwSearchPath)));
    } catch (RuntimeException ignored) {
      // Only a clean-up.
    }
  }

  // ------------------------------------------------------------------ cases

  @Test
  @Order(1)
  void aSearchPathSetByOneCallDoesNotRedirectTheNext() throws Exception {
    assertThat(one(rw, "SELECT set_config('search_path', 'hidden', false)")).isEqualTo("hidden");
    assertThat(one(rw, CANARY)).isEqualTo("public-row");
    assertThat(one(rw, SEARCH_PATH)).isEqualTo(rwSearchPath);
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(2)
  void anAdvisoryLockTakenByOneCallIsReleased() throws Exception {
    ok(rw.call("execute_query", args("sql", "SELECT pg_advisory_lock(7)")));
    assertThat(advisoryLocks(rwDb)).isZero();
    assertThat(TestDb.scalar(rwDb, "SELECT pg_try_advisory_lock(7) AND pg_advisory_unlock(7)"))
        .as("an independent session can take lock 7")
        .isEqualTo(true);
    assertThat(String.valueOf(one(rw, ADVISORY_LOCKS)))
        .as("the server's next call sees no advisory lock")
        .isEqualTo("0");
    assertIndependentlyClean(rwDb);
  }

  /** Late: a leaked temporary table cannot be dropped here (DROP is blocked by default). */
  @Test
  @Order(8)
  void aTemporaryTableIsDroppedAfterTheCall() throws Exception {
    assumeFalse(
        TestDb.get().isCockroach(), "CockroachDB needs experimental_enable_temp_tables for this");
    ok(rw.call("execute_query", args("sql", "CREATE TEMP TABLE tmp_left (x int)")));
    assertThat(
            ((Number)
                    TestDb.scalar(
                        rwDb,
                        "SELECT count(*) FROM pg_class"
                            + " WHERE relpersistence = 't' AND relname = 'tmp_left'"))
                .longValue())
        .isZero();
    Map<String, Object> err =
        error(rw.call("execute_query", args("sql", "SELECT * FROM tmp_left")), "NOT_FOUND");
    assertThat(err.get("sqlstate")).isEqualTo("42P01");
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(3)
  void stateLeftByAUserDefinedFunctionIsGone() throws Exception {
    assertThat(String.valueOf(one(rw, "SELECT leave_state()"))).isEqualTo("1");
    assertThat(one(rw, CANARY)).isEqualTo("public-row");
    assertThat(one(rw, SEARCH_PATH)).isEqualTo(rwSearchPath);
    assertThat(
            TestDb.scalar(rwDb, "SELECT pg_try_advisory_lock(4242) AND pg_advisory_unlock(4242)"))
        .isEqualTo(true);
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(4)
  void aSearchPathSetInACommittedTransactionDoesNotOutliveIt() throws Exception {
    String tx = begin(rw);
    assertThat(one(rw, "SELECT set_config('search_path', 'hidden', false)", tx))
        .isEqualTo("hidden");
    assertThat(one(rw, CANARY, tx)).as("the setting took effect inside").isEqualTo("hidden-row");
    ok(rw.call("commit_transaction", args("transaction_id", tx)));
    assertThat(one(rw, SEARCH_PATH)).isEqualTo(rwSearchPath);
    assertThat(one(rw, CANARY)).isEqualTo("public-row");
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(5)
  void aSearchPathSetInARolledBackTransactionDoesNotOutliveIt() throws Exception {
    String tx = begin(rw);
    assertThat(one(rw, "SELECT set_config('search_path', 'hidden', false)", tx))
        .isEqualTo("hidden");
    assertThat(one(rw, CANARY, tx)).as("the setting took effect inside").isEqualTo("hidden-row");
    ok(rw.call("rollback_transaction", args("transaction_id", tx)));
    assertThat(one(rw, SEARCH_PATH)).isEqualTo(rwSearchPath);
    assertThat(one(rw, CANARY)).isEqualTo("public-row");
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(6)
  void anAllowedFunctionRunsInReadOnlyModeAndLeavesNothing() throws Exception {
    assertThat(String.valueOf(one(roAllowed, "SELECT leave_state()"))).isEqualTo("1");
    assertThat(one(roAllowed, SEARCH_PATH)).isEqualTo(roAllowedSearchPath);
    assertThat(one(roAllowed, CANARY)).isEqualTo("public-row");
    assertThat(
            TestDb.scalar(
                roAllowedDb, "SELECT pg_try_advisory_lock(4242) AND pg_advisory_unlock(4242)"))
        .isEqualTo(true);
    assertIndependentlyClean(roAllowedDb);
  }

  @Test
  @Order(7)
  void aFunctionNotAllowedIsRefusedInReadOnlyMode() throws Exception {
    CallToolResult r = roPlain.call("execute_query", args("sql", "SELECT leave_state()"));
    Map<String, Object> err = error(r, "SQL_REFUSED");
    assertThat(err.get("rule")).as("rule of %s", text(r)).isEqualTo("function_not_allowed");
    assertThat(one(roPlain, CANARY)).isEqualTo("public-row");
    assertIndependentlyClean(roPlainDb);
  }

  /** Last: if the setting leaked, the safety checks refuse every later call on this connection. */
  @Test
  @Order(9)
  void standardConformingStringsAreReset() throws Exception {
    assumeFalse(
        TestDb.get().isCockroach(), "CockroachDB does not allow standard_conforming_strings off");
    assertThat(one(rw, "SELECT set_config('standard_conforming_strings', 'off', false)"))
        .isEqualTo("off");
    assertThat(one(rw, "SELECT 'a\\' AS s")).isEqualTo("a\\");
    assertThat(one(rw, "SELECT current_setting('standard_conforming_strings')")).isEqualTo("on");
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(10)
  void aHoldableCursorIsClosedAfterTheCall() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "WITH HOLD cursors");
    ok(
        rw.call(
            "execute_query",
            args("sql", "DECLARE held CURSOR WITH HOLD FOR SELECT note FROM canary")));
    Map<String, Object> err =
        error(rw.call("execute_query", args("sql", "FETCH 1 FROM held")), "SQL_ERROR");
    assertThat(err.get("sqlstate")).as("cursor does not exist").isEqualTo("34000");
    assertIndependentlyClean(rwDb);
  }

  @Test
  @Order(11)
  void aRoleSetByOneCallIsReset() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "SET ROLE through set_config");
    Object user = one(rw, "SELECT current_user");
    assertThat(one(rw, "SELECT set_config('role', 'pg_monitor', false)")).isEqualTo("pg_monitor");
    assertThat(one(rw, "SELECT current_user")).isEqualTo(user);
    assertIndependentlyClean(rwDb);
  }

  /** The safety checks set debug_print_parse and client_min_messages for their own Parse only. */
  @Test
  @Order(12)
  void theSafetyChecksLeaveNoSettingBehindInsideATransaction() throws Exception {
    String tx = begin(roPlain);
    try {
      ok(roPlain.call("execute_query", args("sql", CANARY, "transaction_id", tx)));
      List<List<Object>> settings =
          rows(
              ok(
                  roPlain.call(
                      "execute_query",
                      args(
                          "sql",
                          "SELECT current_setting('client_min_messages'),"
                              + " current_setting('debug_print_parse', true),"
                              + " current_setting('debug_pretty_print', true)",
                          "transaction_id",
                          tx))));
      assertThat(settings.get(0).get(0)).isEqualTo("notice");
      if (!TestDb.get().isCockroach()) {
        assertThat(settings.get(0).subList(1, 3)).containsExactly("off", "on");
      }
    } finally {
      roPlain.call("rollback_transaction", args("transaction_id", tx));
    }
    assertIndependentlyClean(roPlainDb);
  }

  @Test
  @Order(13)
  void messageAndDebugSettingsSetByACallAreReset() throws Exception {
    assumeFalse(TestDb.get().isCockroach(), "PostgreSQL debug settings");
    ok(
        rw.call(
            "execute_query",
            args(
                "sql",
                "SELECT set_config('client_min_messages', 'debug5', false),"
                    + " set_config('debug_print_parse', 'on', false),"
                    + " set_config('debug_pretty_print', 'off', false)")));
    assertThat(one(rw, "SELECT current_setting('client_min_messages')")).isEqualTo("notice");
    assertThat(one(rw, "SELECT current_setting('debug_print_parse')")).isEqualTo("off");
    assertThat(one(rw, CANARY)).isEqualTo("public-row");
    assertIndependentlyClean(rwDb);
  }

  /** An allowed function changing the session inside a committed read-only transaction. */
  @Test
  @Order(14)
  void stateLeftInACommittedReadOnlyTransactionIsGone() throws Exception {
    String tx =
        (String)
            ok(roAllowed.call("begin_transaction", args("read_only", true))).get("transaction_id");
    assertThat(String.valueOf(one(roAllowed, "SELECT leave_state()", tx))).isEqualTo("1");
    assertThat(one(roAllowed, CANARY, tx))
        .as("the setting took effect inside")
        .isEqualTo("hidden-row");
    ok(roAllowed.call("commit_transaction", args("transaction_id", tx)));
    assertThat(one(roAllowed, SEARCH_PATH)).isEqualTo(roAllowedSearchPath);
    assertThat(one(roAllowed, CANARY)).isEqualTo("public-row");
    assertThat(
            TestDb.scalar(
                roAllowedDb, "SELECT pg_try_advisory_lock(4242) AND pg_advisory_unlock(4242)"))
        .isEqualTo(true);
    assertIndependentlyClean(roAllowedDb);
  }

  // ------------------------------------------------------------------ helpers

  static String begin(ServerUnderTest s) {
    return (String) ok(s.call("begin_transaction", args())).get("transaction_id");
  }

  /** The first column of the first row of a successful execute_query call. */
  static Object one(ServerUnderTest s, String sql) {
    return rows(ok(s.call("execute_query", args("sql", sql)))).get(0).get(0);
  }

  static Object one(ServerUnderTest s, String sql, String tx) {
    return rows(ok(s.call("execute_query", args("sql", sql, "transaction_id", tx)))).get(0).get(0);
  }

  /** Advisory locks held in this database by any session, read through an independent session. */
  static long advisoryLocks(ConnectionSpec db) throws Exception {
    return ((Number) TestDb.scalar(db, ADVISORY_LOCKS)).longValue();
  }

  /**
   * What a session could leave behind that another session can see: advisory locks, temporary
   * tables, an open transaction; and the data is untouched.
   */
  static void assertIndependentlyClean(ConnectionSpec db) throws Exception {
    assertThat(advisoryLocks(db)).as("advisory locks").isZero();
    if (!TestDb.get().isCockroach()) {
      assertThat(
              ((Number)
                      TestDb.scalar(db, "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"))
                  .longValue())
          .as("temporary tables")
          .isZero();
    }
    assertThat(TestDb.serverSessionsInTransaction(db)).as("sessions in a transaction").isZero();
    try (Connection c = TestDb.open(db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT string_agg(note, ',') FROM public.canary),"
                    + " (SELECT string_agg(note, ',') FROM hidden.canary)")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("public-row");
      assertThat(rs.getString(2)).isEqualTo("hidden-row");
    }
  }
}
