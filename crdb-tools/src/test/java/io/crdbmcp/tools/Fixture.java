package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Small helpers of the tool tests: direct SQL for setup and checks, reading results. */
final class Fixture {
  private Fixture() {}

  /** Runs a statement directly on the database (setup and checks, not the code under test). */
  static void exec(ConnectionSpec spec, String sql) throws SQLException {
    try (Connection c = TestDb.open(spec);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static long count(ConnectionSpec spec, String table) throws SQLException {
    return ((Number) TestDb.scalar(spec, "SELECT count(*) FROM " + table)).longValue();
  }

  static String text(CallToolResult r) {
    return ((TextContent) r.content().get(0)).text();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> structured(CallToolResult r) {
    assertThat(r.isError()).as("a successful result: %s", r).isFalse();
    return (Map<String, Object>) r.structuredContent();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> error(CallToolResult r) {
    assertThat(r.isError()).as("an error result: %s", r).isTrue();
    return (Map<String, Object>) r.meta().get(CrdbTools.ERROR_META);
  }

  /** A listener that keeps every ended call's record. */
  static final class Records implements CallListener {
    final List<CallRecord> all = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void callEnded(CallRecord record) {
      all.add(record);
    }

    CallRecord last() {
      assertThat(all).isNotEmpty();
      return all.get(all.size() - 1);
    }
  }
}
