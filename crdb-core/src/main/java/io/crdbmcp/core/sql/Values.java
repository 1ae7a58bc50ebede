package io.crdbmcp.core.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Faithful rendering of database values. Reading keeps exact types (numeric as {@link BigDecimal},
 * timestamptz as {@link OffsetDateTime}, jsonb as a JSON tree, arrays as lists, bytea as bytes);
 * {@link #toJson} turns them into JSON-safe values without float rounding; {@link #toText} renders
 * one value for the compact text table, keeping NULL distinct from the string "NULL".
 */
public final class Values {
  static final ObjectMapper JSON = new ObjectMapper();

  private Values() {}

  /** Reads column {@code i} (1-based) of the current row. */
  public static Object read(ResultSet rs, int i, ResultSetMetaData md) throws SQLException {
    int type = md.getColumnType(i);
    String typeName = md.getColumnTypeName(i).toLowerCase(Locale.ROOT);
    Object v;
    switch (type) {
      case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
        long l = rs.getLong(i);
        v = rs.wasNull() ? null : l;
      }
      case Types.NUMERIC, Types.DECIMAL -> {
        // NaN and ±Infinity are valid numerics with no BigDecimal: keep them as text.
        String text = rs.getString(i);
        v =
            text == null
                ? null
                : Character.isDigit(text.charAt(text.length() - 1)) ? new BigDecimal(text) : text;
      }
      case Types.REAL, Types.FLOAT, Types.DOUBLE -> {
        double d = rs.getDouble(i);
        v = rs.wasNull() ? null : d;
      }
      case Types.BOOLEAN, Types.BIT -> {
        if (typeName.equals("bool") || typeName.equals("boolean")) {
          boolean b = rs.getBoolean(i);
          v = rs.wasNull() ? null : b;
        } else {
          v = rs.getString(i);
        }
      }
      case Types.TIMESTAMP_WITH_TIMEZONE -> v = rs.getObject(i, OffsetDateTime.class);
      case Types.TIMESTAMP -> {
        if (typeName.equals("timestamptz")) {
          v = rs.getObject(i, OffsetDateTime.class);
        } else {
          v = rs.getObject(i, LocalDateTime.class);
        }
      }
      case Types.DATE -> v = rs.getObject(i, LocalDate.class);
      case Types.TIME -> {
        if (typeName.equals("timetz")) {
          v = rs.getObject(i, OffsetTime.class);
        } else {
          v = rs.getObject(i, LocalTime.class);
        }
      }
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> v = rs.getBytes(i);
      case Types.ARRAY -> v = readArray(rs.getArray(i));
      default -> {
        if (typeName.equals("json") || typeName.equals("jsonb")) {
          v = parseJson(rs.getString(i));
        } else {
          v = rs.getString(i);
        }
      }
    }
    return v;
  }

  private static Object readArray(Array a) throws SQLException {
    if (a == null) {
      return null;
    }
    try {
      Object raw = a.getArray();
      boolean withZone = "timestamptz".equalsIgnoreCase(a.getBaseTypeName());
      return arrayToList(raw, withZone);
    } finally {
      a.free();
    }
  }

  private static Object arrayToList(Object raw, boolean withZone) {
    if (raw == null) {
      return null;
    }
    if (raw instanceof Object[] arr) {
      List<Object> out = new ArrayList<>(arr.length);
      for (Object o : arr) {
        out.add(
            o != null && o.getClass().isArray()
                ? arrayToList(o, withZone)
                : normalizeElement(o, withZone));
      }
      return out;
    }
    if (raw.getClass().isArray()) {
      int n = java.lang.reflect.Array.getLength(raw);
      List<Object> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(java.lang.reflect.Array.get(raw, i));
      }
      return out;
    }
    return raw;
  }

  private static Object normalizeElement(Object o, boolean withZone) {
    if (o instanceof java.sql.Timestamp ts) {
      // timestamptz[]: an instant, shown in UTC like a scalar timestamptz; timestamp[]: the
      // wall-clock value without a zone, like a scalar timestamp.
      return withZone ? ts.toInstant().atOffset(java.time.ZoneOffset.UTC) : ts.toLocalDateTime();
    }
    if (o instanceof java.sql.Date d) {
      return d.toLocalDate();
    }
    if (o instanceof org.postgresql.util.PGobject pg) {
      if ("json".equals(pg.getType()) || "jsonb".equals(pg.getType())) {
        return parseJson(pg.getValue());
      }
      return pg.getValue();
    }
    return o;
  }

  static JsonNode parseJson(String s) {
    if (s == null) {
      return null;
    }
    try {
      return JSON.readTree(s);
    } catch (JsonProcessingException e) {
      // The server produced it, so this does not happen; keep the text rather than lose it.
      return JSON.getNodeFactory().textNode(s);
    }
  }

  /**
   * A JSON-safe rendering: numbers that fit a double exactly stay numbers; numeric/decimal becomes
   * its exact decimal string; temporals become ISO-8601 strings (with offset for timestamptz);
   * bytes become base64; JSON stays JSON; arrays become lists.
   */
  public static Object toJson(Object v) {
    if (v == null
        || v instanceof String
        || v instanceof Boolean
        || v instanceof Long
        || v instanceof Integer
        || v instanceof JsonNode) {
      return v;
    }
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? d.toString() : d;
    }
    if (v instanceof BigDecimal bd) {
      return bd.toPlainString();
    }
    if (v instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    if (v instanceof TemporalAccessor) {
      return v.toString();
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(toJson(x)));
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), toJson(x)));
      return out;
    }
    if (v instanceof Number n) {
      return n;
    }
    return v.toString();
  }

  /**
   * One value for the compact text table. NULL is {@code NULL}; a string that would be ambiguous
   * (the word NULL, empty, containing the column separator, a line break or leading/trailing
   * blanks) is written as a JSON string literal.
   */
  public static String toText(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof String s) {
      if (s.isEmpty()
          || s.equalsIgnoreCase("null")
          || s.indexOf('|') >= 0
          || s.indexOf('\n') >= 0
          || s.indexOf('\r') >= 0
          || s.indexOf('\t') >= 0
          || s.charAt(0) == '"'
          || Character.isWhitespace(s.charAt(0))
          || Character.isWhitespace(s.charAt(s.length() - 1))) {
        return quote(s);
      }
      return s;
    }
    Object j = toJson(v);
    if (j instanceof String s) {
      return s;
    }
    if (j instanceof JsonNode || j instanceof List || j instanceof Map) {
      try {
        String text = JSON.writeValueAsString(j);
        return text.indexOf('|') >= 0 ? quote(text) : text;
      } catch (JsonProcessingException e) {
        return String.valueOf(j);
      }
    }
    return String.valueOf(j);
  }

  static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      return '"' + s + '"';
    }
  }
}
