package io.crdbmcp.core;

import static io.crdbmcp.core.LibraryApiTest.codeOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import io.crdbmcp.core.testing.TestDb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many clients of one library instance (as over HTTP), on a real database: configured connections
 * are shared and fixed; what a client opens (connect, switch_database, transactions) is its own.
 */
class ClientIsolationTest {
  static final Caller A = Caller.client("client-a");
  static final Caller B = Caller.client("client-b");

  static ConnectionSpec main;
  static ConnectionSpec other;
  static ConnectionSpec third;
  Crdb crdb;

  @BeforeAll
  static void databases() {
    main = TestDb.get().createDatabase("iso_main", "CREATE TABLE in_main (x INT PRIMARY KEY)");
    other = TestDb.get().createDatabase("iso_other", "CREATE TABLE in_other (x INT PRIMARY KEY)");
    third = TestDb.get().createDatabase("iso_third", "CREATE TABLE in_third (x INT PRIMARY KEY)");
  }

  @BeforeEach
  void open() {
    // Each open transaction holds a pooled connection: a pool larger than all of them together.
    crdb = Crdb.create(cfg -> cfg.url(TestDb.url(main)).maxTransactions(10).poolSize(12));
  }

  @AfterEach
  void close() {
    crdb.close();
  }

  static ConnectionSpec named(ConnectionSpec spec, String name) {
    return spec.withName(name);
  }

  static List<String> tables(Session s) {
    List<String> out = new ArrayList<>();
    for (TableEntry t : s.tables()) {
      out.add(t.name());
    }
    return out;
  }

  /**
   * Sessions of the server under test connected to that database (PostgreSQL's view of them;
   * CockroachDB's session table has no database column, so there the check is skipped: 0).
   */
  static int serverSessions(ConnectionSpec db) throws java.sql.SQLException {
    if (TestDb.get().isCockroach()) {
      return 0;
    }
    String sql =
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cockroachdb-mcp'"
            + " AND datname = '"
            + db.database()
            + "'";
    return ((Number) TestDb.scalar(main, sql)).intValue();
  }

  static List<String> names(Crdb crdb, Caller caller) {
    return crdb.connections().list(caller).stream().map(Database::name).toList();
  }

  @Test
  void aClientsConnectionIsInvisibleToAnother() {
    crdb.connections().connect(named(other, "mine"), false, A);
    assertThat(names(crdb, A)).containsExactly("default", "mine");
    assertThat(names(crdb, B)).containsExactly("default");
    assertThat(tables(crdb.session(A).on("mine"))).containsExactly("in_other");

    // B neither sees, nor uses, nor closes it.
    assertThat(codeOf(() -> crdb.session(B).on("mine").tables()))
        .isEqualTo(ErrorCode.UNKNOWN_CONNECTION);
    assertThat(codeOf(() -> crdb.session(B).on("mine").beginTransaction(null)))
        .isEqualTo(ErrorCode.UNKNOWN_CONNECTION);
    assertThat(codeOf(() -> crdb.connections().disconnect("mine", B)))
        .isEqualTo(ErrorCode.UNKNOWN_CONNECTION);
    assertThat(codeOf(() -> crdb.database("mine", null, B)))
        .isEqualTo(ErrorCode.UNKNOWN_CONNECTION);
    assertThat(tables(crdb.session(A).on("mine"))).containsExactly("in_other");

    // Names may repeat across clients: B's "mine" is another connection.
    crdb.connections().connect(named(third, "mine"), false, B);
    assertThat(tables(crdb.session(B).on("mine"))).containsExactly("in_third");
    assertThat(tables(crdb.session(A).on("mine"))).containsExactly("in_other");
    crdb.connections().disconnect("mine", B);
    assertThat(tables(crdb.session(A).on("mine"))).containsExactly("in_other");
    assertThat(codeOf(() -> crdb.connections().disconnect("mine", B)))
        .isEqualTo(ErrorCode.UNKNOWN_CONNECTION);

    // The same client under another user is another owner, as for transaction handles.
    assertThat(names(crdb, new Caller("client-a", "someone", java.util.Set.of())))
        .containsExactly("default");
    assertThat(names(crdb, new Caller("client-a", null, java.util.Set.of("crdb:read"))))
        .containsExactly("default", "mine");
  }

