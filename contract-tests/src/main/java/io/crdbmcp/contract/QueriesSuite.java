package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static io.crdbmcp.contract.ToolCalls.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The foundation contract, end to end: tools listed with their schemas, execute_query, value
 * rendering, limits, schema and connection tools, actionable failures; the server driven by the SDK
 * client over the transport under test, against a real database.
 */
public abstract class QueriesSuite extends ContractSuite {
  static final String TYPES =
      """
      CREATE TABLE value_types (
        id INT PRIMARY KEY, n NUMERIC, ts TIMESTAMPTZ, u UUID, j JSONB, arr INT[], tarr TEXT[],
        b BYTEA, s TEXT, f DOUBLE PRECISION, bo BOOLEAN, d DATE, nn NUMERIC, tza TIMESTAMPTZ[],
        tsa TIMESTAMP[]);
      INSERT INTO value_types VALUES
        (1, 12345678901234567890.123456789, '2024-05-06 07:08:09.123456+02',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2, {"b": null}], "c": "x"}',
         ARRAY[1, 2, 3], ARRAY['a', 'b c', NULL], '\\x0102ff', 'null', 0.1, true, '2024-02-29',
         'NaN', ARRAY['2024-05-06 07:08:09+02'::timestamptz], ARRAY['2024-05-06 07:08:09'::timestamp]),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      CREATE TABLE wide (id INT PRIMARY KEY, payload TEXT);
      INSERT INTO wide SELECT g, repeat('x', 200) FROM generate_series(1, 400) g;
      CREATE SEQUENCE invoice_numbers;
      """;

  ConnectionSpec db;
  ServerUnderTest server;

  @BeforeAll
  void setUp() {
    db =
        TestDb.get().createDatabase("e2e", EmbeddedPostgresServer.rideshareScript() + "\n" + TYPES);
    server =
        startServer(
            Map.of("CRDB_URL", TestDb.url(db), "CRDB_QUERY_TIMEOUT", "2", "CRDB_MAX_ROWS", "1000"));
  }

  @AfterAll
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  static final Set<String> FOUNDATION_TOOLS =
      Set.of(
          "connect",
          "disconnect",
          "list_connections",
          "switch_database",
          "execute_query",
          "validate_query",
          "list_databases",
          "list_schemas",
          "list_tables",
          "describe_table",
          "list_indexes",
          "get_constraints");

  @Test
  void listsToolsWithSchemasDescriptionsAndAnnotations() {
    List<McpSchema.Tool> tools = server.listTools();
    Set<String> names = tools.stream().map(McpSchema.Tool::name).collect(Collectors.toSet());
    assertThat(names).containsAll(FOUNDATION_TOOLS);
    String instructions = server.client().getServerInstructions();
    for (McpSchema.Tool t : tools) {
      assertNamesWhatItIsForAndItsMainArgument(t);
      // Hints are sent only where they differ from the protocol's defaults.
      if (t.annotations() != null) {
        assertThat(t.annotations().readOnlyHint()).as(t.name()).isNotEqualTo(Boolean.FALSE);
        assertThat(t.annotations().destructiveHint()).as(t.name()).isNotEqualTo(Boolean.TRUE);
        assertThat(t.annotations().idempotentHint()).as(t.name()).isNotEqualTo(Boolean.FALSE);
      }
      assertThat(t.outputSchema()).as(t.name() + ": only with CRDB_OUTPUT_SCHEMAS").isNull();
      assertThat(t.inputSchema().get("type")).isEqualTo("object");
      Map<?, ?> props = (Map<?, ?>) t.inputSchema().get("properties");
      if (props == null) {
        continue;
      }
      // One connection configured: no connection argument to choose.
      assertThat(props.containsKey("connection")).as(t.name()).isFalse();
      props.forEach(
          (arg, schema) -> {
            Map<?, ?> m = (Map<?, ?>) schema;
            assertThat(m.get("type") != null || m.get("enum") != null)
                .as(t.name() + "." + arg + " has a type")
                .isTrue();
            if (m.get("description") == null) {
              // Said once for every tool, or in the tool's own description.
              assertThat(instructions + " " + t.description())
                  .as(t.name() + "." + arg + " is explained somewhere")
                  .contains((String) arg);
            }
          });
    }
    McpSchema.Tool list =
        tools.stream().filter(t -> t.name().equals("list_tables")).findFirst().get();
    assertThat(Hints.readOnly(list)).isTrue();
    assertThat(Hints.destructive(list)).isFalse();
    McpSchema.Tool insert =
        tools.stream().filter(t -> t.name().equals("insert_row")).findFirst().get();
    assertThat(Hints.readOnly(insert)).isFalse();
    assertThat(Hints.destructive(insert)).isFalse();
    McpSchema.Tool delete =
        tools.stream().filter(t -> t.name().equals("delete_row")).findFirst().get();
    assertThat(Hints.destructive(delete)).isTrue();
    assertThat(Hints.idempotent(delete)).isTrue();
  }

