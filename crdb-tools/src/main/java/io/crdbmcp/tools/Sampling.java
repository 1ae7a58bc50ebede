package io.crdbmcp.tools;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;

/**
 * The client's own model, reached through MCP sampling ({@code sampling/createMessage}) when the
 * client declared the sampling capability; {@link #NONE} otherwise.
 */
public interface Sampling {
  /** No sampling: the client did not offer it, or there is no client (a call in-process). */
  Sampling NONE =
      new Sampling() {
        @Override
        public boolean offered() {
          return false;
        }

        @Override
        public String complete(String system, String user, int maxTokens) {
          throw new IllegalStateException("the client offers no sampling");
        }
      };

  /** Whether the client offers sampling. */
  boolean offered();

  /** One answer of the client's model to {@code user}, under the {@code system} prompt. */
  String complete(String system, String user, int maxTokens);

  /** Sampling through the SDK exchange of the current call, if the client declared it. */
  static Sampling of(McpSyncServerExchange exchange) {
    if (exchange == null
        || exchange.getClientCapabilities() == null
        || exchange.getClientCapabilities().sampling() == null) {
      return NONE;
    }
    return new Sampling() {
      @Override
      public boolean offered() {
        return true;
      }

      @Override
      public String complete(String system, String user, int maxTokens) {
        McpSchema.CreateMessageResult r;
        try {
          r =
              exchange.createMessage(
                  McpSchema.CreateMessageRequest.builder()
                      .messages(
                          List.of(
                              new McpSchema.SamplingMessage(
                                  McpSchema.Role.USER, new McpSchema.TextContent(user))))
                      .systemPrompt(system)
                      .includeContext(McpSchema.CreateMessageRequest.ContextInclusionStrategy.NONE)
                      .temperature(0.0)
                      .maxTokens(maxTokens)
                      .build());
        } catch (RuntimeException e) {
          throw new CrdbException(
              ErrorCode.MODEL_FAILED,
              "the client's model (sampling) did not answer: " + e.getClass().getSimpleName(),
              "ask again, or configure CRDB_LLM_BASE_URL; schema_context gives what is needed to"
                  + " write the SQL yourself",
              null,
              e);
        }
        if (r == null || !(r.content() instanceof McpSchema.TextContent t)) {
          throw new CrdbException(
              ErrorCode.MODEL_FAILED,
              "the client's model (sampling) answered without text",
              "ask again; schema_context gives what is needed to write the SQL yourself",
              null,
              null);
        }
        return t.text();
      }
    };
  }
}
