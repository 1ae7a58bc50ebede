package io.crdbmcp.core.tx;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.sql.Sql;
import io.crdbmcp.core.sql.SqlExecutor;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
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

  /**
   * What the savepoint tool does: each action is one statement, and changes the list of a
   * transaction's open savepoints as the server does.
   */
  public enum Action {
    /** {@code SAVEPOINT name}: one more savepoint, the newest. */
    CREATE,
    /** {@code ROLLBACK TO SAVEPOINT name}: undoes what came after it; it stays, newer ones end. */
    ROLLBACK,
    /** {@code RELEASE SAVEPOINT name}: it and every newer savepoint end. */
    RELEASE;

    /** The action named {@code create}, {@code rollback} or {@code release}; null is create. */
    public static Action parse(String name) {
      if (name == null) {
        return CREATE;
      }
      for (Action a : values()) {
        if (a.id().equals(name)) {
          return a;
        }
      }
      throw CrdbException.invalidArgument(
          "unknown savepoint action '" + name + "'", "use create, rollback or release");
    }

    /** The name in tool arguments. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Runs the action's statement on {@code c}. */
    void run(Connection c, String savepoint) throws SQLException {
      switch (this) {
        case CREATE -> create(c, savepoint);
        case ROLLBACK -> rollbackTo(c, savepoint);
        case RELEASE -> release(c, savepoint);
      }
    }

    /** Updates {@code open} (oldest first) after the action on {@code savepoint} succeeded. */
    void track(List<String> open, String savepoint) {
      int at = open.lastIndexOf(savepoint);
      switch (this) {
        case CREATE -> open.add(savepoint);
        case ROLLBACK -> {
          if (at >= 0) {
            open.subList(at + 1, open.size()).clear();
          }
        }
        case RELEASE -> {
          if (at >= 0) {
            open.subList(at, open.size()).clear();
          }
        }
      }
    }
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
