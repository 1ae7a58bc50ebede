package io.crdbmcp.core;

import java.net.URI;
import java.util.Locale;

/**
 * How questions in plain language become SQL (the {@code ask} and {@code schema_context} tools):
 * the OpenAI-compatible endpoint, if the operator configured one, and the schema cache.
 *
 * @param llmBaseUrl the endpoint's base URL, e.g. {@code https://api.openai.com/v1}; null when no
 *     endpoint is configured ({@code CRDB_LLM_BASE_URL}; set alone for a local server that needs no
 *     key, or defaulted to {@link #DEFAULT_LLM_BASE_URL} when only a key is set)
 * @param llmApiKey the bearer key, null for none ({@code CRDB_LLM_API_KEY}); never shown
 * @param llmModel the model name ({@code CRDB_LLM_MODEL})
 * @param llmTimeoutSeconds how long one answer of the endpoint may take ({@code CRDB_LLM_TIMEOUT})
 * @param schemaCacheTtlSeconds how long a schema read for questions is reused; DDL run through the
 *     server drops it at once ({@code CRDB_SCHEMA_CACHE_TTL})
 */
public record AskSettings(
    String llmBaseUrl,
    String llmApiKey,
    String llmModel,
    int llmTimeoutSeconds,
    int schemaCacheTtlSeconds) {

  public static final String DEFAULT_LLM_BASE_URL = "https://api.openai.com/v1";
  public static final String DEFAULT_LLM_MODEL = "gpt-4o-mini";
  public static final int DEFAULT_LLM_TIMEOUT = 30;
  public static final int DEFAULT_SCHEMA_CACHE_TTL = 300;

  public AskSettings {
    if (llmBaseUrl != null) {
      llmBaseUrl =
          llmBaseUrl.endsWith("/") ? llmBaseUrl.substring(0, llmBaseUrl.length() - 1) : llmBaseUrl;
    }
  }

  /** No endpoint; the defaults otherwise. */
  public static AskSettings defaults() {
    return new AskSettings(
        null, null, DEFAULT_LLM_MODEL, DEFAULT_LLM_TIMEOUT, DEFAULT_SCHEMA_CACHE_TTL);
  }

  /** Whether an OpenAI-compatible endpoint is configured. */
  public boolean llmConfigured() {
    return llmBaseUrl != null;
  }

  /** Reads the settings; the caller has checked the names. */
  static AskSettings from(CrdbConfig.Env e) {
    String key = e.get("CRDB_LLM_API_KEY");
    String base = e.get("CRDB_LLM_BASE_URL");
    if (base != null) {
      URI uri;
      try {
        uri = URI.create(base);
      } catch (IllegalArgumentException ex) {
        uri = null;
      }
      String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme();
      if (uri == null
          || uri.getHost() == null
          || !(scheme.toLowerCase(Locale.ROOT).equals("http")
              || scheme.toLowerCase(Locale.ROOT).equals("https"))
          || uri.getRawUserInfo() != null
          || uri.getRawQuery() != null) {
        // The value is not echoed: someone may have put a key in it.
        throw new ConfigException(
            "CRDB_LLM_BASE_URL",
            "is not an http(s) URL with a host and without user info or query (the key goes in"
                + " CRDB_LLM_API_KEY)",
            "CRDB_LLM_BASE_URL=https://api.openai.com/v1");
      }
    } else if (key != null) {
      base = DEFAULT_LLM_BASE_URL;
    }
    return new AskSettings(
        base,
        key,
        e.getOrDefault("CRDB_LLM_MODEL", DEFAULT_LLM_MODEL),
        e.positiveInt("CRDB_LLM_TIMEOUT", DEFAULT_LLM_TIMEOUT),
        e.positiveInt("CRDB_SCHEMA_CACHE_TTL", DEFAULT_SCHEMA_CACHE_TTL));
  }

  /** Never shows the key. */
  @Override
  public String toString() {
    return "AskSettings[llmBaseUrl="
        + llmBaseUrl
        + ", llmApiKey="
        + (llmApiKey == null ? "none" : "***")
        + ", llmModel="
        + llmModel
        + ", llmTimeoutSeconds="
        + llmTimeoutSeconds
        + ", schemaCacheTtlSeconds="
        + schemaCacheTtlSeconds
        + "]";
  }
}
