package io.crdbmcp.core.sql;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.DatabaseChecks;
import io.crdbmcp.core.safety.Rule;
import io.crdbmcp.core.safety.SqlGuard;
import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.StatementKind;
import io.crdbmcp.core.safety.Verdict;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Runs SQL text written by a person or a model. Every statement passes the safety guard first;
 * reads then run in a database-enforced read-only transaction, writes only when neither the server
 * nor the connection is read-only.
 */
public final class Queries {
  private final SqlGuard guard;
  private final SqlExecutor executor;
  private final int maxRows;
  private final DatabaseChecks checks;
  private final List<Consumer<Database>> schemaListeners = new CopyOnWriteArrayList<>();

  public Queries(SqlGuard guard, SqlExecutor executor, int maxRows) {
    this.guard = guard;
    this.executor = executor;
    this.maxRows = maxRows;
    this.checks = new DatabaseChecks(guard.policy());
  }

  /**
   * Work on a user statement that passed the guard and the database's own checks. It holds the raw
   * connection, so {@link #runPlainSql} takes the library's {@link EngineKey}: no way around the
   * guard for code outside the library.
   */
  @FunctionalInterface
  public interface PlainSqlWork<T> {
    T run(Connection c, Dialect d, JdbcSql jdbc, List<Object> values) throws SQLException;
  }

  /**
   * The one path for SQL text written by a person or a model. {@code @PlainSQL}: the guard checks
   * {@code sql} first; then, on the connection and inside the transaction that will run it, the
   * database itself confirms it is one statement and {@link DatabaseChecks} applies the function
   * policy and (with access control) the plan check; only then does {@code work} run.
   *
   * @param key the library's key: {@code work} gets the raw connection (for exports, in {@code
   *     export})
   * @param forceReadOnly treat the call as read-only whatever the server allows (exports)
   */
  public <T> T runPlainSql(
      EngineKey key,
      Database db,
      String sql,
      List<?> params,
      boolean forceReadOnly,
      String txId,
      Caller caller,
      PlainSqlWork<T> work) {
    EngineKey.check(key);
    return runPlainSql(db, sql, params, forceReadOnly, txId, caller, work);
  }

  /**
   * {@link #runPlainSql(EngineKey, Database, String, List, boolean, String, Caller, PlainSqlWork)}.
   */
  <T> T runPlainSql(
      Database db,
      String sql,
      List<?> params,
      boolean forceReadOnly,
      String txId,
      Caller caller,
      PlainSqlWork<T> work) {
    return runClassified(
        db,
        sql,
        classify(db, sql, forceReadOnly, caller),
        params,
        forceReadOnly,
        txId,
        caller,
        work);
  }

  /** The guard's decision for {@code runPlainSql}: a read-only caller is held to read-only. */
  private Classification classify(Database db, String sql, boolean forceReadOnly, Caller caller) {
    // A read-only caller (a token granted only a read scope) is held to read-only mode.
    return require(db, sql, forceReadOnly || (caller != null && caller.readOnly()));
  }

  /** {@code runPlainSql} once the guard has allowed the statement as {@code c}. */
  private <T> T runClassified(
      Database db,
      String sql,
      Classification c,
      List<?> params,
      boolean forceReadOnly,
      String txId,
      Caller caller,
      PlainSqlWork<T> work) {
    boolean callerReadOnly = caller != null && caller.readOnly();
    // A plain EXPLAIN runs nothing (only immutable functions are folded at plan time, and the
    // server's own setting decides those), so forcing read-only does not narrow its functions.
    boolean readOnly =
        effectiveReadOnly(db)
            || callerReadOnly
            || (forceReadOnly && !c.command().equalsIgnoreCase("EXPLAIN"));
    Access access = c.writes() && !forceReadOnly && !callerReadOnly ? Access.WRITE : Access.READ;
    // Only the statement itself goes to the driver: leading and trailing comments and semicolons
    // are dropped (the driver would send a trailing comment as a statement of its own).
    String only = SqlLexer.onlyStatement(sql);
    String one = only == null ? sql : only;
    JdbcSql jdbc = JdbcSql.of(one);
    List<Object> values = jdbc.bind(params == null ? List.of() : params);
    return executor.run(
        db,
        access,
        txId,
        caller,
        (conn, d) -> {
          checks.vet(
              conn,
              new DatabaseChecks.Statement(one, jdbc.sql(), values),
              readOnly,
              d.isCockroach());
          return work.run(conn, d, jdbc, values);
        });
  }

  /** The server's row cap ({@code CRDB_MAX_ROWS}). */
  public int maxRows() {
    return maxRows;
  }

  /** Caps a requested row count at the configured maximum. */
  public int rowCap(Integer requested) {
    if (requested == null) {
      return maxRows;
    }
    if (requested < 1) {
      throw CrdbException.invalidArgument(
          "max_rows must be at least 1 (got " + requested + ")", "omit it to get up to " + maxRows);
    }
    return Math.min(requested, maxRows);
  }

  /**
   * Executes one statement. {@code @PlainSQL}: {@code sql} is raw SQL text and is checked by the
   * safety guard before anything runs.
   */
  public QueryResult executePlainSql(
      Database db, String sql, List<?> params, Integer requestedRows, String txId, Caller caller) {
    return executePlainSql(db, sql, params, requestedRows, false, txId, caller);
  }

