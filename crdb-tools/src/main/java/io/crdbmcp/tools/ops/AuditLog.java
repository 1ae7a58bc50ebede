package io.crdbmcp.tools.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.SqlToken;
import io.crdbmcp.tools.CallListener;
import io.crdbmcp.tools.CallRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON object per line for every tool call that ended (refused calls included),
 * with time, session, user, tool, connection, statement, safety classification, outcome, rule, row
 * count, duration and error code. Never arguments other than the statement, and the statement with
 * its secrets masked ({@link CallRecord#arguments()}: passwords in SQL and in URLs); with {@code
 * redactLiterals} every string and number literal is replaced by {@code ?} as well.
 *
 * <p>Each line is written with one {@code write} to a file opened for appending, under a lock, and
 * not buffered in the process: a line is complete in the file once the call's result is returned,
 * so a crash of the server loses at most the line being written, and lines of concurrent calls
 * never interleave. Rotation-friendly: before each line the log checks that its path still names
 * the file it has open, and opens a new file when the old one was moved away or deleted (logrotate
 * without {@code copytruncate}, or {@code mv audit.jsonl audit.1}). A line that cannot be written
 * is reported on stderr (once per failure streak) and the call is not affected.
 */
public final class AuditLog implements CallListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** Which calls are written. */
  public enum Level {
    /** Every call. */
    ALL,
    /** Calls of tools that change data, and statements that write. */
    WRITES,
    /** Calls that failed or were refused. */
    ERRORS
  }

  private final Path path;
  private final Level level;
  private final boolean redactLiterals;
  private final Set<String> writerTools;
  private final ObjectMapper json =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  private final ReentrantLock lock = new ReentrantLock();
  private FileChannel channel;
  private Object fileKey;
  private boolean failing;
  private boolean closed;

  /**
   * @param writerTools the tools that change data (for {@link Level#WRITES})
   */
  public AuditLog(Path path, Level level, boolean redactLiterals, Set<String> writerTools) {
    this.path = Objects.requireNonNull(path, "path");
    this.level = Objects.requireNonNull(level, "level");
    this.redactLiterals = redactLiterals;
    this.writerTools = Set.copyOf(writerTools);
  }

  public Path path() {
    return path;
  }

  /**
   * Opens the file (creating it and its directory, readable by the owner only), so a path that
   * cannot be written is reported at start.
   *
   * @throws IOException when the file cannot be opened for appending
   */
  public AuditLog open() throws IOException {
    lock.lock();
    try {
      ensureOpen();
      return this;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void callEnded(CallRecord record) {
    if (!wanted(record)) {
      return;
    }
    byte[] line;
    try {
      line = line(record);
    } catch (JsonProcessingException | RuntimeException e) {
      LOG.warn("audit: cannot write the line of a {} call: {}", record.tool(), e.toString());
      return;
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      ensureOpen();
      ByteBuffer b = ByteBuffer.wrap(line);
      while (b.hasRemaining()) {
        channel.write(b);
      }
      if (failing) {
        LOG.warn("audit: writing to {} works again", path);
        failing = false;
      }
    } catch (IOException e) {
      if (!failing) {
        LOG.warn("audit: cannot write to {}: {}; calls go on unaudited", path, e.toString());
        failing = true;
      }
      closeChannel();
    } finally {
      lock.unlock();
    }
  }

  private boolean wanted(CallRecord r) {
    return switch (level) {
      case ALL -> true;
      case ERRORS -> r.outcome() != CallRecord.Outcome.SUCCESS;
      case WRITES -> {
        if (writerTools.contains(r.tool())) {
          yield true;
        }
        Classification c = r.classification();
        yield c != null && c.writes();
      }
    };
  }

  /** The JSON line of one call, ending in a newline. */
  byte[] line(CallRecord r) throws JsonProcessingException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", (r.ended() == null ? r.started() : r.ended()).toString());
    m.put("session", r.caller().clientId());
    m.put("user", r.caller().user());
    m.put("tool", r.tool());
    m.put("connection", r.connection());
    Object sql = r.arguments().get("sql");
    m.put("statement", sql instanceof String s ? statement(s) : null);
    Classification c = r.classification();
    if (c != null) {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("kind", c.kind().name());
      k.put("command", c.command());
      k.put("writes", c.writes());
      m.put("classification", k);
    } else {
      m.put("classification", null);
    }
    m.put("outcome", r.outcome() == null ? null : r.outcome().name());
    m.put("rule", r.rule() == null ? null : r.rule().id());
    m.put("rows", r.rows());
    m.put(
        "duration_ms",
        r.duration() == null ? null : Math.round(r.duration().toNanos() / 1e4) / 1e2);
    m.put("error_code", r.errorCode());
    byte[] body = json.writeValueAsBytes(m);
    byte[] out = new byte[body.length + 1];
    System.arraycopy(body, 0, out, 0, body.length);
    out[body.length] = '\n';
    return out;
  }

  private String statement(String sql) {
    return redactLiterals ? redactLiterals(sql) : sql;
  }

  /**
   * {@code sql} with every string literal replaced by {@code '?'} and every number by {@code ?};
   * text the lexer cannot read is replaced as a whole.
   */
  static String redactLiterals(String sql) {
    List<SqlToken> tokens;
    try {
      tokens = SqlLexer.tokenize(sql);
    } catch (RuntimeException | StackOverflowError e) {
      return "? (statement that could not be read)";
    }
    StringBuilder sb = new StringBuilder(sql.length());
    int copied = 0;
    for (SqlToken t : tokens) {
      if (t.kind() == SqlToken.Kind.STRING || t.kind() == SqlToken.Kind.NUMBER) {
        sb.append(sql, copied, t.start()).append(t.kind() == SqlToken.Kind.STRING ? "'?'" : "?");
        copied = t.end();
      }
    }
    return sb.append(sql, copied, sql.length()).toString();
  }

  /** Opens the file if none is open, or if the path names another file than the open one. */
  private void ensureOpen() throws IOException {
    Object key = currentKey();
    if (channel != null && channel.isOpen() && key != null && key.equals(fileKey)) {
      return;
    }
    closeChannel();
    Path dir = path.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    try {
      Files.createFile(
          path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      // Appended to.
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: created by open() below with the default permissions.
    }
    channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    fileKey = currentKey();
    if (fileKey == null) {
      // No file keys on this file system: the path is reopened for every line.
      fileKey = new Object();
    }
  }

  private Object currentKey() {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Nothing buffered: every line was written when it was logged.
      }
      channel = null;
      fileKey = null;
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      closeChannel();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "AuditLog[" + path + ", " + level + "]";
  }
}
