package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script {@code bin/cockroachdb-mcp}, the real file, run by bash in a copy of the
 * repository layout whose {@code mvnw} is a stand-in: it records that a build was asked for and
 * "builds" by copying the packaged jar and its {@code lib/} (or, when told to, stops half-way as an
 * interrupted build would). So the launcher's own decisions are tested (build or not, which Java,
 * where it lives) without a minute-long Maven build. PATH holds only the few tools the script uses,
 * so whether a {@code java} is found is up to each test.
 */
class LauncherIT {
  static final Path SCRIPT = Path.of("../bin/cockroachdb-mcp").toAbsolutePath().normalize();

  @TempDir Path tmp;
  Path root;
  Path tools;

  @BeforeEach
  void layout() throws IOException {
    root = tmp.resolve("repo");
    Files.createDirectories(root.resolve("bin"));
    Files.copy(SCRIPT, root.resolve("bin/cockroachdb-mcp"));
    Path jar = ServerProcess.jar();
    Path lib = jar.resolveSibling("lib");
    executable(
        root.resolve("mvnw"),
        "#!/bin/bash\n"
            + "echo \"JAVA_HOME=$JAVA_HOME $*\" >> \"$(dirname \"$0\")/mvnw.log\"\n"
            + "mkdir -p server-stdio/target/lib\n"
            + "cp '"
            + jar
            + "' server-stdio/target/server-stdio.jar\n"
            + "for f in '"
            + lib
            + "'/*.jar; do\n"
            + "  ln -s \"$f\" server-stdio/target/lib/\n"
            + "  if [ -n \"${FAKE_BUILD_INTERRUPTED:-}\" ]; then exit 130; fi\n"
            + "done\n"
            // The HTTP server's jar: only its presence matters to these tests.
            + "mkdir -p server-http/target/lib\n"
            + "cp '"
            + jar
            + "' server-http/target/server-http.jar\n");
    tools = tmp.resolve("tools");
    Files.createDirectories(tools);
    for (String t :
        List.of(
            "bash",
            "env",
            "dirname",
            "readlink",
            "sed",
            "head",
            "find",
            "rm",
            "touch",
            "mkdir",
            "cp",
            "ln",
            "cat")) {
      Path real = which(t);
      Files.createSymbolicLink(tools.resolve(t), real);
    }
  }