  /**
   * What a model pays before the user says a word: every tool of the default configuration in at
   * most 20 KiB of tools/list (68 KB before the tool list was trimmed; bench/compare.sh measures it
   * on the wire beside other servers).
   */
  @Test
  void theDefaultToolListFitsInTwentyKilobytes() throws Exception {
    byte[] json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsBytes(new McpSchema.ListToolsResult(server.listTools(), null));
    assertThat(json.length).as("tools/list bytes").isLessThanOrEqualTo(20 * 1024);
  }

  /**
   * A model must still choose the right tool from a short list: every description says what the
   * tool does in a sentence and names its main argument (the first required one, else the first of
   * its own that is not shared by many tools).
   */
  static void assertNamesWhatItIsForAndItsMainArgument(McpSchema.Tool t) {
    assertThat(t.description()).as(t.name()).hasSizeGreaterThan(25);
    Map<?, ?> props = (Map<?, ?>) t.inputSchema().get("properties");
    Object required = t.inputSchema().get("required");
    String main = null;
    if (required instanceof List<?> r && !r.isEmpty()) {
      main = (String) r.get(0);
    } else if (props != null) {
      main =
          props.keySet().stream()
              .map(String::valueOf)
              .filter(k -> !SHARED.contains(k))
              .findFirst()
              .orElse(null);
    }
    if (main != null) {
      assertThat(t.description()).as(t.name() + " names " + main).contains(main);
    }
  }

  /** Arguments many tools share, explained in the server's instructions. */
  static final Set<String> SHARED =
      Set.of("format", "detail", "connection", "transaction_id", "limit", "schema");

