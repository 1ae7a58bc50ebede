package io.crdbmcp.tools;

import static io.crdbmcp.tools.Fixture.error;
import static io.crdbmcp.tools.Fixture.structured;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.safety.Rule;
import io.crdbmcp.core.safety.StatementKind;
import io.crdbmcp.core.testing.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-call record: what CrdbTools fills (tool, caller, redacted arguments, times, outcome,
 * error code, rule) and what the tools fill (connection, classification, rows), for calls that run,
 * fail and are refused. Real database; the record is read by a listener, as audit would.
 */
class CallRecordTest {
  @TempDir static Path exportDir;
  static ConnectionSpec spec;
  static Crdb crdb;
  static CrdbTools tools;
  static final Fixture.Records records = new Fixture.Records();
  static final Caller ALICE = new Caller("session-1", "alice", Set.of());
  static final ToolContext CTX = new ToolContext(ALICE, Progress.NONE);

  @BeforeAll
  static void setUp() {
    spec =
        TestDb.get()
            .createDatabase(
                "records",
                "CREATE TABLE rides (id INT PRIMARY KEY, city TEXT);"
                    + " INSERT INTO rides VALUES (1, 'boston'), (2, 'paris'), (3, 'rome')");
    crdb =
        Crdb.open(
            CrdbConfig.fromEnvironment(
                Map.of("CRDB_URL", TestDb.url(spec), "CRDB_EXPORT_DIR", exportDir.toString())));
    tools = CrdbTools.builder(crdb).listener(records).build();
  }

  @AfterAll
  static void tearDown() {
    crdb.close();
  }

