package io.crdbmcp.core.connect;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Where and how to connect to one database. Immutable. {@link #toString()} never shows the
 * password.
 */
public record ConnectionSpec(
    String name,
    String host,
    int port,
    String user,
    String password,
    String database,
    String sslMode,
    String sslRootCert,
    String cluster,
    int connectTimeoutSeconds,
    boolean readOnly) {

  public static final int DEFAULT_PORT = 26257;
  public static final String DEFAULT_DATABASE = "defaultdb";
  public static final String DEFAULT_SSLMODE = "prefer";
  public static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  public ConnectionSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(database, "database");
    sslMode = sslMode == null ? DEFAULT_SSLMODE : sslMode.toLowerCase(Locale.ROOT);
    if (!SSL_MODES.contains(sslMode)) {
      throw new IllegalArgumentException("unknown sslmode '" + sslMode + "'");
    }
    if (!host.matches("[A-Za-z0-9._-]+|\\[?[0-9A-Fa-f:.]+]?")) {
      throw new IllegalArgumentException("host '" + host + "' is not a host name or IP address");
    }
    if (database.isEmpty() || database.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("the database name is empty or has a NUL character");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
    }
  }

  /** The same server with another database. */
  public ConnectionSpec withDatabase(String newDatabase) {
    return new ConnectionSpec(
        name,
        host,
        port,
        user,
        password,
        newDatabase,
        sslMode,
        sslRootCert,
        cluster,
        connectTimeoutSeconds,
        readOnly);
  }

  public ConnectionSpec withName(String newName) {
    return new ConnectionSpec(
        newName,
        host,
        port,
        user,
        password,
        database,
        sslMode,
        sslRootCert,
        cluster,
        connectTimeoutSeconds,
        readOnly);
  }

  /**
   * JDBC URL without credentials. The database name is percent-encoded: the driver decodes the path
   * and reads {@code ?key=value} parameters from it, so an unencoded name such as {@code
   * db?PGHOST=elsewhere} would redirect the connection (and its password) to another server.
   */
  public String jdbcUrl() {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return "jdbc:postgresql://"
        + h
        + ":"
        + port
        + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /** Driver properties, including the credentials; never log these. */
  public Properties driverProperties() {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("sslmode", sslMode);
    if (sslRootCert != null) {
      p.setProperty("sslrootcert", sslRootCert);
    }
    if (cluster != null) {
      p.setProperty("options", "--cluster=" + cluster);
    }
    p.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
    // The whole login (socket, TLS, authentication) is bounded too, not only the socket connect.
    p.setProperty("loginTimeout", Integer.toString(connectTimeoutSeconds));
    p.setProperty("ApplicationName", "cockroachdb-mcp");
    // Send application_name in the startup packet (pgjdbc otherwise sets it with a SET after
    // login, which the DISCARD ALL run on every returned connection would undo).
    p.setProperty("assumeMinServerVersion", "9.4");
    // Every statement goes over the extended protocol: one Parse message per statement, which
    // the database refuses when it holds several. The simple protocol would run them all.
    p.setProperty("preferQueryMode", "extended");
    // No server-side named statements: every statement is sent with its own Parse message, so
    // the database analyses each one afresh (the safety checks read that analysis; a statement
    // the driver had prepared before would skip it).
    p.setProperty("prepareThreshold", "0");
    // A read-only connection (Connection.setReadOnly) starts its transactions with BEGIN READ
    // ONLY, sent with the first statement: the executor's read path relies on it (said here, not
    // left to the driver's default).
    p.setProperty("readOnlyMode", "transaction");
    // A result (or one fetched batch of a streamed export) may take at most a tenth of the heap:
    // SELECT repeat('x', 400000000) would otherwise be read whole into memory, whatever the row
    // cap, and a few such calls at once would exhaust it.
    p.setProperty("maxResultBuffer", "10percent");
    // String parameters are sent untyped, as psql sends a quoted literal: the database infers
    // their type from where they are used, so '00000000-...' compares with a uuid column and
    // '2024-01-01' with a date. Numbers, booleans and NULL keep the types they are bound with.
    p.setProperty("stringtype", "unspecified");
    return p;
  }

  /** host:port/database as user, for messages. */
  public String describe() {
    return user + "@" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "ConnectionSpec[name="
        + name
        + ", "
        + describe()
        + ", sslmode="
        + sslMode
        + (readOnly ? ", read-only" : "")
        + ", password="
        + (password == null ? "none" : "****")
        + "]";
  }

  /**
   * Parses a {@code postgresql://user:password@host:port/database?sslmode=...} URL (also {@code
   * postgres://}, {@code cockroachdb://}).
   */
  public static ConnectionSpec fromUrl(
      String name, String url, int connectTimeoutSeconds, boolean readOnly) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!Set.of("postgresql", "postgres", "cockroachdb").contains(scheme)) {
      throw new IllegalArgumentException(
          "the URL must start with postgresql:// (got scheme '" + scheme + "')");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("the URL has no host");
    }
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    Map<String, String> query = new LinkedHashMap<>();
    if (uri.getRawQuery() != null) {
      for (String kv : uri.getRawQuery().split("&")) {
        if (kv.isEmpty()) {
          continue;
        }
        String[] p = kv.split("=", 2);
        query.put(decode(p[0]).toLowerCase(Locale.ROOT), p.length > 1 ? decode(p[1]) : "");
      }
    }
    if (user == null) {
      user = query.get("user");
    }
    if (password == null) {
      password = query.get("password");
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("the URL names no user");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String database = path.startsWith("/") ? path.substring(1) : path;
    if (database.isEmpty()) {
      database = DEFAULT_DATABASE;
    }
    String cluster = null;
    String options = query.get("options");
    if (options != null && options.startsWith("--cluster=")) {
      cluster = options.substring("--cluster=".length());
    }
    return new ConnectionSpec(
        name,
        uri.getHost(),
        uri.getPort() > 0 ? uri.getPort() : DEFAULT_PORT,
        user,
        password,
        database,
        query.getOrDefault("sslmode", DEFAULT_SSLMODE),
        query.get("sslrootcert"),
        cluster,
        connectTimeoutSeconds,
        readOnly);
  }

  /** Percent-decoding as in RFC 3986: unlike form decoding, '+' stays '+'. */
  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
