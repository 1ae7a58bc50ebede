package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guard runs on untrusted SQL, so its cost must stay (near-)linear in the input and it must not
 * recurse as deep as the input nests. The timeouts here are hang guards, not benchmarks; the
 * scaling test compares the time for n and 4n to catch quadratic behaviour (ratio ~16).
 */
class StatementClassifierCostTest {

  private static final Duration HANG_GUARD = Duration.ofSeconds(10);

  /** Timings shorter than this are compared as if they took this long. */
  private static final Duration FLOOR = Duration.ofMillis(20);

  private static final SqlGuard GUARD = new SqlGuard(SafetyPolicy.permissive());

  // ---------------------------------------------------------------------------------------------
  // Attack shapes

  static String explains(int n) {
    return "EXPLAIN ".repeat(n) + "SELECT 1";
  }

  static String nestedSubqueries(int n) {
    return "SELECT " + "(SELECT ".repeat(n) + "1" + ")".repeat(n);
  }

  static String relations(int n) {
    StringBuilder b = new StringBuilder("SELECT 1 FROM t0");
    for (int i = 1; i < n; i++) {
      b.append(", t").append(i);
    }
    return b.toString();
  }

  static String smallTokens(int n) {
    return "SELECT " + "1,".repeat(n) + "1";
  }

