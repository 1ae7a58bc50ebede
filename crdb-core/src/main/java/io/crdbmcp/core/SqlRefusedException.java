package io.crdbmcp.core;

/** The safety layer refused a statement; nothing was executed. Names the refusing rule. */
public final class SqlRefusedException extends CrdbException {
  private static final long serialVersionUID = 1L;

  private final String rule;

  public SqlRefusedException(String rule, String message, String suggestion) {
    super(ErrorCode.SQL_REFUSED, message, suggestion);
    this.rule = rule;
  }

  /** The stable id of the rule that refused the statement, e.g. {@code read_only}. */
  public String rule() {
    return rule;
  }
}
