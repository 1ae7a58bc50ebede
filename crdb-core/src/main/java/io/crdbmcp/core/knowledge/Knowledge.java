package io.crdbmcp.core.knowledge;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Spelling;
import io.crdbmcp.core.sql.SystemStore;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What was learned about a database, kept across sessions (PRD section 11): named topics of
 * markdown text in a file a person can read and edit ({@code CRDB_KNOWLEDGE_PATH}), or in a table
 * of the default database that every replica shares ({@code CRDB_KNOWLEDGE_STORE=database}).
 *
 * <p>Saved text is data, never instructions: it is kept as given (with secrets masked, see {@link
 * #save}) and every result says where it came from ({@link #source()}). Limits: a topic name of at
 * most {@value #MAX_NAME} characters, {@value #MAX_TOPIC_BYTES} bytes of text per topic, {@value
 * #MAX_TOTAL_BYTES} bytes in all.
 */
public final class Knowledge {
  public static final int MAX_NAME = 200;
  public static final int MAX_TOPIC_BYTES = 16 * 1024;
  public static final long MAX_TOTAL_BYTES = 1024 * 1024;

  /**
   * A saved topic.
   *
   * @param topic as kept
   * @param created whether it is new (else it replaced the topic of the same name)
   * @param redacted how many secrets were masked in its text
   */
  public record Saved(Topic topic, boolean created, int redacted) {}

  /** A search result: the topic, how well it matches, and its best matching line. */
  public record Found(Topic topic, float score, String snippet) {}

  private final KnowledgeStore store;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  private Knowledge(KnowledgeStore store) {
    this.store = store;
  }

  /** Knowledge in a markdown file. */
  public static Knowledge file(Path file) {
    return new Knowledge(new FileKnowledgeStore(file));
  }

  /** Knowledge in the default database, shared by every server using it. */
  public static Knowledge database(SystemStore store) {
    return new Knowledge(new DatabaseKnowledgeStore(store));
  }

  /** Where the text lives ({@code file /home/me/.cockroachdb-mcp/knowledge.md}). */
  public String source() {
    return store.describe();
  }

  /** Tells {@code listener} the name of every topic saved or deleted through this instance. */
  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Every topic, in the store's order. */
  public List<Topic> list() {
    return call(store::load);
  }

  /** The topic of that name (case does not matter). */
  public Optional<Topic> get(String name) {
    List<Topic> all = list();
    int i = FileKnowledgeStore.indexOf(all, name);
    return i < 0 ? Optional.empty() : Optional.of(all.get(i));
  }

  /**
   * The topic of that name, or a {@link ErrorCode#NOT_FOUND} error that offers the closest names.
   */
  public Topic require(String name) {
    return get(name)
        .orElseThrow(
            () -> {
              List<String> near = closest(name);
              return new CrdbException(
                  ErrorCode.NOT_FOUND,
                  "no knowledge topic '" + name + "'",
                  near.isEmpty()
                      ? "list the saved topics to see their names"
                      : "did you mean " + String.join(" or ", near) + "?");
            });
  }

  /**
   * Saves a topic, replacing the one of the same name. Passwords in connection strings and
   * settings, bearer tokens and cloud keys are masked before anything is kept; a private key is
   * refused.
   *
   * @throws CrdbException {@code INVALID_ARGUMENT} for an empty or over-long name or text, a
   *     private key, a line that would start another topic, or a store that would pass its limit
   */
  public Saved save(String name, String content) {
    String n = name == null ? "" : name.strip();
    if (n.isEmpty() || n.length() > MAX_NAME || n.contains("\n") || n.startsWith("#")) {
      throw CrdbException.invalidArgument(
          "a topic name must be 1-" + MAX_NAME + " characters on one line, not starting with #",
          "name the topic in a few words, e.g. \"rides table\"");
    }
    String text = content == null ? "" : content.strip();
    if (text.isEmpty()) {
      throw CrdbException.invalidArgument(
          "the text of topic '" + n + "' is empty", "give the text to save, or delete the topic");
    }
    if (Secrets.hasPrivateKey(text)) {
      throw CrdbException.invalidArgument(
          "the text of topic '" + n + "' holds a private key, which is never saved",
          "save what the key is for, not the key");
    }
    Secrets.Redacted r = Secrets.redact(text);
    Topic topic = new Topic(n, r.text(), Instant.now().truncatedTo(ChronoUnit.SECONDS));
    if (topic.bytes() > MAX_TOPIC_BYTES) {
      throw CrdbException.invalidArgument(
          "the text of topic '"
              + n
              + "' is "
              + topic.bytes()
              + " bytes; a topic holds at most "
              + MAX_TOPIC_BYTES,
          "save the essentials, or split it into several topics");
    }
    if (MarkdownKnowledge.splitsTopics(topic.content())) {
      throw CrdbException.invalidArgument(
          "a line of the text starts with \"## \", which starts a new topic in the knowledge file",
          "use ### (or deeper) for headings inside a topic");
    }
    boolean created;
    try {
      created = call(() -> store.put(topic, MAX_TOTAL_BYTES));
    } catch (KnowledgeStore.KnowledgeFullException e) {
      throw CrdbException.invalidArgument(
          "saving '"
              + n
              + "' would bring the knowledge to "
              + e.total
              + " bytes, past its limit of "
              + MAX_TOTAL_BYTES,
          "delete topics that are no longer useful, or shorten this one");
    }
    fire(topic.name());
    return new Saved(topic, created, r.count());
  }

  /** Deletes a topic; false when there was none of that name. */
  public boolean delete(String name) {
    boolean removed = call(() -> store.remove(name));
    if (removed) {
      fire(name.strip());
    }
    return removed;
  }

  /**
   * Topics ranked by relevance to {@code words} (stemmed: "indexes" finds "indexed"), best first.
   */
  public List<Found> search(String words, int limit) {
    if (words == null || words.isBlank()) {
      throw CrdbException.invalidArgument(
          "give a few words to search for", "e.g. \"rides revenue\"");
    }
    List<Found> out = new ArrayList<>();
    for (KnowledgeSearch.Hit h : KnowledgeSearch.search(list(), words, limit)) {
      out.add(new Found(h.topic(), h.score(), h.snippet()));
    }
    return out;
  }

  /** Up to three saved names close to {@code name}. */
  List<String> closest(String name) {
    return Spelling.closest(name.strip(), list().stream().map(Topic::name).toList(), 3);
  }

  private void fire(String topic) {
    for (Consumer<String> l : listeners) {
      try {
        l.accept(topic);
      } catch (RuntimeException ignored) {
        // A listener's failure is not the save's.
      }
    }
  }

  private <T> T call(java.util.function.Supplier<T> op) {
    try {
      return op.get();
    } catch (UncheckedIOException e) {
      throw new CrdbException(
          ErrorCode.INTERNAL,
          e.getMessage() + ": " + e.getCause().getMessage(),
          "check that the file's directory exists and is writable, or set CRDB_KNOWLEDGE_PATH",
          null,
          e);
    }
  }
}