  /** A named input shape; {@code n} is the smaller of the two sizes compared. */
  record Shape(String name, IntFunction<String> sql, int n) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Shape> shapes() {
    return Stream.of(
        new Shape("EXPLAIN EXPLAIN ... SELECT 1", StatementClassifierCostTest::explains, 25_000),
        new Shape("nested subqueries", StatementClassifierCostTest::nestedSubqueries, 20_000),
        new Shape("relations in one FROM list", StatementClassifierCostTest::relations, 20_000),
        new Shape("small tokens", StatementClassifierCostTest::smallTokens, 50_000),
        new Shape(
            "nested FROM subqueries",
            n -> "SELECT 1 " + "FROM (SELECT 1 ".repeat(n) + ")".repeat(n),
            10_000),
        new Shape("FROM FROM FROM ...", n -> "SELECT 1 " + "FROM ".repeat(n) + "t", 25_000),
        new Shape(
            "TABLE TABLE ... qualified name",
            n -> "TABLE " + "table ".repeat(n) + "x" + ".y".repeat(n),
            20_000),
        new Shape(
            "EXPLAIN options", n -> "EXPLAIN (" + "a, ".repeat(n) + "analyze) SELECT 1", 25_000),
        new Shape(
            "nested EXPLAIN",
            n -> "SELECT " + "(EXPLAIN ".repeat(n) + "SELECT 1" + ")".repeat(n),
            20_000),
        new Shape(
            "nested ALTER", n -> "SELECT " + "(ALTER ".repeat(n) + "1" + ")".repeat(n), 10_000),
        new Shape("nested COPY", n -> "SELECT " + "(COPY ".repeat(n) + "1" + ")".repeat(n), 20_000),
        new Shape(
            "nested EXPLAIN WITH",
            n ->
                "SELECT " + "(EXPLAIN WITH x AS (SELECT 1) SELECT ".repeat(n) + "1" + ")".repeat(n),
            5_000),
        new Shape(
            "many nested commands, then DML",
            n -> "SELECT " + "(EXPLAIN SELECT 1), ".repeat(n) + "(INSERT), ".repeat(n) + "1",
            4_000),
        new Shape(
            "nested WITH ... SEARCH sharing a CTE list",
            n ->
                "WITH a AS (".repeat(n)
                    + "SELECT 1"
                    + ") SEARCH".repeat(n)
                    + ", b AS (SELECT 1)".repeat(n)
                    + " SELECT 1",
            3_000),
        new Shape(
            "long qualified function name", n -> "SELECT a" + ".a".repeat(n) + "(1)", 25_000));
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void attackShapesJustUnderTheDefaultLimitsComplete() {
    SqlLimits limits = SqlLimits.DEFAULTS;
    String explains = explains(5_000);
    String nested = nestedSubqueries(limits.maxDepth() - 1);
    String relations = relations(20_000);
    // About 1 MB of two-character tokens.
    String small = smallTokens((limits.maxLength() - 16) / 2);
    for (String sql : List.of(explains, nested, relations, small)) {
      assertThat(limits.checkLength(sql)).isNull();
      assertThat(limits.checkDepth(SqlLexer.tokenize(sql))).isNull();
    }
    assertThat(small.length()).isGreaterThan(limits.maxLength() - 20);

    assertTimeoutPreemptively(
        HANG_GUARD,
        () -> {
          Verdict v = GUARD.check(explains);
          assertThat(v.allowed()).isTrue();
          assertThat(v.classification().command()).isEqualTo("EXPLAIN");
          Classification c = StatementClassifier.classify(explains);
          assertThat(c.kind()).isEqualTo(StatementKind.READ);
          assertThat(c.writes()).isFalse();
        });
    assertTimeoutPreemptively(
        HANG_GUARD,
        () -> {
          assertThat(GUARD.check(nested).allowed()).isTrue();
          assertThat(StatementClassifier.classify(nested).command()).isEqualTo("SELECT");
        });
    assertTimeoutPreemptively(
        HANG_GUARD,
        () -> {
          assertThat(GUARD.check(relations).allowed()).isTrue();
          Classification c = StatementClassifier.classify(relations);
          assertThat(c.relations()).hasSize(20_000).startsWith("t0", "t1").endsWith("t19999");
        });
    assertTimeoutPreemptively(
        HANG_GUARD,
        () -> {
          assertThat(GUARD.check(small).allowed()).isTrue();
          assertThat(StatementClassifier.classify(small).command()).isEqualTo("SELECT");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void costGrowsLinearly(Shape shape) {
    String small = shape.sql().apply(shape.n());
    String large = shape.sql().apply(4 * shape.n());
    assertThat(large.length()).isLessThanOrEqualTo(SqlLimits.DEFAULT_MAX_LENGTH);
    assertTimeoutPreemptively(
        HANG_GUARD,
        () -> {
          // Warm up, then take the fastest of several runs of each to reduce noise.
          time(small);
          time(large);
          long t1 = Long.MAX_VALUE;
          long t4 = Long.MAX_VALUE;
          for (int run = 0; run < 4; run++) {
            t1 = Math.min(t1, time(small));
            t4 = Math.min(t4, time(large));
          }
          // Linear cost gives a ratio of about 4, quadratic about 16. Below the floor, timings are
          // mostly noise (and a quadratic shape at these sizes takes seconds).
          double ratio = (double) t4 / Math.max(t1, FLOOR.toNanos());
          assertThat(ratio)
              .as("%s: %d ms for n, %d ms for 4n", shape, t1 / 1_000_000, t4 / 1_000_000)
              .isLessThan(12.0);
        });
  }

  private static long time(String sql) {
    System.gc(); // so that collecting the previous run's garbage is not timed
    // CPU time of this thread, not wall time: other processes on a busy machine do not count.
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long start = cpu.getCurrentThreadCpuTime();
    Verdict v = GUARD.check(sql);
    long elapsed = cpu.getCurrentThreadCpuTime() - start;
    assertThat(v).isNotNull();
    return elapsed;
  }

  // ---------------------------------------------------------------------------------------------
  // Deep input must not overflow the stack

  /** Runs the task on a thread with a small stack: nothing may recurse as deep as the input. */
  private static void onSmallStack(Runnable task) throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread =
        new Thread(
            null,
            () -> {
              try {
                task.run();
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            "small-stack",
            256 * 1024);
    thread.setDaemon(true);
    thread.start();
    thread.join(HANG_GUARD.toMillis());
    assertThat(thread.isAlive()).as("finished").isFalse();
    assertThat(failure.get()).isNull();
  }

  static Stream<Shape> deepShapes() {
    return Stream.of(
        new Shape("parentheses", n -> "(".repeat(n) + "SELECT 1" + ")".repeat(n), 200_000),
        new Shape("subqueries", StatementClassifierCostTest::nestedSubqueries, 200_000),
        new Shape("EXPLAIN chain", StatementClassifierCostTest::explains, 200_000),
        new Shape(
            "EXPLAIN in parentheses",
            n -> "SELECT " + "(EXPLAIN ".repeat(n) + "SELECT 1" + ")".repeat(n),
            200_000),
        new Shape("unclosed", n -> "SELECT " + "(".repeat(n) + "1", 200_000),
        new Shape("unopened", n -> "SELECT 1" + ")".repeat(n), 200_000),
        new Shape(
            "CTEs",
            n -> "WITH a AS (".repeat(n) + "SELECT 1" + ")".repeat(n) + " SELECT 1",
            200_000),
        new Shape("brackets", n -> "SELECT " + "ARRAY[".repeat(n) + "1" + "]".repeat(n), 200_000));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deepShapes")
  void deepNestingNeitherOverflowsTheStackNorThrows(Shape shape) throws InterruptedException {
    String sql = shape.sql().apply(shape.n());
    onSmallStack(
        () -> {
          Verdict v = GUARD.check(sql);
          assertThat(v).isNotNull();
          if (v.allowed()) {
            assertThat(v.classification()).isNotNull();
          } else {
            assertThat(v.message()).isNotBlank();
          }
          assertThat(StatementClassifier.classify(sql)).isNotNull();
        });
  }

  @Test
  void deepNestingIsStillClassified() throws InterruptedException {
    int deep = 200_000;
    onSmallStack(
        () -> {
          String parens = "(".repeat(deep) + "SELECT 1" + ")".repeat(deep);
          // The classifier copes with any depth; the guard refuses beyond CRDB_MAX_SQL_DEPTH.
          assertThat(StatementClassifier.classify(parens).command()).isEqualTo("SELECT");
          assertThat(GUARD.check(parens).rule()).isEqualTo(SqlLimits.RULE_TOO_DEEP);
          assertThat(StatementClassifier.classify(explains(deep)).command()).isEqualTo("EXPLAIN");
          assertThat(GUARD.check(explains(deep)).rule()).isEqualTo(SqlLimits.RULE_TOO_LONG);
          assertThat(GUARD.check(explains(5_000)).classification().command()).isEqualTo("EXPLAIN");
          assertThat(GUARD.check("SELECT " + "(".repeat(deep) + "1").rule())
              .isEqualTo(SqlLimits.RULE_TOO_DEEP);
          assertThat(GUARD.check("SELECT 1" + ")".repeat(deep)).rule()).isEqualTo("syntax");
        });
  }
}
