package io.crdbmcp.core;

import io.crdbmcp.core.schema.SchemaInfo.ColumnEntry;
import io.crdbmcp.core.schema.SchemaInfo.TableDescription;
import java.util.List;

/**
 * A described table or view: its columns (type, nullability, default, primary key, comment) and
 * primary key. Prints as a title line and the compact table of its columns.
 */
public final class TableInfo {
  private final TableDescription description;
  private final RecordList<ColumnEntry> columns;

  TableInfo(TableDescription description) {
    this.description = description;
    this.columns = new RecordList<>(ColumnEntry.class, description.columns());
  }

  public String schema() {
    return description.schema();
  }

  public String name() {
    return description.name();
  }

  /** "table", "view", "materialized view" ... */
  public String kind() {
    return description.kind();
  }

  public RecordList<ColumnEntry> columns() {
    return columns;
  }

  public List<String> primaryKey() {
    return description.primaryKey();
  }

  /** The description as the schema service returns it. */
  public TableDescription description() {
    return description;
  }

  @Override
  public String toString() {
    return kind()
        + " "
        + schema()
        + "."
        + name()
        + (primaryKey().isEmpty() ? "" : ", primary key (" + String.join(", ", primaryKey()) + ")")
        + "\n"
        + columns;
  }
}
