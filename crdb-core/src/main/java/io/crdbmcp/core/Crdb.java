package io.crdbmcp.core;

import io.crdbmcp.core.admin.Admin;
import io.crdbmcp.core.cluster.Cluster;
import io.crdbmcp.core.connect.Connections;
import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.connect.Watchdog;
import io.crdbmcp.core.export.Exports;
import io.crdbmcp.core.knowledge.Knowledge;
import io.crdbmcp.core.rows.Rows;
import io.crdbmcp.core.safety.SqlGuard;
import io.crdbmcp.core.schema.DatabaseInfo;
import io.crdbmcp.core.schema.Schema;
import io.crdbmcp.core.schema.SchemaContexts;
import io.crdbmcp.core.sql.BreakerState;
import io.crdbmcp.core.sql.Plans;
import io.crdbmcp.core.sql.Queries;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.sql.SystemStore;
import io.crdbmcp.core.tx.Transactions;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The library's entry point, usable from Java or JShell without any MCP types:
 *
 * <pre>{@code
 * try (Crdb crdb = Crdb.create(cfg -> cfg.url("postgresql://app@localhost:26257/shop"))) {
 *   crdb.tables();                                        // prints as a compact table
 *   crdb.query("SELECT city, count(*) FROM rides WHERE revenue > $1 GROUP BY city", 20);
 *   crdb.rows("rides").where("city", "boston").orderBy("revenue desc").limit(20).read();
 *   try (TxScope tx = crdb.begin()) { ...; tx.commit(); }  // rolled back unless committed
 * }
 * }</pre>
 *
 * The operations of {@link CrdbScope} on a {@code Crdb} run as the local caller ({@link
 * Caller#local()}) on the default connection; {@link #session(Caller)} and {@link
 * Session#on(String)} choose a caller and a connection (what tool adapters use). Every operation
 * takes the tools' path: the safety guard, the database's own checks, access control, the row cap
 * and the statement timeout; nothing public runs SQL around them.
 *
 * <p>Configured connections are shared by every caller and cannot be replaced or closed by one;
 * connections opened with {@link Connections#connect}, and transactions, belong to the caller that
 * opened them. {@link #closeClient(String)} ends what a client left open.
 */
public final class Crdb extends CrdbScope implements AutoCloseable {
  private final CrdbConfig config;
  private final Connections connections;
  private final Transactions transactions;
  private final Queries queries;
  private final Schema schema;
  private final Plans plans;
  private final DatabaseInfo databaseInfo;
  private final Rows rows;
  private final Exports exports;
  private final SystemStore store;
  private final Knowledge knowledge;
  private final Cluster cluster;
  private final Admin admin;
  private final SchemaContexts schemaContexts;
  private final Session local;
  private final SqlExecutor executor;
  private final Watchdog watchdog;

  private Crdb(CrdbConfig config) {
    this.config = config;
    // The engine's key: made here only, given to the services this instance builds and to no one
    // else, so nothing public lends a raw connection or runs work around the guard (EngineKey).
    EngineKey key = new EngineKey();
    this.connections =
        new Connections(
            config.connections(), config.poolSize(), config.safety(), config.queryTimeoutSeconds());
    this.transactions =
        new Transactions(
            key,
            Duration.ofSeconds(config.transactionIdleTimeoutSeconds()),
            config.maxTransactions(),
            config.maxTransactionsPerClient(),
            config.safety().readOnly(),
            config.queryTimeoutSeconds());
    this.connections.onClose(transactions::endAllOn);
    SqlExecutor executor =
        new SqlExecutor(key, config.queryTimeoutSeconds(), transactions, config.resilience());
    this.executor = executor;
    this.watchdog =
        config.resilience().watchdogEnabled()
            ? new Watchdog(connections, config.resilience()).start()
            : null;
    SqlGuard guard = new SqlGuard(config.safety());
    this.queries = new Queries(guard, executor, config.maxRows());
    this.schema = new Schema(key, executor, config.safety());
    this.plans = new Plans(queries, executor);
    this.databaseInfo = new DatabaseInfo(schema);
    this.rows = new Rows(key, executor, queries, schema, config.safety());
    this.exports = new Exports(key, config.exportDir(), queries, executor);
    this.store = new SystemStore(key, executor, connections, config.safety().readOnly());
    this.knowledge =
        config.knowledgeInDatabase()
            ? Knowledge.database(store)
            : Knowledge.file(config.knowledgePath());
    this.cluster = new Cluster(key, executor, config.safety(), config.cancelOtherUsers());
    this.admin = new Admin(key, executor, config.safety());
    this.schemaContexts = new SchemaContexts(schema, config.ask().schemaCacheTtlSeconds());
    queries.onSchemaChange(schemaContexts::invalidate);
    this.local = new Session(this, Caller.local(), null);
  }

  /**
   * A library instance configured from code: {@code Crdb.create(cfg ->
   * cfg.url("postgresql://...").readOnly(true))}. Every {@code CRDB_*} setting has a method on
   * {@link CrdbSettings}, validated as in the environment ({@link ConfigException} names the
   * setting); {@code cfg.fromEnvironment()} starts from the process environment.
   */
  public static Crdb create(Consumer<CrdbSettings> configure) {
    CrdbSettings settings = CrdbConfig.builder();
    Objects.requireNonNull(configure, "configure").accept(settings);
    return open(settings.build());
  }

  /** A library instance for a configuration already built. */
  public static Crdb open(CrdbConfig config) {
    return new Crdb(config);
  }

  public CrdbConfig config() {
    return config;
  }

  /**
   * The circuit breaker of a connection (see {@code CRDB_BREAKER_THRESHOLD}): whether calls on it
   * run, and when an open one tries the database again.
   */
  public BreakerState breaker(Database db) {
    return executor.breaker(db);
  }

  // --- Scopes ------------------------------------------------------------------------------------

  /** The operations as {@code caller}, on its default connection; {@code .on(name)} for another. */
  public Session session(Caller caller) {
    return new Session(this, caller, null);
  }

  /** The local caller on another connection. */
  public Session on(String connection) {
    return local.on(connection);
  }

  @Override
  ScopeOps ops() {
    return local.ops();
  }

  /** Begins a transaction on the default connection; see {@link TxScope}. */
  public TxScope begin() {
    return local.begin();
  }

  /** Begins a read-only or a read-write transaction on the default connection. */
  public TxScope begin(boolean readOnly) {
    return local.begin(readOnly);
  }

  /** The local caller's default connection (its server: {@code database().dialect()}). */
  public Database database() {
    return local.database();
  }

  /**
   * The connection a call of {@code caller} runs on: the named one as that caller sees it (its own,
   * else the configured one), or, when a call names none but passes a transaction handle, the
   * connection of that transaction; else the caller's default one.
   */
  public Database database(String connection, String transactionId, Caller caller) {
    if ((connection == null || connection.isBlank()) && transactionId != null) {
      return transactions.databaseOf(transactionId, caller);
    }
    return connections.get(connection, caller);
  }

  /**
   * Ends what a client left open when it goes away (an HTTP session ends; over stdio the process
   * ends with its client): rolls back the transactions and closes the connections opened by callers
   * with {@code clientId}, whatever their user. Configured connections stay.
   */
  public void closeClient(String clientId) {
    transactions.rollbackAllOf(clientId);
    connections.closeClient(clientId);
  }

  /** {@link #closeClient(String)} for the caller's client. */
  public void closeClient(Caller caller) {
    closeClient(caller.clientId());
  }

  // --- Services (for tool adapters; every one takes the caller) ----------------------------------

  /** Named connections: configured ones (shared) and those each caller opened (its own). */
  public Connections connections() {
    return connections;
  }

  /** Transactions that span calls, named by handles that belong to their caller. */
  public Transactions transactions() {
    return transactions;
  }

  /** SQL text from a person or a model, through the safety guard. */
  public Queries queries() {
    return queries;
  }

  public Schema schema() {
    return schema;
  }

  public Plans plans() {
    return plans;
  }

  public DatabaseInfo databaseInfo() {
    return databaseInfo;
  }

  /** Row tools: read by key or filter with keyset pagination, insert/update/delete/upsert. */
  public Rows rows() {
    return rows;
  }

  /** Query results written to files under {@code CRDB_EXPORT_DIR}. */
  public Exports exports() {
    return exports;
  }

  /**
   * The server's own tables in the default database (a shared knowledge store, the OAuth store):
   * generated statements only, through the same execution path.
   */
  public SystemStore store() {
    return store;
  }

  /**
   * What was learned about the databases, kept across sessions ({@code CRDB_KNOWLEDGE_PATH}, or the
   * default database with {@code CRDB_KNOWLEDGE_STORE=database}).
   */
  public Knowledge knowledge() {
    return knowledge;
  }

  /**
   * Cluster, distribution and performance introspection (nodes, ranges, zones, regions, running
   * statements, jobs, statement statistics, index advice) and cancelling a running statement.
   */
  public Cluster cluster() {
    return cluster;
  }

  /**
   * Database and role administration (create and drop databases, roles, grants) from structured
   * arguments, with confirmation and dry runs; the {@code admin} toolset.
   */
  public Admin admin() {
    return admin;
  }

  /**
   * The schema ranked for questions in plain language, cached per connection for {@code
   * CRDB_SCHEMA_CACHE_TTL} and refreshed when DDL runs through the server.
   */
  public SchemaContexts schemaContexts() {
    return schemaContexts;
  }

  /** The statement timeout of every call and transaction, seconds ({@code CRDB_QUERY_TIMEOUT}). */
  public int queryTimeoutSeconds() {
    return config.queryTimeoutSeconds();
  }

  /** Whether the server as a whole is read-only ({@code CRDB_READ_ONLY}). */
  public boolean readOnly() {
    return config.safety().readOnly();
  }

  @Override
  public String toString() {
    return "Crdb[default connection: "
        + (config.defaultConnection() == null ? "none" : config.defaultConnection().describe())
        + (readOnly() ? ", read-only" : "")
        + "]";
  }

  @Override
  public void close() {
    if (watchdog != null) {
      watchdog.close();
    }
    transactions.close();
    connections.close();
  }
}