  /**
   * {@link #executePlainSql(Database, String, List, Integer, String, Caller)} for a statement that
   * may only read, whatever the server allows: SQL a model wrote from a question. The same guard,
   * database checks, access control and row cap; a write, DDL or session change is refused by the
   * read-only rule before anything runs.
   */
  public QueryResult readPlainSql(
      Database db, String sql, List<?> params, Integer requestedRows, String txId, Caller caller) {
    return executePlainSql(db, sql, params, requestedRows, true, txId, caller);
  }

  private QueryResult executePlainSql(
      Database db,
      String sql,
      List<?> params,
      Integer requestedRows,
      boolean forceReadOnly,
      String txId,
      Caller caller) {
    int cap = rowCap(requestedRows);
    // One decision of the guard serves both the run and the schema listeners below.
    Classification c = classify(db, sql, forceReadOnly, caller);
    QueryResult r =
        runClassified(
            db,
            sql,
            c,
            params,
            forceReadOnly,
            txId,
            caller,
            (conn, d, jdbc, values) -> executor.query(conn, jdbc, values, cap));
    if (!forceReadOnly && c.kind() == StatementKind.DDL) {
      for (Consumer<Database> l : schemaListeners) {
        l.accept(db); // the schema changed through the server: cached copies are stale
      }
    }
    return r;
  }

  /** Tells {@code listener} of every DDL statement that ran, with its connection. */
  public void onSchemaChange(Consumer<Database> listener) {
    schemaListeners.add(listener);
  }

  /**
   * Whether a statement would be allowed on {@code db}, without running it: the guard, then the
   * same checks the database makes before a statement runs (parameters bound as nulls).
   */
  public Verdict validatePlainSql(Database db, String sql) {
    return validatePlainSql(db, sql, false);
  }

  /**
   * {@link #validatePlainSql(Database, String)}, judged as read-only when {@code forceReadOnly}
   * (what {@link #readPlainSql} would allow).
   */
  public Verdict validatePlainSql(Database db, String sql, boolean forceReadOnly) {
    Verdict v =
        forceReadOnly || effectiveReadOnly(db) ? guard.checkReadOnly(sql) : guard.check(sql);
    if (!v.allowed()) {
      return v;
    }
    try {
      int n = 0;
      for (int p : JdbcSql.of(sql).parameterOrder()) {
        n = Math.max(n, p);
      }
      List<Object> nulls = java.util.Arrays.asList(new Object[n]);
      // The database parses and describes the statement without running it, so validation
      // also catches what only its parser knows (e.g. EXPLAIN EXPLAIN, a misspelled keyword).
      runPlainSql(
          db,
          sql,
          nulls,
          forceReadOnly,
          null,
          Caller.local(),
          (conn, d, jdbc, values) -> {
            DatabaseChecks.describe(conn, jdbc.sql(), values);
            return null;
          });
      return v;
    } catch (SqlRefusedException e) {
      return new Verdict(
          false,
          v.classification(),
          e.rule(),
          e.getMessage() + (e.suggestion() == null ? "" : " " + e.suggestion()));
    } catch (CrdbException e) {
      if (e.code() == ErrorCode.SQL_SYNTAX) {
        return new Verdict(
            false,
            v.classification(),
            Rule.SYNTAX.id(),
            "Refused ("
                + Rule.SYNTAX.id()
                + "): the database cannot parse the statement: "
                + e.getMessage());
      }
      if (e.code() == ErrorCode.QUERY_TIMEOUT
          || e.code() == ErrorCode.CANCELLED
          || e.code() == ErrorCode.CONNECTION_FAILED) {
        // The database's checks did not finish: the statement was not judged, so it is not
        // reported as allowed.
        return new Verdict(
            false,
            v.classification(),
            Rule.NOT_ANALYSABLE.id(),
            "Refused ("
                + Rule.NOT_ANALYSABLE.id()
                + "): the database did not finish checking the statement ("
                + e.getMessage()
                + "), so it could not be judged. Make it smaller or simpler and validate it"
                + " again.");
      }
      return v; // e.g. an unknown table: allowed, and running it will say what is wrong
    }
  }

  /**
   * Checks a statement the library generated (rows: reads, changes, counts), on the connection and
   * inside the transaction that will run it: the guard, then the same checks the database makes for
   * user SQL ({@link DatabaseChecks#vet}), so that a view, say, cannot show a blocked column
   * through generated SQL either. Throws {@link CrdbException} with the refusing rule.
   */
  public Classification require(
      Database db, Connection c, Sql.Statement statement, boolean forceReadOnly)
      throws SQLException {
    Classification cl = require(db, statement.sql(), forceReadOnly);
    JdbcSql jdbc = JdbcSql.of(statement.sql());
    checks.vet(
        c,
        new DatabaseChecks.Statement(statement.sql(), jdbc.sql(), jdbc.bind(statement.params())),
        forceReadOnly || effectiveReadOnly(db),
        db.dialect().isCockroach());
    return cl;
  }

  /** Checks a statement, throwing {@link CrdbException} with the refusing rule. */
  public Classification require(Database db, String sql, boolean forceReadOnly) {
    return guard.require(sql, forceReadOnly || effectiveReadOnly(db));
  }

  public boolean effectiveReadOnly(Database db) {
    return guard.policy().readOnly() || db.readOnly();
  }
}
