package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The client's backstop behind the server's statement timeout, on a real database and a session
 * with no statement timeout of its own: a statement past its deadline is cancelled on the server,
 * one that ends in time is left alone, and the session is usable afterwards.
 */
class QueryDeadlinesTest {
  static final ConnectionSpec SPEC = TestDb.get().createDatabase("deadlines", "SELECT 1");

  @Test
  void aStatementPastItsDeadlineIsCancelledOnTheServer() throws SQLException {
    try (Connection c = TestDb.open(SPEC)) {
      try (Statement s = c.createStatement()) {
        s.execute("SET statement_timeout = 0");
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_sleep(20)")) {
        long t0 = System.nanoTime();
        QueryDeadlines.Watch[] watch = new QueryDeadlines.Watch[1];
        assertThatThrownBy(
                () -> {
                  try (QueryDeadlines.Watch w = QueryDeadlines.watch(ps, 500)) {
                    watch[0] = w;
                    ps.execute();
                  }
                })
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isGreaterThanOrEqualTo(500).isLessThan(10_000);
        assertThat(watch[0].expired()).isTrue();
      }
      // The session is fine afterwards, and nothing is left watched.
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
      assertThat(QueryDeadlines.watched()).isZero();
    }
  }

  @Test
  void aStatementThatEndsInTimeIsLeftAloneAndForgotten() throws Exception {
    try (Connection c = TestDb.open(SPEC);
        PreparedStatement ps = c.prepareStatement("SELECT pg_sleep(0.1), 7")) {
      QueryDeadlines.Watch w = QueryDeadlines.watch(ps, 400);
      try (w) {
        assertThat(QueryDeadlines.watched()).isPositive();
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(2)).isEqualTo(7);
        }
      }
      assertThat(w.expired()).isFalse();
      // Past the deadline it had, after it was closed: nothing is cancelled.
      Thread.sleep(400 + QueryDeadlines.TICK_MS * 2);
      assertThat(w.expired()).isFalse();
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
      }
    }
  }
}
