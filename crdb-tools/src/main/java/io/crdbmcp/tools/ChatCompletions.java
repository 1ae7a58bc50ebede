package io.crdbmcp.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.AskSettings;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI-compatible chat-completions endpoint ({@code POST {base}/chat/completions}), the
 * operator's model for {@code ask} ({@code CRDB_LLM_BASE_URL}, {@code CRDB_LLM_API_KEY}, {@code
 * CRDB_LLM_MODEL}, {@code CRDB_LLM_TIMEOUT}).
 *
 * <p>Why not the openai-java client: its 4.105.0 core jar alone is 76 MB, and it brings the Kotlin
 * runtime, kotlin-reflect and OkHttp, for the one request this server sends. The protocol used here
 * is its stable core (model, messages, temperature in; {@code choices[0].message.content} out),
 * which every compatible server (OpenAI, Azure OpenAI's v1 API, vLLM, Ollama, LiteLLM) speaks; the
 * JDK's HTTP client and Jackson, both already here, do the rest.
 *
 * <p>The key is sent only in the {@code Authorization} header and never appears in an error: the
 * endpoint's own error text is shown only with the key masked, cut to 300 characters.
 */
final class ChatCompletions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AskSettings settings;
  private final HttpClient http;

  ChatCompletions(AskSettings settings) {
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(settings.llmTimeoutSeconds()))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** Where answers come from, for results: {@code gpt-4o-mini at https://api.openai.com/v1}. */
  String describe() {
    return settings.llmModel() + " at " + settings.llmBaseUrl();
  }

  /** One answer of the model to {@code user} under the {@code system} prompt. */
  String complete(String system, String user, int maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", settings.llmModel());
    body.put(
        "messages",
        List.of(
            Map.of("role", "system", "content", system), Map.of("role", "user", "content", user)));
    body.put("temperature", 0);
    body.put("max_tokens", maxTokens);
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(settings.llmBaseUrl() + "/chat/completions"))
            .timeout(Duration.ofSeconds(settings.llmTimeoutSeconds()))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
    if (settings.llmApiKey() != null) {
      req.header("Authorization", "Bearer " + settings.llmApiKey());
    }
    HttpResponse<String> res;
    try {
      req.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw failed(
          "did not answer within CRDB_LLM_TIMEOUT=" + settings.llmTimeoutSeconds() + " seconds",
          "ask again, raise CRDB_LLM_TIMEOUT, or call schema_context and write the SQL yourself");
    } catch (IOException e) {
      throw failed(
          "could not be reached (" + e.getClass().getSimpleName() + ")",
          "check CRDB_LLM_BASE_URL and that the endpoint is up; schema_context works without it");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CrdbException(ErrorCode.CANCELLED, "the call was cancelled", null);
    }
    if (res.statusCode() / 100 != 2) {
      throw failed(
          "answered HTTP " + res.statusCode() + ": " + brief(res.body()),
          res.statusCode() == 401 || res.statusCode() == 403
              ? "check CRDB_LLM_API_KEY"
              : res.statusCode() == 404
                  ? "check CRDB_LLM_BASE_URL (it ends before /chat/completions, e.g. .../v1) and"
                      + " CRDB_LLM_MODEL"
                  : "ask again later; schema_context works without the endpoint");
    }
    try {
      JsonNode content = JSON.readTree(res.body()).path("choices").path(0).path("message");
      if (!content.path("content").isTextual()) {
        throw failed(
            "answered without a message text",
            "check that CRDB_LLM_MODEL is a chat model; schema_context works without it");
      }
      return content.path("content").asText();
    } catch (IOException e) {
      throw failed("answered with something that is not JSON", "check CRDB_LLM_BASE_URL");
    }
  }

  private CrdbException failed(String what, String next) {
    return new CrdbException(
        ErrorCode.MODEL_FAILED, "the model endpoint " + describe() + " " + what, next);
  }

  /** The endpoint's error text, with the key masked and cut short. */
  private String brief(String body) {
    String s = body == null ? "" : body.replaceAll("\\s+", " ").strip();
    String key = settings.llmApiKey();
    if (key != null && !key.isEmpty()) {
      s = s.replace(key, "***");
      if (key.length() >= 8) {
        // A key echoed in part ("sk-abc...xyz") is masked by its visible ends as well.
        s = s.replace(key.substring(0, 8), "***");
      }
    }
    return s.length() > 300 ? s.substring(0, 297) + "..." : s;
  }
}
