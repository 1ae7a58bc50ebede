package io.crdbmcp.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.tools.CrdbTools;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers to build tool arguments and read tool results in tests. */
public final class ToolCalls {
  private ToolCalls() {}

  /** Arguments from key/value pairs, in order: {@code args("sql", "SELECT 1", "max_rows", 5)}. */
  public static Map<String, Object> args(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** The text content of a result, concatenated. */
  public static String text(CallToolResult r) {
    StringBuilder sb = new StringBuilder();
    for (McpSchema.Content c : r.content()) {
      if (c instanceof McpSchema.TextContent t) {
        sb.append(t.text());
      }
    }
    return sb.toString();
  }

  /** The structured content of a result (null for errors). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> structured(CallToolResult r) {
    return (Map<String, Object>) r.structuredContent();
  }

  /** Asserts success and returns the structured content. */
  public static Map<String, Object> ok(CallToolResult r) {
    assertThat(r.isError())
        .as("tool result should succeed: %s", text(r))
        .isNotEqualTo(Boolean.TRUE);
    return structured(r);
  }

  /** Asserts an isError result with the code and returns its error object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> error(CallToolResult r, String code) {
    assertThat(r.isError()).as("tool result should fail: %s", text(r)).isTrue();
    assertThat(r.structuredContent()).as("error results carry no structured content").isNull();
    Map<String, Object> err = (Map<String, Object>) r.meta().get(CrdbTools.ERROR_META);
    assertThat(err).as("error object in %s", text(r)).isNotNull();
    assertThat(err.get("code")).as("error code of %s", text(r)).isEqualTo(code);
    return err;
  }

  /** The {@code rows} of a structured result. */
  @SuppressWarnings("unchecked")
  public static List<List<Object>> rows(Map<String, Object> structured) {
    return (List<List<Object>>) structured.get("rows");
  }

  /** A list of objects in a structured result, such as {@code tables} or {@code columns}. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> list(Map<String, Object> structured, String key) {
    return (List<Map<String, Object>>) structured.get(key);
  }
}
