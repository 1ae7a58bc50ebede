package io.crdbmcp.core.connect;

import io.crdbmcp.core.CrdbException;

/**
 * The outcome of checking a connection once ({@link Database#check()}): who we are logged in as on
 * which server, or exactly why not.
 *
 * @param connection the connection's name
 * @param target {@code user@host:port/database}, never the password
 * @param ok whether the login and a first query worked
 * @param user the database's {@code current_user}, when ok
 * @param dialect the server, when ok
 * @param error why not, when not ok
 */
public record ConnectionCheck(
    String connection,
    String target,
    boolean ok,
    String user,
    Dialect dialect,
    CrdbException error) {

  static ConnectionCheck ok(ConnectionSpec spec, String user, Dialect dialect) {
    return new ConnectionCheck(spec.name(), spec.describe(), true, user, dialect, null);
  }

  static ConnectionCheck failed(ConnectionSpec spec, CrdbException error) {
    return new ConnectionCheck(spec.name(), spec.describe(), false, null, null, error);
  }

  /**
   * One line for a log: "connection 'default': connected as app to CockroachDB 24.1.4 at
   * app@host:26257/defaultdb", or the error and its next step.
   */
  public String line() {
    if (ok) {
      return "connection '"
          + connection
          + "': connected as "
          + user
          + " to "
          + dialect.displayName()
          + " at "
          + target;
    }
    String msg = SqlErrors.oneLine(error.getMessage());
    if (!msg.contains("'" + connection + "'")) {
      msg = "connection '" + connection + "': " + msg;
    }
    return msg
        + (error.sqlState() == null ? "" : " [SQLSTATE " + error.sqlState() + "]")
        + (error.suggestion() == null ? "" : ". Next step: " + error.suggestion())
        + ". Serving anyway; every call tries to connect again.";
  }
}