  @Test
  void configuredConnectionsCannotBeReplacedOrClosedByAClient() {
    Database configured = crdb.database("default", null, A);
    CrdbException replace =
        (CrdbException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> crdb.connections().connect(named(other, "default"), true, A));
    assertThat(replace.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(replace.getMessage()).contains("configured").contains("cannot be replaced");
    assertThat(codeOf(() -> crdb.connections().connect(named(other, "default"), false, A)))
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    CrdbException close =
        (CrdbException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> crdb.connections().disconnect("default", A));
    assertThat(close.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(close.getMessage()).contains("cannot be closed");
    assertThat(crdb.database(null, null, B)).isSameAs(configured);
    assertThat(tables(crdb.session(B))).containsExactly("in_main");
  }

  @Test
  void switchDatabaseChangesItForThatClientOnly() {
    Database configured = crdb.database(null, null, B);
    Database switched = crdb.connections().switchDatabase(null, other.database(), A);
    assertThat(switched.name()).isEqualTo("default");
    assertThat(tables(crdb.session(A))).containsExactly("in_other");
    assertThat(tables(crdb.session(B))).containsExactly("in_main");
    assertThat(crdb.database(null, null, B)).isSameAs(configured);
    assertThat(crdb.connections().defaultName(A)).isEqualTo("default");
    assertThat(names(crdb, A)).containsExactly("default");

    // A transaction on A's switched connection ends when A switches again; B's is untouched.
    String ta = crdb.session(A).beginTransaction(false).id();
    String tb = crdb.session(B).beginTransaction(false).id();
    crdb.connections().switchDatabase("default", third.database(), A);
    assertThat(tables(crdb.session(A))).containsExactly("in_third");
    assertThat(codeOf(() -> crdb.transactions().status(ta, A)))
        .isEqualTo(ErrorCode.TRANSACTION_NOT_FOUND);
    assertThat(crdb.transactions().status(tb, B).connection()).isEqualTo("default");
    crdb.transactions().rollback(tb, B);

    // Disconnecting its own "default" gives A the configured one back.
    crdb.connections().disconnect("default", A);
    assertThat(tables(crdb.session(A))).containsExactly("in_main");
    assertThat(crdb.database(null, null, A)).isSameAs(configured);
  }

  @Test
  void transactionsAreLimitedPerClientAndInTotal() {
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < CrdbConfig.DEFAULT_MAX_TRANSACTIONS_PER_CLIENT; i++) {
      mine.add(crdb.session(A).beginTransaction(null).id());
    }
    CrdbException sixth =
        (CrdbException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> crdb.session(A).beginTransaction(null));
    assertThat(sixth.code()).isEqualTo(ErrorCode.TOO_MANY_TRANSACTIONS);
    assertThat(sixth.suggestion()).contains("CRDB_MAX_TRANSACTIONS_PER_CLIENT");
    crdb.begin(false).close(); // the library's local caller is a client of its own
    try (TxScope b = crdb.session(B).begin()) {
      assertThat(b.query("SELECT count(*) FROM in_main").value()).isEqualTo(0L);
    }
    assertThat(crdb.transactions().openCount(A)).isEqualTo(5);
    assertThat(crdb.transactions().openCount(B)).isZero();

    // Ending one of A's gives A a slot back.
    crdb.transactions().commit(mine.remove(0), A);
    mine.add(crdb.session(A).beginTransaction(null).id());

    // The total limit still holds across clients: 5 of A + 5 of B = 10 = CRDB_MAX_TRANSACTIONS.
    for (int i = 0; i < 5; i++) {
      crdb.session(B).beginTransaction(null);
    }
    CrdbException total =
        (CrdbException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> crdb.session(Caller.client("client-c")).beginTransaction(null));
    assertThat(total.code()).isEqualTo(ErrorCode.TOO_MANY_TRANSACTIONS);
    assertThat(total.suggestion()).contains("CRDB_MAX_TRANSACTIONS ");
    crdb.closeClient(B);
    crdb.session(Caller.client("client-c")).beginTransaction(null);
  }

  @Test
  void closeClientReleasesEverythingTheClientOpened() throws Exception {
    crdb.connections().connect(named(other, "mine"), false, A);
    crdb.connections().switchDatabase(null, third.database(), A);
    crdb.connections().connect(named(main, "mine"), false, B);
    String onMine = crdb.session(A).on("mine").beginTransaction(false).id();
    String onDefault = crdb.session(A).beginTransaction(false).id();
    crdb.session(A).on("mine").query("SELECT 1"); // used, so its pool has a session open
    String ofB = crdb.session(B).on("mine").beginTransaction(false).id();
    if (!TestDb.get().isCockroach()) {
      assertThat(serverSessions(other)).isPositive();
    }

    crdb.closeClient(A);

    assertThat(crdb.transactions().openCount(A)).isZero();
    assertThat(codeOf(() -> crdb.transactions().status(onMine, A)))
        .isEqualTo(ErrorCode.TRANSACTION_NOT_FOUND);
    assertThat(codeOf(() -> crdb.transactions().status(onDefault, A)))
        .isEqualTo(ErrorCode.TRANSACTION_NOT_FOUND);
    assertThat(names(crdb, A)).containsExactly("default");
    assertThat(tables(crdb.session(A))).containsExactly("in_main");
    // A's pools are closed: no session of the server is left on A's databases.
    long deadline = System.currentTimeMillis() + 10_000;
    while ((serverSessions(other) > 0 || serverSessions(third) > 0)
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(serverSessions(other)).isZero();
    assertThat(serverSessions(third)).isZero();
    // B's connection and transaction are untouched.
    assertThat(crdb.transactions().status(ofB, B).connection()).isEqualTo("mine");
    assertThat(crdb.connections().clientConnectionCount()).isEqualTo(1);
    crdb.closeClient(B.clientId());
    assertThat(crdb.connections().clientConnectionCount()).isZero();
    assertThat(crdb.transactions().openCount()).isZero();
  }
}
