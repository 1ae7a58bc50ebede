package io.crdbmcp.server.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT as an orderly stop that ends with exit code 0. Without a handler the JVM runs
 * its shutdown hooks and exits 143 (or 130), which a supervisor reads as a crash; the JDK has no
 * supported API for signals, so this uses {@code sun.misc.Signal} (module jdk.unsupported, in every
 * JDK since 9), and falls back to the shutdown hook where a signal cannot be handled.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  static void onTermination(Runnable stop) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            signal -> {
              Thread t = new Thread(stop, "crdb-stop-" + name);
              t.start();
            });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        LOG.debug("SIG{} cannot be handled here ({}); the shutdown hook stops the server", name, e);
      }
    }
  }
}
