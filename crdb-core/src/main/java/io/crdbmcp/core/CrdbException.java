package io.crdbmcp.core;

import io.crdbmcp.core.connect.SqlErrors;
import java.sql.SQLException;
import java.util.List;
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
  private final String detail;
  private final String hint;
  private final int position;
  private final List<String> didYouMean;

  public CrdbException(ErrorCode code, String message, String suggestion) {
    this(code, message, suggestion, null, null);
  }

  public CrdbException(
      ErrorCode code, String message, String suggestion, String sqlState, Throwable cause) {
    this(code, message, suggestion, sqlState, cause, null, null, 0, List.of());
  }

  /**
   * With what the database said besides its message.
   *
   * @param detail the database's DETAIL, or {@code null}
   * @param hint the database's HINT, or {@code null}
   * @param position the database's POSITION: 1-based character in the statement, 0 for none
   * @param didYouMean existing names close to a missing one, closest first (may be empty)
   */
  public CrdbException(
      ErrorCode code,
      String message,
      String suggestion,
      String sqlState,
      Throwable cause,
      String detail,
      String hint,
      int position,
      List<String> didYouMean) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.sqlState = sqlState;
    this.suggestion = suggestion;
    this.detail = detail;
    this.hint = hint;
    this.position = Math.max(0, position);
    this.didYouMean = didYouMean == null ? List.of() : List.copyOf(didYouMean);
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

  /** The database's DETAIL for this error, or {@code null}. */
  public String detail() {
    return detail;
  }

  /** The database's HINT for this error, or {@code null}. */
  public String hint() {
    return hint;
  }

  /**
   * Where in the statement the database found the error: a 1-based character position in the
   * statement text it received, or 0 when it gave none.
   */
  public int position() {
    return position;
  }

  /**
   * For a table or column that does not exist, the existing names closest to it (closest first, at
   * most a few, only names the access-control settings let the caller see); else empty.
   */
  public List<String> didYouMean() {
    return didYouMean;
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

  /** Wraps a driver exception, keeping its SQLSTATE and what the database said. */
  public static CrdbException fromSql(SQLException e, String suggestion) {
    return SqlErrors.fromSql(e, suggestion);
  }
}