  @Test
  void outputSchemasAndTheConnectionArgumentWhenTheyMeanSomething() {
    try (ServerUnderTest s =
        startServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_CONNECTIONS",
                "[{\"name\":\"second\",\"url\":\"" + TestDb.url(db) + "\"}]",
                "CRDB_OUTPUT_SCHEMAS",
                "true"))) {
      McpSchema.Tool q =
          s.listTools().stream().filter(t -> t.name().equals("execute_query")).findFirst().get();
      assertThat(q.outputSchema()).isNotNull();
      Map<?, ?> props = (Map<?, ?>) q.inputSchema().get("properties");
      assertThat(props.keySet().stream().map(String::valueOf).toList())
          .contains("connection", "transaction_id", "format");
      Map<String, Object> r =
          ok(s.call("execute_query", args("sql", "SELECT 1 AS one", "connection", "second")));
      assertThat(((Number) rows(r).get(0).get(0)).intValue()).isEqualTo(1);
    }
  }

  @Test
  void listTablesGivesEachObjectItsKindAndListsSequencesOnlyWhenAsked() {
    List<Map<String, Object>> plain = list(ok(server.call("list_tables", args())), "tables");
    assertThat(plain).extracting(t -> t.get("name")).contains("users", "rides", "wide");
    assertThat(plain).extracting(t -> t.get("kind")).doesNotContain("sequence");
    assertThat(plain).extracting(t -> t.get("name")).doesNotContain("invoice_numbers");
    List<Map<String, Object>> all =
        list(ok(server.call("list_tables", args("include_sequences", true))), "tables");
    assertThat(all)
        .filteredOn(t -> "invoice_numbers".equals(t.get("name")))
        .extracting(t -> t.get("kind"))
        .containsExactly("sequence");
    assertThat(all)
        .filteredOn(t -> "users".equals(t.get("name")))
        .extracting(t -> t.get("kind"))
        .containsExactly("table");
  }

  @Test
  void executeQueryReturnsACompactTableAndStructuredRows() {
    CallToolResult r =
        server.call(
            "execute_query",
            args(
                "sql",
                "SELECT name, email FROM users WHERE email = $1",
                "params",
                List.of("user7@example.com")));
    Map<String, Object> s = ok(r);
    assertThat(rows(s)).hasSize(1);
    assertThat(rows(s).get(0).get(1)).isEqualTo("user7@example.com");
    assertThat(text(r))
        .startsWith("name|email\n")
        .contains("|user7@example.com\n")
        .contains("(1 row)");
    assertThat(s.get("truncated")).isEqualTo(false);
  }

  @Test
  void rowCapTruncatesWhileStreaming() {
    Map<String, Object> s =
        ok(
            server.call(
                "execute_query", args("sql", "SELECT id FROM rides ORDER BY id", "max_rows", 7)));
    assertThat(rows(s)).hasSize(7);
    assertThat(s.get("truncated")).isEqualTo(true);
    CallToolResult all =
        server.call("execute_query", args("sql", "SELECT length(city) AS n FROM rides"));
    assertThat(rows(ok(all))).hasSize(1000);
    assertThat(text(all)).contains("more rows exist beyond the 1000-row cap");
  }

  @Test
  void rendersValuesFaithfully() {
    CallToolResult r =
        server.call("execute_query", args("sql", "SELECT * FROM value_types ORDER BY id"));
    Map<String, Object> s = ok(r);
    List<Object> one = rows(s).get(0);
    assertThat(one.get(1)).isEqualTo("12345678901234567890.123456789");
    assertThat(one.get(2)).isEqualTo("2024-05-06T05:08:09.123456Z");
    assertThat(one.get(3)).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    assertThat(one.get(4))
        .isEqualTo(
            Map.of("a", List.of(1, 2, java.util.Collections.singletonMap("b", null)), "c", "x"));
    assertThat(one.get(5)).isEqualTo(List.of(1, 2, 3));
    assertThat(one.get(6)).isEqualTo(java.util.Arrays.asList("a", "b c", null));
    assertThat(one.get(7)).isEqualTo("AQL/");
    assertThat(one.get(8)).isEqualTo("null");
    assertThat(one.get(9)).isEqualTo(0.1);
    assertThat(one.get(10)).isEqualTo(true);
    assertThat(one.get(11)).isEqualTo("2024-02-29");
    assertThat(one.get(12)).isEqualTo("NaN");
    assertThat(one.get(13)).isEqualTo(List.of("2024-05-06T05:08:09Z"));
    assertThat(one.get(14)).isEqualTo(List.of("2024-05-06T07:08:09"));
    List<Object> two = rows(s).get(1);
    assertThat(two.subList(1, two.size())).containsOnlyNulls();
    String[] lines = text(r).split("\n");
    assertThat(lines[1]).contains("|\"null\"|").contains("12345678901234567890.123456789");
    assertThat(lines[2]).isEqualTo("2" + "|NULL".repeat(14));
  }

  @Test
  @SuppressWarnings("unchecked")
  void cutsResponsesOverTheCharacterLimit() throws Exception {
    CallToolResult r = server.call("execute_query", args("sql", "SELECT * FROM wide ORDER BY id"));
    Map<String, Object> s = ok(r);
    assertThat(text(r).length()).isLessThanOrEqualTo(25_000);
    assertThat(text(r))
        .containsPattern("… \\d+ more rows not shown \\(response limit 25000 characters\\)");
    assertThat((Integer) s.get("rows_omitted")).isPositive();
    assertThat(rows(s).size() + (Integer) s.get("rows_omitted")).isEqualTo(400);

    CallToolResult json =
        server.call(
            "execute_query", args("sql", "SELECT * FROM wide ORDER BY id", "format", "json"));
    assertThat(text(json).length()).isLessThanOrEqualTo(25_000);
    Map<String, Object> parsed =
        new com.fasterxml.jackson.databind.ObjectMapper().readValue(text(json), Map.class);
    assertThat(rows(parsed).size() + (Integer) parsed.get("rows_omitted")).isEqualTo(400);
    assertThat(parsed.get("truncated")).isEqualTo(true);
  }

  @Test
  void schemaToolsDescribeTheDatabase() {
    Map<String, Object> dbs = ok(server.call("list_databases", args()));
    assertThat(list(dbs, "databases")).anyMatch(d -> db.database().equals(d.get("name")));

    Map<String, Object> schemas = ok(server.call("list_schemas", args()));
    assertThat(list(schemas, "schemas")).anyMatch(x -> "public".equals(x.get("name")));

    Map<String, Object> tables = ok(server.call("list_tables", args("schema", "public")));
    Map<String, Map<String, Object>> byName =
        list(tables, "tables").stream()
            .collect(Collectors.toMap(t -> (String) t.get("name"), t -> t));
    assertThat(byName).containsKeys("users", "vehicles", "rides", "promo_codes", "city_revenue");
    assertThat(byName.get("rides").get("kind")).isEqualTo("table");
    assertThat(byName.get("city_revenue").get("kind")).isEqualTo("view");
    assertThat(((Number) byName.get("rides").get("estimated_rows")).longValue()).isEqualTo(3000L);

    CallToolResult desc = server.call("describe_table", args("table", "rides"));
    Map<String, Object> d = ok(desc);
    List<Map<String, Object>> cols = list(d, "columns");
    assertThat(cols).extracting(c -> c.get("name")).startsWith("id", "city", "rider_id");
    Map<String, Object> id = cols.get(0);
    assertThat(id.get("primary_key")).isEqualTo(true);
    assertThat(id.get("type")).isEqualTo("uuid");
    assertThat(
            cols.stream()
                .filter(c -> c.get("name").equals("end_time"))
                .findFirst()
                .get()
                .get("nullable"))
        .isEqualTo(true);
    assertThat(
            cols.stream()
                .filter(c -> c.get("name").equals("revenue"))
                .findFirst()
                .get()
                .get("type"))
        .isEqualTo("numeric(10,2)");
    Map<String, Object> users = ok(server.call("describe_table", args("table", "public.users")));
    assertThat(list(users, "columns"))
        .anyMatch(
            c ->
                "credit_card".equals(c.get("name"))
                    && "Masked card number".equals(c.get("comment")));

    Map<String, Object> idx = ok(server.call("list_indexes", args("table", "rides")));
    assertThat(list(idx, "indexes"))
        .anyMatch(
            i ->
                "rides_rider_idx".equals(i.get("name"))
                    && List.of("rider_id").equals(i.get("columns")))
        .anyMatch(i -> Boolean.TRUE.equals(i.get("primary")));

    Map<String, Object> cons = ok(server.call("get_constraints", args("table", "rides")));
    assertThat(list(cons, "constraints"))
        .anyMatch(
            c ->
                "FOREIGN KEY".equals(c.get("type"))
                    && List.of("rider_id").equals(c.get("columns"))
                    && "public.users".equals(c.get("references"))
                    && List.of("id").equals(c.get("referenced_columns")))
        .anyMatch(
            c ->
                "CHECK".equals(c.get("type")) && String.valueOf(c.get("check")).contains("revenue"))
        .anyMatch(c -> "PRIMARY KEY".equals(c.get("type")));
  }

  @Test
  void connectionToolsManageNamedConnections() {
    Map<String, Object> listed = ok(server.call("list_connections", args()));
    assertThat(list(listed, "connections"))
        .anyMatch(c -> "default".equals(c.get("name")) && "ok".equals(c.get("status")));

    ok(server.call("connect", args("name", "second", "url", TestDb.url(db))));
    Map<String, Object> r =
        ok(
            server.call(
                "execute_query",
                args("sql", "SELECT count(*) AS n FROM users", "connection", "second")));
    assertThat(((Number) rows(r).get(0).get(0)).longValue()).isEqualTo(500L);

    ConnectionSpec other =
        TestDb.get().createDatabase("e2e_other", "CREATE TABLE only_here (x INT)");
    ok(server.call("switch_database", args("connection", "second", "database", other.database())));
    Map<String, Object> t = ok(server.call("list_tables", args("connection", "second")));
    assertThat(list(t, "tables")).extracting(x -> x.get("name")).containsExactly("only_here");

    // A database name cannot smuggle driver parameters that redirect the connection.
    Map<String, Object> smuggled =
        error(
            server.call(
                "switch_database",
                args(
                    "connection",
                    "second",
                    "database",
                    other.database() + "?PGPORT=1&sslmode=disable")),
            "NOT_FOUND");
    assertThat(smuggled.get("sqlstate")).isEqualTo("3D000");

    ok(server.call("disconnect", args("name", "second")));
    Map<String, Object> err =
        error(
            server.call("execute_query", args("sql", "SELECT 1", "connection", "second")),
            "UNKNOWN_CONNECTION");
    assertThat((String) err.get("suggestion")).contains("list_connections");
  }

  @Test
  void failuresAreActionableAndTheServerStaysUp() throws Exception {
    Map<String, Object> e1 =
        error(
            server.call("execute_query", args("sql", "SELECT * FROM no_such_table")), "NOT_FOUND");
    assertThat(e1.get("sqlstate")).isEqualTo("42P01");
    assertThat((String) e1.get("suggestion")).contains("list_tables");

    error(server.call("describe_table", args("table", "no_such_table")), "NOT_FOUND");

    Map<String, Object> e2 = error(server.call("execute_query", args()), "INVALID_ARGUMENT");
    assertThat((String) e2.get("message")).contains("missing required argument 'sql'");

    Map<String, Object> e3 =
        error(
            server.call("execute_query", args("sql", "SELECT 1", "max_rows", "ten")),
            "INVALID_ARGUMENT");
    assertThat((String) e3.get("message")).contains("max_rows").contains("whole number");

    Map<String, Object> e4 =
        error(
            server.call("execute_query", args("sql", "SELECT 1", "colour", "red")),
            "INVALID_ARGUMENT");
    assertThat((String) e4.get("message")).contains("unknown argument 'colour'");

    error(
        server.call("execute_query", args("sql", "SELECT 1", "connection", "nope")),
        "UNKNOWN_CONNECTION");

    int freePort;
    try (ServerSocket s = new ServerSocket(0)) {
      freePort = s.getLocalPort();
    }
    Map<String, Object> e5 =
        error(
            server.call(
                "connect",
                args(
                    "name",
                    "down",
                    "url",
                    "postgresql://root:s3cret-pw@127.0.0.1:" + freePort + "/x?sslmode=disable")),
            "CONNECTION_FAILED");
    assertThat((String) e5.get("message"))
        .contains("127.0.0.1:" + freePort)
        .doesNotContain("s3cret-pw");

    Map<String, Object> e6 =
        error(server.call("execute_query", args("sql", "SELECT pg_sleep(10)")), "QUERY_TIMEOUT");
    assertThat(e6.get("sqlstate")).isEqualTo("57014");

    Map<String, Object> e7 =
        error(server.call("execute_query", args("sql", "SELEC 1")), "SQL_SYNTAX");
    assertThat(e7).containsKey("suggestion");

    Map<String, Object> after = ok(server.call("execute_query", args("sql", "SELECT 1 AS one")));
    assertThat(rows(after).get(0).get(0)).isEqualTo(1);
    assertThat(server.logs()).doesNotContain("s3cret-pw");
  }

  @Test
  void jsonFormatAndDetailLevels() {
    CallToolResult r =
        server.call(
            "list_tables", args("schema", "public", "format", "json", "detail", "detailed"));
    assertThat(text(r))
        .startsWith("{")
        .contains("\"tables\"")
        .contains("\"comment\":\"Riders and vehicle owners\"");
    CallToolResult concise = server.call("list_tables", args("schema", "public"));
    assertThat(text(concise)).startsWith("schema|name|kind|estimated_rows\n");
  }
}
