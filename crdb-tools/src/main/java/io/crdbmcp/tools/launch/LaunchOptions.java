package io.crdbmcp.tools.launch;

import java.util.List;

/**
 * The command line of {@code bin/cockroachdb-mcp}, shared by both launchers so each understands the
 * whole of it (and refuses what it does not serve with a message that says what to run instead).
 *
 * @param transport what to serve
 * @param demo serve the embedded demo database
 * @param host {@code --host}, or null
 * @param port {@code --port}, or null
 * @param help {@code --help} or {@code -h}
 * @param version {@code --version}
 */
public record LaunchOptions(
    Transport transport, boolean demo, String host, Integer port, boolean help, boolean version) {

  /** The transports a launcher can serve. */
  public enum Transport {
    /** Newline-delimited JSON-RPC on stdin and stdout. */
    STDIO("stdio"),
    /** Streamable HTTP at {@code /mcp} ({@code --streamable-http}). */
    STREAMABLE_HTTP("Streamable HTTP"),
    /**
     * The older HTTP+SSE transport, {@code GET /sse} and {@code POST /message} ({@code --http}).
     */
    SSE("HTTP+SSE");

    private final String label;

    Transport(String label) {
      this.label = label;
    }

    /** How the start-up line names it. */
    public String label() {
      return label;
    }
  }

  /** A command line that cannot be served: the message says what was wrong. */
  public static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Reads the command line; throws {@link UsageException} for anything it does not know. */
  public static LaunchOptions parse(List<String> args) {
    Transport transport = null;
    boolean demo = false;
    boolean help = false;
    boolean version = false;
    String host = null;
    Integer port = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--demo" -> demo = true;
        case "--help", "-h" -> help = true;
        case "--version" -> version = true;
        case "--streamable-http", "--http" -> {
          Transport t = a.equals("--http") ? Transport.SSE : Transport.STREAMABLE_HTTP;
          if (transport != null && transport != t) {
            throw new UsageException(
                "--streamable-http and --http are two transports; choose one (Streamable HTTP is"
                    + " the current one, --http the older HTTP+SSE)");
          }
          transport = t;
        }
        case "--host", "--port" -> {
          if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
            throw new UsageException(
                a
                    + " needs a value, e.g. "
                    + (a.equals("--host") ? "--host 0.0.0.0" : "--port 8080"));
          }
          String v = args.get(++i);
          if (a.equals("--host")) {
            host = v;
          } else {
            port = parsePort(v);
          }
        }
        default -> {
          int eq = a.indexOf('=');
          if (eq > 0 && (a.startsWith("--host=") || a.startsWith("--port="))) {
            String v = a.substring(eq + 1);
            if (a.startsWith("--host=")) {
              host = v;
            } else {
              port = parsePort(v);
            }
          } else {
            throw new UsageException(
                "unknown option '" + a + "'. Run with --help to see the options.");
          }
        }
      }
    }
    if (transport == null) {
      transport = Transport.STDIO;
      if (host != null || port != null) {
        throw new UsageException(
            (host != null ? "--host" : "--port")
                + " applies to the HTTP transports: add --streamable-http (or --http)");
      }
    }
    return new LaunchOptions(transport, demo, host, port, help, version);
  }

  private static int parsePort(String v) {
    try {
      int p = Integer.parseInt(v);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--port '" + v + "' is not a TCP port (0-65535; 0 picks a free one), e.g. --port 8080");
    }
  }
}
