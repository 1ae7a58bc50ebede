package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Transactions that span calls, through the server under test. */
public abstract class TransactionsSuite extends ContractSuite {
  static final String SCHEMA =
      """
      CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);
      CREATE FUNCTION retry_me() RETURNS INT LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'restart transaction: simulated conflict' USING ERRCODE = '40001'; END $$;
      """;

  ConnectionSpec db;
  ServerUnderTest server;

  @BeforeAll
  void setUp() {
    db = TestDb.get().createDatabase("tx", SCHEMA);
    server = startServer(Map.of("CRDB_URL", TestDb.url(db)));
  }

  @AfterAll
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  static String begin(ServerUnderTest s) {
    return (String) ok(s.call("begin_transaction", args())).get("transaction_id");
  }

  long count(String where) throws Exception {
    return ((Number) TestDb.scalar(db, "SELECT count(*) FROM notes WHERE " + where)).longValue();
  }

  int idleInTransaction() throws Exception {
    return TestDb.serverSessionsInTransaction(db);
  }

  @Test
  void anInsertIsVisibleInsideNotOutsideAndGoneAfterRollback() throws Exception {
    String tx = begin(server);
    assertThat(tx).startsWith("tx_").hasSizeGreaterThan(20);
    ok(
        server.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (1, 'inside')", "transaction_id", tx)));
    Map<String, Object> inside =
        ok(
            server.call(
                "execute_query",
                args("sql", "SELECT body FROM notes WHERE id = 1", "transaction_id", tx)));
    assertThat(rows(inside)).hasSize(1);
    Map<String, Object> outside =
        ok(server.call("execute_query", args("sql", "SELECT body FROM notes WHERE id = 1")));
    assertThat(rows(outside)).isEmpty();
    assertThat(count("id = 1")).isZero();

    Map<String, Object> status =
        ok(server.call("get_transaction_status", args("transaction_id", tx)));
    assertThat(status.get("statements")).isEqualTo(2);
    assertThat(status.get("state")).isEqualTo("open");

    ok(server.call("rollback_transaction", args("transaction_id", tx)));
    assertThat(count("id = 1")).isZero();
    error(
        server.call("get_transaction_status", args("transaction_id", tx)), "TRANSACTION_NOT_FOUND");
    assertThat(idleInTransaction()).isZero();
  }

  @Test
  void commitKeepsTheWorkAndSavepointsUndoPartOfIt() throws Exception {
    String tx = begin(server);
    ok(
        server.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (10, 'kept')", "transaction_id", tx)));
    ok(server.call("savepoint", args("transaction_id", tx, "name", "before_second")));
    ok(
        server.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (11, 'undone')", "transaction_id", tx)));
    error(
        server.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (10, 'duplicate')", "transaction_id", tx)),
        "SQL_ERROR");
    Map<String, Object> aborted =
        ok(server.call("get_transaction_status", args("transaction_id", tx)));
    assertThat(aborted.get("aborted")).isEqualTo(true);
    ok(
        server.call(
            "savepoint",
            args("transaction_id", tx, "name", "before_second", "action", "rollback")));
    ok(server.call("commit_transaction", args("transaction_id", tx)));
    assertThat(count("id = 10")).isEqualTo(1);
    assertThat(count("id = 11")).isZero();
  }

  @Test
  void aHandleFromAnotherClientIsRefused() throws Exception {
    String tx = begin(server);
    ok(
        server.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (20, 'mine')", "transaction_id", tx)));
    try (ServerUnderTest other = startServer(Map.of("CRDB_URL", TestDb.url(db)))) {
      Map<String, Object> err =
          error(
              other.call("execute_query", args("sql", "SELECT * FROM notes", "transaction_id", tx)),
              "TRANSACTION_NOT_FOUND");
      assertThat((String) err.get("suggestion")).contains("begin_transaction");
      error(other.call("commit_transaction", args("transaction_id", tx)), "TRANSACTION_NOT_FOUND");
    }
    ok(server.call("rollback_transaction", args("transaction_id", tx)));
    assertThat(count("id = 20")).isZero();
  }

  @Test
  void retryErrorsTellTheModelToRetryTheWholeTransaction() {
    String tx = begin(server);
    Map<String, Object> err =
        error(
            server.call("execute_query", args("sql", "SELECT retry_me()", "transaction_id", tx)),
            "RETRY_TRANSACTION");
    assertThat(err.get("sqlstate")).isEqualTo("40001");
    assertThat((String) err.get("suggestion")).contains("retry the whole transaction");
    ok(server.call("rollback_transaction", args("transaction_id", tx)));
  }

  @Test
  void idleTransactionsAreRolledBack() throws Exception {
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_TRANSACTION_IDLE_TIMEOUT", "1"))) {
      String tx = begin(s);
      ok(
          s.call(
              "execute_query",
              args("sql", "INSERT INTO notes VALUES (30, 'idle')", "transaction_id", tx)));
      long deadline = System.currentTimeMillis() + 15_000;
      while (!Boolean.TRUE.equals(
              s.call("get_transaction_status", args("transaction_id", tx)).isError())
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(250);
      }
      error(s.call("get_transaction_status", args("transaction_id", tx)), "TRANSACTION_NOT_FOUND");
      assertThat(count("id = 30")).isZero();
    }
    assertThat(idleInTransaction()).isZero();
  }

  @Test
  void aClientThatDisconnectsLeavesNothingOpen() throws Exception {
    ServerUnderTest s = startServer(Map.of("CRDB_URL", TestDb.url(db)));
    String tx = begin(s);
    ok(
        s.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (40, 'abandoned')", "transaction_id", tx)));
    assertThat(idleInTransaction()).isPositive();
    s.close();
    long deadline = System.currentTimeMillis() + 15_000;
    while (idleInTransaction() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertThat(idleInTransaction()).isZero();
    assertThat(count("id = 40")).isZero();
  }

  @Test
  void openTransactionsAreBounded() throws Exception {
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_MAX_TRANSACTIONS", "2"))) {
      String first = begin(s);
      begin(s);
      Map<String, Object> err = error(s.call("begin_transaction", args()), "TOO_MANY_TRANSACTIONS");
      assertThat((String) err.get("suggestion")).contains("CRDB_MAX_TRANSACTIONS");
      ok(s.call("rollback_transaction", args("transaction_id", first)));
      begin(s);
    }
  }

  @Test
  void transactionsFollowTheirConnection() throws Exception {
    ok(server.call("connect", args("name", "extra", "url", TestDb.url(db))));
    String tx =
        (String)
            ok(server.call("begin_transaction", args("connection", "extra"))).get("transaction_id");
    // No connection argument: the call runs on the transaction's connection.
    ok(
        server.call(
            "execute_query",
            args("sql", "INSERT INTO notes VALUES (60, 'x')", "transaction_id", tx)));
    ok(server.call("disconnect", args("name", "extra")));
    error(
        server.call("get_transaction_status", args("transaction_id", tx)), "TRANSACTION_NOT_FOUND");
    assertThat(count("id = 60")).isZero();
    assertThat(idleInTransaction()).isZero();
  }

  @Test
  void readOnlyServersOnlyStartReadOnlyTransactions() {
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_READ_ONLY", "true"))) {
      error(s.call("begin_transaction", args("read_only", false)), "SQL_REFUSED");
      String tx = begin(s);
      Map<String, Object> st = ok(s.call("get_transaction_status", args("transaction_id", tx)));
      assertThat(st.get("read_only")).isEqualTo(true);
      error(
          s.call(
              "execute_query",
              args("sql", "INSERT INTO notes VALUES (50, 'no')", "transaction_id", tx)),
          "SQL_REFUSED");
      ok(s.call("rollback_transaction", args("transaction_id", tx)));
    }
  }
}
