package io.crdbmcp.core.knowledge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnowledgeTest {
  @TempDir Path dir;

  Knowledge file() {
    return Knowledge.file(dir.resolve("sub/knowledge.md"));
  }

  @Test
  void savedTopicsRoundTripThroughAReadableMarkdownFile() throws Exception {
    Knowledge k = file();
    assertThat(k.list()).isEmpty();
    Knowledge.Saved s = k.save("rides table", "One row per ride.\n\n### Columns\n- revenue: USD");
    assertThat(s.created()).isTrue();
    assertThat(k.save("Rides Table", "One row per ride, revenue in USD.").created())
        .as("the same topic, whatever the case")
        .isFalse();
    k.save("users", "Riders and owners.");
    assertThat(k.list()).extracting(Topic::name).containsExactly("Rides Table", "users");
    assertThat(k.require("RIDES table").content()).isEqualTo("One row per ride, revenue in USD.");
    String text = Files.readString(dir.resolve("sub/knowledge.md"));
    assertThat(text)
        .startsWith("# cockroachdb-mcp knowledge")
        .contains("\n## Rides Table\n_updated ")
        .contains("\n## users\n");
    assertThat(k.delete("users")).isTrue();
    assertThat(k.delete("users")).isFalse();
    assertThat(k.get("users")).isEmpty();
    CrdbException missing = catchNotFound(() -> k.require("ridez table"));
    assertThat(missing.suggestion()).contains("Rides Table");
  }

  static CrdbException catchNotFound(Runnable r) {
    try {
      r.run();
    } catch (CrdbException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
      return e;
    }
    throw new AssertionError("expected NOT_FOUND");
  }

  @Test
  void aFileEditedByHandIsReadBackAndItsEditsSurviveTheNextSave() throws Exception {
    Path f = dir.resolve("knowledge.md");
    Files.writeString(
        f,
        "# Team notes\r\n\r\nKept by the data team.\r\n\r\n"
            + "## orders\r\nThe orders table, one row per checkout.\r\n\r\n"
            + "```sql\r\n## not a heading, inside code\r\nSELECT 1;\r\n```\r\n"
            + "##   payments   \r\n_updated 2024-05-01T10:00:00Z_\r\n\r\nPayments, in cents.\r\n"
            + "## \r\n(an empty heading is text)\r\n",
        StandardCharsets.UTF_8);
    Knowledge k = Knowledge.file(f);
    List<Topic> topics = k.list();
    assertThat(topics).extracting(Topic::name).containsExactly("orders", "payments");
    assertThat(topics.get(0).content())
        .contains("one row per checkout")
        .contains("## not a heading, inside code")
        .contains("SELECT 1;");
    assertThat(topics.get(0).updated()).isNull();
    assertThat(topics.get(1).updated()).hasToString("2024-05-01T10:00:00Z");
    assertThat(topics.get(1).content())
        .startsWith("Payments, in cents.")
        .contains("(an empty heading is text)");

    k.save("customers", "People who buy.");
    String after = Files.readString(f);
    assertThat(after).startsWith("# Team notes").contains("Kept by the data team.");
    assertThat(k.list()).extracting(Topic::name).containsExactly("orders", "payments", "customers");
    assertThat(k.require("orders").content()).contains("## not a heading, inside code");
  }

  @Test
  void secretsAreMaskedAndWhatCannotBeKeptIsRefused() {
    Knowledge k = file();
    Knowledge.Saved s =
        k.save(
            "connections",
            "Prod: postgresql://app:S3cr3t!pw@db.prod:26257/shop?sslmode=verify-full\n"
                + "jdbc url has password=hunter22 and token: abcdef123456\n"
                + "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sgnaturepart\n"
                + "aws AKIAABCDEFGHIJKLMNOP");
    assertThat(s.redacted()).isGreaterThanOrEqualTo(5);
    String kept = k.require("connections").content();
    assertThat(kept)
        .doesNotContain("S3cr3t!pw")
        .doesNotContain("hunter22")
        .doesNotContain("abcdef123456")
        .doesNotContain("eyJhbGciOiJIUzI1NiJ9")
        .doesNotContain("AKIAABCDEFGHIJKLMNOP")
        .contains("postgresql://app:[REDACTED]@db.prod:26257/shop");

    assertThatThrownBy(
            () ->
                k.save(
                    "key",
                    "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----"))
        .hasMessageContaining("private key");
    assertThatThrownBy(() -> k.save("", "x")).hasMessageContaining("topic name");
    assertThatThrownBy(() -> k.save("a\nb", "x")).hasMessageContaining("one line");
    assertThatThrownBy(() -> k.save("ok", "   ")).hasMessageContaining("empty");
    assertThatThrownBy(() -> k.save("ok", "text\n## sneaky new topic\nmore"))
        .hasMessageContaining("new topic")
        .satisfies(e -> assertThat(((CrdbException) e).suggestion()).contains("###"));
    assertThatThrownBy(() -> k.save("big", "x".repeat(Knowledge.MAX_TOPIC_BYTES + 1)))
        .hasMessageContaining("at most " + Knowledge.MAX_TOPIC_BYTES);
    assertThat(k.list()).extracting(Topic::name).containsExactly("connections");
  }

  @Test
  void theTotalIsLimited() {
    Knowledge k = file();
    String chunk = "y".repeat(Knowledge.MAX_TOPIC_BYTES - 10);
    int saved = 0;
    try {
      for (int i = 0; i < 100; i++) {
        k.save("t" + i, chunk);
        saved++;
      }
    } catch (CrdbException e) {
      assertThat(e.getMessage()).contains("past its limit");
    }
    assertThat((long) saved * chunk.length()).isLessThanOrEqualTo(Knowledge.MAX_TOTAL_BYTES);
    assertThat(saved).isLessThan(100);
    assertThat(k.list()).hasSize(saved);
  }

  @Test
  void searchRanksByStemmedRelevance() {
    Knowledge k = file();
    k.save("rides table", "One row per ride. Indexed by city and start time.");
    k.save("billing", "Invoices are generated nightly from the rides revenue.");
    k.save("vehicles", "Scooters and bikes; battery levels are sampled hourly.");
    List<Knowledge.Found> hits = k.search("which indexes exist on rides", 5);
    assertThat(hits).isNotEmpty();
    assertThat(hits.get(0).topic().name()).isEqualTo("rides table");
    assertThat(hits.get(0).snippet()).contains("Indexed");
    assertThat(k.search("battery", 5))
        .extracting(f -> f.topic().name())
        .containsExactly("vehicles");
    assertThat(k.search("invoicing", 5).get(0).topic().name()).as("stems").isEqualTo("billing");
    assertThat(k.search("the of and", 5)).as("only stop words").isEmpty();
    assertThatThrownBy(() -> k.search(" ", 5)).isInstanceOf(CrdbException.class);
  }

  @Test
  void manyWritersOnOneFileKeepEveryTopicAndAStrayTemporaryFileIsIgnored() throws Exception {
    Path f = dir.resolve("shared.md");
    Files.writeString(dir.resolve(".shared.md123.tmp"), "## half written");
    Knowledge a = Knowledge.file(f);
    Knowledge b = Knowledge.file(f);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int n = i;
      done.add(pool.submit(() -> (n % 2 == 0 ? a : b).save("topic " + n, "text " + n)));
    }
    for (Future<?> d : done) {
      d.get();
    }
    pool.shutdown();
    assertThat(Knowledge.file(f).list()).hasSize(40);
    assertThat(Files.list(dir).filter(p -> p.getFileName().toString().endsWith(".tmp")).count())
        .as("only the stray one; every write's own temporary file is gone")
        .isEqualTo(1);
  }

  @Test
  void theDatabaseStoreIsSharedAndRefusedOnAReadOnlyServer() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("knowledge", "");
    try (Crdb one = Crdb.create(c -> c.url(TestDb.url(spec)).knowledgeStore("database"));
        Crdb two = Crdb.create(c -> c.url(TestDb.url(spec)).knowledgeStore("database"))) {
      one.knowledge().save("rides table", "one row per ride");
      two.knowledge().save("users", "riders, password=notthis1");
      assertThat(two.knowledge().list())
          .extracting(Topic::name)
          .containsExactly("rides table", "users");
      assertThat(one.knowledge().require("users").content()).doesNotContain("notthis1");
      assertThat(one.knowledge().source()).startsWith("table crdb_mcp_store in ");
      assertThat(one.knowledge().search("rider", 3).get(0).topic().name()).isEqualTo("users");
      assertThat(two.knowledge().delete("RIDES TABLE")).isTrue();
      assertThat(one.knowledge().list()).extracting(Topic::name).containsExactly("users");
    }
    try (Crdb ro =
        Crdb.create(c -> c.url(TestDb.url(spec)).knowledgeStore("database").readOnly(true))) {
      assertThat(ro.knowledge().list()).extracting(Topic::name).containsExactly("users");
      assertThatThrownBy(() -> ro.knowledge().save("x", "y"))
          .isInstanceOf(CrdbException.class)
          .hasMessageContaining("read-only")
          .hasMessageContaining("CRDB_READ_ONLY");
    }
  }
}
