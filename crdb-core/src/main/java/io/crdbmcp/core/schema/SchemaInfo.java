package io.crdbmcp.core.schema;

import java.util.List;

/** Typed results of schema discovery. */
public final class SchemaInfo {
  private SchemaInfo() {}

  public record DatabaseEntry(String name, String owner, String encoding) {}

  public record SchemaEntry(String name, String owner) {}

  /**
   * @param kind "table", "view", "materialized view", "foreign table" or "sequence"
   * @param estimatedRows the planner's estimate, or null when the server has none
   */
  public record TableEntry(
      String schema, String name, String kind, Long estimatedRows, String comment) {}

  public record ColumnEntry(
      String name,
      String type,
      boolean nullable,
      String defaultValue,
      boolean primaryKey,
      String comment) {}

  public record TableDescription(
      String schema,
      String name,
      String kind,
      List<ColumnEntry> columns,
      List<String> primaryKey) {}

  public record IndexEntry(
      String name,
      List<String> columns,
      boolean unique,
      boolean primary,
      String method,
      String definition) {}

  /**
   * @param type PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK
   * @param referencedTable schema-qualified, for foreign keys
   * @param check the check expression, for CHECK constraints
   */
  public record ConstraintEntry(
      String name,
      String type,
      List<String> columns,
      String referencedTable,
      List<String> referencedColumns,
      String onUpdate,
      String onDelete,
      String check) {}
}
