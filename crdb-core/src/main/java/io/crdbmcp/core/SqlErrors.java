package io.crdbmcp.core;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;

/** Turns driver exceptions into {@link CrdbException}s with a stable code and a next step. */
public final class SqlErrors {
  private SqlErrors() {}

  public static CrdbException translate(SQLException e, ConnectionSpec spec) {
    String state = sqlState(e);
    String msg = CrdbException.firstLine(e.getMessage());
    if (state == null || state.startsWith("08") || e instanceof SQLTransientConnectionException) {
      Throwable root = rootCause(e);
      String where = spec.host() + ":" + spec.port();
      if (root instanceof ConnectException
          || root instanceof UnknownHostException
          || (state != null && state.startsWith("08"))
          || e instanceof SQLTransientConnectionException) {
        String detail = root instanceof UnknownHostException ? "unknown host" : rootMessage(root);
        return new CrdbException(
            ErrorCode.CONNECTION_FAILED,
            "cannot connect to connection '"
                + spec.name()
                + "' at "
                + where
                + " (database "
                + spec.database()
                + "): "
                + detail,
            "check that the server is running and reachable at "
                + where
                + ", and the host/port settings (CRDB_HOST, CRDB_PORT or the connection URL)",
            state,
            e);
      }
    }
    if (state == null) {
      return new CrdbException(ErrorCode.SQL_ERROR, msg, null, null, e);
    }
    switch (state) {
      case "28P01", "28000":
        return new CrdbException(
            ErrorCode.CONNECTION_FAILED,
            "the server at "
                + spec.host()
                + ":"
                + spec.port()
                + " refused the login of user '"
                + spec.user()
                + "'",
            "check CRDB_USER, CRDB_PASSWORD and the certificate settings",
            state,
            e);
      case "3D000":
        return new CrdbException(
            ErrorCode.NOT_FOUND, msg, "call list_databases to see the databases", state, e);
      case "42P01":
        return new CrdbException(
            ErrorCode.NOT_FOUND, msg, "call list_tables to see the tables and views", state, e);
      case "42703":
        return new CrdbException(
            ErrorCode.NOT_FOUND, msg, "call describe_table to see the columns", state, e);
      case "3F000":
        return new CrdbException(
            ErrorCode.NOT_FOUND, msg, "call list_schemas to see the schemas", state, e);
      case "42883":
        return new CrdbException(
            ErrorCode.SQL_ERROR, msg, "check the function name and argument types", state, e);
      case "42601":
        return new CrdbException(
            ErrorCode.SQL_SYNTAX,
            msg,
            "fix the SQL syntax; validate_query checks a statement",
            state,
            e);
      case "57014":
        return new CrdbException(
            ErrorCode.QUERY_TIMEOUT,
            "the statement was cancelled: it ran longer than the query timeout",
            "narrow the query (WHERE, LIMIT) or raise CRDB_QUERY_TIMEOUT",
            state,
            e);
      case "40001":
        return new CrdbException(
            ErrorCode.RETRY_TRANSACTION,
            "the transaction conflicted with another one and must be retried: " + msg,
            "retry the whole transaction from begin_transaction (CockroachDB serialization retry)",
            state,
            e);
      case "25006":
        return new CrdbException(
            ErrorCode.SQL_REFUSED,
            "the database refused a write in a read-only transaction: " + msg,
            "this connection or server is read-only; only reads are allowed",
            state,
            e);
      case "42501":
        return new CrdbException(
            ErrorCode.SQL_ERROR, msg, "the database user lacks the privilege for this", state, e);
      case "25P02":
        return new CrdbException(
            ErrorCode.SQL_ERROR,
            msg,
            "the transaction is aborted; call rollback_transaction and start again",
            state,
            e);
      default:
        return new CrdbException(ErrorCode.SQL_ERROR, msg, null, state, e);
    }
  }

  /** Timeouts raised by the driver's own query timeout. */
  static CrdbException timeout(SQLTimeoutException e) {
    return new CrdbException(
        ErrorCode.QUERY_TIMEOUT,
        "the statement was cancelled: it ran longer than the query timeout",
        "narrow the query (WHERE, LIMIT) or raise CRDB_QUERY_TIMEOUT",
        "57014",
        e);
  }

  private static String sqlState(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x.getSQLState() != null) {
        return x.getSQLState();
      }
    }
    Throwable c = e.getCause();
    if (c instanceof SQLException s && s.getSQLState() != null) {
      return s.getSQLState();
    }
    return null;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r;
  }

  private static String rootMessage(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : CrdbException.firstLine(m);
  }
}
