package io.crdbmcp.core.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.testing.TestDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The row service inside a caller's transaction (the transaction tools live elsewhere): changes
 * stay in the transaction, dry runs and refused calls leave it usable and unchanged.
 */
class RowsTransactionTest {
  static ConnectionSpec spec;
  static Crdb crdb;

  @BeforeAll
  static void start() {
    spec =
        TestDb.get()
            .createDatabase(
                "rows_tx",
                "CREATE TABLE items (id INT PRIMARY KEY, grp TEXT, qty INT);"
                    + " INSERT INTO items VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3);");
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
  }

  @AfterAll
  static void stop() {
    if (crdb != null) {
      crdb.close();
    }
  }

  static long qtySum() throws SQLException {
    try (Connection c = TestDb.open(spec);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT sum(qty) FROM items")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Sets qty of the matching rows of items. */
  static Rows.UpdateRequest qty(Rows.Match rows, Object qty) {
    return new Rows.UpdateRequest("items", null, rows, Map.of("qty", qty));
  }

  @Test
  void changesStayInTheTransactionAndFailuresDoNotAbortIt() throws SQLException {
    Database db = crdb.connections().get(null);
    Caller me = Caller.local();
    String tx = crdb.transactions().begin(db, me, false, 10).id();
    List<RowFilter> grpA = RowFilter.parse(List.of(Map.of("column", "grp", "value", "a")));

    // Dry run inside the transaction: reported, then rolled back to the savepoint.
    Rows.Change dry =
        crdb.rows().update(db, qty(new Rows.Match(null, grpA, false, true), 10), tx, me);
    assertThat(dry.affected()).isEqualTo(2);
    assertThat(dry.before().rowCount()).isEqualTo(2);

    // Unconfirmed multi-row update refused; a bad value refused; the transaction stays usable.
    Rows.Match groupA = new Rows.Match(null, grpA, false, false);
    assertThatThrownBy(() -> crdb.rows().update(db, qty(groupA, 10), tx, me))
        .satisfies(
            e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED));
    Rows.Match one = new Rows.Match(Map.of("id", 1), null, false, false);
    assertThatThrownBy(() -> crdb.rows().update(db, qty(one, "9999999999999"), tx, me))
        .satisfies(e -> assertThat(((CrdbException) e).getMessage()).contains("'qty'"));

    Rows.Change upd = crdb.rows().update(db, qty(one, 100), tx, me);
    assertThat(upd.affected()).isEqualTo(1);
    Rows.ReadResult seen =
        crdb.rows()
            .read(
                db,
                new Rows.ReadRequest(
                    "items", null, Map.of("id", 1), null, List.of("qty"), null, null, null),
                tx,
                me);
    assertThat(seen.result().rows().get(0).get(0)).isEqualTo(100L);
    assertThat(qtySum()).as("not visible outside before commit").isEqualTo(6);
    assertThat(crdb.transactions().status(tx, me).aborted()).isFalse();

    crdb.transactions().commit(tx, me);
    assertThat(qtySum()).isEqualTo(105);
  }
}
