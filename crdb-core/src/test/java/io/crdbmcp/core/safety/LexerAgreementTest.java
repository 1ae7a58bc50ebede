package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SqlLexer} against PostgreSQL's own scanner: decoded literal values, rejected literals and
 * statement counts must agree. The texts go to the server through {@link PgWire}, unsplit, because
 * the JDBC driver would split them at semicolons with its own lexer first.
 */
class LexerAgreementTest {

  private static final String SCHEMA = "CREATE TABLE canary (id int, note text); CREATE SEQUENCE s";

  private static ConnectionSpec spec;
  private static PgWire pg;
  private static PgWire pgNonStandard;

  @BeforeAll
  static void connect() throws IOException {
    // PostgreSQL's scanner is the reference; CockroachDB rejects some of these forms on purpose.
    assumeFalse(TestDb.get().isCockroach(), "needs PostgreSQL");
    spec = TestDb.get().createDatabase("lexer_agreement", SCHEMA);
    pg = PgWire.connect(spec);
    assertThat(pg.simpleQuery("SHOW server_encoding").single()).isEqualTo("UTF8");
    assertThat(pg.simpleQuery("SHOW standard_conforming_strings").single()).isEqualTo("on");
    pgNonStandard = PgWire.connect(spec);
    PgWire.Result set = pgNonStandard.simpleQuery("SET standard_conforming_strings = off");
    assertThat(set.ok()).as(set.message()).isTrue();
    pgNonStandard.simpleQuery("SET escape_string_warning = off");
  }

  @AfterAll
  static void close() throws IOException {
    if (pg != null) {
      pg.close();
    }
    if (pgNonStandard != null) {
      pgNonStandard.close();
    }
  }

  // ------------------------------------------------------------------------------------ values

  /** Literal texts whose value PostgreSQL returns for {@code SELECT <literal>}. */
  static final List<String> LITERALS =
      List.of(
          "'plain'",
          "'it''s'",
          "'back\\slash'",
          "'semi;colon -- not a comment /* nor this */'",
          "'a'\n'b'",
          "'a'  \n  'b'",
          "'a' -- comment before the newline\n'b'",
          "'a'--no space\n'b'",
          "'a'\n-- comment after the newline\n'b'",
          "'a'\n  -- one\n  -- two\n\n  'b'",
          "'a'\r'b'",
          "'a'\r\n'b'",
          "'a'\f\n\u000b'b'",
          "'a' \t\n\t'b'\n'c'",
          "'a'\n''",
          "'one''\n''two'",
          "E'a\\nb'",
          "E'\\b\\f\\n\\r\\t\\v'",
          "E'\\101\\60\\7\\0101'",
          "E'\\x41\\x4a\\x4\\x4G'",
          "E'\\u00e9\\U0001F600'",
          "E'\\uD83D\\uDE00 \\uD83D\\U0000DE00'",
          "E'\\xC3\\xA9 \\303\\251'",
          "E'\\q\\'\\\\\\\"\\%'",
          "E'a''b'",
          "E'a'\n'\\''",
          "e'a' -- comment\n'\\x41'",
          "E'a'\n-- comment\n'\\t'\n'\\\\'",
          "E'\\\\'",
          "E'\\é\\\u00e8'",
          "E'\\\n'",
          "B'1010'",
          "B'10'\n'01'",
          "b'1'\n-- c\n'0'",
          "X'1F'",
          "x'1f'\n'A0'",
          "N'nat'",
          "N'a'\n'\\'",
          "n'x' -- c\n'y'",
          "U&'d\\0061t\\+000061'",
          "U&'d!0061t!+000061' UESCAPE '!'",
          "U&'a\\\\b'",
          "U&'\\00'\n'41'",
          "U&'x#0041'\n'y' UESCAPE '#'",
          "U&'x!0041' /* c */ UESCAPE -- c\n E'!'",
          "U&'x!0041' uescape $$!$$",
          "U&'x*0041' UESCAPE '*'\n''",
          "u&'\\D83D\\DE00'",
          "U&'it''s'",
          "U&'a' UESCAPE ';'",
          "$$it's$$",
          "$$a$b$$",
          "$tag$a $$ b $ta$ c $tag $tag$",
          "$a$x$b$y$a$",
          "$_1$;$_1$",
          "$é$ü$é$",
          "$A$a$a$A$",
          "$$ -- not a comment $$",
          "'a'\u000b\n'b'");

  @Test
  void literalValuesMatchPostgres() throws IOException {
    List<String> failures = new ArrayList<>();
    for (String lit : LITERALS) {
      List<SqlToken> tokens = SqlLexer.tokenize(lit);
      assertThat(tokens).as(show(lit)).hasSize(1);
      SqlToken t = tokens.get(0);
      assertThat(t.kind()).as(show(lit)).isEqualTo(SqlToken.Kind.STRING);
      assertThat(t.start()).isZero();
      assertThat(t.end()).as(show(lit)).isEqualTo(lit.length());
      PgWire.Result r = pg.simpleQuery("SELECT " + lit);
      if (!r.ok()) {
        failures.add(show(lit) + ": PostgreSQL refused it: " + r.message());
        continue;
      }
      String expected = r.single();
      String got = t.value();
      if (Character.toLowerCase(lit.charAt(0)) == 'x') {
        // PostgreSQL shows X'..' as the bits; the lexer keeps the hex digits.
        expected = bitsToHex(expected);
        got = got.toLowerCase(Locale.ROOT);
      }
      if (!expected.equals(got)) {
        failures.add(show(lit) + ": PostgreSQL " + show(expected) + ", lexer " + show(got));
      }
    }
    assertThat(failures).isEmpty();
    assertThat(LITERALS).hasSizeGreaterThanOrEqualTo(40);
  }

