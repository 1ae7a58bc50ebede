package io.crdbmcp.core.knowledge;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The knowledge file's format: markdown a person can read and edit. Each topic is a level-2 heading
 * ({@code ## name}) with its text below it, up to the next level-2 heading; an optional first line
 * {@code _updated 2026-12-04T10:15:30Z_} carries the date of the last save. Headings inside fenced
 * code blocks are text, not topics; anything before the first heading (a title, a note) is kept as
 * it is.
 *
 * <p>Hand-written rather than with a markdown library: only level-2 headings and code fences matter
 * here, and a full markdown parser would tell nothing more. Writing keeps the preamble and every
 * topic's text as they are, with one blank line around each heading.
 */
final class MarkdownKnowledge {
  static final String HEADER =
      "# cockroachdb-mcp knowledge\n\n"
          + "<!-- Saved by cockroachdb-mcp (save_knowledge). You may edit this file: each \"## \" heading"
          + " is one topic, its text runs to the next \"## \" heading. -->\n";

  private static final Pattern UPDATED = Pattern.compile("^_updated (\\S+)_\\s*$");
  private static final Pattern FENCE = Pattern.compile("^\\s{0,3}(```|~~~)");

  /** A parsed file: what stands before the first topic, and the topics. */
  record Document(String preamble, List<Topic> topics) {}

  private MarkdownKnowledge() {}

  static Document parse(String text) {
    String[] lines = text.replace("\r\n", "\n").split("\n", -1);
    StringBuilder preamble = new StringBuilder();
    List<Topic> topics = new ArrayList<>();
    String name = null;
    StringBuilder body = new StringBuilder();
    String fence = null;
    for (String line : lines) {
      Matcher f = FENCE.matcher(line);
      if (f.find()) {
        if (fence == null) {
          fence = f.group(1);
        } else if (fence.equals(f.group(1))) {
          fence = null;
        }
      } else if (fence == null && line.startsWith("## ") && !line.substring(3).isBlank()) {
        if (name != null) {
          topics.add(topic(name, body.toString()));
        }
        name = line.substring(3).strip();
        body.setLength(0);
        continue;
      }
      (name == null ? preamble : body).append(line).append('\n');
    }
    if (name != null) {
      topics.add(topic(name, body.toString()));
    }
    return new Document(preamble.toString(), topics);
  }

  private static Topic topic(String name, String body) {
    String text = body.strip();
    Instant updated = null;
    int nl = text.indexOf('\n');
    String first = nl < 0 ? text : text.substring(0, nl);
    Matcher m = UPDATED.matcher(first.strip());
    if (m.matches()) {
      try {
        updated = Instant.parse(m.group(1));
        text = nl < 0 ? "" : text.substring(nl + 1);
      } catch (DateTimeParseException notADate) {
        // A line that looks like ours but is not: part of the text.
      }
    }
    return new Topic(name, text, updated);
  }

  static String render(Document doc) {
    StringBuilder out = new StringBuilder();
    String pre = doc.preamble().strip();
    out.append(pre.isEmpty() ? HEADER.strip() : pre).append("\n");
    for (Topic t : doc.topics()) {
      out.append("\n## ").append(t.name()).append("\n");
      if (t.updated() != null) {
        out.append("_updated ").append(t.updated()).append("_\n");
      }
      out.append("\n").append(t.content()).append("\n");
    }
    return out.toString();
  }

  /**
   * Whether a topic's text would change the file's structure when written: a line starting with
   * {@code ## } outside a code fence would become a topic of its own.
   */
  static boolean splitsTopics(String content) {
    return parse("## x\n" + content).topics().size() != 1;
  }
}
