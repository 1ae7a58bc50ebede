package io.crdbmcp.core.sql;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.DatabaseChecks;
import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.SqlToken;
import io.crdbmcp.core.tx.Savepoints;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.PlainSQL;

/**
 * Query plans. {@link #explainPlainSql} plans a statement without running it. {@link
 * #explainAnalyzePlainSql} runs it to collect execution statistics: reads in a read-only
 * transaction, writes (refused in read-only mode) inside a savepoint that is always rolled back
 * ({@link Savepoints}), so nothing they did persists — also inside an explicit transaction.
 *
 * <p>The statement is the caller's own text ({@code @PlainSQL}): it runs only through {@link
 * Queries#runPlainSql}, the one path for user SQL, and its plan rows are read through {@link
 * SqlExecutor} (JDBC query timeout besides the transaction's statement timeout).
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

  @PlainSQL
  public Plan explainPlainSql(Database db, String sql, String txId, Caller caller) {
    String stmt = plainStatement(sql);
    Classification c = queries.require(db, stmt, false);
    List<String> lines = explain(db, "EXPLAIN ", stmt, false, txId, caller);
    return new Plan(c.kind().name(), false, false, lines);
  }

  @PlainSQL
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
            return lines(conn, jdbc, values);
          }
          try {
            return Savepoints.around(
                conn, "crdb_mcp_explain_analyze", true, () -> lines(conn, jdbc, values));
          } catch (Savepoints.LostException lost) {
            throw lost.rethrowFailure(); // the transaction is ended by the executor anyway
          }
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

  private List<String> lines(Connection conn, JdbcSql jdbc, List<Object> values)
      throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement s = executor.prepareBound(conn, jdbc.sql(), values);
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
