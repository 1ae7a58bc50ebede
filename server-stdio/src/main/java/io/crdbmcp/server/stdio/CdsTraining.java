package io.crdbmcp.server.stdio;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The end of the launcher's class-data-sharing training run ({@code -Dcrdb.cds.training=true}):
 * loads, without initialising, the classes a session needs once it has a database, so the archive
 * holds them too.
 *
 * <p>The training run answers {@code initialize} and {@code tools/list} with no database (the
 * launcher gives it an address where nothing listens, so it never logs in anywhere). The archive it
 * writes therefore lacked what the first login, the connection pool and the first call load: about
 * 220 of the jar's classes (PostgreSQL driver, HikariCP, resilience4j's breaker, our call path) and
 * the JDK's memory bean the driver asks for the heap size, each read from the jar and verified at
 * every start, on the connection thread and the first call while the client waits ({@code
 * -Xlog:class+load}, 2026-12-07).
 *
 * <p>Loading a class runs none of its code ({@link Class#forName(String, boolean, ClassLoader)}
 * with {@code initialize} false), so nothing here connects, logs or writes. A class that cannot be
 * loaded (one for an optional library that is not on the class path) is skipped: it is not in the
 * archive, as before. Only the training run calls this; a failure leaves an archive with fewer
 * classes.
 */
final class CdsTraining {
  /**
   * Jar folders (with their subfolders) whose classes a session with a database loads: the driver's
   * login (with TLS and SCRAM, which real servers ask for), statements and results, the pool, the
   * retry and breaker, and all of ours (every tool's first call). Not the driver's parts a session
   * does not use (XA, large objects, Kerberos, translations), which would only make the archive,
   * mapped at every start, larger.
   */
  static final List<String> PACKAGES =
      List.of(
          "org/postgresql/Driver",
          "org/postgresql/PG",
          "org/postgresql/core/",
          "org/postgresql/jdbc/",
          "org/postgresql/util/",
          "org/postgresql/copy/",
          "org/postgresql/geometric/",
          "org/postgresql/replication/",
          "org/postgresql/hostchooser/",
          "org/postgresql/plugin/",
          "org/postgresql/ssl/",
          "org/postgresql/shaded/com/ongres/",
          "com/zaxxer/hikari/",
          "io/github/resilience4j/core/",
          "io/github/resilience4j/circuitbreaker/",
          "io/github/resilience4j/retry/",
          "io/crdbmcp/");

  private CdsTraining() {}

  /** Whether this run is the launcher's training run. */
  static boolean requested() {
    return Boolean.getBoolean("crdb.cds.training");
  }

  /** Loads the classes of {@link #PACKAGES} from the jar this class came from; how many loaded. */
  static int loadSessionClasses() {
    // What the driver's first login asks for (the heap size, to size its buffers).
    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    CodeSource source = CdsTraining.class.getProtectionDomain().getCodeSource();
    if (source == null) {
      return 0;
    }
    File jar;
    try {
      jar = new File(source.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return 0;
    }
    if (!jar.isFile()) {
      return 0; // classes from a directory (tests): there is no archive to train
    }
    ClassLoader loader = CdsTraining.class.getClassLoader();
    int loaded = 0;
    try (JarFile file = new JarFile(jar)) {
      Enumeration<JarEntry> entries = file.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (!name.endsWith(".class") || name.endsWith("module-info.class") || !listed(name)) {
          continue;
        }
        String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        try {
          Class.forName(className, false, loader);
          loaded++;
        } catch (ClassNotFoundException | LinkageError e) {
          // An optional dependency's class (OSGi, Dropwizard metrics, ...): left out.
        }
      }
    } catch (IOException e) {
      // The jar could not be read to its end: what was loaded is archived, the rest is not.
    }
    return loaded;
  }

  private static boolean listed(String entry) {
    for (String p : PACKAGES) {
      if (entry.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
