package io.crdbmcp.core.safety;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Hand-written lexer for the PostgreSQL/CockroachDB lexical structure. It is deliberately strict
 * about where strings, quoted identifiers and comments end, because statement boundaries (and
 * therefore the safety decision) depend on it.
 */
public final class SqlLexer {

  private static final String OP_CHARS = "+-*/<>=~!@#%^&|`?";

  private SqlLexer() {}

  /**
   * Tokens of the text, comments and whitespace dropped.
   *
   * @throws CrdbException with {@link ErrorCode#SQL_SYNTAX} on an unterminated string, comment or
   *     quoted identifier
   */
  public static List<SqlToken> tokenize(String sql) {
    String s = sql == null ? "" : sql;
    List<SqlToken> out = new ArrayList<>();
    int n = s.length();
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      char next = i + 1 < n ? s.charAt(i + 1) : '\0';
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (c == '-' && next == '-') {
        i = skipLineComment(s, i);
        continue;
      }
      if (c == '/' && next == '*') {
        i = skipBlockComment(s, i);
        continue;
      }
      int start = i;
      if ((c == 'e' || c == 'E') && next == '\'') {
        i = lexEscapeString(s, i + 1, out, start);
      } else if ((c == 'u' || c == 'U')
          && next == '&'
          && i + 2 < n
          && (s.charAt(i + 2) == '\'' || s.charAt(i + 2) == '"')) {
        i = lexUnicode(s, i + 2, out, start);
      } else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N')
          && next == '\'') {
        i = lexStandardString(s, i + 1, out, start);
      } else if (c == '\'') {
        i = lexStandardString(s, i, out, start);
      } else if (c == '"') {
        int[] end = new int[1];
        String v = readQuoted(s, i, '"', end);
        out.add(
            new SqlToken(SqlToken.Kind.QUOTED_IDENT, s.substring(start, end[0]), v, start, end[0]));
        i = end[0];
      } else if (c == '$') {
        i = lexDollar(s, i, out);
      } else if (isIdentStart(c)) {
        int j = i + 1;
        while (j < n && isIdentCont(s.charAt(j))) {
          j++;
        }
        String text = s.substring(i, j);
        out.add(new SqlToken(SqlToken.Kind.WORD, text, text.toLowerCase(Locale.ROOT), i, j));
        i = j;
      } else if (isDigit(c) || (c == '.' && isDigit(next))) {
        i = lexNumber(s, i, out);
      } else if (c == ':') {
        if (next == ':' || next == '=') {
          out.add(op(s, i, i + 2));
          i += 2;
        } else {
          out.add(punct(s, i));
          i++;
        }
      } else if ("()[],;.".indexOf(c) >= 0) {
        out.add(punct(s, i));
        i++;
      } else if (OP_CHARS.indexOf(c) >= 0) {
        int j = i;
        while (j < n && OP_CHARS.indexOf(s.charAt(j)) >= 0) {
          if (j > i && startsComment(s, j)) {
            break;
          }
          j++;
        }
        out.add(op(s, i, j));
        i = j;
      } else {
        out.add(op(s, i, i + 1));
        i++;
      }
    }
    return out;
  }

  /**
   * Splits into statements at top-level semicolons, ignoring empty statements. Each statement is
   * returned from its first to its last token (leading and trailing comments dropped).
   */
  public static List<String> splitStatements(String sql) {
    List<SqlToken> tokens = tokenize(sql);
    List<String> out = new ArrayList<>();
    for (List<SqlToken> stmt : splitTokens(tokens)) {
      out.add(sql.substring(stmt.get(0).start(), stmt.get(stmt.size() - 1).end()));
    }
    return out;
  }

  /** Splits a token list at semicolons; empty statements are dropped. */
  static List<List<SqlToken>> splitTokens(List<SqlToken> tokens) {
    List<List<SqlToken>> out = new ArrayList<>();
    int from = 0;
    for (int i = 0; i <= tokens.size(); i++) {
      if (i == tokens.size() || tokens.get(i).is(";")) {
        if (i > from) {
          out.add(List.copyOf(tokens.subList(from, i)));
        }
        from = i + 1;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  static boolean isIdentCont(char c) {
    return isIdentStart(c) || isDigit(c) || c == '$';
  }

  private static boolean startsComment(String s, int j) {
    if (j + 1 >= s.length()) {
      return false;
    }
    char a = s.charAt(j);
    char b = s.charAt(j + 1);
    return (a == '-' && b == '-') || (a == '/' && b == '*');
  }

  private static SqlToken op(String s, int from, int to) {
    String t = s.substring(from, to);
    return new SqlToken(SqlToken.Kind.OPERATOR, t, t, from, to);
  }

  private static SqlToken punct(String s, int at) {
    String t = s.substring(at, at + 1);
    return new SqlToken(SqlToken.Kind.PUNCT, t, t, at, at + 1);
  }

  private static CrdbException syntax(String what, int at) {
    return new CrdbException(
        ErrorCode.SQL_SYNTAX,
        what + " starting at offset " + at,
        "Close every string ('...'), quoted identifier (\"...\"), dollar quote ($tag$...$tag$)"
            + " and block comment (/* ... */).");
  }

  private static int skipLineComment(String s, int i) {
    int j = i + 2;
    while (j < s.length() && s.charAt(j) != '\n' && s.charAt(j) != '\r') {
      j++;
    }
    return j;
  }

  private static int skipBlockComment(String s, int i) {
    int depth = 0;
    int j = i;
    int n = s.length();
    while (j < n) {
      if (j + 1 < n && s.charAt(j) == '/' && s.charAt(j + 1) == '*') {
        depth++;
        j += 2;
      } else if (j + 1 < n && s.charAt(j) == '*' && s.charAt(j + 1) == '/') {
        depth--;
        j += 2;
        if (depth == 0) {
          return j;
        }
      } else {
        j++;
      }
    }
    throw syntax("unterminated block comment", i);
  }

  /** Skips whitespace and comments from {@code i}; returns the next significant offset. */
  private static int skipInsignificant(String s, int i) {
    int j = i;
    while (j < s.length()) {
      char c = s.charAt(j);
      if (isSpace(c)) {
        j++;
      } else if (c == '-' && j + 1 < s.length() && s.charAt(j + 1) == '-') {
        j = skipLineComment(s, j);
      } else if (c == '/' && j + 1 < s.length() && s.charAt(j + 1) == '*') {
        j = skipBlockComment(s, j);
      } else {
        break;
      }
    }
    return j;
  }

  /** Reads a quote-delimited run with doubled-quote escaping; end[0] receives the end offset. */
  private static String readQuoted(String s, int q, char quote, int[] end) {
    StringBuilder sb = new StringBuilder();
    int j = q + 1;
    int n = s.length();
    while (true) {
      if (j >= n) {
        throw syntax(
            quote == '"' ? "unterminated quoted identifier" : "unterminated string literal", q);
      }
      char c = s.charAt(j);
      if (c == quote) {
        if (j + 1 < n && s.charAt(j + 1) == quote) {
          sb.append(quote);
          j += 2;
          continue;
        }
        end[0] = j + 1;
        return sb.toString();
      }
      sb.append(c);
      j++;
    }
  }

  private static int lexStandardString(String s, int q, List<SqlToken> out, int start) {
    int[] end = new int[1];
    String v = readQuoted(s, q, '\'', end);
    out.add(new SqlToken(SqlToken.Kind.STRING, s.substring(start, end[0]), v, start, end[0]));
    return end[0];
  }

  private static int lexEscapeString(String s, int q, List<SqlToken> out, int start) {
    StringBuilder sb = new StringBuilder();
    int j = q + 1;
    int n = s.length();
    while (true) {
      if (j >= n) {
        throw syntax("unterminated escape string literal", start);
      }
      char c = s.charAt(j);
      if (c == '\'') {
        if (j + 1 < n && s.charAt(j + 1) == '\'') {
          sb.append('\'');
          j += 2;
          continue;
        }
        j++;
        break;
      }
      if (c == '\\') {
        if (j + 1 >= n) {
          throw syntax("unterminated escape string literal", start);
        }
        char e = s.charAt(j + 1);
        j += 2;
        switch (e) {
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'x' -> {
            int k = j;
            while (k < n && k < j + 2 && isHex(s.charAt(k))) {
              k++;
            }
            if (k > j) {
              sb.append((char) Integer.parseInt(s.substring(j, k), 16));
              j = k;
            } else {
              sb.append('x');
            }
          }
          case 'u', 'U' -> {
            int len = e == 'u' ? 4 : 8;
            if (j + len <= n && allHex(s, j, j + len)) {
              sb.appendCodePoint(safeCodePoint(Long.parseLong(s.substring(j, j + len), 16)));
              j += len;
            } else {
              sb.append(e);
            }
          }
          default -> {
            if (e >= '0' && e <= '7') {
              int k = j - 1;
              int end = k;
              while (end < n && end < k + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                end++;
              }
              sb.append((char) (Integer.parseInt(s.substring(k, end), 8) & 0xFF));
              j = end;
            } else {
              sb.append(e);
            }
          }
        }
        continue;
      }
      sb.append(c);
      j++;
    }
    out.add(new SqlToken(SqlToken.Kind.STRING, s.substring(start, j), sb.toString(), start, j));
    return j;
  }

  private static int safeCodePoint(long cp) {
    return cp >= 0 && cp <= Character.MAX_CODE_POINT ? (int) cp : 0xFFFD;
  }

  private static boolean isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean allHex(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!isHex(s.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  /** U&'...' or U&"..." with an optional trailing UESCAPE 'c'. */
  private static int lexUnicode(String s, int q, List<SqlToken> out, int start) {
    char quote = s.charAt(q);
    int[] end = new int[1];
    String raw = readQuoted(s, q, quote, end);
    int stop = end[0];
    char esc = '\\';
    int k = skipInsignificant(s, stop);
    if (k + 7 <= s.length()
        && s.regionMatches(true, k, "uescape", 0, 7)
        && (k + 7 == s.length() || !isIdentCont(s.charAt(k + 7)))) {
      int m = skipInsignificant(s, k + 7);
      if (m + 2 < s.length() && s.charAt(m) == '\'' && s.charAt(m + 2) == '\'') {
        esc = s.charAt(m + 1);
        stop = m + 3;
      } else {
        throw syntax("invalid UESCAPE clause", k);
      }
    }
    String value = decodeUnicode(raw, esc);
    SqlToken.Kind kind = quote == '"' ? SqlToken.Kind.QUOTED_IDENT : SqlToken.Kind.STRING;
    out.add(new SqlToken(kind, s.substring(start, stop), value, start, stop));
    return stop;
  }

  static String decodeUnicode(String raw, char esc) {
    StringBuilder sb = new StringBuilder();
    int n = raw.length();
    int j = 0;
    while (j < n) {
      char c = raw.charAt(j);
      if (c != esc) {
        sb.append(c);
        j++;
        continue;
      }
      if (j + 1 < n && raw.charAt(j + 1) == esc) {
        sb.append(esc);
        j += 2;
      } else if (j + 8 <= n && raw.charAt(j + 1) == '+' && allHex(raw, j + 2, j + 8)) {
        sb.appendCodePoint(safeCodePoint(Long.parseLong(raw.substring(j + 2, j + 8), 16)));
        j += 8;
      } else if (j + 4 < n && allHex(raw, j + 1, j + 5)) {
        sb.append((char) Integer.parseInt(raw.substring(j + 1, j + 5), 16));
        j += 5;
      } else {
        sb.append(c);
        j++;
      }
    }
    // Surrogate pairs written as two 4-digit escapes have been appended as two chars already.
    return sb.toString();
  }

  private static int lexDollar(String s, int i, List<SqlToken> out) {
    int n = s.length();
    if (i + 1 < n && isDigit(s.charAt(i + 1))) {
      int j = i + 1;
      while (j < n && isDigit(s.charAt(j))) {
        j++;
      }
      String t = s.substring(i, j);
      out.add(new SqlToken(SqlToken.Kind.PARAM, t, t, i, j));
      return j;
    }
    int j = i + 1;
    while (j < n && isIdentCont(s.charAt(j)) && s.charAt(j) != '$') {
      j++;
    }
    if (j < n && s.charAt(j) == '$') {
      String delim = s.substring(i, j + 1);
      int close = s.indexOf(delim, j + 1);
      if (close < 0) {
        throw syntax("unterminated dollar-quoted string " + delim, i);
      }
      int end = close + delim.length();
      out.add(
          new SqlToken(
              SqlToken.Kind.STRING, s.substring(i, end), s.substring(j + 1, close), i, end));
      return end;
    }
    out.add(op(s, i, i + 1));
    return i + 1;
  }

  private static int lexNumber(String s, int i, List<SqlToken> out) {
    int n = s.length();
    int j = i;
    while (j < n && isDigit(s.charAt(j))) {
      j++;
    }
    if (j < n && s.charAt(j) == '.' && !(j + 1 < n && s.charAt(j + 1) == '.')) {
      j++;
      while (j < n && isDigit(s.charAt(j))) {
        j++;
      }
    }
    if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
      int k = j + 1;
      if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
        k++;
      }
      if (k < n && isDigit(s.charAt(k))) {
        while (k < n && isDigit(s.charAt(k))) {
          k++;
        }
        j = k;
      }
    }
    String t = s.substring(i, j);
    out.add(new SqlToken(SqlToken.Kind.NUMBER, t, t, i, j));
    return j;
  }
}
