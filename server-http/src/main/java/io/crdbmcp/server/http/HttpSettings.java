package io.crdbmcp.server.http;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.CrdbConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code CRDB_HTTP_*} settings, read once at start and validated like every other setting (a
 * {@link ConfigException} names the variable). {@code --host} and {@code --port} win over {@code
 * CRDB_HTTP_HOST} and {@code CRDB_HTTP_PORT}.
 *
 * @param host interface to listen on
 * @param port port to listen on; 0 picks a free one
 * @param corsOrigins browser origins allowed to call the server ({@code scheme://host[:port]})
 * @param allowedHosts accepted {@code Host} header values: {@code host}, {@code host:port} or
 *     {@code host:*}
 * @param maxBody largest request body, bytes
 * @param maxSessions open MCP sessions at most
 * @param sessionIdleTimeout a session without requests this long is ended
 * @param shutdownGrace how long calls in flight may finish after SIGTERM
 * @param connectHosts hosts ({@code host} or {@code host:port}) the {@code connect} tool may reach
 */
public record HttpSettings(
    String host,
    int port,
    List<String> corsOrigins,
    List<String> allowedHosts,
    int maxBody,
    int maxSessions,
    Duration sessionIdleTimeout,
    Duration shutdownGrace,
    List<String> connectHosts) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_MAX_BODY = 4 * 1024 * 1024;
  public static final int DEFAULT_MAX_SESSIONS = 100;
  public static final int DEFAULT_SESSION_IDLE_TIMEOUT = 1800;
  public static final int DEFAULT_SHUTDOWN_GRACE = 10;

  public HttpSettings {
    corsOrigins = List.copyOf(corsOrigins);
    allowedHosts = List.copyOf(allowedHosts);
    connectHosts = List.copyOf(connectHosts);
  }

  /**
   * Reads the settings.
   *
   * @param hostOption {@code --host}, or null
   * @param portOption {@code --port}, or null
   */
  public static HttpSettings fromEnvironment(
      Map<String, String> env, String hostOption, Integer portOption) {
    CrdbConfig.Env e = new CrdbConfig.Env(env);
    String host =
        hostOption != null ? hostOption.trim() : e.getOrDefault("CRDB_HTTP_HOST", DEFAULT_HOST);
    if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
      throw new ConfigException(
          hostOption != null ? "--host" : "CRDB_HTTP_HOST",
          "'" + host + "' is not a host name or address",
          "CRDB_HTTP_HOST=127.0.0.1");
    }
    int port = portOption != null ? portOption : e.port("CRDB_HTTP_PORT", DEFAULT_PORT);

    List<String> origins = new ArrayList<>();
    for (String o : e.list("CRDB_HTTP_CORS_ORIGINS")) {
      origins.add(origin(o));
    }
    List<String> hosts = new ArrayList<>();
    if (e.has("CRDB_HTTP_ALLOWED_HOSTS")) {
      for (String h : e.list("CRDB_HTTP_ALLOWED_HOSTS")) {
        hosts.add(hostPattern("CRDB_HTTP_ALLOWED_HOSTS", h));
      }
    } else {
      hosts.add(hostPattern("CRDB_HTTP_HOST", stripBrackets(host) + ":*"));
      for (String local : List.of("localhost", "127.0.0.1", "[::1]")) {
        String pattern = local + ":*";
        if (!hosts.contains(pattern)) {
          hosts.add(pattern);
        }
      }
    }
    List<String> connect = new ArrayList<>();
    for (String h : e.list("CRDB_HTTP_CONNECT_HOSTS")) {
      connect.add(h.toLowerCase(Locale.ROOT));
    }
    return new HttpSettings(
        host,
        port,
        origins,
        hosts,
        size("CRDB_HTTP_MAX_BODY", e.get("CRDB_HTTP_MAX_BODY"), DEFAULT_MAX_BODY),
        e.positiveInt("CRDB_HTTP_MAX_SESSIONS", DEFAULT_MAX_SESSIONS),
        Duration.ofSeconds(
            e.positiveInt("CRDB_HTTP_SESSION_IDLE_TIMEOUT", DEFAULT_SESSION_IDLE_TIMEOUT)),
        Duration.ofSeconds(e.positiveInt("CRDB_HTTP_SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE)),
        connect);
  }

  /** Whether the server listens only on a loopback interface. */
  public boolean loopbackOnly() {
    String h = stripBrackets(host).toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
  }

  /** Whether a {@code Host} header value is one of {@link #allowedHosts()}. */
  public boolean hostAllowed(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return false;
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    for (String pattern : allowedHosts) {
      if (pattern.endsWith(":*")) {
        String base = pattern.substring(0, pattern.length() - 2);
        if (h.equals(base)
            || (h.startsWith(base + ":") && h.substring(base.length() + 1).matches("\\d{1,5}"))) {
          return true;
        }
      } else if (h.equals(pattern)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a browser {@code Origin} is one of {@link #corsOrigins()} (exactly). */
  public boolean originAllowed(String origin) {
    return origin != null && corsOrigins.contains(origin.trim().toLowerCase(Locale.ROOT));
  }

  private static String origin(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("*") || v.contains("*")) {
      throw new ConfigException(
          "CRDB_HTTP_CORS_ORIGINS",
          "'" + value + "': wildcards are not allowed; list each origin",
          "CRDB_HTTP_CORS_ORIGINS=https://app.example.com");
    }
    try {
      URI u = new URI(v);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          || u.getHost() == null
          || (u.getPath() != null && !u.getPath().isEmpty())
          || u.getQuery() != null
          || u.getUserInfo() != null) {
        throw new IllegalArgumentException();
      }
    } catch (Exception ex) {
      throw new ConfigException(
          "CRDB_HTTP_CORS_ORIGINS",
          "'" + value + "' is not an origin (scheme://host[:port], no path)",
          "CRDB_HTTP_CORS_ORIGINS=https://app.example.com");
    }
    return v;
  }

  private static String hostPattern(String setting, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.isEmpty() || v.contains("/") || v.equals("*") || v.startsWith("*")) {
      throw new ConfigException(
          setting,
          "'" + value + "' is not a host (host, host:port or host:*)",
          "CRDB_HTTP_ALLOWED_HOSTS=mcp.example.com,localhost:*");
    }
    if (v.contains(":") && !v.startsWith("[") && v.indexOf(':') != v.lastIndexOf(':')) {
      v = "[" + v + "]"; // a bare IPv6 address, as a Host header writes it
    }
    return v;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** A size in bytes, optionally with a KiB/MiB suffix. */
  static int size(String setting, String value, int def) {
    if (value == null) {
      return def;
    }
    String v = value.trim().toLowerCase(Locale.ROOT).replace(" ", "");
    long factor = 1;
    for (String[] suffix :
        new String[][] {
          {"kib", "1024"},
          {"kb", "1000"},
          {"k", "1024"},
          {"mib", "1048576"},
          {"mb", "1000000"},
          {"m", "1048576"},
          {"b", "1"}
        }) {
      if (v.endsWith(suffix[0])) {
        factor = Long.parseLong(suffix[1]);
        v = v.substring(0, v.length() - suffix[0].length());
        break;
      }
    }
    try {
      long n = Long.parseLong(v) * factor;
      if (n <= 0 || n > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (int) n;
    } catch (NumberFormatException ex) {
      throw new ConfigException(
          setting, "'" + value + "' is not a size (bytes, or with KiB or MiB)", setting + "=4MiB");
    }
  }
}
