package io.crdbmcp.core.safety;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safety corpus: {@code safety/hostile.sql} and {@code safety/allowed.sql} on the test
 * classpath. Entries are separated by a line that is exactly {@code -- @@}; each begins with one
 * line {@code -- rule: <rule id>} (hostile) or {@code -- allowed} / {@code -- allowed cockroach}
 * (allowed; the latter is CockroachDB-only SQL), followed by the SQL. Dependency-free so other
 * modules can replay the corpus from the crdb-core test-jar.
 */
public final class SafetyCorpus {

  private SafetyCorpus() {}

  /**
   * One corpus entry.
   *
   * @param expected the expected rule id for hostile entries; {@code allowed} or {@code allowed
   *     cockroach} for allowed ones
   * @param sql the statement text, exactly as sent
   */
  public record Entry(String expected, String sql) {
    /** True for allowed entries that only CockroachDB accepts. */
    public boolean cockroachOnly() {
      return expected.equals("allowed cockroach");
    }

    @Override
    public String toString() {
      return "[" + expected + "] " + sql.replace('\n', ' ');
    }
  }

  /** Hostile entries; each must be refused with {@link Entry#expected()} as the rule. */
  public static List<Entry> hostile() {
    return load("safety/hostile.sql", "-- rule:");
  }

  /**
   * Hostile entries that only the checks the database makes can refuse ({@code
   * safety/hostile-db.sql}): user-defined functions and operators, renamed columns, views. They are
   * replayed through the real server against {@code SafetyIT}'s schema, never through the guard
   * alone, which allows them.
   */
  public static List<Entry> hostileDb() {
    return load("safety/hostile-db.sql", "-- rule:");
  }

  /** Legitimate entries; each must be allowed. */
  public static List<Entry> allowed() {
    return load("safety/allowed.sql", "-- allowed");
  }

  /**
   * The policy the corpus is written against: read-only, default blocked commands, table {@code
   * secrets} blocked, column {@code users.password_hash} blocked.
   */
  public static SafetyPolicy corpusPolicy() {
    return new SafetyPolicy(
        true,
        SafetyPolicy.DEFAULT_BLOCKED_COMMANDS,
        Set.of(),
        Set.of(),
        Set.of("secrets"),
        Map.of("users", Set.of("password_hash")),
        Set.of());
  }

  private static List<Entry> load(String resource, String marker) {
    String text;
    ClassLoader cl = SafetyCorpus.class.getClassLoader();
    try (InputStream in = cl.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Entry> out = new ArrayList<>();
    List<String> chunk = new ArrayList<>();
    for (String line : text.replace("\r\n", "\n").split("\n", -1)) {
      if (line.equals("-- @@")) {
        add(out, chunk, marker, resource);
        chunk.clear();
      } else {
        chunk.add(line);
      }
    }
    add(out, chunk, marker, resource);
    return List.copyOf(out);
  }

  private static void add(List<Entry> out, List<String> chunk, String marker, String resource) {
    int first = 0;
    while (first < chunk.size() && chunk.get(first).isBlank()) {
      first++;
    }
    if (first == chunk.size()) {
      return;
    }
    String head = chunk.get(first).trim();
    if (!head.startsWith(marker)) {
      throw new IllegalStateException(
          resource + ": entry does not start with '" + marker + "': " + head);
    }
    String expected =
        marker.equals("-- rule:") ? head.substring(marker.length()).trim() : head.substring(3);
    int last = chunk.size();
    while (last > first + 1 && chunk.get(last - 1).isBlank()) {
      last--;
    }
    String sql = String.join("\n", chunk.subList(first + 1, last));
    out.add(new Entry(expected.trim(), sql));
  }
}
