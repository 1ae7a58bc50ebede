package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.tools.ToolInterceptor.Stage;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The interceptor chain around every call: stage order whatever the registration order, an
 * interceptor that refuses (the tool never runs), wraps and observes, and failures of interceptors.
 * Real database, the real tool wrapper; no transport.
 */
class InterceptorChainTest {
  static ConnectionSpec spec;
  static Crdb crdb;
  static final ToolContext CTX = new ToolContext(Caller.client("chain"), Progress.NONE);

  @BeforeAll
  static void setUp() {
    spec = TestDb.get().createDatabase("chain", "CREATE TABLE t (id INT PRIMARY KEY)");
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
  }

  @AfterAll
  static void tearDown() {
    crdb.close();
  }

  static long rows() throws Exception {
    return Fixture.count(spec, "t");
  }

  static String text(CallToolResult r) {
    return Fixture.text(r);
  }

  static Map<String, Object> error(CallToolResult r) {
    return Fixture.error(r);
  }

  /** Notes its name before and after the rest of the chain, and the outcome it then sees. */
  static ToolInterceptor tracing(String name, List<String> trace) {
    return (call, next) -> {
      trace.add(name + ">");
      CallToolResult r = next.proceed();
      trace.add("<" + name + " " + call.record().outcome());
      return r;
    };
  }

  @Test
  void interceptorsRunInStageOrderAroundTheTool() {
    List<String> trace = Collections.synchronizedList(new ArrayList<>());
    CrdbTools tools =
        CrdbTools.builder(crdb)
            // Registered out of order on purpose: the stage decides.
            .interceptor(Stage.AUDIT, tracing("audit", trace))
            .interceptor(Stage.METRICS, tracing("metrics", trace))
            .interceptor(Stage.RATE_LIMIT, tracing("rate-limit", trace))
            .interceptor(Stage.AUDIT, tracing("audit-2", trace))
            .interceptor(Stage.SCOPE, tracing("scope-2", trace))
            .build();

    CallToolResult r = tools.call("execute_query", Map.of("sql", "SELECT 1 AS one"), CTX);

    assertThat(r.isError()).isFalse();
    // The built-in scope check runs first; the others by stage, same stage in registration order;
    // after next.proceed() each sees the tool's outcome.
    assertThat(trace)
        .containsExactly(
            "scope-2>",
            "rate-limit>",
            "metrics>",
            "audit>",
            "audit-2>",
            "<audit-2 SUCCESS",
            "<audit SUCCESS",
            "<metrics SUCCESS",
            "<rate-limit SUCCESS",
            "<scope-2 SUCCESS");
  }

  @Test
  void anInterceptorRefusesAndTheToolNeverRuns() throws Exception {
    List<String> trace = Collections.synchronizedList(new ArrayList<>());
    List<CallRecord> ended = Collections.synchronizedList(new ArrayList<>());
    CrdbTools tools =
        CrdbTools.builder(crdb)
            .interceptor(Stage.METRICS, tracing("metrics", trace))
            .interceptor(
                Stage.RATE_LIMIT,
                (call, next) ->
                    call.refuse(
                        "RATE_LIMITED",
                        "too many calls of " + call.tool().name(),
                        "wait a second, then try again"))
            .interceptor(Stage.AUDIT, tracing("audit", trace))
            .listener(ended::add)
            .build();

    CallToolResult r = tools.call("execute_query", Map.of("sql", "INSERT INTO t VALUES (1)"), CTX);

    Map<String, Object> err = error(r);
    assertThat(err)
        .containsEntry("code", "RATE_LIMITED")
        .containsEntry("message", "too many calls of execute_query")
        .containsEntry("suggestion", "wait a second, then try again");
    assertThat(text(r))
        .isEqualTo(
            "ERROR RATE_LIMITED: too many calls of execute_query\n"
                + "Next step: wait a second, then try again");
    assertThat(r.structuredContent()).isNull();
    assertThat(rows()).as("the INSERT never ran").isZero();
    assertThat(trace).as("later stages never ran").isEmpty();
    // A listener sees the refused call, which the later interceptors did not.
    assertThat(ended).hasSize(1);
    CallRecord rec = ended.get(0);
    assertThat(rec.outcome()).isEqualTo(CallRecord.Outcome.REFUSED);
    assertThat(rec.errorCode()).isEqualTo("RATE_LIMITED");
    assertThat(rec.ended()).isNotNull();
    assertThat(rec.rows()).isNull();
    assertThat(rec.classification()).as("the tool never looked at the statement").isNull();
  }

