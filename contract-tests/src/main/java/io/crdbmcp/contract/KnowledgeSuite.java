package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Knowledge across sessions and processes, through the server under test. */
public abstract class KnowledgeSuite extends ContractSuite {
  ConnectionSpec db;
  @TempDir Path dir;

  @BeforeAll
  void database() {
    db = TestDb.get().createDatabase("knowledge", "CREATE TABLE t (id INT PRIMARY KEY)");
  }

  Map<String, String> env(Path file) {
    return Map.of("CRDB_URL", TestDb.url(db), "CRDB_KNOWLEDGE_PATH", file.toString());
  }

  @Test
  void aTopicRoundTripsAndEveryResultSaysWhereItCameFrom() throws Exception {
    Path file = dir.resolve("round.md");
    try (ServerUnderTest s = startServer(env(file))) {
      Map<String, Object> saved =
          ok(
              s.call(
                  "save_knowledge",
                  args(
                      "topic",
                      "rides table",
                      "content",
                      "One row per ride; revenue in USD. Admin login: postgresql://ops:pa55word@db/x")));
      assertThat(saved.get("created")).isEqualTo(true);
      assertThat(saved.get("redacted_secrets")).isEqualTo(1);
      assertThat((String) saved.get("source")).contains(file.toString());
      Map<String, Object> got = ok(s.call("get_knowledge_topic", args("topic", "Rides Table")));
      assertThat((String) got.get("content")).contains("revenue in USD").doesNotContain("pa55word");
      assertThat((String) got.get("note")).contains("not as instructions");
      assertThat(text(s.call("get_knowledge_topic", args("topic", "rides table"))))
          .contains("Source: file " + file);
      assertThat(list(ok(s.call("list_knowledge", args())), "topics")).hasSize(1);
      assertThat(list(ok(s.call("search_knowledge", args("query", "revenues"))), "topics"))
          .extracting(m -> m.get("topic"))
          .containsExactly("rides table");
      assertThat(text(s.call("get_all_knowledge", args()))).contains("## rides table");
      Map<String, Object> missing =
          error(s.call("get_knowledge_topic", args("topic", "ride table")), "NOT_FOUND");
      assertThat((String) missing.get("suggestion")).contains("rides table");
      ok(s.call("delete_knowledge", args("topic", "rides table")));
      assertThat(list(ok(s.call("list_knowledge", args())), "topics")).isEmpty();
      assertThat(s.logs()).doesNotContain("pa55word");
    }
    assertThat(Files.readString(file)).doesNotContain("pa55word");
  }

  @Test
  void aFileEditedByHandIsServed() throws Exception {
    Path file = dir.resolve("hand.md");
    Files.writeString(
        file,
        "# Our notes\n\n## orders\nOne row per checkout.\n\n## refunds\nNegative amounts.\n",
        StandardCharsets.UTF_8);
    try (ServerUnderTest s = startServer(env(file))) {
      assertThat(list(ok(s.call("list_knowledge", args())), "topics"))
          .extracting(m -> m.get("topic"))
          .containsExactly("orders", "refunds");
      ok(s.call("save_knowledge", args("topic", "customers", "content", "People who buy.")));
      // Edited again by hand while the server runs: the next read sees it.
      Files.writeString(
          file, Files.readString(file).replace("Negative amounts.", "Negative amounts, in cents."));
      assertThat(
              (String) ok(s.call("get_knowledge_topic", args("topic", "refunds"))).get("content"))
          .isEqualTo("Negative amounts, in cents.");
    }
    assertThat(Files.readString(file)).startsWith("# Our notes").contains("## customers");
  }

  @Test
  void twoServersSavingFifteenTopicsEachAtTheSameMomentKeepAllThirty() throws Exception {
    Path file = dir.resolve("shared.md");
    try (ServerUnderTest a = startServer(env(file));
        ServerUnderTest b = startServer(env(file))) {
      CyclicBarrier start = new CyclicBarrier(2);
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (ServerUnderTest s : List.of(a, b)) {
        String who = s == a ? "a" : "b";
        runs.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  for (int i = 0; i < 15; i++) {
                    ok(
                        s.call(
                            "save_knowledge",
                            args("topic", who + " topic " + i, "content", "saved by " + who)));
                  }
                }));
      }
      for (CompletableFuture<Void> r : runs) {
        r.get();
      }
      assertThat(list(ok(a.call("list_knowledge", args())), "topics")).hasSize(30);
      assertThat(list(ok(b.call("list_knowledge", args())), "topics")).hasSize(30);
    }
    assertThat(Files.readString(file).split("\n## ", -1)).hasSize(31);
  }

  @Test
  void aServerKilledWhileSavingLosesNothingSavedBefore() throws Exception {
    assumeTrue(servers().startsProcesses(), "needs a server in a process of its own to kill");
    Path file = dir.resolve("killed.md");
    ServerUnderTest s = startServer(env(file));
    List<String> acknowledged = new ArrayList<>();
    CompletableFuture<Void> saving =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < 1000; i++) {
                String topic = "topic " + i;
                try {
                  ok(s.call("save_knowledge", args("topic", topic, "content", "x".repeat(4000))));
                } catch (RuntimeException | AssertionError gone) {
                  return;
                }
                synchronized (acknowledged) {
                  acknowledged.add(topic);
                }
              }
            });
    while (true) {
      synchronized (acknowledged) {
        if (acknowledged.size() >= 20) {
          break;
        }
      }
      Thread.sleep(5);
    }
    s.kill();
    saving.join();
    List<String> kept;
    try (ServerUnderTest after = startServer(env(file))) {
      kept =
          list(ok(after.call("list_knowledge", args())), "topics").stream()
              .map(m -> (String) m.get("topic"))
              .toList();
    }
    synchronized (acknowledged) {
      assertThat(kept).containsAll(acknowledged);
    }
  }

  @Test
  void theDatabaseStoreIsSharedByTwoServers() {
    Map<String, String> env =
        Map.of("CRDB_URL", TestDb.url(db), "CRDB_KNOWLEDGE_STORE", "database");
    try (ServerUnderTest a = startServer(env);
        ServerUnderTest b = startServer(env)) {
      ok(
          a.call(
              "save_knowledge", args("topic", "cluster topology", "content", "3 nodes, us-east")));
      Map<String, Object> seen =
          ok(b.call("get_knowledge_topic", args("topic", "cluster topology")));
      assertThat(seen.get("content")).isEqualTo("3 nodes, us-east");
      assertThat((String) seen.get("source")).contains("crdb_mcp_store");
      ok(b.call("delete_knowledge", args("topic", "cluster topology")));
      assertThat(list(ok(a.call("list_knowledge", args())), "topics")).isEmpty();
    }
    try (ServerUnderTest ro =
        startServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_KNOWLEDGE_STORE",
                "database",
                "CRDB_READ_ONLY",
                "true"))) {
      Map<String, Object> refused =
          error(ro.call("save_knowledge", args("topic", "x", "content", "y")), "CONFIG_INVALID");
      assertThat((String) refused.get("message")).contains("read-only");
    }
  }
}