  @Test
  void aCallCancelledFromAnotherThreadStopsItsStatementAndIsRecordedAsCancelled() throws Exception {
    io.crdbmcp.core.CallCancel cancel = io.crdbmcp.core.CallCancel.create();
    ToolContext ctx = new ToolContext(ALICE, Progress.NONE, null, null, cancel);
    java.util.concurrent.CompletableFuture<io.modelcontextprotocol.spec.McpSchema.CallToolResult>
        call =
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> tools.call("execute_query", Map.of("sql", "SELECT pg_sleep(60)"), ctx));
    Thread.sleep(700);
    long t0 = System.nanoTime();
    cancel.cancel();
    var r = call.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0))
        .isLessThan(5);
    assertThat(r.isError()).isTrue();
    assertThat(records.last().errorCode()).isEqualTo("CANCELLED");
    // The token is spent: the same context cancels at once, before any SQL runs.
    assertThat(tools.call("execute_query", Map.of("sql", "SELECT 1"), ctx).isError()).isTrue();
    assertThat(records.last().errorCode()).isEqualTo("CANCELLED");
    // Another call is unaffected.
    assertThat(tools.call("execute_query", Map.of("sql", "SELECT 1"), CTX).isError()).isFalse();
  }

  @Test
  void aQueryIsRecordedWithItsStatementRowsAndConnection() {
    Map<String, Object> args =
        Map.of("sql", "SELECT id, city FROM rides WHERE id < $1", "params", List.of(3));
    structured(tools.call("execute_query", args, CTX));

    CallRecord r = records.last();
    assertThat(r.tool()).isEqualTo("execute_query");
    assertThat(r.caller()).isEqualTo(ALICE);
    assertThat(r.arguments()).isEqualTo(args);
    assertThat(r.outcome()).isEqualTo(CallRecord.Outcome.SUCCESS);
    assertThat(r.errorCode()).isNull();
    assertThat(r.rule()).isNull();
    assertThat(r.connection()).isEqualTo("default");
    assertThat(r.rows()).isEqualTo(2L);
    assertThat(r.classification().kind()).isEqualTo(StatementKind.READ);
    assertThat(r.classification().command()).isEqualTo("SELECT");
    assertThat(r.classification().writes()).isFalse();
    assertThat(r.classification().relations()).containsExactly("rides");
    assertThat(r.started()).isBeforeOrEqualTo(r.ended());
    assertThat(r.duration()).isPositive();
  }

  @Test
  void aRefusedQueryIsRecordedWithTheRuleAndWhatTheStatementWas() {
    Map<String, Object> err =
        error(
            tools.call("execute_query", Map.of("sql", "SELECT pg_read_file('/etc/passwd')"), CTX));
    assertThat(err).containsEntry("code", "SQL_REFUSED").containsEntry("rule", "file_access");

    CallRecord r = records.last();
    assertThat(r.outcome()).isEqualTo(CallRecord.Outcome.REFUSED);
    assertThat(r.errorCode()).isEqualTo("SQL_REFUSED");
    assertThat(r.rule()).isEqualTo(Rule.FILE_ACCESS);
    assertThat(r.connection()).isEqualTo("default");
    assertThat(r.rows()).as("nothing ran").isNull();
    assertThat(r.classification().functions()).contains("pg_read_file");
  }

  @Test
  void aWriteRecordsTheRowsItChanged() throws Exception {
    structured(
        tools.call(
            "execute_query",
            Map.of("sql", "UPDATE rides SET city = upper(city) WHERE id > 1"),
            CTX));
    CallRecord r = records.last();
    assertThat(r.rows()).isEqualTo(2L);
    assertThat(r.classification().kind()).isEqualTo(StatementKind.WRITE);
    assertThat(r.classification().writes()).isTrue();
    Fixture.exec(spec, "UPDATE rides SET city = lower(city)");
  }

  @Test
  void dataToolsRecordTheStatementTheyBuild() throws Exception {
    structured(
        tools.call(
            "read_rows",
            Map.of(
                "table", "rides", "filter", List.of(Map.of("column", "id", "op", ">", "value", 1))),
            CTX));
    CallRecord read = records.last();
    assertThat(read.rows()).isEqualTo(2L);
    assertThat(read.classification().command()).isEqualTo("SELECT");
    assertThat(read.classification().relations()).containsExactly("rides");
    assertThat(read.connection()).isEqualTo("default");

    structured(
        tools.call(
            "insert_row",
            Map.of("table", "rides", "schema", "public", "values", Map.of("id", 9, "city", "oslo")),
            CTX));
    CallRecord insert = records.last();
    assertThat(insert.rows()).isEqualTo(1L);
    assertThat(insert.classification().kind()).isEqualTo(StatementKind.WRITE);
    assertThat(insert.classification().command()).isEqualTo("INSERT");
    assertThat(insert.classification().relations()).containsExactly("public.rides");

    structured(
        tools.call(
            "delete_row", Map.of("table", "rides", "key", Map.of("id", 9), "dry_run", true), CTX));
    CallRecord dry = records.last();
    assertThat(dry.classification().command()).isEqualTo("DELETE");
    assertThat(dry.classification().writes()).as("a dry run changes nothing").isFalse();
    assertThat(dry.rows()).isEqualTo(1L);
    structured(tools.call("delete_row", Map.of("table", "rides", "key", Map.of("id", 9)), CTX));
    assertThat(Fixture.count(spec, "rides")).isEqualTo(3);
  }

  @Test
  void anExportRecordsTheRowsItWrote() throws Exception {
    structured(
        tools.call(
            "export_to_csv", Map.of("sql", "SELECT * FROM rides", "path", "rides.csv"), CTX));
    CallRecord r = records.last();
    assertThat(r.rows()).isEqualTo(3L);
    assertThat(r.classification().command()).isEqualTo("SELECT");
    assertThat(Files.readAllLines(exportDir.resolve("rides.csv"))).hasSize(4);
  }

  @Test
  void validateQueryRecordsTheRuleThatWouldRefuse() {
    Map<String, Object> s = structured(tools.call("validate_query", Map.of("sql", "BEGIN"), CTX));
    assertThat(s).containsEntry("allowed", false).containsEntry("rule", "transaction_control");
    CallRecord r = records.last();
    assertThat(r.outcome()).isEqualTo(CallRecord.Outcome.SUCCESS);
    assertThat(r.rule()).isEqualTo(Rule.TRANSACTION_CONTROL);
    assertThat(r.classification().kind()).isEqualTo(StatementKind.TRANSACTION_CONTROL);
  }

  @Test
  void aFailedCallRecordsTheConnectionAskedForAndTheErrorCode() {
    error(tools.call("list_tables", Map.of("connection", "nowhere"), CTX));
    CallRecord r = records.last();
    assertThat(r.outcome()).isEqualTo(CallRecord.Outcome.ERROR);
    assertThat(r.errorCode()).isEqualTo("UNKNOWN_CONNECTION");
    assertThat(r.connection()).isEqualTo("nowhere");

    error(tools.call("read_rows", Map.of("table", "rides", "colour", "red"), CTX));
    assertThat(records.last().errorCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(records.last().arguments()).containsEntry("colour", "red");
  }

  @Test
  void secretsNeverReachTheRecord() {
    // connect with a password, and a URL with a password in it; whatever the server answers.
    tools.call(
        "connect",
        Map.of(
            "name",
            "other",
            "host",
            spec.host(),
            "port",
            spec.port(),
            "user",
            "nobody",
            "password",
            "hunter2",
            "database",
            spec.database()),
        CTX);
    CallRecord connect = records.last();
    assertThat(connect.tool()).isEqualTo("connect");
    assertThat(connect.arguments())
        .containsEntry("password", "****")
        .containsEntry("user", "nobody")
        .containsEntry("host", spec.host());
    assertThat(connect.toString()).doesNotContain("hunter2");

    tools.call(
        "connect",
        Map.of(
            "name",
            "other2",
            "url",
            "postgresql://nobody:hunter2@"
                + spec.host()
                + ":"
                + spec.port()
                + "/x?sslmode=disable&password=hunter2"),
        CTX);
    assertThat(records.last().arguments().get("url"))
        .isEqualTo(
            "postgresql://nobody:****@"
                + spec.host()
                + ":"
                + spec.port()
                + "/x?sslmode=disable&password=****");

    // A password in SQL text (refused here: ALTER is a blocked command), and in row values.
    error(
        tools.call(
            "execute_query",
            Map.of("sql", "ALTER ROLE nobody WITH PASSWORD 'hunter2' VALID UNTIL 'infinity'"),
            CTX));
    assertThat(records.last().arguments().get("sql"))
        .isEqualTo("ALTER ROLE nobody WITH PASSWORD '****' VALID UNTIL 'infinity'");
    assertThat(records.last().rule()).isEqualTo(Rule.BLOCKED_COMMAND);
    error(
        tools.call(
            "insert_row",
            Map.of("table", "nope", "values", Map.of("id", 1, "api_token", "hunter2")),
            CTX));
    assertThat(records.last().arguments().get("values"))
        .isEqualTo(Map.of("id", 1, "api_token", "****"));
    assertThat(records.all).allSatisfy(r -> assertThat(r.toString()).doesNotContain("hunter2"));
  }
}
