package io.crdbmcp.core.connect;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.safety.SafetyPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named connection pools, in two kinds:
 *
 * <ul>
 *   <li><b>Configured</b> connections (from the settings; the first is the default one) are shared
 *       by every client and fixed for the life of the server: no client can replace or close them.
 *   <li>Connections a client opens with {@link #connect} or {@link #switchDatabase} belong to that
 *       client (its {@link Caller#owner() owner}, as transaction handles do): another client
 *       neither sees, nor uses, nor closes them, and may use the same names for its own. A client's
 *       connection named like a configured one (made by {@link #switchDatabase}) stands in for it
 *       for that client only. {@link #closeClient} closes them when the client goes away.
 * </ul>
 *
 * <p>A name resolves, for one caller, to its own connection of that name, else to the configured
 * one.
 */
public final class Connections implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  private final Map<String, Database> configured;
  private final String configuredDefault;

  /** Connections opened by clients, by owner; guarded by {@code this}. */
  private final Map<Caller, LinkedHashMap<String, Database>> owned = new HashMap<>();

  private final int poolSize;
  private final SafetyPolicy safety;
  private final int sessionTimeoutSeconds;
  private final List<Consumer<Database>> closeListeners = new CopyOnWriteArrayList<>();

  public Connections(List<ConnectionSpec> specs, int poolSize, SafetyPolicy safety) {
    this(specs, poolSize, safety, 0);
  }

  /**
   * @param sessionTimeoutSeconds the statement timeout the executor runs calls with ({@code
   *     CRDB_QUERY_TIMEOUT}): on PostgreSQL every session logs in with it as its default ({@link
   *     Database#withSessionTimeout}), the one the start-up check hands to the pool included, so
   *     the first call need not replace that one with a new login; 0 when not known
   */
  public Connections(
      List<ConnectionSpec> specs, int poolSize, SafetyPolicy safety, int sessionTimeoutSeconds) {
    this.poolSize = poolSize;
    this.safety = safety;
    this.sessionTimeoutSeconds = sessionTimeoutSeconds;
    Map<String, Database> byName = new LinkedHashMap<>();
    for (ConnectionSpec s : specs) {
      Database db = new Database(s, poolSize, false, safety);
      db.startSessionsWith(sessionTimeoutSeconds);
      byName.put(s.name(), db);
    }
    this.configured = Collections.unmodifiableMap(byName);
    this.configuredDefault = specs.isEmpty() ? null : specs.get(0).name();
  }

  /** Runs before a connection's pool closes (disconnect, replace, switch_database, client end). */
  public void onClose(Consumer<Database> listener) {
    closeListeners.add(listener);
  }

  private void closing(Database db) {
    closeListeners.forEach(l -> l.accept(db));
    db.close();
  }

  /**
   * The connection of that name for the local caller ({@link Caller#local()}), or the default one
   * for {@code null}.
   */
  public Database get(String name) {
    return get(name, Caller.local());
  }

  /**
   * The connection of that name as {@code caller} sees it (its own, else the configured one), or
   * its default connection for {@code null}.
   */
  public synchronized Database get(String name, Caller caller) {
    Map<String, Database> own = own(caller);
    String n = name == null || name.isBlank() ? defaultName(caller) : name;
    Database db = n == null ? null : own.containsKey(n) ? own.get(n) : configured.get(n);
    if (db == null) {
      throw new CrdbException(
          ErrorCode.UNKNOWN_CONNECTION,
          n == null
              ? "no connection is open"
              : "no connection named '" + n + "' (open: " + String.join(", ", names(caller)) + ")",
          n == null
              ? "open a connection first"
              : "use one of the open connections, or open one named '" + n + "'");
    }
    return db;
  }

  /** The name of the first configured connection, or null when none is configured. */
  public String defaultName() {
    return configuredDefault;
  }

  /**
   * The connection {@code caller}'s calls use when they name none: the first configured one, else
   * the first one the caller opened; null when there is none.
   */
  public synchronized String defaultName(Caller caller) {
    if (configuredDefault != null) {
      return configuredDefault;
    }
    Map<String, Database> own = own(caller);
    return own.isEmpty() ? null : own.keySet().iterator().next();
  }

  /** Whether {@code name} is a configured connection (shared, immutable). */
  public boolean isConfigured(String name) {
    return name != null && configured.containsKey(name);
  }

  /**
   * The connections {@code caller} can use: the configured ones (or the caller's own of the same
   * name in their place), then the caller's own others, in the order they were opened.
   */
  public synchronized List<Database> list(Caller caller) {
    Map<String, Database> own = own(caller);
    List<Database> out = new ArrayList<>();
    for (Map.Entry<String, Database> e : configured.entrySet()) {
      out.add(own.getOrDefault(e.getKey(), e.getValue()));
    }
    for (Map.Entry<String, Database> e : own.entrySet()) {
      if (!configured.containsKey(e.getKey())) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  /** Every open connection: the configured ones and every caller's own (for the watchdog). */
  public synchronized List<Database> all() {
    List<Database> out = new ArrayList<>(configured.values());
    for (LinkedHashMap<String, Database> own : owned.values()) {
      out.addAll(own.values());
    }
    return out;
  }

  private List<String> names(Caller caller) {
    List<String> out = new ArrayList<>();
    for (Database db : list(caller)) {
      out.add(db.name());
    }
    return out;
  }

  /** The caller's own connections (an empty map when it has none); call holding {@code this}. */
  private Map<String, Database> own(Caller caller) {
    Map<String, Database> m = owned.get(owner(caller));
    return m == null ? Map.of() : m;
  }

  private static Caller owner(Caller caller) {
    return Objects.requireNonNull(caller, "caller").owner();
  }

  /**
   * Opens a new named connection for {@code caller} and checks it with a round trip. Replacing one
   * of the caller's own connections requires {@code replace}; the names of configured connections
   * are refused (they are shared: see {@link #switchDatabase} for another database).
   */
  public Database connect(ConnectionSpec spec, boolean replace, Caller caller) {
    synchronized (this) {
      if (configured.containsKey(spec.name()) && !own(caller).containsKey(spec.name())) {
        throw CrdbException.invalidArgument(
            "connection '"
                + spec.name()
                + "' is configured by the server's settings and shared by every client: it"
                + " cannot be replaced",
            "choose another name; to use another database through it, switch its database"
                + " (that changes it for this client only)");
      }
    }
    return open(spec, replace, caller);
  }

  private Database open(ConnectionSpec spec, boolean replace, Caller caller) {
    if (!safety.isDatabaseVisible(spec.database())) {
      throw CrdbException.refused(
          "database '" + spec.database() + "' is blocked by CRDB_BLOCKED_DATABASES",
          "connect to another database");
    }
    Caller owner = owner(caller);
    synchronized (this) {
      if (!replace && own(owner).containsKey(spec.name())) {
        throw alreadyOpen(spec.name());
      }
    }
    Database db = new Database(spec, poolSize, true, safety);
    db.startSessionsWith(sessionTimeoutSeconds);
    try {
      db.dialect();
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    Database old;
    synchronized (this) {
      LinkedHashMap<String, Database> own =
          owned.computeIfAbsent(owner, k -> new LinkedHashMap<>());
      old = own.get(spec.name());
      if (old != null && !replace) {
        db.close();
        throw alreadyOpen(spec.name());
      }
      own.put(spec.name(), db);
    }
    if (old != null) {
      closing(old);
    }
    LOG.info(
        "client {}: connected '{}' to {} ({})",
        owner.clientId(),
        spec.name(),
        spec.describe(),
        db.dialect().displayName());
    return db;
  }

  private static CrdbException alreadyOpen(String name) {
    return CrdbException.invalidArgument(
        "a connection named '" + name + "' is already open",
        "choose another name, close the open one first, or replace it");
  }

  /**
   * Checks the configured default connection once: one login and a first query, bounded by the
   * connect timeout ({@code CRDB_TIMEOUT}). Never throws; {@link ConnectionCheck#line()} says in
   * one line who we are connected as to which server, or exactly why not.
   */
  public ConnectionCheck checkDefault() {
    Database db = configuredDefault == null ? null : configured.get(configuredDefault);
    if (db == null) {
      return new ConnectionCheck(
          String.valueOf(defaultName()),
          "-",
          false,
          null,
          null,
          new CrdbException(
              ErrorCode.UNKNOWN_CONNECTION,
              "no connection is configured",
              "configure one in the settings"));
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

  /**
   * Closes one of {@code caller}'s own connections and its pool; its open transactions are rolled
   * back. Returns the spec it had. A configured connection cannot be closed (closing the caller's
   * own connection of the same name makes the configured one visible to it again); another client's
   * connections are not found.
   */
  public ConnectionSpec disconnect(String name, Caller caller) {
    Database db;
    Caller owner = owner(caller);
    synchronized (this) {
      LinkedHashMap<String, Database> own = owned.get(owner);
      String n = name == null || name.isBlank() ? defaultName(owner) : name;
      db = own == null || n == null ? null : own.get(n);
      if (db == null) {
        if (isConfigured(n)) {
          throw CrdbException.invalidArgument(
              "connection '"
                  + n
                  + "' is configured by the server's settings and shared by every client: it"
                  + " cannot be closed",
              "close only connections opened by this client");
        }
        get(n, owner); // throws UNKNOWN_CONNECTION naming what this caller can use
        throw new IllegalStateException("unreachable");
      }
      own.remove(db.name());
      if (own.isEmpty()) {
        owned.remove(owner);
      }
    }
    closing(db);
    LOG.info("client {}: disconnected '{}'", owner.clientId(), db.name());
    return db.spec();
  }

  /**
   * Points a connection at another database on the same server, for {@code caller} only: the result
   * is the caller's own connection of the same name (standing in for a configured one of that
   * name), checked with a round trip.
   */
  public Database switchDatabase(String name, String database, Caller caller) {
    Database current = get(name, caller);
    return open(current.spec().withDatabase(database), true, caller);
  }

  /**
   * Closes every connection opened by callers with this client id (all its users), rolling back
   * their transactions: for when a client goes away. Returns how many were closed.
   */
  public int closeClient(String clientId) {
    List<Database> closing = new ArrayList<>();
    synchronized (this) {
      for (var it = owned.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (e.getKey().clientId().equals(clientId)) {
          closing.addAll(e.getValue().values());
          it.remove();
        }
      }
    }
    closing.forEach(this::closing);
    if (!closing.isEmpty()) {
      LOG.info("client {}: closed {} connection(s)", clientId, closing.size());
    }
    return closing.size();
  }

  /** How many connections clients have opened, all clients together (for diagnostics). */
  public synchronized int clientConnectionCount() {
    int n = 0;
    for (Map<String, Database> m : owned.values()) {
      n += m.size();
    }
    return n;
  }

  @Override
  public void close() {
    List<Database> all = new ArrayList<>();
    synchronized (this) {
      owned.values().forEach(m -> all.addAll(m.values()));
      owned.clear();
    }
    all.forEach(Database::close);
    configured.values().forEach(Database::close);
  }
}
