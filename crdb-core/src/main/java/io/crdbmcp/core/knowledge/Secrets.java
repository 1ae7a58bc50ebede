package io.crdbmcp.core.knowledge;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secrets in text a model asks to save: saved notes are read back into conversations and shared
 * through the database store, so a password must not land there. Passwords in connection URLs and
 * in {@code key=value} settings, bearer tokens, and cloud keys are replaced by {@value #MASK}; a
 * private key is refused outright (there is no safe part of it to keep).
 */
final class Secrets {
  static final String MASK = "[REDACTED]";

  /** The text with secrets masked, and how many were. */
  record Redacted(String text, int count) {}

  /** A pattern and the group that holds the secret. */
  private record Rule(Pattern pattern, int group) {}

  private static final List<Rule> RULES =
      List.of(
          // scheme://user:password@host
          new Rule(Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^\\s:/@]+:([^\\s@/]+)@"), 1),
          // password=..., pwd: ..., "secret": "...", token=..., api_key=...
          new Rule(
              Pattern.compile(
                  "(?i)\\b(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?token|"
                      + "refresh[_-]?token|token)\\b[\"']?\\s*[:=]\\s*[\"']?([^\\s\"'&;,]{3,})"),
              1),
          // Authorization: Bearer xxx
          new Rule(Pattern.compile("(?i)\\bbearer\\s+([A-Za-z0-9._~+/=-]{8,})"), 1),
          // AWS access key ids
          new Rule(Pattern.compile("\\b((?:AKIA|ASIA)[A-Z0-9]{16})\\b"), 1),
          // JWTs
          new Rule(
              Pattern.compile(
                  "\\b(eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,})"),
              1));

  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----");

  private Secrets() {}

  /** Whether the text holds a private key (refused, not masked). */
  static boolean hasPrivateKey(String text) {
    return PRIVATE_KEY.matcher(text).find();
  }

  static Redacted redact(String text) {
    String out = text;
    int count = 0;
    for (Rule r : RULES) {
      Matcher m = r.pattern().matcher(out);
      StringBuilder sb = new StringBuilder();
      int last = 0;
      while (m.find()) {
        if (m.group(r.group()).equals(MASK)) {
          continue;
        }
        sb.append(out, last, m.start(r.group())).append(MASK);
        last = m.end(r.group());
        count++;
      }
      sb.append(out.substring(last));
      out = sb.toString();
    }
    return new Redacted(out, count);
  }
}
