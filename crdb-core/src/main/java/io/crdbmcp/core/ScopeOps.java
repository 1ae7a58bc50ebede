package io.crdbmcp.core;

import io.crdbmcp.core.connect.Database;
import io.crdbmcp.core.safety.Verdict;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The operations of a {@link CrdbScope}: one caller, one connection name, optionally a transaction.
 */
final class ScopeOps {
  final Crdb crdb;
  final Caller caller;
  final String connection;
  final String txId;

  ScopeOps(Crdb crdb, Caller caller, String connection, String txId) {
    this.crdb = crdb;
    this.caller = Objects.requireNonNull(caller, "caller");
    this.connection = connection == null || connection.isBlank() ? null : connection;
    this.txId = txId;
  }

  Database database() {
    return crdb.database(connection, txId, caller);
  }

  ResultTable query(String sql, Object[] params) {
    List<Object> values = params == null ? List.of() : Arrays.asList(params);
    return ResultTable.of(
        crdb.queries().executePlainSql(database(), sql, values, null, txId, caller));
  }

  RecordList<TableEntry> tables() {
    return new RecordList<>(
        TableEntry.class, crdb.schema().listTables(database(), null, txId, caller));
  }

  TableInfo describe(String table) {
    return new TableInfo(crdb.schema().describeTable(database(), table, null, txId, caller));
  }

  Verdict validate(String sql) {
    return crdb.queries().validatePlainSql(database(), sql);
  }
}
