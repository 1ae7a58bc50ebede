package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random texts built from the fragments that decide where literals, comments and statements end,
 * checked against PostgreSQL through {@link PgWire}: whenever the server reads a text as one
 * statement or as several, the lexer must count the same (refusing the text is always allowed), and
 * for {@code SELECT <one literal>} it must decode the value the server returns.
 *
 * <p>Seeded, so a failure reproduces. {@code -Dlexer.fuzz.iterations=N}, {@code
 * -Dlexer.fuzz.seed=S} and {@code -Dlexer.fuzz.parts=P} run larger campaigns.
 */
class LexerFuzzAgreementTest {

  private static final String[] FRAGMENTS = {
    "'",
    "'",
    "'",
    "''",
    "E'",
    "e'",
    "B'",
    "X'",
    "N'",
    "U&'",
    "U&\"",
    "b'",
    "\\",
    "\\'",
    "\\\\",
    "\\x41",
    "\\x2",
    "\\101",
    "\\u0041",
    "\\U0001F600",
    "!0041",
    "\\0041",
    "\\+000041",
    "\n",
    "\n",
    "\r",
    "\r\n",
    " ",
    " ",
    "\t",
    "\f",
    "\u000b",
    "-- c\n",
    "-- ;\n",
    "--",
    "-",
    "/* c */",
    "/*",
    "*/",
    "+/*",
    "*/*",
    ";",
    ";",
    "$$",
    "$a$",
    "$",
    "$1",
    "a$",
    "\"",
    "\"\"",
    "1",
    "1e",
    ".5",
    "0",
    "a",
    "é",
    ",",
    "||",
    "UESCAPE '!'",
    "UESCAPE",
    " SELECT ",
    "+",
    "#",
    "/",
    "*",
    "(",
    ")"
  };

  private static PgWire pg;
  private static PgWire pgNonStandard;

  @BeforeAll
  static void connect() throws IOException {
    assumeFalse(TestDb.get().isCockroach(), "needs PostgreSQL");
    ConnectionSpec spec = TestDb.get().createDatabase("lexer_fuzz", null);
    pg = PgWire.connect(spec);
    pgNonStandard = PgWire.connect(spec, "standard_conforming_strings", "off");
    pgNonStandard.simpleQuery("SET escape_string_warning = off");
    assertThat(pgNonStandard.simpleQuery("SHOW standard_conforming_strings").single())
        .isEqualTo("off");
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

  @Test
  void randomTextsSplitAndDecodeLikePostgres() throws IOException {
    fuzz(pg, true, 20240611L);
  }

  @Test
  void randomTextsSplitAndDecodeLikePostgresWithoutStandardConformingStrings() throws IOException {
    fuzz(pgNonStandard, false, 20240612L);
  }

  private static void fuzz(PgWire w, boolean scs, long defaultSeed) throws IOException {
    int iterations = Integer.getInteger("lexer.fuzz.iterations", 2000);
    int maxParts = Integer.getInteger("lexer.fuzz.parts", 10);
    Random random = new Random(Long.getLong("lexer.fuzz.seed", defaultSeed));
    List<String> failures = new ArrayList<>();
    int compared = 0;
    for (int i = 0; i < iterations && failures.size() < 20; i++) {
      StringBuilder sb = new StringBuilder("SELECT ");
      int parts = 1 + random.nextInt(maxParts);
      for (int k = 0; k < parts; k++) {
        sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
      }
      String sql = sb.toString();
      List<List<SqlToken>> statements;
      try {
        statements = SqlLexer.splitTokens(SqlLexer.tokenize(sql, scs));
      } catch (CrdbException e) {
        continue; // refusing is always allowed
      }
      PgWire.Result parsed = w.parse(sql);
      boolean syntaxError = !parsed.ok() && "42601".equals(parsed.sqlState());
      boolean several =
          syntaxError && parsed.message().startsWith("cannot insert multiple commands");
      if (syntaxError && !several) {
        continue; // the server refuses it; nothing runs
      }
      compared++;
      if ((statements.size() > 1) != several) {
        failures.add(
            show(sql)
                + ": PostgreSQL "
                + (several ? "several statements" : "one statement")
                + ", lexer "
                + statements.size());
        continue;
      }
      List<SqlToken> tokens = statements.get(0);
      if (several || tokens.size() != 2 || tokens.get(1).kind() != SqlToken.Kind.STRING) {
        continue;
      }
      char first = Character.toLowerCase(tokens.get(1).text().charAt(0));
      if (first == 'b' || first == 'x') {
        continue; // bit strings print as bits
      }
      PgWire.Result r = w.simpleQuery(sql);
      if (r.ok() && !tokens.get(1).value().equals(r.single())) {
        failures.add(
            show(sql)
                + ": PostgreSQL value "
                + show(r.single())
                + ", lexer "
                + show(tokens.get(1).value()));
      }
    }
    assertThat(failures).isEmpty();
    assertThat(compared).isPositive();
  }

  private static String show(String s) {
    StringBuilder sb = new StringBuilder("«");
    for (char c : s.toCharArray()) {
      sb.append(c < 0x20 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.append('»').toString();
  }
}
