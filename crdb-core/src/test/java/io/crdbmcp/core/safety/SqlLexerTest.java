package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.safety.SqlToken.Kind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlLexerTest {
  /** What {@link SqlLexer#onlyStatement} must agree with: the tokenizing split. */
  private static String onlyBySplitting(String sql) {
    List<String> parts = SqlLexer.splitStatements(sql);
    return parts.size() == 1 ? parts.get(0) : null;
  }

  @Test
  void onlyStatementAgreesWithTheSplitOnTextsWithAndWithoutItsShortcut() {
    List<String> texts = new java.util.ArrayList<>();
    texts.addAll(
        List.of(
            "SELECT 1",
            "  SELECT 1 \n",
            "\t\u000b\fSELECT id FROM t WHERE email = 'user1@example.com'\r\n",
            "\u00a0SELECT 1\u00a0",
            "SELECT 'a  '",
            "SELECT \"x \"",
            "SELECT $$ x $$",
            "",
            " \n\t",
            "SELECT 1;",
            "; SELECT 1 ;;",
            "SELECT 1; SELECT 2",
            "-- c\nSELECT 1 -- d",
            "/* c */ SELECT 1 /* d */",
            "SELECT 4-2",
            "SELECT 4/2",
            "SELECT '-- not a comment'",
            "SELECT '; not a separator'"));
    for (SafetyCorpus.Entry e : SafetyCorpus.allowed()) {
      texts.add(e.sql());
    }
    for (SafetyCorpus.Entry e : SafetyCorpus.hostile()) {
      texts.add(e.sql());
    }
    java.util.Random random = new java.util.Random(17);
    String alphabet = "ab1 \t\n\r\f\u000b\u00a0\u2028'\"$E\\()x";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      texts.add(b.toString());
    }
    int compared = 0;
    for (String sql : texts) {
      String expected;
      try {
        expected = onlyBySplitting(sql);
      } catch (CrdbException unreadable) {
        continue; // an unclosed quote: the guard refuses such text before this is asked
      }
      assertThat(SqlLexer.onlyStatement(sql)).as(sql).isEqualTo(expected);
      compared++;
    }
    assertThat(compared).isGreaterThan(5_000);
    // Characters the lexer refuses are refused by the shortcut's text too.
    for (String refused : List.of("SELECT 1\0", "SELECT \ud800 1", "SELECT 1 \udc00")) {
      assertThatThrownBy(() -> SqlLexer.splitStatements(refused)).isInstanceOf(CrdbException.class);
      assertThatThrownBy(() -> SqlLexer.onlyStatement(refused)).isInstanceOf(CrdbException.class);
    }
    assertThat(SqlLexer.onlyStatement(" SELECT '\ud83d\ude00' "))
        .isEqualTo("SELECT '\ud83d\ude00'");
  }

  @Test
  void oneCallTokenizesATextOnceAndTheNextCallTokenizesItAgain() {
    String sql = "SELECT a, 'it''s' FROM t WHERE b = $1";
    List<SqlToken> first;
    try (CallCancel.Binding b = CallCancel.bind(CallCancel.create())) {
      first = SqlLexer.tokenize(sql);
      // The same text again in the same call: the same tokens, not a second scan.
      assertThat(SqlLexer.tokenize(new String(sql))).isSameAs(first);
      // Another string mode reads the text differently and is scanned for itself.
      assertThat(SqlLexer.tokenize(sql, false)).isNotSameAs(first).isEqualTo(first);
      assertThat(SqlLexer.tokenize("SELECT 2")).isNotSameAs(first);
      assertThatThrownBy(() -> first.add(first.get(0)))
          .isInstanceOf(UnsupportedOperationException.class);
    }
    try (CallCancel.Binding b = CallCancel.bind(CallCancel.create())) {
      List<SqlToken> again = SqlLexer.tokenize(sql);
      assertThat(again).isNotSameAs(first).isEqualTo(first);
    }
    // Outside a call nothing is kept.
    assertThat(SqlLexer.tokenize(sql)).isNotSameAs(SqlLexer.tokenize(sql)).isEqualTo(first);
    // A text the lexer refuses is refused every time.
    try (CallCancel.Binding b = CallCancel.bind(CallCancel.create())) {
      assertThatThrownBy(() -> SqlLexer.tokenize("SELECT 'open")).isInstanceOf(CrdbException.class);
      assertThatThrownBy(() -> SqlLexer.tokenize("SELECT 'open")).isInstanceOf(CrdbException.class);
    }
  }

  private static SqlToken only(String sql) {
    List<SqlToken> t = SqlLexer.tokenize(sql);
    assertThat(t).as(sql).hasSize(1);
    return t.get(0);
  }

  /** The single token of {@code sql}, which must cover the whole text. */
  private static SqlToken whole(String sql) {
    SqlToken t = only(sql);
    assertThat(t.text()).isEqualTo(sql);
    assertThat(t.start()).isZero();
    assertThat(t.end()).isEqualTo(sql.length());
    return t;
  }

  private static List<Kind> kinds(String sql) {
    return SqlLexer.tokenize(sql).stream().map(SqlToken::kind).toList();
  }

  private static List<String> texts(String sql) {
    return SqlLexer.tokenize(sql).stream().map(SqlToken::text).toList();
  }

  private static List<String> values(String sql) {
    return SqlLexer.tokenize(sql).stream().map(SqlToken::value).toList();
  }

  private static void refused(String... texts) {
    for (String bad : texts) {
      assertThatThrownBy(() -> SqlLexer.tokenize(bad))
          .as(bad)
          .isInstanceOf(CrdbException.class)
          .satisfies(e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.SQL_SYNTAX));
    }
  }

  @Test
  void wordsAreLowercased() {
    SqlToken t = only("SeLeCt");
    assertThat(t.kind()).isEqualTo(Kind.WORD);
    assertThat(t.value()).isEqualTo("select");
    assertThat(t.text()).isEqualTo("SeLeCt");
    assertThat(only("a$b").value()).isEqualTo("a$b");
  }

  @Test
  void singleQuotedStringsWithDoubling() {
    SqlToken t = only("'it''s'");
    assertThat(t.kind()).isEqualTo(Kind.STRING);
    assertThat(t.value()).isEqualTo("it's");
    assertThat(only("'a\\'").value()).isEqualTo("a\\"); // backslash is literal in '...'
    assertThat(only("''").value()).isEmpty();
  }

  // ------------------------------------------------------------------------ string continuation

  @Test
  void stringsContinueAcrossWhitespaceWithANewline() {
    assertThat(whole("'a'\n'b'").value()).isEqualTo("ab");
    assertThat(whole("'a'  \n\t 'b'\n'c'").value()).isEqualTo("abc");
    assertThat(whole("'a'\r'b'").value()).isEqualTo("ab");
    assertThat(whole("'a'\r\n'b'").value()).isEqualTo("ab");
    assertThat(whole("'a' \f\u000b\n\u000b\f'b'").value()).isEqualTo("ab");
    assertThat(whole("'a'\n''").value()).isEqualTo("a");
    assertThat(whole("'it'''\n'''s'").value()).isEqualTo("it''s");
    // -- comments may sit before the newline, and after it when they end in a newline
    assertThat(whole("'a' -- c\n'b'").value()).isEqualTo("ab");
    assertThat(whole("'a'-- c ' \n'b'").value()).isEqualTo("ab");
    assertThat(whole("'a'\n-- c\n  -- d\n\n'b'").value()).isEqualTo("ab");
  }

  @Test
  void stringsDoNotContinueWithoutANewlineOrAcrossBlockComments() {
    assertThat(values("'a' 'b'")).containsExactly("a", "b");
    assertThat(values("'a'\t'b'")).containsExactly("a", "b");
    assertThat(values("'a'\n/* c */'b'")).containsExactly("a", "b");
    assertThat(values("'a' /* \n */ 'b'")).containsExactly("a", "b");
    assertThat(values("'a'\n-- comment to the end 'b'")).containsExactly("a");
    assertThat(texts("'a'\n-'b'")).containsExactly("'a'", "-", "'b'");
    assertThat(texts("'a'\nx")).containsExactly("'a'", "x");
  }

  @Test
  void theEscapeStringContinuationAttackIsOneString() {
    List<SqlToken> t = SqlLexer.tokenize("SELECT E'a'\n'\\'', pg_read_file('/etc/passwd')");
    assertThat(t).hasSize(7);
    assertThat(t.get(1).kind()).isEqualTo(Kind.STRING);
    assertThat(t.get(1).value()).isEqualTo("a'");
    assertThat(t.get(1).text()).isEqualTo("E'a'\n'\\''");
    assertThat(t.get(2).is(",")).isTrue();
    assertThat(t.get(3).kind()).isEqualTo(Kind.WORD);
    assertThat(t.get(3).value()).isEqualTo("pg_read_file");
    assertThat(t.get(4).is("(")).isTrue();

    // PostgreSQL sees three statements here (the first with an unbalanced parenthesis).
    assertThat(
            SqlLexer.splitStatements(
                "SELECT E'a'\n'\\''); COMMIT; UPDATE canary SET note = 'x' --'"))
        .containsExactly("SELECT E'a'\n'\\'')", "COMMIT", "UPDATE canary SET note = 'x'");
    // ... and one here: the escaped quote keeps the continued string open.
    assertThat(SqlLexer.splitStatements("SELECT E'a'\n'\\'; COMMIT; UPDATE canary --'")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT E'a' -- c\n'\\'; DELETE FROM t; --'")).hasSize(1);
  }

  @Test
  void continuationsKeepTheKindOfTheFirstPart() {
    assertThat(whole("E'a'\n'\\x41'").value()).isEqualTo("aA");
    assertThat(whole("E'a' -- c\n'\\t'\n'\\\\'").value()).isEqualTo("a\t\\");
    assertThat(whole("'a'\n'\\x41'").value()).isEqualTo("a\\x41");
    assertThat(whole("N'a'\n'\\'").value()).isEqualTo("a\\");
    assertThat(whole("B'10'\n'01'").value()).isEqualTo("1001");
    assertThat(whole("X'1F'\n-- c\n'2f'").value()).isEqualTo("1F2f");
    assertThat(whole("U&'\\00'\n'41'").value()).isEqualTo("A");
    assertThat(whole("U&'x#0041'\n'y' UESCAPE '#'").value()).isEqualTo("xAy");
  }

  // ---------------------------------------------------------------------------- string kinds

  @Test
  void escapeStrings() {
    assertThat(only("E'a\\nb'").value()).isEqualTo("a\nb");
    assertThat(only("e'\\''").value()).isEqualTo("'");
    assertThat(only("E'x''y'").value()).isEqualTo("x'y");
    assertThat(only("E'\\x41\\101\\u0042'").value()).isEqualTo("AAB");
    assertThat(only("E'\\b\\f\\n\\r\\t\\v'").value()).isEqualTo("\b\f\n\r\t\u000b");
    assertThat(only("E'\\0101\\7\\60'").value()).isEqualTo("\b1\u00070");
    assertThat(only("E'\\x4\\x4G\\xg'").value()).isEqualTo("\u0004\u0004Gxg");
    assertThat(only("E'\\u00e9\\U0001F600\\uD83D\\uDE00\\uD83D\\U0000DE00'").value())
        .isEqualTo("é😀😀😀");
    assertThat(only("E'\\xC3\\xA9 \\303\\251'").value()).isEqualTo("é é");
    assertThat(only("E'\\q\\\\\\\"\\é\\\n'").value()).isEqualTo("q\\\"é\n");
    // E'\'' is one string; a naive lexer would see the statement continue.
    assertThat(SqlLexer.splitStatements("SELECT E'\\''; DELETE FROM t")).hasSize(2);
  }

  @Test
  void escapeStringsPostgresRejectsAreRefused() {
    refused(
        "E'\\u12'",
        "E'\\u'",
        "E'\\U0001F60'",
        "E'\\u0000'",
        "E'\\U00110000'",
        "E'\\uD800'",
        "E'\\uD800x'",
        "E'\\uD800\\u0041'",
        "E'\\uDC00'",
        "E'\\x00'",
        "E'\\0'",
        "E'\\400'",
        "E'\\xff'",
        "E'\\xC3'");
  }

  @Test
  void bitHexAndNationalStrings() {
    assertThat(only("B'1010'").kind()).isEqualTo(Kind.STRING);
    assertThat(only("B'1010'").value()).isEqualTo("1010");
    assertThat(only("X'1F'").value()).isEqualTo("1F");
    assertThat(only("N'abc'").value()).isEqualTo("abc");
    assertThat(only("N'it''s'").value()).isEqualTo("it's");
    // no escapes and no doubling in B'' and X''
    assertThat(only("B'1\\'").value()).isEqualTo("1\\");
    assertThat(only("X'\\'").value()).isEqualTo("\\");
    assertThat(values("B'1''0'")).containsExactly("1", "0");
    assertThat(SqlLexer.splitStatements("SELECT X''; SELECT pg_read_file('x') --'")).hasSize(2);
  }

  @Test
  void unicodeStringsAndIdentifiers() {
    assertThat(only("U&'d\\0061t\\+000061'").value()).isEqualTo("data");
    SqlToken id = only("U&\"d\\0061t\\+000061\"");
    assertThat(id.kind()).isEqualTo(Kind.QUOTED_IDENT);
    assertThat(id.value()).isEqualTo("data");
    SqlToken esc = only("U&\"d!0061t!+000061\" UESCAPE '!'");
    assertThat(esc.value()).isEqualTo("data");
    assertThat(only("u&'a\\\\b'").value()).isEqualTo("a\\b");
    assertThat(only("U&'it''s'").value()).isEqualTo("it's");
    assertThat(only("U&'\\D83D\\DE00'").value()).isEqualTo("😀");
    assertThat(texts("U&x")).containsExactly("U", "&", "x");
  }

  @Test
  void uescapeTakesAnySimpleStringConstant() {
    assertThat(whole("U&'x!0041' /* c */ UESCAPE -- c\n E'!'").value()).isEqualTo("xA");
    assertThat(whole("U&'x!0041' uescape $$!$$").value()).isEqualTo("xA");
    assertThat(whole("U&'x*0041' UESCAPE '*'\n''").value()).isEqualTo("xA");
    assertThat(whole("U&'a' UESCAPE ';'").value()).isEqualTo("a");
    assertThat(SqlLexer.splitStatements("SELECT U&'a' UESCAPE\n';'; SELECT 2")).hasSize(2);
    // not the keyword: an identifier that merely starts with it, or non-ASCII case folding
    assertThat(texts("U&'a' uescapes")).containsExactly("U&'a'", "uescapes");
    assertThat(texts("U&'a' UEſCAPE '!'")).containsExactly("U&'a'", "UEſCAPE", "'!'");
  }

  @Test
  void unicodeLiteralsPostgresRejectsAreRefused() {
    refused(
        "U&'\\wxyz'",
        "U&'\\00'",
        "U&'\\+0041'",
        "U&'\\D800'",
        "U&'\\D800x'",
        "U&'\\DC00'",
        "U&'\\0000'",
        "U&'\\+110000'",
        "U&'x' UESCAPE '+'",
        "U&'x' UESCAPE 'a'",
        "U&'x' UESCAPE '\"'",
        "U&'x' UESCAPE ''''",
        "U&'x' UESCAPE 'ab'",
        "U&'x' UESCAPE ''",
        "U&'x' UESCAPE ' '",
        "U&'x' UESCAPE 'é'",
        "U&'x' UESCAPE N'!'",
        "U&'x' UESCAPE B'1'",
        "U&'x' UESCAPE U&'!'",
        "U&'x' UESCAPE 1",
        "U&'x' UESCAPE",
        "U&\"\"",
        "\"\"");
  }

  @Test
  void dollarQuotedStrings() {
    assertThat(only("$$it's ; here$$").value()).isEqualTo("it's ; here");
    assertThat(only("$fn$ a $$ b $fn$").value()).isEqualTo(" a $$ b ");
    assertThat(only("$_x1$y$_x1$").value()).isEqualTo("y");
    assertThat(only("$a$x$b$y$a$").value()).isEqualTo("x$b$y");
    assertThat(only("$A$a$a$A$").value()).isEqualTo("a$a");
    assertThat(only("$é$ü$é$").value()).isEqualTo("ü");
    assertThat(only("$t$ $ta$ $tag $t$").value()).isEqualTo(" $ta$ $tag ");
    assertThat(only("$$ -- no comment /* here $$").value()).isEqualTo(" -- no comment /* here ");
  }

  @Test
  void dollarSignsOutsideDollarQuotes() {
    assertThat(only("$12").kind()).isEqualTo(Kind.PARAM);
    assertThat(texts("$1$$x$$")).containsExactly("$1", "$$x$$");
    assertThat(texts("$1tag$ x")).containsExactly("$1", "tag$", "x"); // a tag cannot start 0-9
    assertThat(only("abc$def").kind()).isEqualTo(Kind.WORD);
    assertThat(only("a$1").kind()).isEqualTo(Kind.WORD);
    assertThat(only("a$$b$$").value()).isEqualTo("a$$b$$");
    assertThat(texts("x $a y")).containsExactly("x", "$", "a", "y");
    assertThat(SqlLexer.splitStatements("SELECT a$$ FROM t; SELECT $$;$$")).hasSize(2);
  }

  @Test
  void quotedIdentifiersKeepCase() {
    SqlToken t = only("\"My \"\"Table\"\"\"");
    assertThat(t.kind()).isEqualTo(Kind.QUOTED_IDENT);
    assertThat(t.value()).isEqualTo("My \"Table\"");
    // no continuation for identifiers
    assertThat(values("\"a\"\n\"b\"")).containsExactly("a", "b");
  }

  // -------------------------------------------------------------------- standard strings off

  @Test
  void standardConformingStringsOff() {
    assertThat(SqlLexer.tokenize("SELECT 'a\\' AS b"))
        .isEqualTo(SqlLexer.tokenize("SELECT 'a\\' AS b", true));
    assertThat(SqlLexer.tokenize("'a\\nb'", false).get(0).value()).isEqualTo("a\nb");
    assertThat(SqlLexer.tokenize("'it\\'s'", false).get(0).value()).isEqualTo("it's");
    assertThat(SqlLexer.tokenize("N'x\\ty'", false).get(0).value()).isEqualTo("x\ty");
    assertThat(SqlLexer.tokenize("'a'\n'\\''", false).get(0).value()).isEqualTo("a'");
    assertThat(SqlLexer.tokenize("B'1\\'", false).get(0).value()).isEqualTo("1\\");
    assertThat(SqlLexer.tokenize("$$\\n$$", false).get(0).value()).isEqualTo("\\n");
    assertThat(SqlLexer.splitTokens(SqlLexer.tokenize("SELECT '\\'; SELECT 2; --'", false)))
        .hasSize(1);
    assertThat(SqlLexer.splitTokens(SqlLexer.tokenize("SELECT '\\'; SELECT 2; --'", true)))
        .hasSize(2);
    assertThatThrownBy(() -> SqlLexer.tokenize("SELECT U&'x'", false))
        .isInstanceOf(CrdbException.class);
    assertThat(SqlLexer.tokenize("SELECT U&\"x\"", false).get(1).value()).isEqualTo("x");
  }

  // ----------------------------------------------------------------------------------- other

  @Test
  void commentsAreDropped() {
    assertThat(texts("SELECT /* a /* nested */ still */ 1 -- tail\n, 2"))
        .containsExactly("SELECT", "1", ",", "2");
    assertThat(texts("-- only\n/* c */")).isEmpty();
    assertThat(texts("1 -- c\r\n2")).containsExactly("1", "2");
    assertThat(texts("1 -- c\r")).containsExactly("1");
    assertThat(texts("1 /**/ 2 /*/ x */ 3 /* ** */ 4")).containsExactly("1", "2", "3", "4");
  }

  @Test
  void numbersParamsOperatorsAndPunctuation() {
    assertThat(kinds("1 1.5 .5 1e10 2.5E-3")).containsOnly(Kind.NUMBER).hasSize(5);
    assertThat(only("$12").kind()).isEqualTo(Kind.PARAM);
    assertThat(texts("a::int")).containsExactly("a", "::", "int");
    assertThat(texts("d->>'k'")).containsExactly("d", "->>", "'k'");
    assertThat(texts("a>=b")).containsExactly("a", ">=", "b");
    assertThat(texts("x@>y")).containsExactly("x", "@>", "y");
    assertThat(kinds("( ) [ ] , ; . :")).containsOnly(Kind.PUNCT).hasSize(8);
    // an operator stops at a comment start
    assertThat(texts("1 +-- c\n2")).containsExactly("1", "+", "2");
    assertThat(texts("2 */* ; */ 3")).containsExactly("2", "*", "3");
    // trailing + and - leave an operator made only of SQL operator characters (scan.l)
    assertThat(texts("a=-1")).containsExactly("a", "=", "-", "1");
    assertThat(texts("a<>-+1")).containsExactly("a", "<>", "-", "+", "1");
    assertThat(texts("a@-1")).containsExactly("a", "@-", "1");
    assertThat(texts("1+++2")).containsExactly("1", "+", "+", "+", "2");
    // trailing letters after a number start a new word (1into = 1 INTO)
    assertThat(texts("1into")).containsExactly("1", "into");
  }

  @Test
  void offsetsPointIntoTheSource() {
    String sql = "  SELECT  x";
    SqlToken t = SqlLexer.tokenize(sql).get(1);
    assertThat(sql.substring(t.start(), t.end())).isEqualTo("x");
  }

  @Test
  void unterminatedConstructsAreSyntaxErrors() {
    refused(
        "SELECT 'x",
        "SELECT E'x\\'",
        "SELECT E'x\\",
        "SELECT 'a'\n'b",
        "SELECT B'1",
        "SELECT \"x",
        "SELECT $$x",
        "SELECT $a$ x $b$",
        "SELECT $a$ x $A$",
        "SELECT /* /* */",
        "SELECT U&'x",
        "SELECT U&\"x");
  }

  /**
   * Text the database cannot receive as written, or that PostgreSQL and CockroachDB would split
   * differently, is refused rather than guessed at.
   */
  @Test
  void ambiguousTextIsRefused() {
    refused(
        "SELECT 1\u0000; DROP TABLE t",
        "SELECT 'a\ud800'",
        "SELECT a\udc00b",
        // CockroachDB ends -- comments at \n only
        "SELECT 1 --x\r, 'y\n; DROP TABLE t; --'",
        // CockroachDB operators #-, // and |/ swallow the first character of the comment start
        "SELECT '{}'::jsonb #--1, f()\n",
        "SELECT 4 //* x */ 2",
        "SELECT 4 |/* x */ 2",
        "SELECT 4 ||/* x */ 2",
        // b'...' is a byte string with escapes in CockroachDB, a bit string in PostgreSQL
        "SELECT b'\\'', pg_read_file('x') --'",
        "SELECT b'''; DROP TABLE t; --'",
        "SELECT b'1'\n'\\''");
    assertThat(texts("SELECT 'a😀'")).containsExactly("SELECT", "'a😀'");
    assertThat(texts("SELECT B'1\\'")).containsExactly("SELECT", "B'1\\'");
    assertThat(texts("SELECT b'10'")).containsExactly("SELECT", "b'10'");
    assertThat(texts("x #- '{a}'")).containsExactly("x", "#-", "'{a}'");
  }

  @Test
  void splitsAtTopLevelSemicolonsOnly() {
    assertThat(SqlLexer.splitStatements("SELECT 1; SELECT 2;"))
        .containsExactly("SELECT 1", "SELECT 2");
    assertThat(SqlLexer.splitStatements("SELECT ';'")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT E'\\';'")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT $$;$$")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT $t$ $$;$$ $t$")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT \"a;b\"")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT 1 /* ; /* ; */ ; */")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT 1 -- ;\n")).hasSize(1);
    assertThat(SqlLexer.splitStatements(";;  ; -- x")).isEmpty();
    assertThat(SqlLexer.splitStatements("SELECT 1 -- c\n; DELETE FROM t")).hasSize(2);
    assertThat(SqlLexer.splitStatements("SELECT 'a' -- c\n'; DELETE FROM t; --'")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT 'a' /* c */ '; DELETE FROM t; --'")).hasSize(1);
    assertThat(SqlLexer.splitStatements("SELECT 'a'\n/* c */ ';'; DELETE FROM t")).hasSize(2);
    assertThat(SqlLexer.splitStatements("SELECT '\\'; DELETE FROM t; --'")).hasSize(2);
  }

  /** Linear time: 10 MB of each shape tokenizes well under a second. */
  @Test
  void largeInputsTokenizeInLinearTime() {
    int mb10 = 10_000_000;
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("string", "SELECT '" + "a".repeat(mb10) + "'");
    inputs.put("escape string", "SELECT E'" + "\\x41".repeat(mb10 / 4) + "'");
    inputs.put("continued string", "SELECT " + "'a'\n".repeat(mb10 / 4));
    inputs.put("failed continuation", "SELECT 'a'" + "\n".repeat(mb10) + "x");
    inputs.put("failed continuation comments", "SELECT 'a'" + "\n-- c".repeat(mb10 / 5) + "\nx");
    inputs.put(
        "dollar near misses", "SELECT $abcdefgh$" + "$abcdefgx".repeat(mb10 / 9) + "$abcdefgh$");
    inputs.put(
        "dollar long tag",
        "SELECT $"
            + "t".repeat(mb10 / 4)
            + "$"
            + ("$" + "t".repeat(1000) + "x").repeat(mb10 / 2 / 1002)
            + "$"
            + "t".repeat(mb10 / 4)
            + "$");
    inputs.put("dollar sign runs", "SELECT " + "$a ".repeat(mb10 / 30));
    inputs.put("block comment", "SELECT 1 /*" + "x".repeat(mb10) + "*/");
    inputs.put("nested comments", "SELECT 1 " + "/*".repeat(mb10 / 4) + "*/".repeat(mb10 / 4));
    inputs.put("line comment", "SELECT 1 --" + "x".repeat(mb10));
    inputs.put("unicode escapes", "SELECT U&'" + "!0041".repeat(mb10 / 5) + "' UESCAPE '!'");
    inputs.put("identifier", "SELECT " + "a".repeat(mb10));
    inputs.put("quoted identifier", "SELECT \"" + "a\"\"".repeat(mb10 / 3) + "\"");
    inputs.put("plus run", "SELECT 1 " + "+".repeat(mb10 / 10) + " 1");
    for (Map.Entry<String, String> e : inputs.entrySet()) {
      long best = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 3; attempt++) {
        long t0 = System.nanoTime();
        SqlLexer.tokenize(e.getValue());
        best = Math.min(best, System.nanoTime() - t0);
      }
      assertThat(best / 1_000_000).as(e.getKey() + " (ms)").isLessThan(1000);
    }
  }
}
