package io.crdbmcp.core;

import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.DatabaseChecks;
import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.SqlToken;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Query plans. {@link #explain} plans a statement without running it. {@link #explainAnalyze} runs
 * it to collect execution statistics: reads in a read-only transaction, writes (refused in
 * read-only mode) inside a savepoint that is always rolled back, so nothing they did persists —
 * also inside an explicit transaction.
 */
public final class Plans {
  /** A plan as the server printed it, one line per element. */
  public record Plan(
      String statementKind, boolean analyzed, boolean rolledBack, List<String> lines) {}

  private final Queries queries;
  private final SqlExecutor executor;

  public Plans(Queries queries, SqlExecutor executor) {
    this.queries = queries;
    this.executor = executor;
  }

  public Plan explainPlainSql(Database db, String sql, String txId, Caller caller) {
    String stmt = plainStatement(sql);
    Classification c = queries.require(db, stmt, false);
    List<String> lines = explain(db, "EXPLAIN ", stmt, false, txId, caller);
    return new Plan(c.kind().name(), false, false, lines);
  }

  public Plan explainAnalyzePlainSql(Database db, String sql, String txId, Caller caller) {
    String stmt = plainStatement(sql);
    Classification c = queries.require(db, stmt, false);
    // A write runs under a savepoint that is rolled back whatever happens; the guard has
    // already refused it in read-only mode.
    List<String> lines = explain(db, "EXPLAIN ANALYZE ", stmt, c.writes(), txId, caller);
    return new Plan(c.kind().name(), true, c.writes(), lines);
  }

  /**
   * Runs {@code prefix + stmt} on the one path for user SQL. Before the composed text runs, the
   * database parses the user's statement alone: only a complete single statement is ever wrapped.
   */
  private List<String> explain(
      Database db, String prefix, String stmt, boolean rollBack, String txId, Caller caller) {
    JdbcSql alone = JdbcSql.of(stmt);
    return queries.runPlainSql(
        db,
        prefix + stmt,
        List.of(),
        !rollBack,
        txId,
        caller,
        (conn, d, jdbc, values) -> {
          DatabaseChecks.describe(conn, alone.sql(), values);
          if (!rollBack) {
            return lines(conn, jdbc.sql());
          }
          try (Statement s = conn.createStatement()) {
            s.execute("SAVEPOINT crdb_mcp_explain_analyze");
          }
          List<String> out;
          try {
            out = lines(conn, jdbc.sql());
          } catch (SQLException e) {
            try (Statement s = conn.createStatement()) {
              s.execute("ROLLBACK TO SAVEPOINT crdb_mcp_explain_analyze");
            } catch (SQLException rollback) {
              e.addSuppressed(rollback); // the transaction is ended by the executor anyway
            }
            throw e;
          }
          try (Statement s = conn.createStatement()) {
            s.execute("ROLLBACK TO SAVEPOINT crdb_mcp_explain_analyze");
          }
          return out;
        });
  }

  /** The statement itself, without a leading EXPLAIN or ANALYZE the tool adds on its own. */
  static String plainStatement(String sql) {
    if (sql == null || sql.isBlank()) {
      throw CrdbException.invalidArgument("sql is empty", "pass the statement to plan");
    }
    List<SqlToken> t = SqlLexer.tokenize(sql);
    if (!t.isEmpty()
        && (t.get(0).isWord("explain")
            || t.get(0).isWord("analyze")
            || t.get(0).isWord("analyse"))) {
      throw CrdbException.invalidArgument(
          "pass the statement without EXPLAIN/ANALYZE; the tool adds it",
          "e.g. sql='SELECT * FROM rides WHERE city = ''boston'''");
    }
    String s = sql.strip();
    while (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).stripTrailing();
    }
    return s;
  }

  private static List<String> lines(java.sql.Connection conn, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (java.sql.PreparedStatement s = conn.prepareStatement(sql);
        ResultSet rs = s.executeQuery()) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder line = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          if (i > 1) {
            line.append(" | ");
          }
          line.append(rs.getString(i));
        }
        out.add(line.toString());
      }
    }
    return out;
  }
}
