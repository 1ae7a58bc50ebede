package io.crdbmcp.core.tx;

import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.Query;
import org.jooq.impl.DSL;

/**
 * The one place savepoints are written: the library's own (a row tool inside a caller's
 * transaction, a dry run, EXPLAIN ANALYZE of a write, optional CockroachDB statistics) and the
 * savepoint tool's. The statements are built by jOOQ, names quoted by jOOQ; they run on the
 * connection of the transaction {@link SqlExecutor#run} started, under its statement timeout.
 *
 * <p>Public for the capability packages (schema, rows, plans); every method needs a connection,
 * which only the engine lends (to {@link io.crdbmcp.core.sql.SqlWork}), so none runs SQL of its
 * own.
 */
public final class Savepoints {
  private Savepoints() {}

  /** Work that runs under a savepoint. */
  @FunctionalInterface
  public interface Body<T> {
    T run() throws SQLException;
  }

  /**
   * The work under a savepoint failed and rolling back to the savepoint failed too: the transaction
   * is unusable. {@link #failure()} is the work's failure; the cause is the rollback's.
   */
  public static final class LostException extends SQLException {
    private static final long serialVersionUID = 1L;
    private final transient Exception failure;

    LostException(Exception failure, SQLException restore) {
      super(restore.getMessage(), restore.getSQLState(), restore);
      this.failure = failure;
    }

    /** The failure of the work under the savepoint. */
    public Exception failure() {
      return failure;
    }

    /** Throws the work's failure, with the failed rollback attached as suppressed. */
    public SQLException rethrowFailure() {
      failure.addSuppressed(getCause());
      if (failure instanceof SQLException e) {
        return e;
      }
      throw (RuntimeException) failure;
    }
  }

  /**
   * Runs {@code body} under the savepoint {@code name}. When the body fails, the transaction is
   * rolled back to the savepoint, which is released, so the transaction stays usable, and the
   * failure is rethrown unchanged; when that rollback fails too, {@link LostException} is thrown.
   * When the body succeeds the savepoint is released, after rolling back to it when {@code undo}
   * (dry runs, EXPLAIN ANALYZE of a write): then nothing the body did persists.
   */
  public static <T> T around(Connection c, String name, boolean undo, Body<T> body)
      throws SQLException {
    create(c, name);
    T result;
    try {
      result = body.run();
    } catch (SQLException | RuntimeException e) {
      try {
        rollbackTo(c, name);
        release(c, name);
      } catch (SQLException restore) {
        throw new LostException(e, restore);
      }
      throw e;
    }
    if (undo) {
      rollbackTo(c, name);
    }
    release(c, name);
    return result;
  }

  /** One savepoint statement: {@link #create}, {@link #rollbackTo} or {@link #release}. */
  @FunctionalInterface
  public interface Step {
    void run(Connection c, String name) throws SQLException;
  }

  /** {@code SAVEPOINT name}. */
  public static void create(Connection c, String name) throws SQLException {
    execute(c, DSL.savepoint(Sql.name(name)));
  }

  /** {@code ROLLBACK TO SAVEPOINT name}. */
  public static void rollbackTo(Connection c, String name) throws SQLException {
    execute(c, DSL.rollback().toSavepoint(Sql.name(name)));
  }

  /** {@code RELEASE SAVEPOINT name}. */
  public static void release(Connection c, String name) throws SQLException {
    execute(c, DSL.releaseSavepoint(Sql.name(name)));
  }

  private static void execute(Connection c, Query q) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(Sql.render(q).sql());
    }
  }
}
