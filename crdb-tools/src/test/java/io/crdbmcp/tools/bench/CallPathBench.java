package io.crdbmcp.tools.bench;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import io.crdbmcp.core.testing.TestDb;
import io.crdbmcp.tools.CrdbTools;
import io.crdbmcp.tools.ToolContext;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-call path without a transport: {@link CrdbTools#call} with argument checks, the safety
 * layer, the read-only transaction with its statement timeout, the query and the rendering, on the
 * test database (embedded PostgreSQL unless {@code CRDB_TEST_URL}). {@code validate_query} is the
 * same path up to the database's own parse, without running the statement. Run with bench/jmh.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CallPathBench {
  Crdb crdb;
  CrdbTools tools;
  int i;

  @Setup(Level.Trial)
  public void open() {
    ConnectionSpec spec =
        TestDb.get().createDatabase("jmh", EmbeddedPostgresServer.rideshareScript());
    crdb = Crdb.open(CrdbConfig.fromEnvironment(Map.of("CRDB_URL", TestDb.url(spec))));
    tools = CrdbTools.builder(crdb).build();
  }

  @TearDown(Level.Trial)
  public void close() {
    crdb.close();
  }

  @Benchmark
  public CallToolResult oneRowQuery() {
    CallToolResult r =
        tools.call(
            "execute_query",
            Map.of(
                "sql",
                "SELECT id, name, email FROM users WHERE email = $1",
                "params",
                List.of("user" + (1 + (i++ % 500)) + "@example.com")),
            ToolContext.local());
    if (Boolean.TRUE.equals(r.isError())) {
      throw new IllegalStateException(r.toString());
    }
    return r;
  }

  @Benchmark
  public CallToolResult validateOnly() {
    return tools.call(
        "validate_query",
        Map.of("sql", "SELECT id, name, email FROM users WHERE email = 'a@example.com'"),
        ToolContext.local());
  }
}
