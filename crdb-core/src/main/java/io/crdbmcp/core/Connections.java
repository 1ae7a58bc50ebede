package io.crdbmcp.core;

import io.crdbmcp.core.safety.SafetyPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Named connection pools. The first configured connection is the default one. */
public final class Connections implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  private final Map<String, Database> byName = new LinkedHashMap<>();
  private final int poolSize;
  private final SafetyPolicy safety;
  private String defaultName;
  private final List<Consumer<Database>> closeListeners = new CopyOnWriteArrayList<>();

  public Connections(List<ConnectionSpec> specs, int poolSize, SafetyPolicy safety) {
    this.poolSize = poolSize;
    this.safety = safety;
    for (ConnectionSpec s : specs) {
      byName.put(s.name(), new Database(s, poolSize, false, safety));
      if (defaultName == null) {
        defaultName = s.name();
      }
    }
  }

  /** Runs before a connection's pool closes (disconnect, replace, switch_database). */
  public void onClose(Consumer<Database> listener) {
    closeListeners.add(listener);
  }

  private void closing(Database db) {
    closeListeners.forEach(l -> l.accept(db));
    db.close();
  }

  /** The connection of that name, or the default one for {@code null}. */
  public synchronized Database get(String name) {
    String n = name == null || name.isBlank() ? defaultName : name;
    Database db = n == null ? null : byName.get(n);
    if (db == null) {
      throw new CrdbException(
          ErrorCode.UNKNOWN_CONNECTION,
          n == null
              ? "no connection is open"
              : "no connection named '"
                  + n
                  + "' (open: "
                  + String.join(", ", byName.keySet())
                  + ")",
          n == null
              ? "open a connection first"
              : "use one of the open connections, or open one named '" + n + "'");
    }
    return db;
  }

  public synchronized String defaultName() {
    return defaultName;
  }

  public synchronized List<Database> list() {
    return new ArrayList<>(byName.values());
  }

  /**
   * Opens a new named connection and checks it with a round trip. Replacing an existing name
   * requires {@code replace}.
   */
  public Database connect(ConnectionSpec spec, boolean replace) {
    if (!safety.isDatabaseVisible(spec.database())) {
      throw CrdbException.refused(
          "database '" + spec.database() + "' is blocked by CRDB_BLOCKED_DATABASES",
          "connect to another database");
    }
    Database db = new Database(spec, poolSize, true, safety);
    try {
      db.dialect();
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    Database old;
    synchronized (this) {
      old = byName.get(spec.name());
      if (old != null && !replace) {
        db.close();
        throw CrdbException.invalidArgument(
            "a connection named '" + spec.name() + "' is already open",
            "choose another name, close the open one first, or replace it");
      }
      byName.put(spec.name(), db);
      if (defaultName == null) {
        defaultName = spec.name();
      }
    }
    if (old != null) {
      closing(old);
    }
    LOG.info("connected '{}' to {} ({})", spec.name(), spec.describe(), db.dialect().displayName());
    return db;
  }

  /**
   * Checks the default connection once: one login and a first query, bounded by the connect timeout
   * ({@code CRDB_TIMEOUT}). Never throws; {@link ConnectionCheck#line()} says in one line who we
   * are connected as to which server, or exactly why not.
   */
  public ConnectionCheck checkDefault() {
    Database db;
    try {
      db = get(null);
    } catch (CrdbException e) {
      return new ConnectionCheck(String.valueOf(defaultName()), "-", false, null, null, e);
    }
    FutureTask<ConnectionCheck> task = new FutureTask<>(db::check);
    Thread t = new Thread(task, "crdb-check-" + db.name());
    t.setDaemon(true);
    t.start();
    ConnectionSpec spec = db.spec();
    try {
      return task.get(spec.connectTimeoutSeconds() * 1000L + 500, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return ConnectionCheck.failed(
          spec,
          new CrdbException(
              ErrorCode.CONNECTION_FAILED,
              "cannot connect to "
                  + spec.describe()
                  + " (connection '"
                  + spec.name()
                  + "'): no answer within "
                  + spec.connectTimeoutSeconds()
                  + " s",
              "check the host, port and firewalls; for a slow network raise CRDB_TIMEOUT"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ConnectionCheck.failed(
          spec,
          new CrdbException(ErrorCode.CANCELLED, "the connection check was interrupted", null));
    } catch (ExecutionException e) {
      return ConnectionCheck.failed(
          spec,
          new CrdbException(
              ErrorCode.INTERNAL,
              "the connection check failed: " + e.getCause(),
              null,
              null,
              e.getCause()));
    }
  }

  /**
   * {@link #checkDefault()} on a background thread, handing its one line to {@code report}: for a
   * server that checks its connection at start without delaying its start.
   */
  public void checkDefaultInBackground(Consumer<String> report) {
    Thread t = new Thread(() -> report.accept(checkDefault().line()), "crdb-startup-check");
    t.setDaemon(true);
    t.start();
  }

  /** Closes a connection's pool. Returns the spec it had. */
  public ConnectionSpec disconnect(String name) {
    Database db;
    synchronized (this) {
      db = get(name);
      byName.remove(db.name());
      if (db.name().equals(defaultName)) {
        defaultName = byName.isEmpty() ? null : byName.keySet().iterator().next();
      }
    }
    closing(db);
    LOG.info("disconnected '{}'", db.name());
    return db.spec();
  }

  /** Points a connection at another database on the same server. */
  public Database switchDatabase(String name, String database) {
    Database current = get(name);
    return connect(current.spec().withDatabase(database), true);
  }

  @Override
  public synchronized void close() {
    byName.values().forEach(Database::close);
    byName.clear();
  }
}
