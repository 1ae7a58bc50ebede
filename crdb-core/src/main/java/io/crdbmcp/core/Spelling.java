package io.crdbmcp.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** "Did you mean ...?": the known names closest to a mistyped one. */
public final class Spelling {
  private Spelling() {}

  /**
   * Up to {@code max} candidates close enough to {@code wanted} to be a likely typo, closest first.
   * Case is ignored. A candidate is close when its edit distance is at most a third of the longer
   * name (at least 2), or when one name contains the other.
   */
  public static List<String> closest(String wanted, Collection<String> candidates, int max) {
    if (wanted == null || wanted.isEmpty() || max <= 0) {
      return List.of();
    }
    String w = wanted.toLowerCase(Locale.ROOT);
    record Scored(String name, int distance) {}
    List<Scored> scored = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String c : candidates) {
      if (c == null || c.isEmpty() || !seen.add(c)) {
        continue;
      }
      String l = c.toLowerCase(Locale.ROOT);
      if (l.equals(w)) {
        scored.add(new Scored(c, 0));
        continue;
      }
      int d = distance(w, l, Math.max(w.length(), l.length()));
      int limit = Math.max(2, Math.max(w.length(), l.length()) / 3);
      boolean contains = Math.min(w.length(), l.length()) >= 3 && (l.contains(w) || w.contains(l));
      if (d <= limit || contains) {
        scored.add(new Scored(c, contains ? Math.min(d, limit) : d));
      }
    }
    scored.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
    return scored.stream().limit(max).map(Scored::name).toList();
  }

  /** The closest candidate, or {@code null}. */
  public static String closest(String wanted, Collection<String> candidates) {
    List<String> c = closest(wanted, candidates, 1);
    return c.isEmpty() ? null : c.get(0);
  }

  /**
   * Levenshtein distance (insertions, deletions, substitutions; a swap of two neighbours counts
   * once), giving up at {@code cap}.
   */
  static int distance(String a, String b, int cap) {
    if (Math.abs(a.length() - b.length()) > cap) {
      return cap + 1;
    }
    int[] prev2 = new int[b.length() + 1];
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      int rowMin = cur[0];
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
        rowMin = Math.min(rowMin, v);
      }
      if (rowMin > cap) {
        return cap + 1;
      }
      int[] t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
