package io.crdbmcp.core;

/** A setting is missing or malformed. The message names the variable and shows a good value. */
public final class ConfigException extends CrdbException {
  private static final long serialVersionUID = 1L;

  private final String variable;

  public ConfigException(String variable, String message, String example) {
    super(
        ErrorCode.CONFIG_INVALID,
        variable + ": " + message + (example == null ? "" : ". Example: " + example),
        example);
    this.variable = variable;
  }

  public String variable() {
    return variable;
  }
}
