package io.crdbmcp.core.sql;

import java.util.List;

/**
 * Rows of one statement.
 *
 * @param columns column names and database types, in order
 * @param rows values as read by {@link Values#read}
 * @param truncated true when more rows existed than the cap allowed
 * @param maxRows the cap that applied
 * @param updateCount rows changed by a write without RETURNING, or -1
 * @param elapsedMillis time spent in the database, including fetching
 */
public record QueryResult(
    List<Column> columns,
    List<List<Object>> rows,
    boolean truncated,
    int maxRows,
    long updateCount,
    double elapsedMillis) {

  public record Column(String name, String type) {}

  public QueryResult {
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
  }

  public int rowCount() {
    return rows.size();
  }
}