  @Test
  void quotedIdentifiersMatchPostgres() throws IOException {
    for (String id :
        List.of(
            "\"My \"\"Table\"\"\"",
            "\"a;b -- c\"",
            "U&\"d\\0061t\\+000061\"",
            "U&\"d!0061t!+000061\" UESCAPE '!'",
            "U&\"x\"\"y\"")) {
      List<SqlToken> tokens = SqlLexer.tokenize(id);
      assertThat(tokens).as(id).hasSize(1);
      assertThat(tokens.get(0).kind()).isEqualTo(SqlToken.Kind.QUOTED_IDENT);
      PgWire.Result r = pg.simpleQuery("SELECT 1 AS " + id);
      assertThat(r.ok()).as(id + ": " + r.message()).isTrue();
      assertThat(tokens.get(0).value()).as(id).isEqualTo(r.columns().get(0));
    }
  }

  /** Texts PostgreSQL refuses while scanning; the lexer must refuse them too (fail closed). */
  @Test
  void literalsPostgresRejectsAreRejected() throws IOException {
    for (String bad :
        List.of(
            "E'\\u12'",
            "E'\\U0001F60'",
            "E'\\u0000'",
            "E'\\400'",
            "E'\\x00'",
            "E'\\xff'",
            "E'\\xC3'",
            "E'\\uD800'",
            "E'\\uD800x'",
            "E'\\uDC00'",
            "E'\\U00110000'",
            "U&'\\wxyz'",
            "U&'\\D800'",
            "U&'\\DC00'",
            "U&'\\+110000'",
            "U&'\\0000'",
            "U&'x' UESCAPE '+'",
            "U&'x' UESCAPE 'ab'",
            "U&'x' UESCAPE 'é'",
            "U&'x' UESCAPE ' '",
            "U&'x' UESCAPE N'!'",
            "U&'x' UESCAPE 1",
            "U&\"\"",
            "\"\"",
            "'abc",
            "E'abc\\'",
            "$a$ x $b$")) {
      PgWire.Result r = pg.simpleQuery("SELECT " + bad);
      assertThat(r.ok()).as("PostgreSQL accepted " + show(bad)).isFalse();
      assertThatThrownBy(() -> SqlLexer.tokenize("SELECT " + bad))
          .as(show(bad))
          .isInstanceOf(CrdbException.class)
          .satisfies(e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.SQL_SYNTAX));
    }
  }

  // -------------------------------------------------------------------------------- statements

  /** Texts whose statement count the lexer and the server must agree on. */
  static final List<String> SCRIPTS =
      List.of(
          "SELECT E'a'\n'\\'', pg_read_file('/etc/passwd')",
          "SELECT length(E'a'\n'\\''); COMMIT; UPDATE canary SET note = 'x' --'",
          "SELECT 1 FROM canary WHERE note = E'a'\n'\\''; COMMIT; UPDATE canary SET note = 'x' --'",
          "SELECT E'a'\n'\\'; SELECT 1; --'",
          "SELECT E'a' -- c\n'\\'; SELECT 2; --'",
          "SELECT E'a'\n-- c\n'\\'; SELECT 2; --'",
          "SELECT E'a'\n/* ; */ , '\\'; SELECT 2; --'",
          "SELECT E'a'\r'\\'; SELECT 2; --'",
          "SELECT E'\\x27; SELECT 2; --'",
          "SELECT E'\\047; SELECT 2; --'",
          "SELECT E'\\u0027; SELECT 2; --'",
          "SELECT E'\\\\'; SELECT 2",
          "SELECT '\\'; SELECT 2; --'",
          "SELECT 'a'--c\n'; SELECT 2; --'",
          "SELECT 'a' \n-x, '; SELECT 2; --'",
          "SELECT 'a'\u000b\n'; SELECT 2; --'",
          "SELECT X''; SELECT 2 --'",
          "SELECT B'1'\n-- c\n'0' AS b; SELECT 2",
          "SELECT X'1F'\n'2F'; SELECT 2",
          "SELECT B'1'\n'', ';'",
          "SELECT 'a'\n-- a comment running to the end 'b'",
          "SELECT N'a'\n'\\'; SELECT 2; --'",
          "SELECT U&'a' -- c\n'b''; SELECT 2; --'",
          "SELECT U&'a'\n'b'; SELECT 2",
          "SELECT U&'x!0041' UESCAPE ';'",
          "SELECT U&'x!0041' UESCAPE\n';'; SELECT 2",
          "SELECT $$;$$; SELECT $t$ $$ ; $$ $t$",
          "SELECT $a$ ; $b$ ; $a$",
          "SELECT a$$ FROM (SELECT 1 AS \"a$$\") x; SELECT 2",
          "SELECT 1 AS a$1; SELECT $$a$$",
          "SELECT 1 /* ; /* ; */ ; */; SELECT 2",
          "SELECT 1 /* /* */ ; */",
          "SELECT 1 -- ;\r\n; SELECT 2",
          "SELECT \"a;b\" FROM (SELECT 1 AS \"a;b\") x; SELECT 2",
          "SELECT U&\"a;b\" FROM (SELECT 1 AS \"a;b\") x",
          "SELECT 'a'\n'b'\n'c'; SELECT 2",
          "SELECT 1 +-- ;\n 2",
          "SELECT 2 */* ; */ 3",
          "SELECT 1; ; ;SELECT 2;;",
          "SELECT 1;;",
          "SELECT E'a'\n'\\'', pg_read_file('x'); SELECT 2");

  @Test
  void statementCountsMatchPostgres() throws IOException {
    assertThat(SCRIPTS).hasSizeGreaterThanOrEqualTo(25);
    for (String sql : SCRIPTS) {
      List<List<SqlToken>> statements = SqlLexer.splitTokens(SqlLexer.tokenize(sql));
      assertThat(statements).as(show(sql)).isNotEmpty();
      assertCount(pg, sql, statements);
    }
  }

  @Test
  void statementCountsMatchPostgresWithoutStandardConformingStrings() throws IOException {
    for (String sql :
        List.of(
            "SELECT '\\'; SELECT 2; --'",
            "SELECT 'a'\n'\\'; SELECT 2; --'",
            "SELECT N'\\'; SELECT 2; --'",
            "SELECT '\\\\'; SELECT 2",
            "SELECT E'\\\\'; SELECT 2",
            "SELECT '\\x27; SELECT 2; --'")) {
      List<List<SqlToken>> statements = SqlLexer.splitTokens(SqlLexer.tokenize(sql, false));
      assertCount(pgNonStandard, sql, statements);
    }
  }

  @Test
  void valuesMatchPostgresWithoutStandardConformingStrings() throws IOException {
    for (String lit :
        List.of(
            "'a\\nb'",
            "'it\\'s'",
            "'it''s'",
            "N'x\\ty'",
            "'a'\n'\\''",
            "'\\x41\\101\\u00e9'",
            "'\\\\'",
            "E'\\x41'",
            "$$\\n$$")) {
      List<SqlToken> tokens = SqlLexer.tokenize(lit, false);
      assertThat(tokens).as(show(lit)).hasSize(1);
      PgWire.Result r = pgNonStandard.simpleQuery("SELECT " + lit);
      assertThat(tokens.get(0).value()).as(show(lit)).isEqualTo(r.single());
    }
    // PostgreSQL refuses U&'...' in this mode, and so does the lexer.
    assertThat(pgNonStandard.simpleQuery("SELECT U&'x'").ok()).isFalse();
    assertThatThrownBy(() -> SqlLexer.tokenize("SELECT U&'x'", false))
        .isInstanceOf(CrdbException.class);
  }

  /**
   * The whole text is one statement for the server iff the lexer finds one, and every statement the
   * lexer cuts out is exactly one statement for the server too.
   */
  private static void assertCount(PgWire w, String sql, List<List<SqlToken>> statements)
      throws IOException {
    Outcome whole = outcome(w.parse(sql));
    assertThat(whole)
        .as(show(sql) + " (lexer: " + statements.size() + " statements)")
        .isEqualTo(statements.size() == 1 ? Outcome.ONE : Outcome.SEVERAL);
    if (statements.size() > 1) {
      for (List<SqlToken> stmt : statements) {
        String piece = sql.substring(stmt.get(0).start(), stmt.get(stmt.size() - 1).end());
        assertThat(outcome(w.parse(piece)))
            .as(show(piece) + " cut from " + show(sql))
            .isEqualTo(Outcome.ONE);
      }
    }
  }

  private enum Outcome {
    ONE,
    SEVERAL,
    SYNTAX_ERROR
  }

  /**
   * Parse analyses the statement too, so errors other than syntax errors (an unknown column, an
   * invalid bit string) still mean the text was one statement.
   */
  private static Outcome outcome(PgWire.Result r) {
    if (r.ok()) {
      return Outcome.ONE;
    }
    if ("42601".equals(r.sqlState())) {
      return r.message().startsWith("cannot insert multiple commands")
          ? Outcome.SEVERAL
          : Outcome.SYNTAX_ERROR;
    }
    return Outcome.ONE;
  }

  private static String bitsToHex(String bits) {
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < bits.length(); k += 4) {
      sb.append(Integer.toHexString(new BigInteger(bits.substring(k, k + 4), 2).intValue()));
    }
    return sb.toString();
  }

  private static String show(String s) {
    StringBuilder sb = new StringBuilder("«");
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c == 0x7F) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('»').toString();
  }
}
