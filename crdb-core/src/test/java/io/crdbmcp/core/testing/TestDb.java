package io.crdbmcp.core.testing;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.connect.Dialect;
import io.crdbmcp.core.demo.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.CockroachContainer;

/**
 * The database the tests run against, chosen once per test JVM, first match wins:
 *
 * <ol>
 *   <li>{@code CRDB_TEST_URL} (a {@code postgresql://} URL of a CockroachDB or PostgreSQL server
 *       whose user may create databases);
 *   <li>Testcontainers CockroachDB when a Docker daemon answers;
 *   <li>embedded PostgreSQL (zonky).
 * </ol>
 *
 * Each test class gets databases of its own through {@link #createDatabase}.
 */
public final class TestDb {
  private static volatile TestDb instance;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String backend;
  private final ConnectionSpec admin;
  private final Dialect dialect;

  private TestDb(String backend, ConnectionSpec admin) {
    this.backend = backend;
    this.admin = admin;
    try (Connection c = open(admin);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version()")) {
      rs.next();
      this.dialect = Dialect.fromVersionString(rs.getString(1));
    } catch (SQLException e) {
      throw new IllegalStateException("test database " + admin + " does not answer: " + e, e);
    }
  }

  /** The shared test database server. */
  public static TestDb get() {
    TestDb db = instance;
    if (db == null) {
      synchronized (TestDb.class) {
        if (instance == null) {
          instance = start();
        }
        db = instance;
      }
    }
    return db;
  }

  private static TestDb start() {
    String url = System.getenv("CRDB_TEST_URL");
    if (url != null && !url.isBlank()) {
      return new TestDb("CRDB_TEST_URL", ConnectionSpec.fromUrl("admin", url, 10, false));
    }
    if (dockerAnswers()) {
      CockroachContainer crdb = new CockroachContainer("cockroachdb/cockroach:v24.1.4");
      crdb.start();
      Runtime.getRuntime().addShutdownHook(new Thread(crdb::stop));
      String u =
          "postgresql://"
              + crdb.getUsername()
              + "@"
              + crdb.getHost()
              + ":"
              + crdb.getMappedPort(26257)
              + "/defaultdb?sslmode=disable";
      return new TestDb(
          "Testcontainers CockroachDB", ConnectionSpec.fromUrl("admin", u, 10, false));
    }
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
    Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
    return new TestDb(
        "embedded PostgreSQL", ConnectionSpec.fromUrl("admin", pg.url("postgres"), 10, false));
  }

  private static boolean dockerAnswers() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }

  public String backend() {
    return backend;
  }

  public Dialect dialect() {
    return dialect;
  }

  public boolean isCockroach() {
    return dialect.isCockroach();
  }

  /** Creates a fresh database, runs {@code script} in it, and returns its connection spec. */
  public ConnectionSpec createDatabase(String prefix, String script) {
    String name =
        (prefix + "_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid())
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9_]", "_");
    try (Connection c = open(admin);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + ": " + e, e);
    }
    ConnectionSpec spec = admin.withDatabase(name).withName("default");
    if (script != null && !script.isBlank()) {
      try (Connection c = open(spec);
          Statement s = c.createStatement()) {
        s.execute(script);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot load test database " + name + ": " + e, e);
      }
    }
    return spec;
  }

  /** A postgresql:// URL for a spec (for passing to a server process). */
  public static String url(ConnectionSpec spec) {
    return "postgresql://"
        + spec.user()
        + (spec.password() == null ? "" : ":" + spec.password())
        + "@"
        + spec.host()
        + ":"
        + spec.port()
        + "/"
        + spec.database()
        + "?sslmode="
        + spec.sslMode();
  }

  /** The first column of the first row of a query run directly on the database, or null. */
  public static Object scalar(ConnectionSpec spec, String sql) throws SQLException {
    try (Connection c = open(spec);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getObject(1) : null;
    }
  }

  /**
   * Sessions of the server under test ({@code application_name = 'cockroachdb-mcp'}) in this
   * database that sit inside a transaction.
   */
  public static int serverSessionsInTransaction(ConnectionSpec spec) throws SQLException {
    String sql =
        get().isCockroach()
            // CockroachDB's pg_stat_activity does not report 'idle in transaction'; its session
            // table names the open transaction (written from its documentation, unverified here).
            ? "SELECT count(*) FROM crdb_internal.cluster_sessions"
                + " WHERE application_name = 'cockroachdb-mcp' AND kv_txn IS NOT NULL"
                + " AND active_queries = ''"
            : "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cockroachdb-mcp'"
                + " AND datname = current_database() AND state LIKE 'idle in transaction%'";
    return ((Number) scalar(spec, sql)).intValue();
  }

  /** A plain autocommit JDBC connection for test setup and checks (not the code under test). */
  public static Connection open(ConnectionSpec spec) throws SQLException {
    Connection c = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
    c.setAutoCommit(true);
    return c;
  }
}
