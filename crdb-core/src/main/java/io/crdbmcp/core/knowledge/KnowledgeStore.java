package io.crdbmcp.core.knowledge;

import java.util.List;

/**
 * Where topics are kept: a markdown file ({@link FileKnowledgeStore}) or a table of the default
 * database ({@link DatabaseKnowledgeStore}). Each change is one operation on one topic, done under
 * the store's own lock (a file lock; the database's transaction), reading the current state afresh:
 * two servers saving different topics at the same moment both keep theirs. Topic names are matched
 * without regard to case.
 */
interface KnowledgeStore {
  /** Every topic, in the store's order. */
  List<Topic> load();

  /**
   * Saves a topic, replacing the one of the same name or adding it.
   *
   * @param maxTotalBytes the store's limit; a save that would pass it is refused (nothing changes)
   * @return true when the topic is new
   * @throws KnowledgeFullException when the limit would be passed
   */
  boolean put(Topic topic, long maxTotalBytes);

  /** Removes a topic; false when there was none of that name. */
  boolean remove(String name);

  /**
   * Where the text lives, for tool results ({@code file /home/me/.cockroachdb-mcp/knowledge.md}).
   */
  String describe();

  /** A save refused because the store would grow past its limit. */
  final class KnowledgeFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long total;

    KnowledgeFullException(long total) {
      super("the knowledge store would hold " + total + " bytes");
      this.total = total;
    }
  }
}
