package io.crdbmcp.tools;

import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.SqlToken;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Copies of call arguments without secrets, for {@link CallRecord#arguments()}. */
final class Redaction {
  private Redaction() {}

  /** What replaces a secret. */
  static final String MASK = "****";

  /** Names that hold secrets wherever they appear (arguments, keys of nested objects). */
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(password|passwd|secret|token|api_?key|credential).*");

  /** The password of {@code scheme://user:password@host}. */
  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^:/?#@\\s]*):[^@/?#\\s]*@");

  /** {@code password=...} in a URL query or a connection string. */
  private static final Pattern QUERY_PASSWORD =
      Pattern.compile("(?i)((?:^|[?&;\\s])(?:ssl)?password=)[^&;#\\s]*");

  static Map<String, Object> arguments(Map<String, Object> args, Params declared) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : args.entrySet()) {
      Param<?> p = declared == null ? null : declared.get(e.getKey());
      boolean secret = p != null && p.isSecret();
      out.put(e.getKey(), secret && e.getValue() != null ? MASK : value(e.getKey(), e.getValue()));
    }
    return out;
  }

  private static Object value(String name, Object v) {
    if (v == null) {
      return null;
    }
    if (name != null && SECRET_NAME.matcher(name).matches()) {
      return MASK;
    }
    if (v instanceof String s) {
      return text(s);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), value(String.valueOf(k), x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(value(null, x)));
      return out;
    }
    return v;
  }

  /** A string with URL passwords and SQL {@code PASSWORD '...'} literals masked. */
  static String text(String s) {
    String out = s;
    if (out.contains("://")) {
      out = URL_PASSWORD.matcher(out).replaceAll("$1:" + MASK + "@");
    }
    String lower = out.toLowerCase(Locale.ROOT);
    if (lower.contains("password=")) {
      out = QUERY_PASSWORD.matcher(out).replaceAll("$1" + MASK);
    }
    if (lower.contains("password")) {
      out = sqlPasswords(out);
    }
    return out;
  }

  /**
   * SQL text with every string literal that follows {@code PASSWORD} (CREATE/ALTER ROLE ...
   * [ENCRYPTED] PASSWORD 'x') masked. Text the lexer cannot read is masked as a whole.
   */
  private static String sqlPasswords(String sql) {
    List<SqlToken> tokens;
    try {
      tokens = SqlLexer.tokenize(sql);
    } catch (RuntimeException e) {
      return MASK + " (text that mentions a password and could not be read)";
    }
    StringBuilder sb = null;
    int copied = 0;
    for (int i = 0; i + 1 < tokens.size(); i++) {
      if (tokens.get(i).isWord("password") && tokens.get(i + 1).kind() == SqlToken.Kind.STRING) {
        SqlToken literal = tokens.get(i + 1);
        if (sb == null) {
          sb = new StringBuilder(sql.length());
        }
        sb.append(sql, copied, literal.start()).append('\'').append(MASK).append('\'');
        copied = literal.end();
      }
    }
    return sb == null ? sql : sb.append(sql, copied, sql.length()).toString();
  }
}
