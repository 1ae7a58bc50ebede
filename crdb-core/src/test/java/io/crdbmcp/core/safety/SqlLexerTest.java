package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.safety.SqlToken.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

  private static SqlToken only(String sql) {
    List<SqlToken> t = SqlLexer.tokenize(sql);
    assertThat(t).hasSize(1);
    return t.get(0);
  }

  private static List<Kind> kinds(String sql) {
    return SqlLexer.tokenize(sql).stream().map(SqlToken::kind).toList();
  }

  private static List<String> texts(String sql) {
    return SqlLexer.tokenize(sql).stream().map(SqlToken::text).toList();
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
  }

  @Test
  void escapeStrings() {
    assertThat(only("E'a\\nb'").value()).isEqualTo("a\nb");
    assertThat(only("e'\\''").value()).isEqualTo("'");
    assertThat(only("E'x''y'").value()).isEqualTo("x'y");
    assertThat(only("E'\\x41\\101\\u0042'").value()).isEqualTo("AAB");
    // E'\'' is one string; a naive lexer would see the statement continue.
    assertThat(SqlLexer.splitStatements("SELECT E'\\''; DELETE FROM t")).hasSize(2);
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
  }

  @Test
  void dollarQuotedStrings() {
    assertThat(only("$$it's ; here$$").value()).isEqualTo("it's ; here");
    assertThat(only("$fn$ a $$ b $fn$").value()).isEqualTo(" a $$ b ");
    assertThat(only("$_x1$y$_x1$").value()).isEqualTo("y");
  }

  @Test
  void bitHexAndNationalStrings() {
    assertThat(only("B'1010'").kind()).isEqualTo(Kind.STRING);
    assertThat(only("X'1F'").value()).isEqualTo("1F");
    assertThat(only("N'abc'").value()).isEqualTo("abc");
  }

  @Test
  void quotedIdentifiersKeepCase() {
    SqlToken t = only("\"My \"\"Table\"\"\"");
    assertThat(t.kind()).isEqualTo(Kind.QUOTED_IDENT);
    assertThat(t.value()).isEqualTo("My \"Table\"");
  }

  @Test
  void commentsAreDropped() {
    assertThat(texts("SELECT /* a /* nested */ still */ 1 -- tail\n, 2"))
        .containsExactly("SELECT", "1", ",", "2");
    assertThat(texts("-- only\n/* c */")).isEmpty();
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
    for (String bad :
        List.of(
            "SELECT 'x",
            "SELECT E'x\\'",
            "SELECT \"x",
            "SELECT $$x",
            "SELECT $a$ x $b$",
            "SELECT /* /* */",
            "SELECT U&'x")) {
      assertThatThrownBy(() -> SqlLexer.tokenize(bad))
          .as(bad)
          .isInstanceOf(CrdbException.class)
          .satisfies(e -> assertThat(((CrdbException) e).code()).isEqualTo(ErrorCode.SQL_SYNTAX));
    }
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
  }
}
