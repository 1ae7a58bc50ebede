package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.tools.CrdbTools;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The start-up warm-up of the transport's JSON mapper: it must go through, and hand over. */
class JsonWarmUpTest {
  @Test
  void theFirstExchangeOfASessionGoesThrough() {
    // False when the SDK's message types no longer decode or encode the way the warm-up expects:
    // the head start would silently be lost.
    assertThat(JsonWarmUp.run(CrdbTools.jsonMapper())).isTrue();
  }

  @Test
  void startHandsOverAMapperThatDecodesRequests() throws Exception {
    McpJsonMapper json = JsonWarmUp.mapper(JsonWarmUp.start());
    McpSchema.JSONRPCMessage message =
        McpSchema.deserializeJsonRpcMessage(
            json, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
    assertThat(message).isInstanceOf(McpSchema.JSONRPCRequest.class);
    assertThat(((McpSchema.JSONRPCRequest) message).id()).isEqualTo(7);
  }

  @Test
  void aFailedStartStillGivesAMapper() throws Exception {
    McpJsonMapper json =
        JsonWarmUp.mapper(CompletableFuture.failedFuture(new IllegalStateException("test")));
    assertThat(json.writeValueAsString(new McpSchema.Implementation("n", "1")))
        .contains("\"name\":\"n\"");
  }
}
