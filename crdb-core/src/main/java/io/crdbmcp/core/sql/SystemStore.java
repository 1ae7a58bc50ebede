package io.crdbmcp.core.sql;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.EngineKey;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.Connections;
import io.crdbmcp.core.connect.Database;
import java.sql.SQLException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The server's own tables in the default database (a shared knowledge store, the OAuth store):
 * statements the library generates with jOOQ, values always bound, never text from a person or a
 * model. Each unit of work runs through the one execution path ({@link SqlExecutor}) in a
 * transaction of its own with the statement timeout; a write commits at its end.
 *
 * <p>Writing needs a writable default connection: on a read-only server ({@code CRDB_READ_ONLY}) or
 * a read-only connection, {@link #write} is refused with a message that says so, and {@link
 * #writable()} tells beforehand.
 */
public final class SystemStore {
  /** Work on the server's own tables, with a jOOQ context bound to the connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(DSLContext sql) throws SQLException;
  }

  private final EngineKey key;
  private final SqlExecutor executor;
  private final Connections connections;
  private final boolean serverReadOnly;

  public SystemStore(
      EngineKey key, SqlExecutor executor, Connections connections, boolean serverReadOnly) {
    EngineKey.check(key);
    this.key = key;
    this.executor = executor;
    this.connections = connections;
    this.serverReadOnly = serverReadOnly;
  }

  /** Whether {@link #write} can work here: the server and its default connection are writable. */
  public boolean writable() {
    return !serverReadOnly && !connections.get(null).readOnly();
  }

  /** Runs {@code work} in a read-only transaction on the default connection. */
  public <T> T read(Work<T> work) {
    return run(Access.READ, work);
  }

  /**
   * Runs {@code work} in a read-write transaction on the default connection, committed at its end.
   *
   * @param what what the write is for, named in the refusal ({@code "the knowledge store"})
   * @throws CrdbException when the server or the connection is read-only
   */
  public <T> T write(String what, Work<T> work) {
    if (!writable()) {
      throw new CrdbException(
          ErrorCode.CONFIG_INVALID,
          what
              + " keeps its data in a table of the default database, and this server is read-only"
              + (serverReadOnly ? " (CRDB_READ_ONLY)" : " (its default connection is read-only)"),
          "keep it in a file instead, or run a server that may write to its default database");
    }
    return run(Access.WRITE, work);
  }

  private <T> T run(Access access, Work<T> work) {
    Database db = connections.get(null);
    return executor.run(
        key,
        db,
        access,
        null,
        Caller.local(),
        (c, d) -> work.run(DSL.using(c, SQLDialect.POSTGRES, Sql.settings())));
  }
}
