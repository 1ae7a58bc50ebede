package io.crdbmcp.core.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Topics in a markdown file ({@link MarkdownKnowledge}). Every change takes an exclusive lock on a
 * lock file beside it ({@code knowledge.md.lock}: the data file itself is replaced by each write,
 * so it cannot hold the lock), reads the file afresh, applies the one change, writes the whole file
 * to a temporary file in the same directory, forces it to disk, and renames it over the old one
 * (then forces the directory). A reader sees the old file or the new one, never a part; a process
 * killed at any point loses at most the change it was making; two processes saving at once take
 * turns and both keep their topics.
 */
final class FileKnowledgeStore implements KnowledgeStore {
  private final Path file;
  private final Path lockFile;

  /**
   * File locks are held by a process, not a thread (a second lock in the same process fails):
   * threads of this process, and other instances on the same file, take turns here first.
   */
  private static final Map<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

  private final ReentrantLock local;

  FileKnowledgeStore(Path file) {
    this.file = file.toAbsolutePath().normalize();
    this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
    this.local = LOCAL.computeIfAbsent(this.file, f -> new ReentrantLock());
  }

  Path file() {
    return file;
  }

  @Override
  public String describe() {
    return "file " + file;
  }

  @Override
  public List<Topic> load() {
    return read().topics();
  }

  @Override
  public boolean put(Topic topic, long maxTotalBytes) {
    return change(
        doc -> {
          List<Topic> topics = new ArrayList<>(doc.topics());
          int at = indexOf(topics, topic.name());
          long total = topic.bytes();
          for (int i = 0; i < topics.size(); i++) {
            if (i != at) {
              total += topics.get(i).bytes();
            }
          }
          if (total > maxTotalBytes) {
            throw new KnowledgeFullException(total);
          }
          if (at >= 0) {
            topics.set(at, topic);
          } else {
            topics.add(topic);
          }
          return new Change<>(new MarkdownKnowledge.Document(doc.preamble(), topics), at < 0);
        });
  }

  @Override
  public boolean remove(String name) {
    return change(
        doc -> {
          List<Topic> topics = new ArrayList<>(doc.topics());
          int at = indexOf(topics, name);
          if (at < 0) {
            return new Change<>(null, false);
          }
          topics.remove(at);
          return new Change<>(new MarkdownKnowledge.Document(doc.preamble(), topics), true);
        });
  }

  static int indexOf(List<Topic> topics, String name) {
    String key = name.strip().toLowerCase(Locale.ROOT);
    for (int i = 0; i < topics.size(); i++) {
      if (topics.get(i).name().toLowerCase(Locale.ROOT).equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** A document to write (null: nothing changed) and what to return. */
  private record Change<T>(MarkdownKnowledge.Document doc, T result) {}

  private <T> T change(Function<MarkdownKnowledge.Document, Change<T>> apply) {
    local.lock();
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel lock =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = lock.lock()) {
        Change<T> c = apply.apply(read());
        if (c.doc() != null) {
          write(MarkdownKnowledge.render(c.doc()));
        }
        return c.result();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the knowledge file " + file, e);
    } finally {
      local.unlock();
    }
  }

  private MarkdownKnowledge.Document read() {
    try {
      return MarkdownKnowledge.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return new MarkdownKnowledge.Document("", List.of());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the knowledge file " + file, e);
    }
  }

  private void write(String text) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory(file.getParent());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Makes the rename itself durable; not every platform lets a directory be opened, so best effort.
   */
  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException notOnThisPlatform) {
      // Windows cannot open a directory; its rename is durable enough for this file.
    }
  }
}
