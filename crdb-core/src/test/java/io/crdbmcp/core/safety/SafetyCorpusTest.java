package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SafetyCorpusTest {

  private final SqlGuard guard = new SqlGuard(SafetyCorpus.corpusPolicy());

  @Test
  void corpusIsLargeEnough() {
    assertThat(SafetyCorpus.hostile()).hasSizeGreaterThanOrEqualTo(70);
    assertThat(SafetyCorpus.allowed()).hasSizeGreaterThanOrEqualTo(25);
    assertThat(SafetyCorpus.allowed())
        .allSatisfy(e -> assertThat(e.expected()).isIn("allowed", "allowed cockroach"));
  }

  @Test
  void everyHostileEntryIsRefusedWithItsRule() {
    List<String> failures = new ArrayList<>();
    for (SafetyCorpus.Entry e : SafetyCorpus.hostile()) {
      Verdict v = guard.check(e.sql());
      if (v.allowed() || !e.expected().equals(v.rule())) {
        failures.add(e + "  ->  " + (v.allowed() ? "ALLOWED" : v.rule() + ": " + v.message()));
      }
      if (!v.allowed()) {
        assertThat(v.message()).as(e.toString()).isNotBlank();
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void everyAllowedEntryIsAllowed() {
    List<String> failures = new ArrayList<>();
    for (SafetyCorpus.Entry e : SafetyCorpus.allowed()) {
      Verdict v = guard.check(e.sql());
      if (!v.allowed()) {
        failures.add(e + "  ->  " + v.rule() + ": " + v.message());
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void hostileEntriesStayRefusedUnderCheckReadOnlyWithAPermissivePolicy() {
    // Read-only checking alone (no access control) must still refuse everything that writes.
    SqlGuard ro = new SqlGuard(SafetyPolicy.permissive());
    for (SafetyCorpus.Entry e : SafetyCorpus.hostile()) {
      if (e.expected().startsWith("blocked_")
          || e.expected().equals("statistics_catalog")
          || e.expected().equals("catalog_access")) {
        continue;
      }
      assertThat(ro.checkReadOnly(e.sql()).allowed()).as(e.toString()).isFalse();
    }
  }
}
