package io.crdbmcp.core;

import java.sql.SQLException;
import java.util.Objects;

/**
 * The one unchecked exception family of the library. Carries a stable {@link ErrorCode}, the
 * SQLSTATE when the database reported one, and a suggestion that tells the caller what to do next.
 * Messages never contain passwords or tokens.
 */
public class CrdbException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String sqlState;
  private final String suggestion;

  public CrdbException(ErrorCode code, String message, String suggestion) {
    this(code, message, suggestion, null, null);
  }

  public CrdbException(
      ErrorCode code, String message, String suggestion, String sqlState, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.sqlState = sqlState;
    this.suggestion = suggestion;
  }

  public ErrorCode code() {
    return code;
  }

  /** The SQLSTATE reported by the database, or {@code null}. */
  public String sqlState() {
    return sqlState;
  }

  /** What to do next, or {@code null}. */
  public String suggestion() {
    return suggestion;
  }

  public static CrdbException invalidArgument(String message, String suggestion) {
    return new CrdbException(ErrorCode.INVALID_ARGUMENT, message, suggestion);
  }

  public static CrdbException notFound(String message, String suggestion) {
    return new CrdbException(ErrorCode.NOT_FOUND, message, suggestion);
  }

  public static CrdbException refused(String message, String suggestion) {
    return new CrdbException(ErrorCode.SQL_REFUSED, message, suggestion);
  }

  /** Wraps a driver exception, keeping its SQLSTATE. */
  public static CrdbException fromSql(SQLException e, String suggestion) {
    return new CrdbException(
        ErrorCode.SQL_ERROR, firstLine(e.getMessage()), suggestion, e.getSQLState(), e);
  }

  static String firstLine(String s) {
    if (s == null) {
      return "unknown database error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
