package io.crdbmcp.core;

import io.crdbmcp.core.safety.SafetyPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
      byName.put(s.name(), new Database(s, poolSize));
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
          "call list_connections to see the open connections, or connect to open one");
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
    Database db = new Database(spec, poolSize, true);
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
            "choose another name, call disconnect first, or pass replace=true");
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
