package io.crdbmcp.core.knowledge;

import java.time.Instant;

/**
 * One saved topic.
 *
 * @param name the topic's name (its heading in the markdown file)
 * @param content the text saved, as saved (secrets already redacted)
 * @param updated when it was last saved; null when the file has no date for it (edited by hand)
 */
public record Topic(String name, String content, Instant updated) {
  public Topic {
    name = name.strip();
    content = content.strip();
  }

  /** The size of the content in bytes (UTF-8). */
  public int bytes() {
    return content.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
