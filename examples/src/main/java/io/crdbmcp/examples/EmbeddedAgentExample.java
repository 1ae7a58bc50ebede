package io.crdbmcp.examples;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.Database;
import io.crdbmcp.core.QueryResult;
import io.crdbmcp.core.SchemaInfo.TableEntry;
import java.util.List;

/**
 * Embedding the library in a Java agent: no MCP, no transport. The same safety layer, row cap and
 * timeouts apply as in the server.
 *
 * <p>Run with the CRDB_* settings of your database, e.g. {@code CRDB_URL=postgresql://...}.
 */
public final class EmbeddedAgentExample {
  private EmbeddedAgentExample() {}

  /** Lists the tables and counts the rows of the first one; returns a short report. */
  public static String run(CrdbConfig config) {
    StringBuilder report = new StringBuilder();
    try (Crdb crdb = Crdb.open(config)) {
      Database db = crdb.connections().get(null); // the default connection
      report.append("Connected to ").append(db.dialect().displayName()).append('\n');

      List<TableEntry> tables = crdb.schema().listTables(db, null, null, Caller.local());
      for (TableEntry t : tables) {
        report
            .append(t.kind())
            .append(' ')
            .append(t.schema())
            .append('.')
            .append(t.name())
            .append('\n');
      }

      // Raw SQL text is checked by the safety guard before it runs; values are bound as $1, $2.
      QueryResult r =
          crdb.queries()
              .executePlainSql(
                  db,
                  "SELECT city, count(*) AS rides FROM rides WHERE revenue > $1 GROUP BY city"
                      + " ORDER BY rides DESC, city LIMIT 3",
                  List.of(new java.math.BigDecimal("50")),
                  null,
                  null,
                  Caller.local());
      for (List<Object> row : r.rows()) {
        report.append(row.get(0)).append(": ").append(row.get(1)).append(" rides\n");
      }
    }
    return report.toString();
  }

  public static void main(String[] args) {
    System.out.print(run(CrdbConfig.fromEnvironment()));
  }
}
