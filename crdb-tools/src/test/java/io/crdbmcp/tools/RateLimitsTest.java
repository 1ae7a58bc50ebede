package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Progress;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.tools.ToolInterceptor.Stage;
import io.crdbmcp.tools.ops.RateLimits;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits around the real tools on the real test database: a token bucket per session and per
 * user, refusals that say which limit and when to call again, and the cap on a user's calls running
 * at once. Nothing runs when a call is refused.
 */
class RateLimitsTest {
  static ConnectionSpec spec;
  static Crdb crdb;

  @BeforeAll
  static void setUp() {
    spec = TestDb.get().createDatabase("limits", "CREATE TABLE t (id INT PRIMARY KEY)");
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
  }

  @AfterAll
  static void tearDown() {
    crdb.close();
  }

  static CallToolResult call(CrdbTools tools, Caller who, String tool, Map<String, Object> args) {
    return tools.call(tool, args, new ToolContext(who, Progress.NONE));
  }

  static CrdbTools limited(int requests, int concurrent) {
    return CrdbTools.builder(crdb)
        .interceptor(Stage.RATE_LIMIT, new RateLimits(requests, Duration.ofSeconds(60), concurrent))
        .build();
  }

  @Test
  void eachSessionHasItsOwnBucketAndARefusalSaysWhenToCallAgain() throws Exception {
    CrdbTools tools = limited(3, 0);
    Caller one = Caller.client("session-one");
    for (int i = 0; i < 3; i++) {
      assertThat(call(tools, one, "list_tables", Map.of()).isError()).isFalse();
    }
    CallToolResult refused =
        call(tools, one, "execute_query", Map.of("sql", "INSERT INTO t VALUES (1)"));
    assertThat(Fixture.error(refused))
        .containsEntry("code", "RATE_LIMITED")
        .satisfies(
            e -> {
              assertThat((String) e.get("message"))
                  .contains("this session")
                  .contains("3 calls in the last 60 s")
                  .contains("CRDB_RATE_LIMIT_REQUESTS");
              assertThat((String) e.get("suggestion")).matches("call again in \\d+ s");
            });
    assertThat(Fixture.count(spec, "t")).as("a refused call runs nothing").isZero();
    // Another session is not affected.
    assertThat(call(tools, Caller.client("session-two"), "list_tables", Map.of()).isError())
        .isFalse();
  }

  @Test
  void anAuthenticatedUserSharesOneBucketAcrossSessions() {
    CrdbTools tools = limited(3, 0);
    Set<String> scopes = Set.of("crdb:read", "crdb:write");
    for (int i = 0; i < 3; i++) {
      Caller alice = new Caller("alice-session-" + i, "alice", scopes);
      assertThat(call(tools, alice, "list_tables", Map.of()).isError()).isFalse();
    }
    CallToolResult refused =
        call(tools, new Caller("alice-session-9", "alice", scopes), "list_tables", Map.of());
    assertThat(Fixture.error(refused)).containsEntry("code", "RATE_LIMITED");
    assertThat((String) Fixture.error(refused).get("message")).contains("this user");
    assertThat(
            call(tools, new Caller("bob-session", "bob", scopes), "list_tables", Map.of())
                .isError())
        .isFalse();
  }

  @Test
  void aUserRunsAtMostTheConcurrentCapAtOnce() throws Exception {
    // A later interceptor holds carol's first call until the test lets it go: a call in flight.
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CrdbTools tools =
        CrdbTools.builder(crdb)
            .interceptor(Stage.RATE_LIMIT, new RateLimits(100, Duration.ofSeconds(60), 1))
            .interceptor(
                Stage.METRICS,
                (c, next) -> {
                  if (c.caller().clientId().equals("carol-1")) {
                    inside.countDown();
                    try {
                      release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return next.proceed();
                })
            .build();
    Set<String> scopes = Set.of("crdb:read");
    CompletableFuture<CallToolResult> first =
        CompletableFuture.supplyAsync(
            () -> call(tools, new Caller("carol-1", "carol", scopes), "list_tables", Map.of()));
    assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
    CallToolResult second =
        call(tools, new Caller("carol-2", "carol", scopes), "list_tables", Map.of());
    assertThat(Fixture.error(second)).containsEntry("code", "RATE_LIMITED");
    assertThat((String) Fixture.error(second).get("message"))
        .contains("1 calls running")
        .contains("CRDB_RATE_LIMIT_CONCURRENT");
    // Another user is not held back.
    assertThat(call(tools, new Caller("dave-1", "dave", scopes), "list_tables", Map.of()).isError())
        .isFalse();
    release.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).isError()).isFalse();
    // The permit is back.
    assertThat(
            call(tools, new Caller("carol-2", "carol", scopes), "list_tables", Map.of()).isError())
        .isFalse();
  }
}
