package io.crdbmcp.core.safety;

import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Hand-written lexer for the PostgreSQL/CockroachDB lexical structure. It is deliberately strict
 * about where strings, quoted identifiers and comments end, because statement boundaries (and
 * therefore the safety decision) depend on it.
 *
 * <p>The rules follow PostgreSQL's {@code src/backend/parser/scan.l} (version 16 and later) and the
 * {@code UESCAPE} handling of {@code parser.c}:
 *
 * <ul>
 *   <li>String continuation: after the closing quote of a {@code '...'}, {@code E'...'}, {@code
 *       B'...'}, {@code X'...'}, {@code N'...'} or {@code U&'...'} part, whitespace that holds at
 *       least one newline ({@code \n} or {@code \r}), optionally with {@code --} comments (a
 *       comment after the first newline must itself end in a newline), followed by {@code '}
 *       continues the same literal. The continuation keeps the kind of the first part: backslash
 *       escapes keep working after {@code E'...'}, doubling stays off after {@code B'}/{@code X'}.
 *       Block comments do not continue a literal.
 *   <li>{@code E'...'}: {@code \b \f \n \r \t \v}, octal {@code \ooo} and hex {@code \xh[h]} byte
 *       escapes, <code>&#92;uXXXX</code> and {@code \UXXXXXXXX} (surrogate pairs must be adjacent),
 *       any other character after a backslash taken literally, {@code ''} doubling. The value is
 *       assembled as bytes and must be valid UTF-8 without NUL bytes.
 *   <li>{@code B'...'} and {@code X'...'}: no escapes and no doubling ({@code B'1''0'} is {@code
 *       B'1'} followed by the string {@code '0'}).
 *   <li>{@code N'...'}: a plain string. {@code U&'...'} and {@code U&"..."}: doubling, no backslash
 *       escapes while scanning; the Unicode escapes are resolved on the whole (continued) literal
 *       afterwards, with the escape character of an optional following {@code UESCAPE 'c'} (any
 *       simple string constant, comments allowed in between).
 *   <li>{@code $tag$...$tag$} where the tag follows identifier rules without {@code $}; {@code $1}
 *       is a parameter; {@code $} inside an identifier ({@code a$b}) belongs to the identifier.
 *   <li>Nested block comments; {@code --} comments end at {@code \n} or {@code \r}.
 *   <li>With {@code standard_conforming_strings} off, {@code '...'} and {@code N'...'} take
 *       backslash escapes like {@code E'...'} and {@code U&'...'} is an error.
 * </ul>
 *
 * <p>Literals PostgreSQL rejects (invalid escapes, UESCAPE characters or UTF-8, zero-length quoted
 * identifiers) are refused with {@link ErrorCode#SQL_SYNTAX}, and so is text the database cannot
 * receive as written or that PostgreSQL and CockroachDB would split differently: a NUL character or
 * unpaired surrogate anywhere, a {@code --} comment ended by a lone {@code \r} (CockroachDB ends it
 * at {@code \n} only), a comment start glued to an operator that CockroachDB reads as a longer
 * operator ({@code #--}, {@code //*}, {@code |/*}), and a lowercase {@code b'...'} literal holding
 * a backslash or a doubled quote (a byte string with escapes in CockroachDB, a bit string without
 * in PostgreSQL).
 *
 * <p>Runs in time linear in the length of the text.
 */
public final class SqlLexer {

  private static final String OP_CHARS = "+-*/<>=~!@#%^&|`?";

  private static final String[] ASCII = new String[0x80];

  static {
    for (char c = 0; c < 0x80; c++) {
      ASCII[c] = String.valueOf(c).intern();
    }
  }

  /** Operator characters that keep a trailing {@code +} or {@code -} in an operator (scan.l). */
  private static final String NON_SQL_OP_CHARS = "~!@#^&|`?%";

  private SqlLexer() {}

  /**
   * Tokens of the text, comments and whitespace dropped, read as with {@code
   * standard_conforming_strings = on} (the default of PostgreSQL, the only mode of CockroachDB).
   *
   * @throws CrdbException with {@link ErrorCode#SQL_SYNTAX} on an unterminated string, comment or
   *     quoted identifier, or on any text the lexer cannot read with certainty
   */
  public static List<SqlToken> tokenize(String sql) {
    return tokenize(sql, true);
  }

  /**
   * Tokens of the text, comments and whitespace dropped.
   *
   * @param standardConformingStrings the session's {@code standard_conforming_strings}; when false,
   *     {@code '...'} strings take backslash escapes as {@code E'...'} strings do
   * @throws CrdbException with {@link ErrorCode#SQL_SYNTAX} on an unterminated string, comment or
   *     quoted identifier, or on any text the lexer cannot read with certainty
   */
  public static List<SqlToken> tokenize(String sql, boolean standardConformingStrings) {
    String text = sql == null ? "" : sql;
    CallCancel call = CallCancel.current();
    Tokenized last = LAST.get();
    if (call != CallCancel.NONE
        && last != null
        && last.call == call
        && last.scs == standardConformingStrings
        && last.text.equals(text)) {
      return last.tokens;
    }
    List<SqlToken> tokens = List.copyOf(new Scanner(text, standardConformingStrings).run());
    if (call != CallCancel.NONE) {
      LAST.set(new Tokenized(call, text, standardConformingStrings, tokens));
    }
    return tokens;
  }

  /**
   * The last text each thread tokenized within the tool call running on it, with its (unmodifiable)
   * tokens. One call reads the same text in several places (the guard, the database checks, the
   * driver's text, redaction for the audit), and the tokens are a function of the text and the
   * string mode alone, so a call tokenizes it once. Kept for that call only (the next call on the
   * thread tokenizes again, even the same text), and only the last text, so nothing grows; a text
   * the lexer refuses is not kept and is refused again each time.
   */
  private static final ThreadLocal<Tokenized> LAST = new ThreadLocal<>();

  private record Tokenized(CallCancel call, String text, boolean scs, List<SqlToken> tokens) {}

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

  /**
   * The text of the one statement {@code sql} holds, as {@link #splitStatements} would give it
   * (leading and trailing spaces, comments and semicolons dropped), or {@code null} when it holds
   * none or several. Text with no semicolon and no comment (no {@code ;}, {@code -} or {@code /})
   * is one statement between its spaces, so it is not tokenized: most queries a model sends, where
   * tokenizing them again after the guard was about 1% of a one-row call's CPU. A character the
   * lexer refuses (NUL, a surrogate) also takes the tokenizing path, so it is refused here too;
   * text with an unclosed quote may come back as it is instead: ask only about text the guard has
   * allowed, which it refuses.
   */
  public static String onlyStatement(String sql) {
    boolean plain = true;
    for (int i = 0; i < sql.length() && plain; i++) {
      char c = sql.charAt(i);
      plain = c != ';' && c != '-' && c != '/' && c != '\0' && !Character.isSurrogate(c);
    }
    if (plain) {
      int from = 0;
      int to = sql.length();
      while (from < to && isSpace(sql.charAt(from))) {
        from++;
      }
      while (to > from && isSpace(sql.charAt(to - 1))) {
        to--;
      }
      return from == to ? null : sql.substring(from, to);
    }
    List<String> parts = splitStatements(sql);
    return parts.size() == 1 ? parts.get(0) : null;
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

  /** PostgreSQL's {@code space}: {@code [ \t\n\r\f\v]}. */
  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** PostgreSQL's {@code ident_start}: ASCII letters, {@code _} and every non-ASCII character. */
  static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  static boolean isIdentCont(char c) {
    return isIdentStart(c) || isDigit(c) || c == '$';
  }

  private static boolean isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static int hexValue(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  }

  private static CrdbException syntax(String what, int at) {
    return new CrdbException(
        ErrorCode.SQL_SYNTAX,
        what + " starting at offset " + at,
        "Close every string ('...'), quoted identifier (\"...\"), dollar quote ($tag$...$tag$)"
            + " and block comment (/* ... */), and write escapes the way PostgreSQL accepts them.");
  }

  private static CrdbException ambiguous(String what, int at) {
    return new CrdbException(
        ErrorCode.SQL_SYNTAX,
        what + " at offset " + at + " is read differently by PostgreSQL and CockroachDB",
        "Rewrite it unambiguously: separate comments from operators with a space, end lines with"
            + " \\n, and write byte strings as '\\x..'::bytes or decode(..., 'hex').");
  }

  /**
   * Resolves the Unicode escapes of a {@code U&'...'} or {@code U&"..."} body (quotes already
   * undoubled) as PostgreSQL's {@code str_udeescape} does.
   *
   * @throws CrdbException on an invalid escape, value or surrogate pair
   */
  static String decodeUnicode(String raw, char esc) {
    StringBuilder sb = new StringBuilder(raw.length());
    int n = raw.length();
    int pairFirst = 0;
    int j = 0;
    while (j < n) {
      char c = raw.charAt(j);
      if (c != esc) {
        if (pairFirst != 0) {
          throw syntax("invalid Unicode surrogate pair in a U& literal", j);
        }
        sb.append(c);
        j++;
        continue;
      }
      int cp;
      if (j + 1 < n && raw.charAt(j + 1) == esc) {
        if (pairFirst != 0) {
          throw syntax("invalid Unicode surrogate pair in a U& literal", j);
        }
        sb.append(esc);
        j += 2;
        continue;
      } else if (j + 4 < n && allHex(raw, j + 1, j + 5)) {
        cp = Integer.parseInt(raw, j + 1, j + 5, 16);
        j += 5;
      } else if (j + 7 < n && raw.charAt(j + 1) == '+' && allHex(raw, j + 2, j + 8)) {
        cp = Integer.parseInt(raw, j + 2, j + 8, 16);
        j += 8;
      } else {
        throw syntax("invalid Unicode escape in a U& literal (use \\XXXX or \\+XXXXXX)", j);
      }
      if (cp <= 0 || cp > Character.MAX_CODE_POINT) {
        throw syntax("invalid Unicode escape value in a U& literal", j);
      }
      if (pairFirst != 0) {
        if (!Character.isLowSurrogate((char) cp) || cp > 0xFFFF) {
          throw syntax("invalid Unicode surrogate pair in a U& literal", j);
        }
        cp = Character.toCodePoint((char) pairFirst, (char) cp);
        pairFirst = 0;
      } else if (cp <= 0xFFFF && Character.isLowSurrogate((char) cp)) {
        throw syntax("invalid Unicode surrogate pair in a U& literal", j);
      }
      if (cp <= 0xFFFF && Character.isHighSurrogate((char) cp)) {
        pairFirst = cp;
      } else {
        sb.appendCodePoint(cp);
      }
    }
    if (pairFirst != 0) {
      throw syntax("invalid Unicode surrogate pair in a U& literal", n);
    }
    return sb.toString();
  }

  private static boolean allHex(CharSequence s, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!isHex(s.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  /** What PostgreSQL's scanner returns for a literal; decides what may follow UESCAPE. */
  private enum Flavor {
    /** SCONST: {@code '...'}, {@code E'...'}, {@code $$...$$}. */
    SCONST,
    BCONST,
    XCONST,
    /** {@code N'...'}: the keyword NCHAR and then an SCONST. */
    NCONST,
    USCONST,
    UIDENT,
    IDENT
  }

  /** How the body of a single-quoted literal is read (the scan.l start condition). */
  private enum Mode {
    /** {@code xq}: doubling, backslash literal. */
    STANDARD,
    /** {@code xe}: doubling and backslash escapes. */
    ESCAPE,
    /** {@code xb}/{@code xh}: no doubling, no escapes. */
    BITS,
    /** {@code xus}: doubling, Unicode escapes resolved afterwards. */
    UNICODE
  }

  /** A scanned literal: where it ends, its value (raw for U&), and what PostgreSQL calls it. */
  private record Lit(int end, String value, Flavor flavor) {}

  /** A growable byte buffer for E'...' values, which PostgreSQL assembles byte by byte. */
  private static final class Bytes {
    private byte[] buf = new byte[32];
    private int len;

    void add(int b) {
      if (len == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[len++] = (byte) b;
    }

    void addCodePoint(int cp) {
      if (cp < 0x80) {
        add(cp);
      } else if (cp < 0x800) {
        add(0xC0 | (cp >> 6));
        add(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        add(0xE0 | (cp >> 12));
        add(0x80 | ((cp >> 6) & 0x3F));
        add(0x80 | (cp & 0x3F));
      } else {
        add(0xF0 | (cp >> 18));
        add(0x80 | ((cp >> 12) & 0x3F));
        add(0x80 | ((cp >> 6) & 0x3F));
        add(0x80 | (cp & 0x3F));
      }
    }

    String decode(int start) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(buf, 0, len))
            .toString();
      } catch (CharacterCodingException e) {
        throw syntax("escape string literal whose escapes form invalid UTF-8", start);
      }
    }
  }

  /** One pass over one text. */
  private static final class Scanner {
    private final String s;
    private final int n;
    private final boolean scs;
    private final List<SqlToken> out = new ArrayList<>();

    Scanner(String s, boolean scs) {
      this.s = s;
      this.n = s.length();
      this.scs = scs;
    }

    private char at(int i) {
      return i < n ? s.charAt(i) : '\0';
    }

    List<SqlToken> run() {
      checkCharacters();
      int i = 0;
      while (i < n) {
        char c = s.charAt(i);
        if (isSpace(c)) {
          i++;
        } else if (c == '-' && at(i + 1) == '-') {
          i = lineCommentEnd(i);
        } else if (c == '/' && at(i + 1) == '*') {
          i = blockCommentEnd(i);
        } else {
          i = token(i);
        }
      }
      return out;
    }

    /**
     * NUL cannot travel in the protocol (the server would stop reading at it) and an unpaired
     * surrogate is sent as '?' by the driver; neither can be read the way the database would.
     */
    private void checkCharacters() {
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c == '\0') {
          throw syntax("NUL character", i);
        }
        if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c) && Character.isLowSurrogate(at(i + 1))) {
            i++;
          } else {
            throw syntax("unpaired UTF-16 surrogate character", i);
          }
        }
      }
    }

    /** Offset of the newline that ends the {@code --} comment at {@code i}, or the end. */
    private int lineCommentEnd(int i) {
      for (int j = i + 2; j < n; j++) {
        char c = s.charAt(j);
        if (c == '\n') {
          return j;
        }
        if (c == '\r') {
          if (j + 1 < n && s.charAt(j + 1) != '\n') {
            throw ambiguous("a -- comment ended by a carriage return without a line feed", i);
          }
          return j;
        }
      }
      return n;
    }

    private int blockCommentEnd(int i) {
      int depth = 0;
      int j = i;
      while (j < n) {
        char c = s.charAt(j);
        if (c == '/' && at(j + 1) == '*') {
          depth++;
          j += 2;
        } else if (c == '*' && at(j + 1) == '/') {
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
    private int skipInsignificant(int i) {
      int j = i;
      while (j < n) {
        char c = s.charAt(j);
        if (isSpace(c)) {
          j++;
        } else if (c == '-' && at(j + 1) == '-') {
          j = lineCommentEnd(j);
        } else if (c == '/' && at(j + 1) == '*') {
          j = blockCommentEnd(j);
        } else {
          break;
        }
      }
      return j;
    }

    /** Lexes the token at {@code i} (not whitespace or a comment); returns its end. */
    private int token(int i) {
      char c = s.charAt(i);
      Lit lit = literalAt(i);
      if (lit != null) {
        if (lit.flavor() == Flavor.USCONST || lit.flavor() == Flavor.UIDENT) {
          lit = applyUescape(i, lit);
        }
        SqlToken.Kind kind =
            lit.flavor() == Flavor.UIDENT || lit.flavor() == Flavor.IDENT
                ? SqlToken.Kind.QUOTED_IDENT
                : SqlToken.Kind.STRING;
        out.add(new SqlToken(kind, s.substring(i, lit.end()), lit.value(), i, lit.end()));
        return lit.end();
      }
      char next = at(i + 1);
      if (c == '$') {
        if (isDigit(next)) {
          int j = i + 1;
          while (j < n && isDigit(s.charAt(j))) {
            j++;
          }
          String t = s.substring(i, j);
          out.add(new SqlToken(SqlToken.Kind.PARAM, t, t, i, j));
          return j;
        }
        out.add(op(i, i + 1));
        return i + 1;
      }
      if (isIdentStart(c)) {
        int j = i + 1;
        while (j < n && isIdentCont(s.charAt(j))) {
          j++;
        }
        String text = s.substring(i, j);
        out.add(new SqlToken(SqlToken.Kind.WORD, text, text.toLowerCase(Locale.ROOT), i, j));
        return j;
      }
      if (isDigit(c) || (c == '.' && isDigit(next))) {
        return lexNumber(i);
      }
      if (c == ':') {
        if (next == ':' || next == '=') {
          out.add(op(i, i + 2));
          return i + 2;
        }
        out.add(punct(i));
        return i + 1;
      }
      if ("()[],;.".indexOf(c) >= 0) {
        out.add(punct(i));
        return i + 1;
      }
      if (OP_CHARS.indexOf(c) >= 0) {
        return lexOperator(i);
      }
      out.add(op(i, i + 1));
      return i + 1;
    }

    private SqlToken op(int from, int to) {
      String t = text(from, to);
      return new SqlToken(SqlToken.Kind.OPERATOR, t, t, from, to);
    }

    private SqlToken punct(int at) {
      String t = text(at, at + 1);
      return new SqlToken(SqlToken.Kind.PUNCT, t, t, at, at + 1);
    }

    /** The source text; one-character ASCII texts are shared, which matters on huge inputs. */
    private String text(int from, int to) {
      char c = s.charAt(from);
      return to == from + 1 && c < 0x80 ? ASCII[c] : s.substring(from, to);
    }

    /** scan.l's {@code operator} rule: stops at a comment start, drops trailing + and -. */
    private int lexOperator(int i) {
      int j = i;
      while (j < n && OP_CHARS.indexOf(s.charAt(j)) >= 0) {
        char c = s.charAt(j);
        if (j > i && ((c == '-' && at(j + 1) == '-') || (c == '/' && at(j + 1) == '*'))) {
          char prev = s.charAt(j - 1);
          // CockroachDB has the fixed operators #-, // and |/ (and ||/), so it reads the first
          // character of the comment start as part of the operator.
          if ((c == '-' && prev == '#') || (c == '/' && (prev == '/' || prev == '|'))) {
            throw ambiguous("a comment start right after the operator character '" + prev + "'", j);
          }
          break;
        }
        j++;
      }
      int len = j - i;
      if (len > 1 && (s.charAt(j - 1) == '+' || s.charAt(j - 1) == '-')) {
        boolean keep = false;
        for (int k = i; k < j - 1; k++) {
          if (NON_SQL_OP_CHARS.indexOf(s.charAt(k)) >= 0) {
            keep = true;
            break;
          }
        }
        if (!keep) {
          while (len > 1 && (s.charAt(i + len - 1) == '+' || s.charAt(i + len - 1) == '-')) {
            len--;
          }
        }
      }
      out.add(op(i, i + len));
      // PostgreSQL rescans the dropped + and - characters; each becomes an operator of its own
      // (they are all + or -, with no comment start among them). Emitting them here keeps the
      // scan linear on long runs such as +++++.
      for (int k = i + len; k < j; k++) {
        out.add(op(k, k + 1));
      }
      return j;
    }

    private int lexNumber(int i) {
      int j = i;
      while (j < n && isDigit(s.charAt(j))) {
        j++;
      }
      if (j < n && s.charAt(j) == '.' && at(j + 1) != '.') {
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

    // ------------------------------------------------------------------------------- literals

    /** The string literal or quoted identifier starting at {@code i}, or null if none does. */
    private Lit literalAt(int i) {
      char c = s.charAt(i);
      char next = at(i + 1);
      switch (c) {
        case '\'':
          return quoted(i, i, scs ? Mode.STANDARD : Mode.ESCAPE, Flavor.SCONST, false);
        case '"':
          return quotedIdent(i, i + 1, Flavor.IDENT);
        case '$':
          return dollar(i);
        case 'e', 'E':
          return next == '\'' ? quoted(i, i + 1, Mode.ESCAPE, Flavor.SCONST, false) : null;
        case 'b', 'B':
          return next == '\'' ? quoted(i, i + 1, Mode.BITS, Flavor.BCONST, c == 'b') : null;
        case 'x', 'X':
          return next == '\'' ? quoted(i, i + 1, Mode.BITS, Flavor.XCONST, false) : null;
        case 'n', 'N':
          return next == '\''
              ? quoted(i, i + 1, scs ? Mode.STANDARD : Mode.ESCAPE, Flavor.NCONST, false)
              : null;
        case 'u', 'U':
          if (next != '&') {
            return null;
          }
          char q = at(i + 2);
          if (q == '"') {
            return quotedIdent(i, i + 3, Flavor.UIDENT);
          }
          if (q != '\'') {
            return null;
          }
          if (!scs) {
            throw syntax(
                "U&'...' string (PostgreSQL refuses it while standard_conforming_strings is off)",
                i);
          }
          return quoted(i, i + 2, Mode.UNICODE, Flavor.USCONST, false);
        default:
          return null;
      }
    }

    /**
     * A single-quoted literal whose opening quote is at {@code q}, continued over whitespace with a
     * newline as scan.l's {@code xqs} state does.
     *
     * @param crdbBytes a lowercase b'...': refuse what CockroachDB reads as a byte string
     */
    private Lit quoted(int start, int q, Mode mode, Flavor flavor, boolean crdbBytes) {
      boolean escapes = mode == Mode.ESCAPE;
      boolean doubling = mode != Mode.BITS;
      StringBuilder sb = escapes ? null : new StringBuilder();
      Bytes bytes = escapes ? new Bytes() : null;
      int j = q + 1;
      while (true) {
        if (j >= n) {
          throw syntax(
              escapes ? "unterminated escape string literal" : "unterminated string literal",
              start);
        }
        char c = s.charAt(j);
        if (c == '\'') {
          if (at(j + 1) == '\'') {
            if (crdbBytes) {
              throw ambiguous("a doubled quote in a b'...' literal", j);
            }
            if (doubling) {
              if (escapes) {
                bytes.add('\'');
              } else {
                sb.append('\'');
              }
              j += 2;
              continue;
            }
          }
          int k = continuation(j + 1);
          if (k < 0) {
            j++;
            break;
          }
          j = k + 1;
          continue;
        }
        if (c == '\\' && crdbBytes) {
          throw ambiguous("a backslash in a b'...' literal", j);
        }
        if (escapes) {
          j = c == '\\' ? escape(start, j, bytes) : addChar(j, bytes);
        } else {
          // Copy the run up to the next quote at once.
          int k = j + 1;
          while (k < n && s.charAt(k) != '\'' && !(crdbBytes && s.charAt(k) == '\\')) {
            k++;
          }
          sb.append(s, j, k);
          j = k;
        }
      }
      String value = escapes ? bytes.decode(start) : sb.toString();
      return new Lit(j, value, flavor);
    }

    /**
     * scan.l's {@code quotecontinue} after a closing quote: {@code from} is just past the quote.
     * Returns the offset of the quote that opens the next part, or -1.
     */
    private int continuation(int from) {
      boolean newline = false;
      int k = from;
      while (k < n) {
        char c = s.charAt(k);
        if (c == '\n' || c == '\r') {
          newline = true;
          k++;
        } else if (c == ' ' || c == '\t' || c == '\f' || c == 0x0B) {
          k++;
        } else if (c == '-' && at(k + 1) == '-') {
          k = lineCommentEnd(k); // a comment must end in a newline to continue
        } else if (c == '\'') {
          return newline ? k : -1;
        } else {
          return -1;
        }
      }
      return -1;
    }

    /** Appends the character at {@code j} (a whole surrogate pair) as UTF-8; returns the next. */
    private int addChar(int j, Bytes bytes) {
      char c = s.charAt(j);
      if (c < 0x80) {
        bytes.add(c);
        return j + 1;
      }
      int cp = s.codePointAt(j);
      bytes.addCodePoint(cp);
      return j + Character.charCount(cp);
    }

    /** The backslash escape at {@code j} inside an E'...' literal (scan.l's xe rules). */
    private int escape(int start, int j, Bytes bytes) {
      if (j + 1 >= n) {
        throw syntax("unterminated escape string literal", start);
      }
      char e = s.charAt(j + 1);
      if (e >= '0' && e <= '7') {
        int k = j + 1;
        int v = 0;
        while (k < n && k < j + 4 && s.charAt(k) >= '0' && s.charAt(k) <= '7') {
          v = v * 8 + (s.charAt(k) - '0');
          k++;
        }
        addByte(v & 0xFF, j, bytes);
        return k;
      }
      if (e == 'x' && isHex(at(j + 2))) {
        int k = j + 2;
        int v = hexValue(s.charAt(k++));
        if (isHex(at(k))) {
          v = v * 16 + hexValue(s.charAt(k++));
        }
        addByte(v, j, bytes);
        return k;
      }
      if (e == 'u' || e == 'U') {
        int k = unicodeEscapeEnd(j);
        long cp = Long.parseLong(s, j + 2, k, 16);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // The low half must follow at once as another \\u or \\U escape.
          if (at(k) != '\\' || (at(k + 1) != 'u' && at(k + 1) != 'U')) {
            throw syntax("invalid Unicode surrogate pair in an escape string", k);
          }
          int k2 = unicodeEscapeEnd(k);
          long low = Long.parseLong(s, k + 2, k2, 16);
          if (low < 0xDC00 || low > 0xDFFF) {
            throw syntax("invalid Unicode surrogate pair in an escape string", k);
          }
          bytes.addCodePoint(Character.toCodePoint((char) cp, (char) low));
          return k2;
        }
        if ((cp >= 0xDC00 && cp <= 0xDFFF)) {
          throw syntax("invalid Unicode surrogate pair in an escape string", j);
        }
        if (cp <= 0 || cp > Character.MAX_CODE_POINT) {
          throw syntax("invalid Unicode escape value in an escape string", j);
        }
        bytes.addCodePoint((int) cp);
        return k;
      }
      switch (e) {
        case 'b' -> bytes.add('\b');
        case 'f' -> bytes.add('\f');
        case 'n' -> bytes.add('\n');
        case 'r' -> bytes.add('\r');
        case 't' -> bytes.add('\t');
        case 'v' -> bytes.add(0x0B);
        default -> {
          return addChar(j + 1, bytes);
        }
      }
      return j + 2;
    }

    /** End of the \\uXXXX or \\UXXXXXXXX escape at {@code j}; anything shorter is an error. */
    private int unicodeEscapeEnd(int j) {
      int len = s.charAt(j + 1) == 'u' ? 4 : 8;
      int end = j + 2 + len;
      if (end > n || !allHex(s, j + 2, end)) {
        throw syntax("invalid Unicode escape (use \\uXXXX or \\UXXXXXXXX)", j);
      }
      return end;
    }

    private static void addByte(int b, int at, Bytes bytes) {
      if (b == 0) {
        throw syntax("escape for a NUL byte (not allowed in text)", at);
      }
      bytes.add(b);
    }

    /** A double-quoted identifier whose body starts at {@code body}: "" doubling, no escapes. */
    private Lit quotedIdent(int start, int body, Flavor flavor) {
      StringBuilder sb = new StringBuilder();
      int j = body;
      while (true) {
        if (j >= n) {
          throw syntax("unterminated quoted identifier", start);
        }
        char c = s.charAt(j);
        if (c == '"') {
          if (at(j + 1) == '"') {
            sb.append('"');
            j += 2;
            continue;
          }
          j++;
          break;
        }
        sb.append(c);
        j++;
      }
      if (sb.length() == 0) {
        throw syntax("zero-length quoted identifier", start);
      }
      return new Lit(j, sb.toString(), flavor);
    }

    /**
     * A dollar-quoted string at {@code i}, or null when the {@code $} does not open one. The body
     * ends at the first occurrence of the opening delimiter; the scan is linear because the tag
     * cannot hold a {@code $}, so each comparison stops at the next {@code $}.
     */
    private Lit dollar(int i) {
      int j = i + 1;
      if (j < n && isIdentStart(s.charAt(j))) {
        j++;
        while (j < n && (isIdentStart(s.charAt(j)) || isDigit(s.charAt(j)))) {
          j++;
        }
      }
      if (j >= n || s.charAt(j) != '$') {
        return null;
      }
      int tagLen = j - i - 1;
      int bodyStart = j + 1;
      for (int k = bodyStart; k < n; k++) {
        if (s.charAt(k) == '$'
            && k + tagLen + 1 < n
            && s.charAt(k + tagLen + 1) == '$'
            && s.regionMatches(k + 1, s, i + 1, tagLen)) {
          return new Lit(k + tagLen + 2, s.substring(bodyStart, k), Flavor.SCONST);
        }
      }
      throw syntax("unterminated dollar-quoted string " + s.substring(i, j + 1), i);
    }

    /**
     * parser.c's lookahead after a U& literal: {@code UESCAPE} and a simple string constant of one
     * ASCII character choose the escape character; then the escapes are resolved.
     */
    private Lit applyUescape(int start, Lit lit) {
      char esc = '\\';
      int end = lit.end();
      int k = skipInsignificant(end);
      if (k + 7 <= n
          && asciiEqualsIgnoreCase(k, "uescape")
          && (k + 7 == n || !isIdentCont(s.charAt(k + 7)))) {
        int m = skipInsignificant(k + 7);
        Lit e = m < n ? literalAt(m) : null;
        if (e == null || e.flavor() != Flavor.SCONST) {
          throw syntax("UESCAPE must be followed by a simple string literal", m);
        }
        String v = e.value();
        if (v.length() != 1 || !validUescape(v.charAt(0))) {
          throw syntax("invalid Unicode escape character after UESCAPE", m);
        }
        esc = v.charAt(0);
        end = e.end();
      }
      try {
        return new Lit(end, decodeUnicode(lit.value(), esc), lit.flavor());
      } catch (CrdbException ex) {
        throw syntax("invalid U& literal (" + ex.getMessage() + ")", start);
      }
    }

    private boolean asciiEqualsIgnoreCase(int k, String lower) {
      for (int m = 0; m < lower.length(); m++) {
        char c = s.charAt(k + m);
        if (c >= 'A' && c <= 'Z') {
          c = (char) (c + ('a' - 'A'));
        }
        if (c != lower.charAt(m)) {
          return false;
        }
      }
      return true;
    }

    /** parser.c's check_uescapechar plus its one-byte rule. */
    private static boolean validUescape(char c) {
      return c < 0x80 && !isHex(c) && c != '+' && c != '\'' && c != '"' && !isSpace(c);
    }
  }
}