  @Test
  void anInterceptorWrapsTheCallAndObservesWhatTheToolRecorded() throws Exception {
    List<CallRecord> seen = new ArrayList<>();
    List<Long> permits = new ArrayList<>();
    CrdbTools tools =
        CrdbTools.builder(crdb)
            .interceptor(
                Stage.METRICS,
                (call, next) -> {
                  permits.add(1L); // e.g. take a permit ...
                  try {
                    return next.proceed();
                  } finally {
                    permits.remove(0); // ... and give it back, whatever happened
                    seen.add(call.record());
                  }
                })
            .build();

    assertThat(
            tools.call("execute_query", Map.of("sql", "INSERT INTO t VALUES (7)"), CTX).isError())
        .isFalse();
    CallToolResult failed =
        tools.call("execute_query", Map.of("sql", "INSERT INTO t VALUES (7)"), CTX);

    assertThat(error(failed)).containsEntry("code", "SQL_ERROR");
    assertThat(permits).isEmpty();
    assertThat(seen).hasSize(2);
    assertThat(seen.get(0).outcome()).isEqualTo(CallRecord.Outcome.SUCCESS);
    assertThat(seen.get(0).rows()).isEqualTo(1L);
    assertThat(seen.get(0).duration()).isNotNull();
    assertThat(seen.get(1).outcome()).isEqualTo(CallRecord.Outcome.ERROR);
    assertThat(seen.get(1).errorCode()).isEqualTo("SQL_ERROR");
    Fixture.exec(spec, "DELETE FROM t");
  }

  @Test
  void anInterceptorThatThrowsGivesAnErrorResultNotACrash() throws Exception {
    CrdbTools refusing =
        CrdbTools.builder(crdb)
            .interceptor(
                Stage.RATE_LIMIT,
                (call, next) -> {
                  throw new CrdbException(ErrorCode.CANCELLED, "shutting down", null);
                })
            .build();
    CrdbTools buggy =
        CrdbTools.builder(crdb)
            .interceptor(
                Stage.AUDIT,
                (call, next) -> {
                  throw new IllegalStateException("bug");
                })
            .build();
    List<CallRecord> ended = new ArrayList<>();
    CrdbTools afterTheTool =
        CrdbTools.builder(crdb)
            .interceptor(
                Stage.AUDIT,
                (call, next) -> {
                  next.proceed();
                  throw new IllegalStateException("audit log full");
                })
            .listener(ended::add)
            .build();

    CallToolResult r =
        refusing.call("execute_query", Map.of("sql", "INSERT INTO t VALUES (2)"), CTX);
    assertThat(error(r)).containsEntry("code", "CANCELLED");

    r = buggy.call("execute_query", Map.of("sql", "INSERT INTO t VALUES (3)"), CTX);
    assertThat(error(r)).containsEntry("code", "INTERNAL");
    assertThat((String) error(r).get("message")).contains("IllegalStateException");
    assertThat(rows()).isZero();

    // Failing after the tool ran: the client gets the error, the record keeps what the tool did.
    r = afterTheTool.call("execute_query", Map.of("sql", "INSERT INTO t VALUES (4)"), CTX);
    assertThat(error(r)).containsEntry("code", "INTERNAL");
    assertThat(rows()).isEqualTo(1);
    assertThat(ended.get(0).outcome()).isEqualTo(CallRecord.Outcome.SUCCESS);
    Fixture.exec(spec, "DELETE FROM t");
  }

  @Test
  void listenersSeeCallsOfUnknownToolsAndTheirFailuresAreIgnored() {
    List<CallRecord> ended = new ArrayList<>();
    CrdbTools tools =
        CrdbTools.builder(crdb)
            .listener(
                rec -> {
                  throw new IllegalStateException("broken listener");
                })
            .listener(ended::add)
            .build();

    CallToolResult r = tools.call("teleport", Map.of(), CTX);

    assertThat(error(r)).containsEntry("code", "INVALID_ARGUMENT");
    assertThat(ended)
        .singleElement()
        .satisfies(
            rec -> {
              assertThat(rec.tool()).isEqualTo("teleport");
              assertThat(rec.outcome()).isEqualTo(CallRecord.Outcome.ERROR);
              assertThat(rec.errorCode()).isEqualTo("INVALID_ARGUMENT");
            });
  }

  @Test
  void theCallObserverOfTheOldConstructorStillSeesEveryCall() {
    List<String> observed = new ArrayList<>();
    CrdbTools tools =
        new CrdbTools(
            crdb,
            (tool, caller, millis, code) ->
                observed.add(tool + " " + caller.clientId() + " " + code + " " + (millis >= 0)));

    tools.call("execute_query", Map.of("sql", "SELECT 1"), CTX);
    tools.call("execute_query", Map.of("sql", "SELEC 1"), CTX);

    assertThat(observed)
        .containsExactly("execute_query chain null true", "execute_query chain SQL_SYNTAX true");
  }
}
