package io.crdbmcp.core;

import io.crdbmcp.core.sql.QueryResult;
import io.crdbmcp.core.sql.Values;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Rows of one statement as the library returns them: prints as the compact table the tools show
 * ({@code |}-separated, NULL as {@code NULL}, ambiguous strings JSON-quoted), and converts to maps
 * ({@link #toMaps()}) or records ({@link #as(Class)}).
 */
public final class ResultTable {
  private final QueryResult result;
  private final String nextCursor;
  private final long affected;

  ResultTable(QueryResult result, String nextCursor, long affected) {
    this.result = result;
    this.nextCursor = nextCursor;
    this.affected = affected;
  }

  static ResultTable of(QueryResult r) {
    return new ResultTable(r, null, r.columns().isEmpty() ? r.updateCount() : -1);
  }

  /** Column names and database types, in order. */
  public List<QueryResult.Column> columns() {
    return result.columns();
  }

  /** Column names, in order. */
  public List<String> columnNames() {
    List<String> out = new ArrayList<>(result.columns().size());
    result.columns().forEach(c -> out.add(c.name()));
    return out;
  }

  /** The rows, values in column order (as read by {@link Values#read}). */
  public List<List<Object>> rows() {
    return result.rows();
  }

  public int rowCount() {
    return result.rowCount();
  }

  /** Whether more rows existed than the row cap ({@code CRDB_MAX_ROWS}) allowed. */
  public boolean truncated() {
    return result.truncated();
  }

  /** For a page of {@link RowsQuery#read()}: the cursor of the next page, else null. */
  public String nextCursor() {
    return nextCursor;
  }

  /** Rows a write changed (or would change, for a dry run); -1 for a read. */
  public long affected() {
    return affected;
  }

  /** The underlying result. */
  public QueryResult result() {
    return result;
  }

  /** The value of a one-column result's first row (e.g. a count); throws when there is none. */
  public Object value() {
    if (result.rows().isEmpty() || result.columns().isEmpty()) {
      throw new IllegalStateException("the result has no rows");
    }
    return result.rows().get(0).get(0);
  }

  /** Each row as column name → value, in column order. */
  public List<Map<String, Object>> toMaps() {
    List<Map<String, Object>> out = new ArrayList<>(result.rowCount());
    for (List<Object> row : result.rows()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        m.put(result.columns().get(i).name(), row.get(i));
      }
      out.add(Collections.unmodifiableMap(m));
    }
    return List.copyOf(out);
  }

  /**
   * Each row as a record: components are matched to columns by name ({@code estimatedRows} or
   * {@code estimated_rows} matches the column {@code estimated_rows}); numbers convert between
   * numeric types, text to {@code UUID} and enums, {@code timestamptz} to {@code Instant}, and
   * anything to {@code String}.
   */
  public <R extends Record> List<R> as(Class<R> type) {
    RecordComponent[] components = type.getRecordComponents();
    int[] index = new int[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      index[i] = columnOf(components[i].getName(), type);
      types[i] = components[i].getType();
    }
    Constructor<R> ctor;
    try {
      ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
    } catch (NoSuchMethodException | RuntimeException e) {
      throw new IllegalArgumentException("cannot construct " + type.getName() + ": " + e, e);
    }
    List<R> out = new ArrayList<>(result.rowCount());
    for (List<Object> row : result.rows()) {
      Object[] args = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        args[i] = convert(row.get(index[i]), types[i], components[i].getName());
      }
      try {
        out.add(ctor.newInstance(args));
      } catch (InvocationTargetException e) {
        throw new IllegalArgumentException(
            type.getSimpleName() + " refused a row: " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException("cannot construct " + type.getName() + ": " + e, e);
      }
    }
    return List.copyOf(out);
  }

  private int columnOf(String component, Class<?> type) {
    List<QueryResult.Column> cols = result.columns();
    for (int i = 0; i < cols.size(); i++) {
      if (cols.get(i).name().equals(component)) {
        return i;
      }
    }
    for (int i = 0; i < cols.size(); i++) {
      if (plain(cols.get(i).name()).equals(plain(component))) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "no column for "
            + type.getSimpleName()
            + "."
            + component
            + " (columns: "
            + String.join(", ", columnNames())
            + ")");
  }

  private static String plain(String name) {
    return name.replace("_", "").toLowerCase(Locale.ROOT);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Object convert(Object v, Class<?> to, String component) {
    if (v == null) {
      if (to.isPrimitive()) {
        throw new IllegalArgumentException(
            component + " is NULL in a row but its type " + to + " cannot hold null");
      }
      return null;
    }
    Class<?> boxed = box(to);
    if (boxed.isInstance(v)) {
      return v;
    }
    if (v instanceof Number n) {
      if (boxed == Integer.class && n.longValue() == n.doubleValue()) {
        return Math.toIntExact(n.longValue());
      }
      if (boxed == Long.class && n.longValue() == n.doubleValue()) {
        return n.longValue();
      }
      if (boxed == Short.class) {
        return n.shortValue();
      }
      if (boxed == Double.class) {
        return n.doubleValue();
      }
      if (boxed == Float.class) {
        return n.floatValue();
      }
      if (boxed == BigDecimal.class) {
        return new BigDecimal(n.toString());
      }
      if (boxed == BigInteger.class) {
        return new BigDecimal(n.toString()).toBigIntegerExact();
      }
    }
    if (v instanceof String s) {
      if (boxed == UUID.class) {
        return UUID.fromString(s);
      }
      if (to.isEnum()) {
        return Enum.valueOf((Class) to, s);
      }
    }
    if (v instanceof OffsetDateTime t && boxed == Instant.class) {
      return t.toInstant();
    }
    if (boxed == String.class) {
      return v instanceof byte[] ? Values.toText(v) : v.toString();
    }
    throw new IllegalArgumentException(
        component
            + " is "
            + v.getClass().getSimpleName()
            + " in a row ("
            + Values.toText(v)
            + "), which does not convert to "
            + to.getSimpleName());
  }

  /** The wrapper class of a primitive type ({@code int} → {@code Integer}); others as they are. */
  private static Class<?> box(Class<?> c) {
    return MethodType.methodType(c).wrap().returnType();
  }

  /** The compact table: a header line, one line per row, then the row count. */
  @Override
  public String toString() {
    if (result.columns().isEmpty()) {
      return "OK, " + affected + (affected == 1 ? " row" : " rows") + " affected";
    }
    StringBuilder sb = render(columnNames(), result.rows());
    sb.append('(').append(result.rowCount()).append(result.rowCount() == 1 ? " row" : " rows");
    if (affected >= 0) {
      sb.append(", ").append(affected).append(" affected");
    }
    if (result.truncated()) {
      sb.append("; more exist beyond the ").append(result.maxRows()).append("-row cap");
    }
    if (nextCursor != null) {
      sb.append("; more after cursor ").append(nextCursor);
    }
    return sb.append(')').toString();
  }

  /** Header and rows as the tools render them: values by {@link Values#toText}, joined by |. */
  static StringBuilder render(List<String> header, List<? extends List<?>> rows) {
    StringBuilder sb = new StringBuilder(64 + rows.size() * 32);
    sb.append(String.join("|", header)).append('\n');
    for (List<?> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        if (i > 0) {
          sb.append('|');
        }
        sb.append(Values.toText(row.get(i)));
      }
      sb.append('\n');
    }
    return sb;
  }
}
