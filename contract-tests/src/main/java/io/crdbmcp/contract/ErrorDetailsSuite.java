package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Errors keep what the database said: DETAIL, HINT and POSITION in the message and in the error's
 * _meta fields; an unknown table or column comes with the closest existing names (never hidden
 * ones); no doubled "ERROR" prefix.
 */
public abstract class ErrorDetailsSuite extends ContractSuite {
  static final String SCHEMA =
      """
      CREATE TABLE riders (id INT PRIMARY KEY, name TEXT NOT NULL, email TEXT);
      CREATE TABLE rides (id INT PRIMARY KEY, rider_id INT, fare NUMERIC);
      CREATE TABLE secrets (id INT PRIMARY KEY, token TEXT);
      INSERT INTO riders VALUES (1, 'a', 'a@example.com');
      CREATE FUNCTION fail_politely() RETURNS INT LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'custom failure' USING DETAIL = 'the detail', HINT = 'the hint';
      END
      $$;
      """;

  ConnectionSpec db;
  ServerUnderTest server;
  ServerUnderTest guarded;

  @BeforeAll
  void setUp() {
    db = TestDb.get().createDatabase("errdetails", SCHEMA);
    server = startServer(Map.of("CRDB_URL", TestDb.url(db)));
    guarded =
        startServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_BLOCKED_TABLES",
                "secrets",
                "CRDB_BLOCKED_COLUMNS",
                "{\"riders\":[\"email\"]}"));
  }

  @AfterAll
  void tearDown() {
    for (ServerUnderTest s : new ServerUnderTest[] {server, guarded}) {
      if (s != null) {
        s.close();
      }
    }
  }

  CallToolResult sql(String sql) {
    return server.call("execute_query", args("sql", sql));
  }

  @Test
  void anUnknownTableNamesTheClosestTables() {
    CallToolResult r = sql("SELECT * FROM ridez");
    Map<String, Object> err = error(r, "NOT_FOUND");
    assertThat(text(r)).startsWith("ERROR NOT_FOUND: relation \"ridez\" does not exist");
    assertThat(text(r)).doesNotContain("ERROR:").doesNotContain("FATAL:");
    assertThat(err.get("sqlstate")).isEqualTo("42P01");
    @SuppressWarnings("unchecked")
    List<String> near = (List<String>) err.get("did_you_mean");
    assertThat(near).startsWith("rides").contains("riders");
    assertThat((String) err.get("suggestion"))
        .startsWith("did you mean rides")
        .contains("list_tables");
    if (!TestDb.get().isCockroach()) {
      assertThat(err.get("position")).isEqualTo(15);
      assertThat((String) err.get("message")).contains("(at character 15)");
    }
  }

  @Test
  void underAccessControlHiddenNamesAndValuesNeverShow() {
    CallToolResult t = guarded.call("execute_query", args("sql", "SELECT * FROM secret"));
    Map<String, Object> e = error(t, "NOT_FOUND");
    assertThat(String.valueOf(e.get("did_you_mean"))).doesNotContain("secrets");
    assertThat(text(t)).doesNotContain("secrets");

    // PostgreSQL's HINT would say: Perhaps you meant to reference the column "riders.email".
    CallToolResult c = guarded.call("execute_query", args("sql", "SELECT emial FROM riders"));
    assertThat(c.isError()).isTrue();
    assertThat(text(c)).doesNotContain("email");

    // PostgreSQL's DETAIL would say: Failing row contains (1, null, a@example.com).
    CallToolResult d =
        guarded.call("execute_query", args("sql", "UPDATE riders SET name = NULL WHERE id = 1"));
    assertThat(d.isError()).isTrue();
    assertThat(text(d)).doesNotContain("a@example.com");

    // Visible names are still suggested.
    Map<String, Object> v =
        error(guarded.call("execute_query", args("sql", "SELECT nme FROM riders")), "NOT_FOUND");
    assertThat(String.valueOf(v.get("did_you_mean"))).contains("name");
  }

  @Test
  void anUnknownColumnNamesTheClosestColumns() {
    Map<String, Object> e = error(sql("INSERT INTO riders (id, nme) VALUES (2, 'b')"), "NOT_FOUND");
    assertThat(e.get("sqlstate")).isEqualTo("42703");
    assertThat(e.get("did_you_mean")).isEqualTo(List.of("name"));
    assertThat((String) e.get("suggestion")).startsWith("did you mean name?");

    Map<String, Object> q = error(sql("SELECT nmae FROM riders"), "NOT_FOUND");
    assertThat(q.get("sqlstate")).isEqualTo("42703");
    assertThat(String.valueOf(q.get("did_you_mean"))).contains("name");
    if (!TestDb.get().isCockroach()) {
      // PostgreSQL's own HINT is kept as well.
      assertThat((String) q.get("hint")).contains("riders.name");
    }
  }

  @Test
  void detailAndHintReachTheCaller() {
    CallToolResult dup = sql("INSERT INTO riders VALUES (1, 'dup', NULL)");
    Map<String, Object> d = error(dup, "SQL_ERROR");
    assertThat(d.get("sqlstate")).isEqualTo("23505");
    assertThat((String) d.get("detail")).contains("already exists");
    assertThat(text(dup)).contains("\nDetail: ").contains("already exists");

    CallToolResult raised = sql("SELECT fail_politely()");
    Map<String, Object> r = error(raised, "SQL_ERROR");
    assertThat((String) r.get("message")).startsWith("custom failure");
    assertThat(r.get("detail")).isEqualTo("the detail");
    assertThat(r.get("hint")).isEqualTo("the hint");
    assertThat(text(raised))
        .startsWith("ERROR SQL_ERROR: custom failure")
        .contains("\nDetail: the detail")
        .contains("\nHint: the hint");
  }

  @Test
  void aSyntaxErrorSaysWhere() {
    CallToolResult r = sql("SELECT 1 FROM riders WHERE");
    Map<String, Object> e = error(r, "SQL_SYNTAX");
    assertThat(text(r)).doesNotContain("ERROR:");
    if (!TestDb.get().isCockroach()) {
      assertThat(e.get("position")).isNotNull();
      assertThat((String) e.get("suggestion")).contains("near character");
    }
    assertThat((String) e.get("suggestion")).contains("validate_query");
  }
}
