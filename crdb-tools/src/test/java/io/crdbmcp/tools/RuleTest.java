package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.safety.Rule;
import io.crdbmcp.core.safety.SqlLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The rule ids clients see are exactly those of {@link Rule}. */
class RuleTest {
  @Test
  void idsAreTheLowerCaseNamesAndFindable() {
    for (Rule r : Rule.values()) {
      assertThat(r.id()).matches("[a-z_]+").isEqualTo(r.toString());
      assertThat(Rule.find(r.id())).contains(r);
    }
    assertThat(Rule.find(null)).isEmpty();
    assertThat(Rule.find("teleport")).isEmpty();
    assertThat(Rule.find(SqlLimits.RULE_TOO_LONG)).contains(Rule.STATEMENT_TOO_LONG);
    assertThat(Rule.find(SqlLimits.RULE_TOO_DEEP)).contains(Rule.NESTING_TOO_DEEP);
  }

  /** Every rule the library can name: the corpora's and those in the sources of crdb-core. */
  @Test
  void everyRuleTheLibraryNamesIsARule() throws IOException {
    Set<String> named = new TreeSet<>();
    Path corpora = Path.of("../crdb-core/src/test/resources/safety");
    Path safety = Path.of("../crdb-core/src/main/java/io/crdbmcp/core/safety");
    Pattern corpusRule = Pattern.compile("-- rule: ([a-z_]+)");
    // refuse(c, Rule.X, ...) and refuse(Rule.X, ...) in the guard and the database checks, which
    // never name a rule by a string: refuse(c, "rule", ...) no longer compiles, and is not there
    Pattern refusal = Pattern.compile("refuse\\(\\s*(?:[a-zA-Z.()]+,\\s*)?Rule\\.([A-Z_]+)\\b");
    Pattern byString = Pattern.compile("refuse\\(\\s*(?:[a-zA-Z.()]+,\\s*)?\"([a-z_]+)\"");
    try (Stream<Path> files = Files.list(corpora)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".sql")).toList()) {
        Matcher m = corpusRule.matcher(Files.readString(f));
        while (m.find()) {
          named.add(m.group(1));
        }
      }
    }
    for (String f : new String[] {"SqlGuard.java", "DatabaseChecks.java"}) {
      String source = Files.readString(safety.resolve(f));
      assertThat(byString.matcher(source).find()).as(f + " names a rule by a string").isFalse();
      Matcher m = refusal.matcher(source);
      int refusals = 0;
      while (m.find()) {
        named.add(m.group(1).toLowerCase(Locale.ROOT));
        refusals++;
      }
      assertThat(refusals).as(f + " refuses by a Rule").isPositive();
    }
    assertThat(named).hasSizeGreaterThan(15);
    Set<String> ids = Arrays.stream(Rule.values()).map(Rule::id).collect(Collectors.toSet());
    assertThat(ids).containsAll(named);
  }
}
