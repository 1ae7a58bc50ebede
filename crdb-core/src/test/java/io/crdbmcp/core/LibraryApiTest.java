package io.crdbmcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.schema.SchemaInfo;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import io.crdbmcp.core.testing.TestDb;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's library section, line by line, on the demo data in a real database: {@link
 * #readmeLibrarySection()} runs the lines as written there, and {@link #everyReadmeLineIsHere()}
 * fails when the README shows a line this test does not run.
 */
class LibraryApiTest {
  static ConnectionSpec spec;
  static String URL;

  record CityCount(String city, long n) {}

  @BeforeAll
  static void setUp() {
    spec = TestDb.get().createDatabase("library", EmbeddedPostgresServer.rideshareScript());
    URL = TestDb.url(spec);
  }

  @Test
  void readmeLibrarySection() throws Exception {
    // The README's lines, with its example URLs replaced by the test database's.
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(URL).readOnlyConnection("analytics", URL))) {
      System.out.println(crdb.tables());
      assertThat(crdb.tables().toString())
          .startsWith("schema|name|kind|estimated_rows|comment\n")
          .contains("\npublic|rides|table|")
          .contains("\npublic|city_revenue|view|");
      assertThat(crdb.tables()).extracting(TableEntry::name).contains("rides", "users");

      TableInfo rides = crdb.describe("rides");
      assertThat(rides.primaryKey()).containsExactly("id");
      assertThat(rides.columns()).extracting(SchemaInfo.ColumnEntry::name).contains("revenue");
      assertThat(rides.toString())
          .startsWith("table public.rides, primary key (id)\n")
          .contains("name|type|nullable|default_value|primary_key|comment\n")
          .contains("\nid|uuid|false|NULL|true|NULL\n");

      ResultTable r =
          crdb.query("SELECT city, count(*) AS n FROM rides WHERE revenue > $1 GROUP BY city", 20);
      assertThat(r.toString()).startsWith("city|n\n").endsWith("(8 rows)");

      List<CityCount> counts = r.as(CityCount.class);
      long total = counts.stream().mapToLong(CityCount::n).sum();
      assertThat(total)
          .isEqualTo(
              ((Number) TestDb.scalar(spec, "SELECT count(*) FROM rides WHERE revenue > 20"))
                  .longValue());
      assertThat(r.toMaps()).hasSize(8).allSatisfy(m -> assertThat(m).containsKeys("city", "n"));

      ResultTable page =
          crdb.rows("rides").where("city", "boston").orderBy("revenue desc").limit(20).read();
      assertThat(page.rowCount()).isEqualTo(20);
      assertThat(page.nextCursor()).isNotNull();
      int city = page.columnNames().indexOf("city");
      int revenue = page.columnNames().indexOf("revenue");
      List<BigDecimal> revenues = new ArrayList<>();
      for (List<Object> row : page.rows()) {
        assertThat(row.get(city)).isEqualTo("boston");
        revenues.add((BigDecimal) row.get(revenue));
      }
      assertThat(revenues).isSortedAccordingTo((a, b) -> b.compareTo(a));
      ResultTable next =
          crdb.rows("rides")
              .where("city", "boston")
              .orderBy("revenue desc")
              .limit(20)
              .after(page.nextCursor())
              .read();
      assertThat((BigDecimal) next.rows().get(0).get(revenue))
          .isLessThanOrEqualTo(revenues.get(19));

      try (TxScope tx = crdb.begin()) {
        tx.rows("users").where("email", "user7@example.com").update(Map.of("city", "boston"));
        tx.commit();
      }
      assertThat(TestDb.scalar(spec, "SELECT city FROM users WHERE email = 'user7@example.com'"))
          .isEqualTo("boston");

      RecordList<TableEntry> seen = crdb.session(Caller.client("alice")).on("analytics").tables();
      assertThat(seen).extracting(TableEntry::name).contains("rides");
      // The analytics connection is read-only: the same session cannot write through it.
      assertThatThrownBy(
              () ->
                  crdb.session(Caller.client("alice"))
                      .on("analytics")
                      .query("UPDATE users SET city = 'rome' WHERE email = 'user8@example.com'"))
          .isInstanceOf(SqlRefusedException.class);
    }
  }

  @Test
  void everyReadmeLineIsHere() throws Exception {
    String readme = Files.readString(Path.of("../README.md"));
    int at = readme.indexOf("## Use it as a library");
    assertThat(at).isPositive();
    Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find(at)).isTrue();
    String test =
        squeeze(Files.readString(Path.of("src/test/java/io/crdbmcp/core/LibraryApiTest.java")));
    int lines = 0;
    for (String line : block.group(1).split("\n")) {
      String code = line.replaceAll("\\s+//.*$", "").replaceAll("\"postgresql://[^\"]*\"", "URL");
      if (squeeze(code).length() <= 1) {
        continue; // braces
      }
      assertThat(test).as("README line runs in this test: %s", line).contains(squeeze(code));
      lines++;
    }
    assertThat(lines).isBetween(8, 14);
  }

  /** The error code of what {@code call} throws. */
  static ErrorCode codeOf(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(t).isInstanceOf(CrdbException.class);
    return ((CrdbException) t).code();
  }

  private static String squeeze(String s) {
    return s.replaceAll("\\s+", "");
  }

  @Test
  void resultsConvertAndPrint() {
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(URL).maxRows(3))) {
      ResultTable r =
          crdb.query(
              "SELECT id, name, email, NULL::text AS nothing FROM users WHERE city = $1 ORDER BY"
                  + " email",
              "paris");
      assertThat(r.truncated()).isTrue();
      assertThat(r.toString())
          .startsWith("id|name|email|nothing\n")
          .contains("|NULL\n")
          .endsWith("(3 rows; more exist beyond the 3-row cap)");
      record User(java.util.UUID id, String name, String email, String nothing) {}
      assertThat(r.as(User.class)).hasSize(3).allSatisfy(u -> assertThat(u.id()).isNotNull());
      assertThat(crdb.query("SELECT count(*) FROM users").value()).isEqualTo(500L);
      assertThatThrownBy(() -> r.as(CityCount.class))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no column for CityCount.city");
      assertThat(crdb.validate("DELETE FROM users").allowed()).isTrue();
      assertThat(crdb.database().dialect().displayName()).isNotBlank();
    }
  }

  @Test
  void aTransactionScopeRollsBackUnlessCommitted() throws Exception {
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(URL))) {
      String id;
      try (TxScope tx = crdb.begin()) {
        id = tx.id();
        assertThat(tx.readOnly()).isFalse();
        ResultTable changed =
            tx.rows("promo_codes").where("code", "PROMO001").update(Map.of("description", "gone"));
        assertThat(changed.affected()).isEqualTo(1);
        assertThat(tx.rows("promo_codes").where("code", "PROMO001").read().toMaps().get(0))
            .containsEntry("description", "gone");
        assertThat(
                tx.query("SELECT description FROM promo_codes WHERE code = $1", "PROMO001").value())
            .isEqualTo("gone");
      }
      assertThat(TestDb.scalar(spec, "SELECT description FROM promo_codes WHERE code = 'PROMO001'"))
          .isNotEqualTo("gone");
      assertThat(codeOf(() -> crdb.transactions().status(id, Caller.local())))
          .isEqualTo(ErrorCode.TRANSACTION_NOT_FOUND);

      // A read-only scope refuses writes; the guard is the tools' guard.
      try (TxScope ro = crdb.begin(true)) {
        assertThat(ro.readOnly()).isTrue();
        assertThat(codeOf(() -> ro.query("DELETE FROM user_promo_codes")))
            .isEqualTo(ErrorCode.SQL_REFUSED);
      }
      assertThat(crdb.transactions().openCount()).isZero();
    }
  }

  @Test
  void theLibraryHasTheToolsLimitsAndGuard() {
    try (Crdb crdb =
        Crdb.create(
            cfg ->
                cfg.url(URL)
                    .readOnly(true)
                    .blockedColumns(Map.of("users", List.of("credit_card"))))) {
      assertThatThrownBy(() -> crdb.query("DELETE FROM rides"))
          .isInstanceOf(SqlRefusedException.class);
      assertThatThrownBy(() -> crdb.query("SELECT credit_card FROM users"))
          .isInstanceOf(SqlRefusedException.class);
      assertThat(crdb.describe("users").columns())
          .extracting(SchemaInfo.ColumnEntry::name)
          .doesNotContain("credit_card");
      assertThat(crdb.rows("users").limit(1).read().columnNames()).doesNotContain("credit_card");
      assertThat(codeOf(() -> crdb.rows("users").where("email", "user1@example.com").delete()))
          .isEqualTo(ErrorCode.SQL_REFUSED);
      assertThat(codeOf(() -> crdb.begin(false))).isEqualTo(ErrorCode.SQL_REFUSED);
    }
  }
}
