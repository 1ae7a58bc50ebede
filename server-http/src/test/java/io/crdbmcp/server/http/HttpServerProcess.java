package io.crdbmcp.server.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged HTTP server ({@code java -jar server-http/target/server-http.jar --streamable-http
 * --port 0}) started as a process of its own; its stderr is captured and the address it listens on
 * is read from its start-up line.
 */
final class HttpServerProcess implements AutoCloseable {
  private static final Pattern ANNOUNCE =
      Pattern.compile(" tools over (?:Streamable HTTP|HTTP\\+SSE) at (http://[^\\s;]+)");

  private final Process process;
  private final StringBuffer stderr;
  private final URI url;

  private HttpServerProcess(Process process, StringBuffer stderr, URI url) {
    this.process = process;
    this.stderr = stderr;
    this.url = url;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("server.jar", "target/server-http.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run ./mvnw package first");
    }
    return jar;
  }

  /** Starts a Streamable HTTP server with these settings on a free port. */
  static HttpServerProcess start(Map<String, String> env) {
    return start(env, List.of(), List.of("--streamable-http", "--port", "0"));
  }

  /**
   * Starts the server with these settings, JVM options and arguments, and waits until it listens
   * (or fails: then the exception has its stderr).
   */
  static HttpServerProcess start(Map<String, String> env, List<String> jvmArgs, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> e = pb.environment();
    e.keySet().removeIf(k -> k.startsWith("CRDB_"));
    Map<String, String> settings = new HashMap<>(env);
    // The suites make hundreds of calls in one session within a minute; HttpRateLimitIT turns the
    // limits on.
    settings.putIfAbsent("CRDB_RATE_LIMIT_ENABLED", "false");
    settings.putIfAbsent(
        "CRDB_EXPORT_DIR", System.getProperty("java.io.tmpdir") + "/crdb-mcp-it-exports");
    e.putAll(settings);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p;
    try {
      p = pb.start();
    } catch (IOException ex) {
      throw new IllegalStateException("cannot start " + cmd, ex);
    }
    StringBuffer err = new StringBuffer();
    CompletableFuture<URI> listening = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  err.append(line).append('\n');
                  Matcher m = ANNOUNCE.matcher(line);
                  if (m.find()) {
                    listening.complete(URI.create(m.group(1)));
                  }
                }
              } catch (IOException ignored) {
                // The process ended.
              }
              listening.completeExceptionally(
                  new IllegalStateException("the server ended before it listened:\n" + err));
            },
            "http-server-stderr");
    reader.setDaemon(true);
    reader.start();
    try {
      URI url = listening.get(90, TimeUnit.SECONDS);
      return new HttpServerProcess(p, err, url);
    } catch (Exception ex) {
      p.destroyForcibly();
      throw new IllegalStateException("the server did not start listening:\n" + err, ex);
    }
  }

  /** Where the MCP endpoint is: {@code http://127.0.0.1:PORT/mcp} (or {@code /sse}). */
  URI url() {
    return url;
  }

  /** {@code http://127.0.0.1:PORT}. */
  URI base() {
    return URI.create(url.getScheme() + "://" + url.getAuthority());
  }

  int port() {
    return url.getPort();
  }

  String stderr() {
    return stderr.toString();
  }

  Process process() {
    return process;
  }

  /** Sends SIGTERM and waits for the exit; returns the exit code. */
  int terminate(Duration wait) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor();
      throw new IllegalStateException("the server did not exit within " + wait + ":\n" + stderr);
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        terminate(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
