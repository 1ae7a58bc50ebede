package io.crdbmcp.core.connect;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server on the other end, detected from {@code SELECT version()} when a connection is first
 * used. Drives dialect-specific SQL.
 */
public record Dialect(Kind kind, String version, String versionString) {

  public enum Kind {
    COCKROACHDB,
    POSTGRESQL
  }

  private static final Pattern CRDB = Pattern.compile("CockroachDB \\S* ?v?(\\d+\\.\\d+[^ ]*)");
  private static final Pattern PG = Pattern.compile("PostgreSQL (\\d+(?:\\.\\d+)?)");

  public static Dialect fromVersionString(String versionString) {
    String v = versionString == null ? "" : versionString;
    if (v.toLowerCase(Locale.ROOT).contains("cockroachdb")) {
      Matcher m = CRDB.matcher(v);
      return new Dialect(Kind.COCKROACHDB, m.find() ? m.group(1) : "unknown", v);
    }
    Matcher m = PG.matcher(v);
    return new Dialect(Kind.POSTGRESQL, m.find() ? m.group(1) : "unknown", v);
  }

  public boolean isCockroach() {
    return kind == Kind.COCKROACHDB;
  }

  /** "CockroachDB 24.1.0" or "PostgreSQL 17.2". */
  public String displayName() {
    return (isCockroach() ? "CockroachDB " : "PostgreSQL ") + version;
  }
}
