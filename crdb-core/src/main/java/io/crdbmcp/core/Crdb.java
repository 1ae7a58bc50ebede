package io.crdbmcp.core;

import io.crdbmcp.core.safety.SqlGuard;
import java.time.Duration;

/**
 * The library's entry point: every service, wired once from a {@link CrdbConfig}. Usable from Java
 * or JShell without any MCP types:
 *
 * <pre>{@code
 * try (Crdb crdb = Crdb.open(CrdbConfig.fromEnvironment())) {
 *   QueryResult r = crdb.queries().executePlainSql(crdb.connections().get(null),
 *       "SELECT count(*) FROM rides", List.of(), null, null, Caller.local());
 * }
 * }</pre>
 */
public final class Crdb implements AutoCloseable {
  private final CrdbConfig config;
  private final Connections connections;
  private final Transactions transactions;
  private final SqlExecutor executor;
  private final SqlGuard guard;
  private final Queries queries;
  private final Schema schema;
  private final Plans plans;
  private final DatabaseInfo databaseInfo;
  private final Rows rows;
  private final Exports exports;

  private Crdb(CrdbConfig config) {
    this.config = config;
    this.connections = new Connections(config.connections(), config.poolSize(), config.safety());
    this.transactions =
        new Transactions(
            Duration.ofSeconds(config.transactionIdleTimeoutSeconds()),
            config.maxTransactions(),
            config.safety().readOnly());
    this.connections.onClose(transactions::endAllOn);
    this.executor = new SqlExecutor(config.queryTimeoutSeconds(), transactions);
    this.guard = new SqlGuard(config.safety());
    this.queries = new Queries(guard, executor, config.maxRows());
    this.schema = new Schema(executor, config.safety());
    this.plans = new Plans(queries, executor);
    this.databaseInfo = new DatabaseInfo(executor, config.safety());
    this.rows = new Rows(executor, queries, schema, config.safety());
    this.exports = new Exports(config.exportDir(), queries, executor);
  }

  public static Crdb open(CrdbConfig config) {
    return new Crdb(config);
  }

  public CrdbConfig config() {
    return config;
  }

  public Connections connections() {
    return connections;
  }

  public Transactions transactions() {
    return transactions;
  }

  public SqlExecutor executor() {
    return executor;
  }

  public SqlGuard guard() {
    return guard;
  }

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
   * The connection a call runs on: the named one, or, when a call names none but passes a
   * transaction handle, the connection of that transaction; else the default one.
   */
  public Database database(String connection, String transactionId, Caller caller) {
    if ((connection == null || connection.isBlank()) && transactionId != null) {
      return transactions.databaseOf(transactionId, caller);
    }
    return connections.get(connection);
  }

  /** Whether the server as a whole is read-only ({@code CRDB_READ_ONLY}). */
  public boolean readOnly() {
    return config.safety().readOnly();
  }

  @Override
  public void close() {
    transactions.close();
    connections.close();
  }
}
