package io.crdbmcp.examples;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbSettings;
import io.crdbmcp.core.schema.SchemaInfo.TableEntry;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Consumer;

/**
 * Embedding the library in a Java agent: no MCP, no transport. The same safety layer, row cap and
 * timeouts apply as in the server.
 *
 * <p>Run with the CRDB_* settings of your database, e.g. {@code CRDB_URL=postgresql://...}.
 */
public final class EmbeddedAgentExample {
  private EmbeddedAgentExample() {}

  /** Rides per city, as the query below returns them. */
  public record CityRides(String city, long rides) {}

  /** Lists the tables and the busiest cities of the sample data; returns a short report. */
  public static String run(Consumer<CrdbSettings> settings) {
    StringBuilder report = new StringBuilder();
    try (Crdb crdb = Crdb.create(settings)) {
      report.append("Connected to ").append(crdb.database().dialect().displayName()).append('\n');

      for (TableEntry t : crdb.tables()) {
        report
            .append(t.kind())
            .append(' ')
            .append(t.schema())
            .append('.')
            .append(t.name())
            .append('\n');
      }

      // Raw SQL text is checked by the safety guard before it runs; values are bound as $1, $2.
      List<CityRides> busiest =
          crdb.query(
                  "SELECT city, count(*) AS rides FROM rides WHERE revenue > $1 GROUP BY city"
                      + " ORDER BY rides DESC, city LIMIT 3",
                  new BigDecimal("50"))
              .as(CityRides.class);
      for (CityRides c : busiest) {
        report.append(c.city()).append(": ").append(c.rides()).append(" rides\n");
      }
    }
    return report.toString();
  }

  public static void main(String[] args) {
    System.out.print(run(cfg -> cfg.fromEnvironment()));
  }
}
