package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;
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
    server = startSharedServer(Map.of("CRDB_URL", TestDb.url(db)));
  }

  static String begin(ServerUnderTest s) {
    return (String) ok(s.call("begin_transaction", args())).get("transaction_id");
  }

  /** Runs {@code sql} inside transaction {@code tx}. */
  static CallToolResult run(ServerUnderTest s, String tx, String sql) {
    return s.call("execute_query", args("sql", sql, "transaction_id", tx));
  }

  /** A transaction tool on {@code tx}, with further arguments as key/value pairs. */
  static CallToolResult onTx(ServerUnderTest s, String tool, String tx, Object... more) {
    Map<String, Object> a = args(more);
    a.put("transaction_id", tx);
    return s.call(tool, a);
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
    ok(run(server, tx, "INSERT INTO notes VALUES (1, 'inside')"));
    Map<String, Object> inside = ok(run(server, tx, "SELECT body FROM notes WHERE id = 1"));
    assertThat(rows(inside)).hasSize(1);
    Map<String, Object> outside =
        ok(server.call("execute_query", args("sql", "SELECT body FROM notes WHERE id = 1")));
    assertThat(rows(outside)).isEmpty();
    assertThat(count("id = 1")).isZero();

    Map<String, Object> status = ok(onTx(server, "get_transaction_status", tx));
    assertThat(status.get("statements")).isEqualTo(2);
    assertThat(status.get("state")).isEqualTo("open");

    ok(onTx(server, "rollback_transaction", tx));
    assertThat(count("id = 1")).isZero();
    error(onTx(server, "get_transaction_status", tx), "TRANSACTION_NOT_FOUND");
    assertThat(idleInTransaction()).isZero();
  }

  @Test
  void commitKeepsTheWorkAndSavepointsUndoPartOfIt() throws Exception {
    String tx = begin(server);
    ok(run(server, tx, "INSERT INTO notes VALUES (10, 'kept')"));
    ok(onTx(server, "savepoint", tx, "name", "before_second"));
    ok(run(server, tx, "INSERT INTO notes VALUES (11, 'undone')"));
    error(run(server, tx, "INSERT INTO notes VALUES (10, 'duplicate')"), "SQL_ERROR");
    Map<String, Object> aborted = ok(onTx(server, "get_transaction_status", tx));
    assertThat(aborted.get("aborted")).isEqualTo(true);
    ok(onTx(server, "savepoint", tx, "name", "before_second", "action", "rollback"));
    ok(onTx(server, "commit_transaction", tx));
    assertThat(count("id = 10")).isEqualTo(1);
    assertThat(count("id = 11")).isZero();
  }

  @Test
  void aHandleFromAnotherClientIsRefused() throws Exception {
    String tx = begin(server);
    ok(run(server, tx, "INSERT INTO notes VALUES (20, 'mine')"));
    try (ServerUnderTest other = startServer(Map.of("CRDB_URL", TestDb.url(db)))) {
      Map<String, Object> err =
          error(run(other, tx, "SELECT * FROM notes"), "TRANSACTION_NOT_FOUND");
      assertThat((String) err.get("suggestion")).contains("begin_transaction");
      error(onTx(other, "commit_transaction", tx), "TRANSACTION_NOT_FOUND");
    }
    ok(onTx(server, "rollback_transaction", tx));
    assertThat(count("id = 20")).isZero();
  }

  @Test
  void retryErrorsTellTheModelToRetryTheWholeTransaction() {
    String tx = begin(server);
    Map<String, Object> err = error(run(server, tx, "SELECT retry_me()"), "RETRY_TRANSACTION");
    assertThat(err.get("sqlstate")).isEqualTo("40001");
    assertThat((String) err.get("suggestion")).contains("retry the whole transaction");
    ok(onTx(server, "rollback_transaction", tx));
  }

  @Test
  void idleTransactionsAreRolledBack() throws Exception {
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_TRANSACTION_IDLE_TIMEOUT", "1"))) {
      String tx = begin(s);
      ok(run(s, tx, "INSERT INTO notes VALUES (30, 'idle')"));
      long deadline = System.currentTimeMillis() + 15_000;
      while (!Boolean.TRUE.equals(onTx(s, "get_transaction_status", tx).isError())
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(250);
      }
      error(onTx(s, "get_transaction_status", tx), "TRANSACTION_NOT_FOUND");
      assertThat(count("id = 30")).isZero();
    }
    assertThat(idleInTransaction()).isZero();
  }

  @Test
  void aClientThatDisconnectsLeavesNothingOpen() throws Exception {
    ServerUnderTest s = startServer(Map.of("CRDB_URL", TestDb.url(db)));
    String tx = begin(s);
    ok(run(s, tx, "INSERT INTO notes VALUES (40, 'abandoned')"));
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
      ok(onTx(s, "rollback_transaction", first));
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
    ok(run(server, tx, "INSERT INTO notes VALUES (60, 'x')"));
    ok(server.call("disconnect", args("name", "extra")));
    error(onTx(server, "get_transaction_status", tx), "TRANSACTION_NOT_FOUND");
    assertThat(count("id = 60")).isZero();
    assertThat(idleInTransaction()).isZero();
  }

  @Test
  void readOnlyServersOnlyStartReadOnlyTransactions() {
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_READ_ONLY", "true"))) {
      error(s.call("begin_transaction", args("read_only", false)), "SQL_REFUSED");
      String tx = begin(s);
      Map<String, Object> st = ok(onTx(s, "get_transaction_status", tx));
      assertThat(st.get("read_only")).isEqualTo(true);
      error(run(s, tx, "INSERT INTO notes VALUES (50, 'no')"), "SQL_REFUSED");
      ok(onTx(s, "rollback_transaction", tx));
    }
  }
}
