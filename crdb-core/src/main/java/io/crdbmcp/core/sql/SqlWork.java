package io.crdbmcp.core.sql;

import io.crdbmcp.core.connect.Dialect;
import java.sql.Connection;
import java.sql.SQLException;

/** A unit of database work run by {@link SqlExecutor} on a connection it prepared. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection, Dialect dialect) throws SQLException;
}
