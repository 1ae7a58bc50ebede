package io.crdbmcp.core;

import io.crdbmcp.core.safety.Classification;
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
    queries.require(db, "EXPLAIN " + stmt, true);
    List<String> lines =
        executor.run(db, Access.READ, txId, caller, (conn, d) -> lines(conn, "EXPLAIN " + stmt));
    return new Plan(c.kind().name(), false, false, lines);
  }

  public Plan explainAnalyzePlainSql(Database db, String sql, String txId, Caller caller) {
    String stmt = plainStatement(sql);
    Classification c = queries.require(db, stmt, false);
    String explain = "EXPLAIN ANALYZE " + stmt;
    if (!c.writes()) {
      queries.require(db, explain, true);
      List<String> lines =
          executor.run(db, Access.READ, txId, caller, (conn, d) -> lines(conn, explain));
      return new Plan(c.kind().name(), true, false, lines);
    }
    // A write: the guard has already refused it in read-only mode. Run it under a savepoint
    // that is rolled back whatever happens.
    queries.require(db, explain, false);
    List<String> lines =
        executor.run(
            db,
            Access.WRITE,
            txId,
            caller,
            (conn, d) -> {
              try (Statement s = conn.createStatement()) {
                s.execute("SAVEPOINT crdb_mcp_explain_analyze");
              }
              List<String> out;
              try {
                out = lines(conn, explain);
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
    return new Plan(c.kind().name(), true, true, lines);
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
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
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
