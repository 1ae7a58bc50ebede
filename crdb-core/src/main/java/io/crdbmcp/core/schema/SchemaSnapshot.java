package io.crdbmcp.core.schema;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every visible table and view of a database at one moment, with what a model needs to write SQL
 * against it: columns, primary keys, foreign keys and comments. Read by {@link Schema#snapshot} in
 * a fixed number of catalog queries; hidden tables and columns (access control) are not in it, and
 * neither is a foreign key that would name one.
 *
 * @param tables sorted by schema and name
 * @param readAt when the catalogs were read
 */
public record SchemaSnapshot(List<Table> tables, Instant readAt) {

  public SchemaSnapshot {
    tables = List.copyOf(tables);
  }

  /** One column. */
  public record Column(String name, String type, boolean nullable, String comment) {}

  /** A foreign key of a table: its columns reference {@code refColumns} of {@code refTable}. */
  public record ForeignKey(
      List<String> columns, String refSchema, String refTable, List<String> refColumns) {
    public ForeignKey {
      columns = List.copyOf(columns);
      refColumns = List.copyOf(refColumns);
    }
  }

  /**
   * A table or view.
   *
   * @param kind "table", "view", "materialized view", "foreign table"
   * @param estimatedRows the planner's estimate, null when the server has none
   */
  public record Table(
      String schema,
      String name,
      String kind,
      String comment,
      Long estimatedRows,
      List<Column> columns,
      List<String> primaryKey,
      List<ForeignKey> foreignKeys) {
    public Table {
      columns = List.copyOf(columns);
      primaryKey = List.copyOf(primaryKey);
      foreignKeys = List.copyOf(foreignKeys);
    }

    /** {@code schema.name}. */
    public String qualified() {
      return schema + "." + name;
    }

    /** Whether this table's foreign key {@code fk} points at {@code other}. */
    boolean references(ForeignKey fk, Table other) {
      return fk.refSchema().equals(other.schema()) && fk.refTable().equals(other.name());
    }
  }

  /** A join between two tables along a foreign key: {@code from.columns = to.refColumns}. */
  public record Join(Table from, ForeignKey key, Table to) {
    /** {@code rides.rider_id = users.id} (several columns joined with AND). */
    public String condition() {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < key.columns().size(); i++) {
        parts.add(
            from.name()
                + "."
                + key.columns().get(i)
                + " = "
                + to.name()
                + "."
                + (i < key.refColumns().size() ? key.refColumns().get(i) : "?"));
      }
      return String.join(" AND ", parts);
    }
  }

  /** The table of that schema and name, or null. */
  public Table table(String schema, String name) {
    for (Table t : tables) {
      if (t.schema().equals(schema) && t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Every foreign-key join that has {@code t} on one side, in either direction. */
  public List<Join> joinsOf(Table t) {
    List<Join> out = new ArrayList<>();
    for (ForeignKey fk : t.foreignKeys()) {
      Table to = table(fk.refSchema(), fk.refTable());
      if (to != null) {
        out.add(new Join(t, fk, to));
      }
    }
    for (Table other : tables) {
      if (other == t) {
        continue;
      }
      for (ForeignKey fk : other.foreignKeys()) {
        if (other.references(fk, t)) {
          out.add(new Join(other, fk, t));
        }
      }
    }
    return out;
  }
}
