package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * However {@code --demo} ends (end of input, SIGTERM, SIGINT), its PostgreSQL is stopped before its
 * temporary directory is removed, and no PostgreSQL process is left behind.
 */
class DemoCleanupIT {
  enum Ending {
    END_OF_INPUT,
    SIGTERM,
    SIGINT
  }

  @ParameterizedTest
  @EnumSource(Ending.class)
  void endingTheDemoStopsPostgresThenRemovesItsDirectory(Ending ending) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(ServerProcess.java(), "-jar", ServerProcess.jar().toString(), "--demo");
    pb.environment().keySet().removeIf(k -> k.startsWith("CRDB_"));
    Process p = pb.start();
    StringBuffer err = new StringBuffer();
    CountDownLatch serving = new CountDownLatch(1);
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  err.append(line).append('\n');
                  if (line.contains(" tools over stdio")) {
                    serving.countDown();
                  }
                }
              } catch (IOException ignored) {
                // The process ended.
              }
            });
    pump.setDaemon(true);
    pump.start();
    try {
      assertThat(serving.await(120, TimeUnit.SECONDS)).as("the demo starts: %s", err).isTrue();
      Matcher m = Pattern.compile("its data in (\\S+) is removed").matcher(err);
      assertThat(m.find()).as("stderr says where the demo data is: %s", err).isTrue();
      Path dir = Path.of(m.group(1));
      assertThat(dir).isDirectory();

      List<ProcessHandle> postgres = new ArrayList<>();
      for (ProcessHandle h : processesMentioning(dir)) {
        postgres.add(h);
        h.descendants().forEach(postgres::add);
      }
      assertThat(postgres).as("the demo's PostgreSQL processes").isNotEmpty();

      switch (ending) {
        case END_OF_INPUT -> p.getOutputStream().close();
        case SIGTERM -> p.destroy();
        case SIGINT -> {
          Assumptions.assumeFalse(
              ignores(p.pid(), 2), "SIGINT is ignored in this environment (inherited)");
          assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor())
              .isZero();
        }
      }
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the server exits: %s", err).isTrue();

      assertThat(postgres.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid))
          .as("PostgreSQL processes still running after the server exited")
          .isEmpty();
      assertThat(processesMentioning(dir)).as("processes naming %s", dir).isEmpty();
      assertThat(dir).as("the demo's temporary directory is removed").doesNotExist();
    } finally {
      p.destroyForcibly();
    }
  }

  /** Live processes whose command line mentions this path. */
  static List<ProcessHandle> processesMentioning(Path dir) {
    String d = dir.toString();
    return ProcessHandle.allProcesses()
        .filter(h -> h.pid() != ProcessHandle.current().pid())
        .filter(h -> cmdline(h.pid()).contains(d))
        .toList();
  }

  /** The raw command line (arguments joined by spaces), or "" when unreadable. */
  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")))
          .replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
    }
  }

  /** Whether a process ignores a signal (Linux /proc; false when unknown). */
  static boolean ignores(long pid, int signal) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("SigIgn:")) {
          long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
          return (mask & (1L << (signal - 1))) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Unknown: assume not.
    }
    return false;
  }
}
