package io.crdbmcp.tools.bench;

import io.crdbmcp.core.sql.QueryResult;
import io.crdbmcp.tools.Render;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The renderer alone: a result of {@code rows} rows and 10 columns (uuids, text, a timestamp, a
 * number, NULLs and values that need quoting) as the compact text table and as JSON. Run with
 * bench/jmh.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RenderBench {
  @Param({"1", "100", "1000"})
  public int rows;

  QueryResult result;

  @Setup
  public void build() {
    List<QueryResult.Column> cols =
        List.of(
            new QueryResult.Column("id", "uuid"),
            new QueryResult.Column("city", "text"),
            new QueryResult.Column("rider_id", "uuid"),
            new QueryResult.Column("vehicle_id", "uuid"),
            new QueryResult.Column("start_address", "text"),
            new QueryResult.Column("end_address", "text"),
            new QueryResult.Column("start_time", "timestamptz"),
            new QueryResult.Column("end_time", "timestamptz"),
            new QueryResult.Column("revenue", "numeric"),
            new QueryResult.Column("note", "text"));
    List<List<Object>> data = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      List<Object> row = new ArrayList<>();
      row.add(new UUID(r, 1));
      row.add(r % 3 == 0 ? "new york" : "san francisco");
      row.add(new UUID(r, 2));
      row.add(new UUID(r, 3));
      row.add(r + " Main Street");
      row.add(r % 5 == 0 ? "a | b" : r + " Broadway");
      row.add(OffsetDateTime.of(2026, 1, 1, 12, r % 60, 0, 0, ZoneOffset.UTC));
      row.add(r % 4 == 0 ? null : OffsetDateTime.of(2026, 1, 1, 13, r % 60, 0, 0, ZoneOffset.UTC));
      row.add(new BigDecimal(r + ".50"));
      row.add(r % 7 == 0 ? "NULL" : "");
      data.add(row);
    }
    result = new QueryResult(cols, data, false, 1000, -1, 1.0);
  }

  @Benchmark
  public Object textTable() {
    return Render.queryResult(result, false, "");
  }

  @Benchmark
  public Object json() {
    return Render.queryResult(result, true, "");
  }
}
