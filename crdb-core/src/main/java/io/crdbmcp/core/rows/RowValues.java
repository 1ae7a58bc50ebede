package io.crdbmcp.core.rows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.sql.Sql;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Converts JSON values from tool arguments into bound parameters for a column of a known catalog
 * type. Every value is bound as text and cast to the column's type in SQL ({@code CAST($1 AS
 * uuid)}, built by {@link Sql#typed}), so precision is never lost in transit (numeric stays a
 * decimal string) and the database does the parsing; bytea is bound as base64 text and decoded with
 * {@code decode($1, 'base64')}. Obvious mismatches are refused here with a message naming the
 * column.
 */
final class RowValues {
  private RowValues() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> INTEGER_TYPES =
      Set.of("smallint", "integer", "bigint", "int", "int2", "int4", "int8");

  private static final Set<String> DECIMAL_TYPES =
      Set.of("numeric", "decimal", "real", "double precision", "float", "float4", "float8");

  private static final Set<String> TEXT_TYPES =
      Set.of(
          "text", "character varying", "character", "varchar", "char", "name", "string", "bpchar");

  /**
   * The SQL type to cast to, from describe_table's type: {@code _int4} (an array's element type
   * name in information_schema) becomes {@code int4[]}; anything not a plain type name is quoted
   * (by jOOQ, through {@link Sql#quote}).
   */
  static String castType(String catalogType) {
    // information_schema spells built-in types in lower case; anything else is a name to quote.
    String t = catalogType == null ? "text" : catalogType.trim();
    if (t.startsWith("_") && Sql.isPlainType(t.substring(1))) {
      return t.substring(1) + "[]";
    }
    if (Sql.isPlainType(t)) {
      return t;
    }
    String base = t.startsWith("_") ? t.substring(1) : t;
    return Sql.quote(base) + (t.startsWith("_") ? "[]" : "");
  }

  /** Whether a text is a type {@link #castType} produces: a plain type name or a quoted one. */
  static boolean isCastType(String castType) {
    return Sql.isCastType(castType);
  }

  static boolean isArray(String castType) {
    return castType.endsWith("[]");
  }

  /** The base type without modifiers and array brackets: {@code numeric(10,2)} → numeric. */
  static String baseType(String castType) {
    String b = castType;
    while (b.endsWith("[]")) {
      b = b.substring(0, b.length() - 2);
    }
    int paren = b.indexOf('(');
    if (paren >= 0) {
      b = (b.substring(0, paren) + b.substring(b.indexOf(')') + 1)).trim();
    }
    return b;
  }

  static boolean isText(String castType) {
    return !isArray(castType) && TEXT_TYPES.contains(baseType(castType));
  }

  /** The text bound for a JSON value in a column of this type; null stays null. */
  static String toBound(String column, String castType, Object value) {
    if (value == null) {
      return null;
    }
    String base = baseType(castType);
    if (!isArray(castType) && (base.equals("json") || base.equals("jsonb"))) {
      return jsonText(value);
    }
    if (isArray(castType)) {
      if (value instanceof List<?> l) {
        if (base.equals("bytea")) {
          throw mismatch(
              column, castType, value, "bytea arrays are not supported by the row tools");
        }
        return arrayLiteral(l);
      }
      if (value instanceof String s && s.trim().startsWith("{")) {
        return s; // already an array literal
      }
      throw mismatch(column, castType, value, "pass a JSON array, e.g. [1, 2, 3]");
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      throw mismatch(
          column,
          castType,
          value,
          "pass a single value (objects and arrays fit json/jsonb or array columns)");
    }
    if (base.equals("bytea")) {
      if (!(value instanceof String s)) {
        throw mismatch(column, castType, value, "pass the bytes as a base64 string");
      }
      try {
        Base64.getDecoder().decode(s);
      } catch (IllegalArgumentException e) {
        throw mismatch(
            column, castType, value, "pass the bytes as a base64 string (not valid base64)");
      }
      return s;
    }
    String text = scalarText(value);
    if (INTEGER_TYPES.contains(base)) {
      try {
        new BigInteger(text.trim());
      } catch (NumberFormatException e) {
        throw mismatch(column, castType, value, "pass a whole number");
      }
    } else if (DECIMAL_TYPES.contains(base)) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      if (!(t.equals("nan") || t.endsWith("infinity") || t.endsWith("inf"))) {
        try {
          new BigDecimal(t);
        } catch (NumberFormatException e) {
          throw mismatch(column, castType, value, "pass a number or a numeric string");
        }
      }
    } else if (base.equals("boolean") || base.equals("bool")) {
      if (!(value instanceof Boolean)
          && !Set.of("true", "false", "t", "f", "yes", "no", "on", "off", "1", "0")
              .contains(text.trim().toLowerCase(Locale.ROOT))) {
        throw mismatch(column, castType, value, "pass true or false");
      }
    }
    return text;
  }

  /** Text of a JSON scalar; numbers without exponent or float rounding artefacts. */
  static String scalarText(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof BigDecimal bd) {
      return bd.toPlainString();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return Double.toString(d);
      }
      BigDecimal bd = new BigDecimal(Double.toString(d));
      if (bd.signum() == 0) {
        return "0";
      }
      BigDecimal stripped = bd.stripTrailingZeros();
      return stripped.scale() <= 0 ? stripped.toBigInteger().toString() : stripped.toPlainString();
    }
    return String.valueOf(value);
  }

  static String jsonText(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw CrdbException.invalidArgument("value is not JSON: " + e.getOriginalMessage(), null);
    }
  }

  /**
   * A PostgreSQL/CockroachDB array literal: every element double-quoted with backslash escapes,
   * NULL for null, nested arrays for nested lists. Safe for any element text because the whole
   * literal is a bound parameter, never SQL text.
   */
  static String arrayLiteral(List<?> list) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      Object e = list.get(i);
      if (e == null) {
        sb.append("NULL");
      } else if (e instanceof List<?> inner) {
        sb.append(arrayLiteral(inner));
      } else {
        String text = e instanceof Map<?, ?> ? jsonText(e) : scalarText(e);
        sb.append('"');
        for (char ch : text.toCharArray()) {
          if (ch == '"' || ch == '\\') {
            sb.append('\\');
          }
          sb.append(ch);
        }
        sb.append('"');
      }
    }
    return sb.append('}').toString();
  }

  private static CrdbException mismatch(String column, String type, Object value, String hint) {
    String shown = String.valueOf(value);
    if (shown.length() > 60) {
      shown = shown.substring(0, 57) + "...";
    }
    return CrdbException.invalidArgument(
        "value " + shown + " does not fit column '" + column + "' of type " + type, hint);
  }
}
