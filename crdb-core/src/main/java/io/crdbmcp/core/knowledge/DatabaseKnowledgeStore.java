package io.crdbmcp.core.knowledge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crdbmcp.core.sql.SystemStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Topics in the default database ({@link SystemStore}, namespace {@value #NAMESPACE}), so every
 * replica and every teammate's server share what was learned. One entry per topic, keyed by its
 * name in lower case; each save or delete is one statement, so two servers saving different topics
 * at once both keep theirs. The limit on the total size is checked before each save (two servers
 * saving at the very same moment can pass it by one topic).
 */
final class DatabaseKnowledgeStore implements KnowledgeStore {
  static final String NAMESPACE = "knowledge";
  private static final String WHAT = "the knowledge store (CRDB_KNOWLEDGE_STORE=database)";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SystemStore store;

  DatabaseKnowledgeStore(SystemStore store) {
    this.store = store;
  }

  @Override
  public String describe() {
    return store.describe();
  }

  @Override
  public List<Topic> load() {
    List<Topic> out = new ArrayList<>();
    for (SystemStore.Entry e : store.list(NAMESPACE)) {
      out.add(decode(e));
    }
    out.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
    return out;
  }

  @Override
  public boolean put(Topic topic, long maxTotalBytes) {
    String key = key(topic.name());
    long total = topic.bytes();
    boolean exists = false;
    for (SystemStore.Entry e : store.list(NAMESPACE)) {
      if (e.key().equals(key)) {
        exists = true;
      } else {
        total += decode(e).bytes();
      }
    }
    if (total > maxTotalBytes) {
      throw new KnowledgeFullException(total);
    }
    store.put(WHAT, NAMESPACE, key, encode(topic), null);
    return !exists;
  }

  @Override
  public boolean remove(String name) {
    return store.remove(WHAT, NAMESPACE, key(name));
  }

  private static String key(String name) {
    return name.strip().toLowerCase(Locale.ROOT);
  }

  private static String encode(Topic t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", t.name());
    n.put("content", t.content());
    n.put("updated", t.updated() == null ? null : t.updated().toString());
    return n.toString();
  }

  private static Topic decode(SystemStore.Entry e) {
    try {
      JsonNode n = JSON.readTree(e.value());
      String updated = n.path("updated").isTextual() ? n.get("updated").asText() : null;
      return new Topic(
          n.path("name").asText(e.key()),
          n.path("content").asText(""),
          updated == null ? e.updated() : Instant.parse(updated));
    } catch (IOException ex) {
      throw new UncheckedIOException("a knowledge entry is not readable: " + e.key(), ex);
    }
  }
}
