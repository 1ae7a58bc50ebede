package io.crdbmcp.core.cluster;

import io.crdbmcp.core.safety.SafetyPolicy;
import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.SqlToken;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What statement text (running statements, sessions, job descriptions, zone targets, statement
 * fingerprints, index recommendations) may show.
 *
 * <ul>
 *   <li>Secrets are always masked: passwords in URLs and after {@code PASSWORD}, and {@code
 *       ...key=}, {@code ...secret=}, {@code ...token=} parameters.
 *   <li>With access control configured, a text that names a hidden database, table, schema or
 *       column anywhere (as a word or a quoted identifier; text the lexer cannot read, such as a
 *       statement cut short by the server, is split into words) is replaced as a whole by {@link
 *       #HIDDEN}: the name could be its own secret, and its literals could be values of a hidden
 *       column. This is by name, so it errs on the side of hiding: a hidden column called {@code
 *       note} hides every statement that says {@code note}.
 * </ul>
 */
final class TextFilter {
  /** What replaces a text that names something access control hides. */
  static final String HIDDEN =
      "(hidden: the text names a database, table or column that access control hides)";

  private static final String MASK = "****";

  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^:/?#@\\s']*):[^@/?#\\s']*@");

  private static final Pattern SECRET_PARAMETER =
      Pattern.compile(
          "(?i)((?:^|[?&;\\s,(])[a-z0-9_.-]*(?:password|passwd|secret|token|key|credentials?)"
              + "[a-z0-9_.-]*\\s*=\\s*)('[^']*'|[^&;#\\s',)]*)");

  private static final Pattern SQL_PASSWORD =
      Pattern.compile("(?i)(\\bpassword\\s+)'(?:[^']|'')*'");

  private final SafetyPolicy policy;
  private final Set<String> hiddenNames;
  private final boolean hideAll;

  private TextFilter(SafetyPolicy policy, Set<String> hiddenNames, boolean hideAll) {
    this.policy = policy;
    this.hiddenNames = Set.copyOf(hiddenNames);
    this.hideAll = hideAll && policy.hasAccessControls();
  }

  /** A filter that hides every text while access control is configured (names unknown). */
  static TextFilter hidingAll(SafetyPolicy policy) {
    return new TextFilter(policy, Set.of(), true);
  }

  /**
   * The filter for {@code policy}: the names it blocks by configuration, and {@code catalogHidden},
   * the names of relations and schemas of the current database that its allow-lists hide (looked up
   * in the catalog by the caller, lower case).
   */
  static TextFilter of(SafetyPolicy policy, Set<String> catalogHidden) {
    Set<String> names = new HashSet<>();
    if (policy.hasAccessControls()) {
      names.addAll(policy.blockedDatabases());
      for (String t : policy.blockedTables()) {
        names.add(tablePart(t));
      }
      policy.blockedColumns().forEach((table, cols) -> names.addAll(cols));
      names.addAll(catalogHidden);
    }
    return new TextFilter(policy, names, false);
  }

  /** Whether access control is configured at all. */
  boolean active() {
    return policy.hasAccessControls();
  }

  SafetyPolicy policy() {
    return policy;
  }

  boolean databaseVisible(String database) {
    return policy.isDatabaseVisible(database);
  }

  boolean tableVisible(String schema, String table) {
    return policy.isTableVisible(schema, table);
  }

  /** True when {@code text} names something access control hides. */
  boolean hides(String text) {
    if (text == null) {
      return false;
    }
    if (hideAll) {
      return true;
    }
    if (hiddenNames.isEmpty()) {
      return false;
    }
    List<SqlToken> tokens;
    try {
      tokens = SqlLexer.tokenize(text);
    } catch (RuntimeException e) {
      return hidesWords(text);
    }
    for (SqlToken t : tokens) {
      if (t.isIdentifier() && hiddenNames.contains(t.value().toLowerCase(Locale.ROOT))) {
        return true;
      }
      // Names inside strings count too: '"users"'::regclass, crdb_internal index specs, targets.
      if (t.kind() == SqlToken.Kind.STRING && hidesWords(t.value())) {
        return true;
      }
    }
    return false;
  }

  private boolean hidesWords(String text) {
    for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9_$]+")) {
      if (!w.isEmpty() && hiddenNames.contains(w)) {
        return true;
      }
    }
    return false;
  }

  /** The text as it may be shown: {@link #HIDDEN}, or the text with secrets masked. */
  String show(String text) {
    if (text == null) {
      return null;
    }
    if (hides(text)) {
      return HIDDEN;
    }
    return maskSecrets(text);
  }

  /** Passwords, keys, secrets and tokens in URLs, parameters and PASSWORD clauses masked. */
  static String maskSecrets(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    if (out.contains("://")) {
      out = URL_PASSWORD.matcher(out).replaceAll("$1:" + MASK + "@");
    }
    if (out.contains("=")) {
      out = SECRET_PARAMETER.matcher(out).replaceAll("$1" + MASK);
    }
    String lower = out.toLowerCase(Locale.ROOT);
    if (lower.contains("password")) {
      out = SQL_PASSWORD.matcher(out).replaceAll("$1'" + MASK + "'");
    }
    return out;
  }

  private static String tablePart(String entry) {
    int dot = entry.lastIndexOf('.');
    return dot < 0 ? entry : entry.substring(dot + 1);
  }
}
