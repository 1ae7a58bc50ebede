package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Declaring tools and arguments: what the builder refuses, and what the declaration implies. */
class ToolDefTest {
  static final Param<String> TABLE = Param.text("table", "A table.").required();
  static final Param<Integer> LIMIT = Param.integer("limit", "Rows.", 1);
  static final ToolDef.Handler NOTHING = (a, ctx) -> new ToolResult("", Map.of());

  static ToolDef.Builder complete(ToolDef.Builder b) {
    return b.group(Toolset.SCHEMA)
        .title("A tool")
        .description("Does a thing.")
        .output(OutputSchemas.anyObject());
  }

  @Test
  void aCompleteDeclarationBuilds() {
    ToolDef t = complete(ToolDef.reader("list_things")).param(TABLE).param(LIMIT).handler(NOTHING);
    assertThat(t.name()).isEqualTo("list_things");
    assertThat(t.params().all()).containsOnlyKeys("table", "limit");
    assertThat(t.params().toJsonSchema())
        .containsEntry("required", List.of("table"))
        .containsEntry("additionalProperties", false);
  }

  @Test
  void missingPartsAreRefused() {
    assertThatThrownBy(
            () ->
                ToolDef.reader("x_y").title("t").description("d").output(Map.of()).handler(NOTHING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no group");
    assertThatThrownBy(
            () ->
                ToolDef.reader("x_y")
                    .group(Toolset.DATA)
                    .description("d")
                    .output(Map.of())
                    .handler(NOTHING))
        .hasMessageContaining("no title");
    assertThatThrownBy(
            () ->
                ToolDef.reader("x_y")
                    .group(Toolset.DATA)
                    .title("t")
                    .output(Map.of())
                    .handler(NOTHING))
        .hasMessageContaining("no description");
    assertThatThrownBy(
            () ->
                ToolDef.reader("x_y")
                    .group(Toolset.DATA)
                    .title("t")
                    .description("d")
                    .handler(NOTHING))
        .hasMessageContaining("no output schema");
    assertThatThrownBy(() -> complete(ToolDef.reader("x_y")).handler((ToolDef.Handler) null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void namesAreSnakeCase() {
    assertThatThrownBy(() -> ToolDef.reader("ListThings"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ToolDef.writer("x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Param.text("Table", "A table."))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Param.text("table", " ")).hasMessageContaining("needs a description");
  }

  @Test
  void hintsThatContradictTheEffectAreRefused() {
    assertThatThrownBy(() -> ToolDef.reader("x_y").destructive())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reader cannot be destructive");
    assertThatThrownBy(() -> ToolDef.reader("x_y").idempotent())
        .hasMessageContaining("idempotent already");
  }

  @Test
  void anArgumentIsDeclaredOnce() {
    assertThatThrownBy(
            () -> complete(ToolDef.reader("x_y")).param(TABLE).param(TABLE.describedAs("Another.")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'table' declared twice");
    assertThatThrownBy(() -> Param.choice("format", "F.", "xml", "text", "json"))
        .hasMessageContaining("not one of the choices");
    assertThatThrownBy(() -> Param.flag("f", "F.", false).required())
        .hasMessageContaining("has a default");
  }

  @Test
  void argumentsAreReadThroughTheirDeclaration() {
    Params declared =
        Params.of().add(TABLE.describedAs("The table to read.")).add(LIMIT).add(Params.FORMAT);
    Args a = Args.of("read_it", Map.of("table", "rides", "limit", 5), declared);
    assertThat(a.get(TABLE)).isEqualTo("rides");
    assertThat(a.get(LIMIT)).isEqualTo(5);
    assertThat(a.get(Params.FORMAT)).isEqualTo("text");
    assertThat(a.has(LIMIT)).isTrue();

    // Reading an argument the tool does not declare is a bug, reported as such.
    assertThatThrownBy(() -> a.get(Params.CONNECTION))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("read_it reads argument connection");
    // The same name with another type is not the same argument.
    assertThatThrownBy(() -> a.get(Param.integer("table", "A number.", null)))
        .isInstanceOf(IllegalStateException.class);

    // A required string must not be blank; the message has the tool's own description.
    Args blank = Args.of("read_it", Map.of("table", " "), declared);
    assertThatThrownBy(() -> blank.get(TABLE))
        .isInstanceOf(CrdbException.class)
        .hasMessageContaining("argument 'table' must not be empty");
    assertThatThrownBy(() -> Args.of("read_it", Map.of("limit", 0, "table", "t"), declared))
        .hasMessageContaining("must be at least 1");
  }

  @Test
  void theEffectDecidesAnnotationsVisibilityAndScope() {
    ToolDef reader = complete(ToolDef.reader("r_1")).handler(NOTHING);
    ToolDef writer = complete(ToolDef.writer("w_1")).destructive().handler(NOTHING);
    ToolDef sql = complete(ToolDef.mayWrite("m_1")).handler(NOTHING);
    ToolDef export = complete(ToolDef.fileWriter("f_1")).handler(NOTHING);

    assertThat(reader.idempotent()).isTrue();
    assertThat(writer.idempotent()).isFalse();
    assertThat(List.of(reader.writes(), writer.writes(), sql.writes(), export.writes()))
        .as("only writers are hidden in read-only mode")
        .containsExactly(false, true, false, false);
    // read-only hint on a writable server, then on a read-only one
    assertThat(
            List.of(
                reader.readOnlyHint(false),
                writer.readOnlyHint(false),
                sql.readOnlyHint(false),
                export.readOnlyHint(false)))
        .containsExactly(true, false, false, false);
    assertThat(
            List.of(reader.readOnlyHint(true), sql.readOnlyHint(true), export.readOnlyHint(true)))
        .containsExactly(true, true, false);
    assertThat(
            List.of(
                reader.scope(false), writer.scope(false), sql.scope(false), export.scope(false)))
        .containsExactly(Scope.READ, Scope.WRITE, Scope.WRITE, Scope.WRITE);
    assertThat(List.of(sql.scope(true), export.scope(true)))
        .containsExactly(Scope.READ, Scope.WRITE);
    ToolDef admin = complete(ToolDef.reader("a_1")).scope(Scope.ADMIN).handler(NOTHING);
    assertThat(admin.scope(false)).isEqualTo(Scope.ADMIN);
  }

  @Test
  void typedHandlersReadTheirArgumentsFirst() {
    record Req(String table, Integer limit) {
      static Req from(Args a) {
        return new Req(a.get(TABLE), a.get(LIMIT));
      }
    }
    ToolDef t =
        complete(ToolDef.reader("typed_one"))
            .params(TABLE, LIMIT)
            .handler(Req::from, (q, ctx) -> new ToolResult(q.table() + "/" + q.limit(), Map.of()));
    ToolResult r =
        t.handler()
            .handle(Args.of("typed_one", Map.of("table", "t"), t.params()), ToolContext.local());
    assertThat(r.text()).isEqualTo("t/null");
  }

  @Test
  void outputSchemasHaveAFixedOrder() {
    Map<String, Object> s =
        OutputSchemas.object(
            Map.of(
                "zeta",
                Map.of("type", "string"),
                "alpha",
                Map.of("items", Map.of("type", "object"), "type", "array"),
                "id",
                Map.of("type", "integer")),
            List.of("id"));
    @SuppressWarnings("unchecked")
    Map<String, Object> props = (Map<String, Object>) s.get("properties");
    assertThat(props.keySet()).containsExactly("id", "alpha", "zeta");
    @SuppressWarnings("unchecked")
    Map<String, Object> alpha = (Map<String, Object>) props.get("alpha");
    assertThat(alpha.keySet()).containsExactly("type", "items");
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) OutputSchemas.QUERY_RESULT.get("properties");
    assertThat(result.keySet()).containsExactly("columns", "rows", "row_count", "truncated");
  }
}
