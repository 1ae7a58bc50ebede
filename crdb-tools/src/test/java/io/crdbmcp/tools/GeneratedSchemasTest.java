package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server skips the SDK's start-up meta-schema check for the schemas our tools generate (so the
 * schema library loads on the first call, not before {@code initialize} is answered); this is the
 * check instead: every generated input and output schema, of every toolset, passes the SDK's real
 * validator, and a schema we did not generate is still checked.
 */
class GeneratedSchemasTest {
  static final JsonSchemaValidator REAL = McpJsonDefaults.getSchemaValidator();

  static List<SyncToolSpecification> specifications(Map<String, String> env) {
    // Opening the library does not connect: no database is needed to describe the tools.
    Crdb crdb = Crdb.open(CrdbConfig.fromEnvironment(env));
    try {
      return CrdbTools.builder(crdb).toolsets(Toolset.values()).build().specifications();
    } finally {
      crdb.close();
    }
  }

  @Test
  void everyGeneratedSchemaPassesTheRealValidator() {
    List<SyncToolSpecification> specs =
        specifications(
            Map.of(
                "CRDB_URL", "postgresql://schemas@127.0.0.1:9/schemas",
                "CRDB_OUTPUT_SCHEMAS", "true"));
    List<Map<String, Object>> generated = CrdbTools.generatedSchemas(specs);
    assertThat(specs).hasSizeGreaterThan(40);
    for (SyncToolSpecification s : specs) {
      assertThat(s.tool().outputSchema()).as(s.tool().name()).isNotNull();
      for (Map<String, Object> schema : List.of(s.tool().inputSchema(), s.tool().outputSchema())) {
        // Every tool's input and output schema is among them, by identity.
        assertThat(generated.stream().anyMatch(g -> g == schema)).as(s.tool().name()).isTrue();
        JsonSchemaValidator.ValidationResponse r = REAL.validateSchema(schema);
        assertThat(r.valid()).as(s.tool().name() + ": " + r.errorMessage()).isTrue();
      }
    }
  }

  @Test
  void aSchemaWeDidNotGenerateIsStillChecked() {
    List<SyncToolSpecification> specs =
        specifications(Map.of("CRDB_URL", "postgresql://schemas@127.0.0.1:9/schemas"));
    LazySchemaValidator v = new LazySchemaValidator(CrdbTools.generatedSchemas(specs));
    Map<String, Object> ours = specs.get(0).tool().inputSchema();
    assertThat(v.validateSchema(ours).valid()).isTrue();
    Map<String, Object> broken = Map.of("type", "object", "properties", Map.of("x", 5));
    assertThat(REAL.validateSchema(broken).valid()).isFalse();
    assertThat(v.validateSchema(broken).valid()).isFalse();
    // An equal copy of a generated schema is not ours by identity: it is checked (and passes).
    assertThat(v.validateSchema(Map.copyOf(ours)).valid()).isTrue();
  }
}
