package io.crdbmcp.core.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one savepoint helper, on a real transaction. */
class SavepointsTest {
  static ConnectionSpec spec;

  @BeforeAll
  static void start() {
    spec = TestDb.get().createDatabase("savepoints", "CREATE TABLE t (id INT PRIMARY KEY)");
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static long count(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aFailureRollsBackToTheSavepointAndLeavesTheTransactionUsable() throws SQLException {
    try (Connection c = TestDb.open(spec)) {
      c.setAutoCommit(false);
      exec(c, "INSERT INTO t VALUES (1)");
      assertThatThrownBy(
              () ->
                  Savepoints.around(
                      c,
                      "crdb_mcp_test",
                      false,
                      () -> {
                        exec(c, "INSERT INTO t VALUES (2)");
                        exec(c, "INSERT INTO t VALUES (1)"); // duplicate key
                        return null;
                      }))
          .isInstanceOf(SQLException.class)
          .isNotInstanceOf(Savepoints.LostException.class);
      assertThat(count(c)).as("row 2 undone, row 1 kept, transaction usable").isEqualTo(1);
      c.rollback();
    }
  }

  @Test
  void undoKeepsNothingOfASuccessfulBodyAndReleaseKeepsIt() throws SQLException {
    try (Connection c = TestDb.open(spec)) {
      c.setAutoCommit(false);
      long r =
          Savepoints.around(
              c,
              "Dry \"Run\"",
              true,
              () -> {
                exec(c, "INSERT INTO t VALUES (10)");
                return count(c);
              });
      assertThat(r).isEqualTo(1);
      assertThat(count(c)).isZero();
      Savepoints.around(
          c,
          "keep",
          false,
          () -> {
            exec(c, "INSERT INTO t VALUES (11)");
            return null;
          });
      assertThat(count(c)).isEqualTo(1);
      c.rollback();
    }
  }

  @Test
  void theSavepointToolStepsUseTheFoldedNameQuoted() throws SQLException {
    try (Connection c = TestDb.open(spec)) {
      c.setAutoCommit(false);
      Savepoints.create(c, "before_update");
      exec(c, "INSERT INTO t VALUES (20)");
      exec(c, "ROLLBACK TO SAVEPOINT BEFORE_UPDATE"); // the server folds the unquoted name
      assertThat(count(c)).isZero();
      Savepoints.release(c, "before_update");
      assertThatThrownBy(() -> Savepoints.rollbackTo(c, "before_update"))
          .isInstanceOf(SQLException.class);
      c.rollback();
    }
  }
}