  static Path which(String tool) {
    for (String dir : System.getenv("PATH").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(tool + " is not on the PATH");
  }

  static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  record Run(int exit, String stdout, String stderr) {}

  /** Runs {@code bash <script> args} with only the given variables (plus PATH = the tools). */
  Run run(Path script, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(which("bash").toString(), script.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", tools.toString());
    pb.environment().put("HOME", tmp.toString());
    pb.environment().put("CRDB_NO_CDS", "1");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  Run run(Map<String, String> env, String... args) throws Exception {
    return run(root.resolve("bin/cockroachdb-mcp"), env, args);
  }

  Map<String, String> realJava() {
    return Map.of("JAVA_HOME", System.getProperty("java.home"));
  }

  int builds() throws IOException {
    Path log = root.resolve("mvnw.log");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }

  Path stamp() {
    return root.resolve("server-stdio/target/.build-complete");
  }

  @Test
  void buildsOnceThenStartsTheServer() throws Exception {
    Run first = run(realJava(), "--version");
    assertThat(first.exit()).as("%s", first).isZero();
    assertThat(first.stdout()).isEqualTo("cockroachdb-mcp 0.1.0\n");
    assertThat(first.stderr()).contains("building the server");
    assertThat(builds()).isEqualTo(1);
    assertThat(Files.readString(root.resolve("mvnw.log")))
        .contains("package -pl server-stdio,server-http -am")
        .contains("JAVA_HOME=" + System.getProperty("java.home") + " ");
    assertThat(stamp()).exists();

    Run second = run(realJava(), "--version");
    assertThat(second.exit()).isZero();
    assertThat(second.stdout()).isEqualTo("cockroachdb-mcp 0.1.0\n");
    assertThat(second.stderr()).isEmpty();
    assertThat(builds()).as("no second build").isEqualTo(1);
  }

  @Test
  void theClassDataArchiveIsMadeOnceAndMadeAgainWhenAJarChanges() throws Exception {
    // CRDB_NO_CDS empty: the archive is on, as for a user.
    Map<String, String> env = new HashMap<>(realJava());
    env.put("CRDB_NO_CDS", "");
    assertThat(run(env, "--version").exit()).isZero();
    Path target = root.resolve("server-stdio/target");
    Path archive = archive(target);
    FileTime made = Files.getLastModifiedTime(archive);
    if (archive.getFileName().toString().endsWith(".jsa")) {
      // The training run has no database, yet the archive holds what a session with one loads:
      // the driver's protocol classes and the pool (CdsTraining).
      Process list =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-XX:SharedArchiveFile=" + archive,
                  "-XX:+PrintSharedArchiveAndExit",
                  "-jar",
                  target.resolve("server-stdio.jar").toString())
              .redirectErrorStream(true)
              .start();
      String classes = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      list.waitFor();
      assertThat(classes)
          .contains(
              "org.postgresql.core.v3.QueryExecutorImpl ",
              "com.zaxxer.hikari.pool.HikariPool ",
              "io.crdbmcp.core.connect.Database ");
    } else {
      // Java 25+: the JVM that made the cache takes -XX:-AOTReplayTraining, so the launcher
      // passes it at every start; the file beside the cache says so.
      assertThat(archive.resolveSibling(archive.getFileName() + ".no-replay")).exists();
    }

    Run again = run(env, "--version");
    assertThat(again.exit()).as("%s", again).isZero();
    assertThat(again.stdout()).isEqualTo("cockroachdb-mcp 0.1.0\n");
    assertThat(Files.getLastModifiedTime(archive(target))).as("kept").isEqualTo(made);

    // One dependency replaced by a newer file (as a build that updated it would): the archive no
    // longer matches the jars and is made again.
    Path lib;
    try (var jars = Files.list(target.resolve("lib"))) {
      lib = jars.sorted().reduce((a, b) -> b).orElseThrow();
    }
    Path real = lib.toRealPath();
    Files.delete(lib);
    Files.copy(real, lib);
    Files.setLastModifiedTime(lib, FileTime.fromMillis(made.toMillis() + 5_000));
    Run changed = run(env, "--version");
    assertThat(changed.exit()).as("%s", changed).isZero();
    assertThat(Files.getLastModifiedTime(archive(target)).toMillis())
        .as("made again after the jar changed")
        .isGreaterThan(made.toMillis());
  }

  static Path archive(Path target) throws IOException {
    try (var files = Files.list(target)) {
      List<Path> archives =
          files
              .filter(
                  f -> f.getFileName().toString().matches("cockroachdb-mcp-java\\d+\\.(jsa|aot)"))
              .toList();
      assertThat(archives).as("one class-data archive in %s", target).hasSize(1);
      return archives.get(0);
    }
  }

  @Test
  void anInterruptedBuildIsNotTakenForAFinishedOne() throws Exception {
    Map<String, String> env = new HashMap<>(realJava());
    env.put("FAKE_BUILD_INTERRUPTED", "1");
    Run interrupted = run(env, "--version");
    assertThat(interrupted.exit()).isNotZero();
    assertThat(interrupted.stdout()).isEmpty();
    assertThat(root.resolve("server-stdio/target/server-stdio.jar")).exists();
    assertThat(root.resolve("server-stdio/target/lib")).isNotEmptyDirectory();
    assertThat(stamp()).doesNotExist();

    Run next = run(realJava(), "--version");
    assertThat(next.exit()).as("%s", next).isZero();
    assertThat(next.stderr()).contains("the last build did not finish");
    assertThat(next.stdout()).isEqualTo("cockroachdb-mcp 0.1.0\n");
    assertThat(builds()).isEqualTo(2);
    assertThat(stamp()).exists();
    // The rebuild started from an empty lib/: every jar is there.
    try (var s = Files.list(root.resolve("server-stdio/target/lib"))) {
      try (var all = Files.list(ServerProcess.jar().resolveSibling("lib"))) {
        assertThat(s.count()).isEqualTo(all.count());
      }
    }
  }

  @Test
  void theHttpTransportsRunTheHttpServersJarAndStdioTheStdioOne() throws Exception {
    // A stand-in java that prints how it was started.
    Path jdk = tmp.resolve("jdk-echo");
    Files.createDirectories(jdk.resolve("bin"));
    Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.9\"\n");
    executable(jdk.resolve("bin/java"), "#!/bin/bash\necho \"java $*\"\n");
    Map<String, String> env = Map.of("JAVA_HOME", jdk.toString());
    Run http = run(env, "--streamable-http", "--port", "9090");
    assertThat(http.exit()).as("%s", http).isZero();
    assertThat(http.stdout())
        .contains("-jar " + root.resolve("server-http/target/server-http.jar"))
        .endsWith("--streamable-http --port 9090\n");
    Run sse = run(env, "--demo", "--http");
    assertThat(sse.stdout())
        .contains("server-http/target/server-http.jar")
        .endsWith("--demo --http\n");
    Run stdio = run(env, "--demo");
    assertThat(stdio.stdout())
        .contains("-jar " + root.resolve("server-stdio/target/server-stdio.jar"))
        .doesNotContain("server-http");
    assertThat(builds()).isEqualTo(1);
  }

  @Test
  void worksThroughSymlinks() throws Exception {
    assertThat(run(realJava(), "--version").exit()).isZero();
    Path elsewhere = Files.createDirectories(tmp.resolve("home/me/bin"));
    Path other = Files.createDirectories(tmp.resolve("links"));
    // elsewhere/cockroachdb-mcp -> ../../../links/launcher (relative) -> repo/bin/cockroachdb-mcp
    Files.createSymbolicLink(other.resolve("launcher"), root.resolve("bin/cockroachdb-mcp"));
    Files.createSymbolicLink(
        elsewhere.resolve("cockroachdb-mcp"), Path.of("../../../links/launcher"));
    Run r = run(elsewhere.resolve("cockroachdb-mcp"), realJava(), "--version");
    assertThat(r.exit()).as("%s", r).isZero();
    assertThat(r.stdout()).isEqualTo("cockroachdb-mcp 0.1.0\n");
    assertThat(builds()).isEqualTo(1);
  }

  @Test
  void findsJavaOnThePathWithoutJavaHome() throws Exception {
    Files.createSymbolicLink(
        tools.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
    Run r = run(Map.of(), "--version");
    assertThat(r.exit()).as("%s", r).isZero();
    assertThat(r.stdout()).isEqualTo("cockroachdb-mcp 0.1.0\n");
  }

  @Test
  void withoutJavaSaysWhatToDoInOneLine() throws Exception {
    Run r = run(Map.of(), "--version");
    assertThat(r.exit()).isNotZero();
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr()).contains("JDK 17").contains("JAVA_HOME");
    Run badHome = run(Map.of("JAVA_HOME", tmp.resolve("no-such-jdk").toString()), "--version");
    assertThat(badHome.exit()).isNotZero();
    assertThat(badHome.stderr().strip().lines()).hasSize(1);
    assertThat(badHome.stderr()).contains("JDK 17").contains("JAVA_HOME");
    assertThat(builds()).isZero();
  }

  @Test
  void anOldJavaIsRefusedWithItsVersion() throws Exception {
    // A JDK 11 that says so in its release file.
    Path jdk11 = tmp.resolve("jdk-11");
    Files.createDirectories(jdk11.resolve("bin"));
    Files.writeString(jdk11.resolve("release"), "JAVA_VERSION=\"11.0.22\"\nOS_NAME=\"Linux\"\n");
    executable(jdk11.resolve("bin/java"), "#!/bin/bash\nexit 99\n");
    Run r = run(Map.of("JAVA_HOME", jdk11.toString()), "--version");
    assertThat(r.exit()).isNotZero();
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr()).contains("11.0.22").contains("17");

    // A Java 8 without a release file: its 'java -version' tells.
    Path jre8 = tmp.resolve("jre8");
    Files.createDirectories(jre8.resolve("bin"));
    executable(
        jre8.resolve("bin/java"),
        "#!/bin/bash\n"
            + "if [ \"$1\" = -version ]; then\n"
            + "  echo 'java version \"1.8.0_381\"' >&2\n"
            + "  echo 'Java(TM) SE Runtime Environment (build 1.8.0_381-b09)' >&2\n"
            + "  exit 0\n"
            + "fi\n"
            + "exit 99\n");
    Files.createSymbolicLink(tools.resolve("java"), jre8.resolve("bin/java"));
    Run r8 = run(Map.of(), "--version");
    assertThat(r8.exit()).isNotZero();
    assertThat(r8.stderr().strip().lines()).hasSize(1);
    assertThat(r8.stderr()).contains("1.8.0_381").contains("17 or newer");
    assertThat(builds()).isZero();
  }
}
