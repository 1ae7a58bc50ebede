package io.crdbmcp.core.export;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where exports may write: every target is a file under one directory ({@code CRDB_EXPORT_DIR}).
 * Resolves and checks a requested path (no absolute paths outside the directory, no {@code ..}
 * escapes, no symbolic links leading out), creates parent directories inside it, names the
 * temporary file an export writes first, and publishes that file under its final name atomically.
 *
 * <p>Temporary files are named {@code .<name>.<pid>.<random>.partial}; files of that shape whose
 * process is no longer alive are left-overs of a crashed or killed server and are deleted by {@link
 * #cleanStale()}. Files of live processes are never touched.
 */
final class ExportPaths {
  private static final Logger LOG = LoggerFactory.getLogger(ExportPaths.class);

  /**
   * Made at the first temporary file, not when the library opens (seeding it was about 5 ms of a
   * server start's main thread, async-profiler, 2026-12-07).
   */
  private static final class Random {
    static final SecureRandom SOURCE = new SecureRandom();
  }

  static final String TEMP_SUFFIX = ".partial";
  static final Pattern TEMP_NAME = Pattern.compile("^\\..+\\.(\\d{1,19})\\.[0-9a-f]{8}\\.partial$");
  private static final String GOOD_PATH =
      "give a file name or a relative path inside the export directory, e.g. 'rides.csv' or"
          + " 'reports/2024/rides.csv'";

  private final Path dir;

  /**
   * @param dir the export directory; it is created on first use
   */
  public ExportPaths(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public Path dir() {
    return dir;
  }

  /**
   * A checked export target.
   *
   * @param file the final file (absolute, inside the export directory)
   * @param temp the temporary file next to it that the export writes first
   */
  public record Target(Path file, Path temp) {}

  /**
   * Resolves {@code requested} against the export directory and checks it. Creates missing parent
   * directories (inside the directory only). Throws {@code EXPORT_FAILED} saying what was wrong.
   */
  public Target resolve(String requested, boolean overwrite) {
    if (requested == null || requested.isBlank()) {
      throw refused("the path is empty");
    }
    if (requested.indexOf('\0') >= 0) {
      throw refused("the path contains a NUL character");
    }
    Path realDir = realExportDir();
    Path p;
    try {
      p = Path.of(expandHome(requested.trim()));
    } catch (InvalidPathException e) {
      throw refused("'" + requested + "' is not a valid path: " + e.getReason());
    }
    Path target;
    if (p.isAbsolute()) {
      target = p.normalize();
      if (!target.startsWith(dir) && !target.startsWith(realDir)) {
        throw refused("'" + requested + "' is an absolute path outside the export directory");
      }
      if (!target.startsWith(dir)) {
        target = dir.resolve(realDir.relativize(target));
      }
    } else {
      for (Path part : p) {
        if (part.toString().equals("..")) {
          throw refused("'" + requested + "' uses '..' to leave the export directory");
        }
      }
      target = dir.resolve(p).normalize();
    }
    if (!target.startsWith(dir) || target.equals(dir)) {
      throw refused("'" + requested + "' does not name a file inside the export directory");
    }
    String name = target.getFileName().toString();
    if (name.equals(".") || name.endsWith(TEMP_SUFFIX)) {
      throw refused("'" + name + "' is not allowed as a file name (reserved for temporary files)");
    }
    Path parent = createParents(target.getParent(), realDir, requested);
    Path file = parent.resolve(name);
    if (Files.isSymbolicLink(file)) {
      throw refused("'" + requested + "' is a symbolic link; exports do not write through links");
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        throw refused("'" + requested + "' is a directory");
      }
      if (!overwrite) {
        throw new CrdbException(
            ErrorCode.EXPORT_FAILED,
            "the file '" + file + "' already exists",
            "pass overwrite=true to replace it, or choose another file name");
      }
    }
    return new Target(file, parent.resolve(tempName(name)));
  }

  /** The export directory, created if missing, with symbolic links resolved. */
  private Path realExportDir() {
    try {
      Files.createDirectories(dir);
      return dir.toRealPath();
    } catch (IOException e) {
      throw new CrdbException(
          ErrorCode.EXPORT_FAILED,
          "cannot create the export directory " + dir + ": " + e,
          "set CRDB_EXPORT_DIR to a writable directory",
          null,
          e);
    }
  }

  /**
   * Creates the parent directories one level at a time, checking before each step that what exists
   * is a real directory whose real path stays inside the export directory, so that a symbolic link
   * inside the directory can never make us create or write anything outside it.
   */
  private Path createParents(Path parent, Path realDir, String requested) {
    Path rel = dir.relativize(parent);
    Path current = dir;
    try {
      for (Path part : rel) {
        if (part.toString().isEmpty()) {
          continue;
        }
        current = current.resolve(part);
        if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
          try {
            Files.createDirectory(current);
          } catch (FileAlreadyExistsException raced) {
            // Created concurrently; checked below like any existing entry.
          }
        }
        checkInside(current, realDir, requested);
      }
      checkInside(current, realDir, requested);
    } catch (IOException e) {
      throw new CrdbException(
          ErrorCode.EXPORT_FAILED,
          "cannot create the directory for '" + requested + "': " + e,
          GOOD_PATH,
          null,
          e);
    }
    return current;
  }

  private static void checkInside(Path p, Path realDir, String requested) throws IOException {
    if (!Files.isDirectory(p)) {
      throw refused(
          "'" + p.getFileName() + "' in '" + requested + "' exists and is not a directory");
    }
    Path real = p.toRealPath();
    if (!real.startsWith(realDir)) {
      throw refused(
          "'"
              + requested
              + "' goes through a symbolic link that leads outside the export directory (to "
              + real
              + ")");
    }
  }

  private static CrdbException refused(String what) {
    return new CrdbException(ErrorCode.EXPORT_FAILED, "path refused: " + what, GOOD_PATH);
  }

  /** {@code .<name>.<pid>.<8 hex>.partial}. */
  static String tempName(String name) {
    byte[] b = new byte[4];
    Random.SOURCE.nextBytes(b);
    return "."
        + name
        + "."
        + ProcessHandle.current().pid()
        + "."
        + HexFormat.of().formatHex(b)
        + TEMP_SUFFIX;
  }

  /** The process id in a temporary file name, if the name has the temporary-file shape. */
  static Optional<Long> tempOwner(String fileName) {
    Matcher m = TEMP_NAME.matcher(fileName);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(m.group(1)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Deletes temporary files left by processes that are no longer alive. Never touches files of a
   * live process (this one included). Best effort: problems are logged, not thrown.
   *
   * @return how many files were deleted
   */
  public int cleanStale() {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int deleted = 0;
    try (Stream<Path> files = Files.walk(dir, 32, new FileVisitOption[0])) {
      List<Path> stale =
          files
              .filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
              .filter(
                  f ->
                      tempOwner(f.getFileName().toString())
                          .map(pid -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true))
                          .orElse(false))
              .toList();
      for (Path f : stale) {
        try {
          if (Files.deleteIfExists(f)) {
            deleted++;
            LOG.info("deleted stale export temporary file {}", f);
          }
        } catch (IOException e) {
          LOG.warn("cannot delete stale export temporary file {}: {}", f, e.toString());
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot scan the export directory {} for stale files: {}", dir, e.toString());
    }
    return deleted;
  }

  /**
   * Publishes the finished temporary file under its final name. Without {@code overwrite} the final
   * name is claimed with a hard link, which fails if a file appeared there meanwhile; with {@code
   * overwrite}, or where hard links are not supported, an atomic rename is used.
   */
  static void publish(Target t, boolean overwrite) throws IOException {
    if (!overwrite) {
      boolean linked = false;
      try {
        Files.createLink(t.file(), t.temp());
        linked = true;
        Files.deleteIfExists(t.temp());
        syncDirectory(t.file().getParent());
        return;
      } catch (IOException | RuntimeException e) {
        if (linked) {
          // Our own complete file is in place; only tidying up after it failed.
          LOG.warn("export published as {}, but tidying up failed: {}", t.file(), e.toString());
          return;
        }
        if (e instanceof FileAlreadyExistsException) {
          throw new CrdbException(
              ErrorCode.EXPORT_FAILED,
              "the file '" + t.file() + "' appeared while the export ran; nothing was replaced",
              "pass overwrite=true to replace it, or choose another file name");
        }
        if (!(e instanceof UnsupportedOperationException) && !(e instanceof IOException)) {
          throw e;
        }
        if (Files.exists(t.file(), LinkOption.NOFOLLOW_LINKS)) {
          throw new CrdbException(
              ErrorCode.EXPORT_FAILED,
              "the file '" + t.file() + "' appeared while the export ran; nothing was replaced",
              "pass overwrite=true to replace it, or choose another file name");
        }
        // No hard links here: fall through to a rename.
      }
    }
    try {
      Files.move(t.temp(), t.file(), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      if (overwrite) {
        Files.move(t.temp(), t.file(), StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(t.temp(), t.file());
      }
    }
    syncDirectory(t.file().getParent());
  }

  /** Makes the rename durable where the platform allows syncing a directory. */
  private static void syncDirectory(Path d) {
    try (FileChannel ch = FileChannel.open(d, EnumSet.of(StandardOpenOption.READ))) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // Not supported on every platform; the data itself was already forced to disk.
    }
  }

  /** {@code ~} and {@code ~/...} under the user's home directory, as in the settings. */
  private static String expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return System.getProperty("user.home") + path.substring(1);
    }
    return path;
  }
}
