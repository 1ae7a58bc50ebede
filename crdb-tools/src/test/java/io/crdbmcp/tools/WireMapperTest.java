package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The transports' mapper gives the SDK the same tools/call request Jackson's conversion would, for
 * every shape of params: made directly when the shapes are the usual ones, converted otherwise.
 */
class WireMapperTest {
  final McpJsonMapper mapper = CrdbTools.jsonMapper();

  /** Jackson alone, configured as the transports' mapper is. */
  final McpJsonMapper jackson =
      new JacksonMcpJsonMapper(
          new com.fasterxml.jackson.databind.ObjectMapper()
              .enable(
                  com.fasterxml.jackson.databind.DeserializationFeature
                      .USE_BIG_DECIMAL_FOR_FLOATS));

  static Map<String, Object> parsed(McpJsonMapper m, String json) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = m.readValue(json, Map.class);
    return map;
  }

  /** The outcome of a conversion: the request, or the kind of failure. */
  static Object outcome(Runnable r, Object[] out) {
    try {
      r.run();
      return out[0];
    } catch (RuntimeException e) {
      return e.getClass();
    }
  }

  @Test
  void everyShapeOfParamsGivesWhatJacksonGives() throws Exception {
    List<String> params =
        List.of(
            "{\"name\":\"execute_query\",\"arguments\":{\"sql\":\"SELECT 1\",\"params\":[1,2.5,"
                + "\"x\",null,true,{\"a\":[]}]},\"_meta\":{\"progressToken\":7}}",
            "{\"name\":\"list_tables\"}",
            "{\"name\":\"list_tables\",\"arguments\":null,\"_meta\":null}",
            "{\"name\":\"x\",\"arguments\":{},\"extra\":1}",
            "{\"name\":5,\"arguments\":{}}",
            "{\"arguments\":{}}",
            "{\"name\":\"x\",\"arguments\":[1]}",
            "{\"name\":\"x\",\"arguments\":\"{}\"}",
            "{\"name\":\"x\",\"_meta\":5}",
            "{\"name\":null}");
    int direct = 0;
    for (String json : params) {
      Map<String, Object> viaMapper = parsed(mapper, json);
      Map<String, Object> viaJackson = parsed(jackson, json);
      Object[] a = new Object[1];
      Object[] b = new Object[1];
      Object ours =
          outcome(
              () ->
                  a[0] =
                      mapper.convertValue(viaMapper, new TypeRef<McpSchema.CallToolRequest>() {}),
              a);
      Object theirs =
          outcome(
              () ->
                  b[0] =
                      jackson.convertValue(viaJackson, new TypeRef<McpSchema.CallToolRequest>() {}),
              b);
      assertThat(ours).as(json).isEqualTo(theirs);
      Object byClass =
          outcome(() -> a[0] = mapper.convertValue(viaMapper, McpSchema.CallToolRequest.class), a);
      assertThat(byClass).as(json).isEqualTo(theirs);
      if (ours instanceof McpSchema.CallToolRequest r
          && r.arguments() == viaMapper.get("arguments")
          && r.arguments() != null) {
        direct++; // made directly: the record holds the parsed map itself
      }
    }
    assertThat(direct).as("the usual shapes are made directly").isGreaterThanOrEqualTo(2);
  }

  @Test
  void decimalsStayExactAndOtherTypesAreLeftToJackson() throws Exception {
    Map<String, Object> p =
        parsed(mapper, "{\"name\":\"q\",\"arguments\":{\"v\":12345678901234567890.123456789}}");
    McpSchema.CallToolRequest r = mapper.convertValue(p, McpSchema.CallToolRequest.class);
    assertThat(r.arguments().get("v")).isEqualTo(new BigDecimal("12345678901234567890.123456789"));
    // Not a CallToolRequest: Jackson as before.
    Map<String, Object> m = new LinkedHashMap<>(Map.of("a", List.of(1)));
    assertThat(mapper.convertValue(m, new TypeRef<Map<String, List<Integer>>>() {})).isEqualTo(m);
    assertThat(mapper.writeValueAsString(new ArrayList<>(List.of(1, "x")))).isEqualTo("[1,\"x\"]");
  }
}
