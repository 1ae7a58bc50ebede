package io.crdbmcp.core.rows;

import io.crdbmcp.core.CrdbException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One condition of a structured row filter: a column, an operator and a value. Never raw SQL: the
 * column is checked against the catalog and the value is always bound as a parameter; {@link Rows}
 * turns the condition into a jOOQ condition. Conditions of a filter combine with AND.
 *
 * @param column the column name as in describe_table
 * @param op the operator
 * @param value the operand; an array for {@code in}/{@code not_in}; absent for the null tests
 */
public record RowFilter(String column, Op op, Object value) {

  /** The operators a filter may use. */
  public enum Op {
    EQ("="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">="),
    LIKE("like"),
    ILIKE("ilike"),
    IN("in"),
    NOT_IN("not_in"),
    IS_NULL("is_null"),
    IS_NOT_NULL("is_not_null");

    /** The name used in tool arguments. */
    public final String token;

    Op(String token) {
      this.token = token;
    }

    /** Whether the operator compares against a single value. */
    boolean comparison() {
      return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
    }

    public static Op parse(String s) {
      if (s != null) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("==")) {
          return EQ;
        }
        if (t.equals("<>")) {
          return NE;
        }
        for (Op op : values()) {
          if (op.token.equals(t) || op.name().toLowerCase(Locale.ROOT).equals(t)) {
            return op;
          }
        }
      }
      throw CrdbException.invalidArgument(
          "unknown filter operator '" + s + "'", "use one of: " + tokens());
    }

    static String tokens() {
      List<String> out = new ArrayList<>();
      for (Op op : values()) {
        out.add(op.token);
      }
      return String.join(", ", out);
    }
  }

  /** The largest number of values one {@code in}/{@code not_in} condition may list. */
  public static final int MAX_IN_VALUES = 1000;

  public RowFilter {
    if (column == null || column.isBlank()) {
      throw CrdbException.invalidArgument(
          "a filter condition needs a column", "write conditions as {column, op, value}");
    }
    if (op == null) {
      throw CrdbException.invalidArgument(
          "filter on '" + column + "' needs an op", "use one of: " + Op.tokens());
    }
    switch (op) {
      case IS_NULL, IS_NOT_NULL -> value = null;
      case IN, NOT_IN -> {
        if (!(value instanceof List<?> l)) {
          throw CrdbException.invalidArgument(
              "filter on '" + column + "' with op " + op.token + " needs an array value",
              "pass value as a JSON array, e.g. {\"column\": \""
                  + column
                  + "\", \"op\": \"in\", \"value\": [1, 2]}");
        }
        if (l.size() > MAX_IN_VALUES) {
          throw CrdbException.invalidArgument(
              "filter on '"
                  + column
                  + "' lists "
                  + l.size()
                  + " values (at most "
                  + MAX_IN_VALUES
                  + ")",
              "split the read into several calls");
        }
        for (Object o : l) {
          if (o == null) {
            throw CrdbException.invalidArgument(
                "filter on '" + column + "' with op " + op.token + " lists null",
                "use a separate is_null condition for NULL");
          }
        }
        value = List.copyOf(l);
      }
      case LIKE, ILIKE -> {
        if (!(value instanceof String)) {
          throw CrdbException.invalidArgument(
              "filter on '" + column + "' with op " + op.token + " needs a string pattern",
              "pass value as a string such as \"abc%\"");
        }
      }
      default -> {
        if (value == null) {
          throw CrdbException.invalidArgument(
              "filter on '" + column + "' with op " + op.token + " needs a value",
              "use op is_null / is_not_null to test for NULL");
        }
        if (value instanceof List<?> && op != Op.EQ && op != Op.NE) {
          throw CrdbException.invalidArgument(
              "filter on '" + column + "' with op " + op.token + " got an array",
              "use op in / not_in to match one of several values");
        }
      }
    }
  }

  /**
   * Parses a filter argument: an array of {@code {column, op, value}} objects (op defaults to
   * {@code =}). Also accepts a single object of column → value pairs as equality shorthand.
   */
  public static List<RowFilter> parse(Object raw) {
    List<RowFilter> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (raw instanceof Map<?, ?> m && !m.containsKey("column")) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object v = e.getValue();
        out.add(new RowFilter(String.valueOf(e.getKey()), v == null ? Op.IS_NULL : Op.EQ, v));
      }
      return out;
    }
    List<?> items = raw instanceof List<?> l ? l : List.of(raw);
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> m)) {
        throw CrdbException.invalidArgument(
            "each filter condition must be an object {column, op, value}, got " + item,
            "e.g. [{\"column\": \"status\", \"op\": \"=\", \"value\": \"open\"}]");
      }
      for (Object k : m.keySet()) {
        if (!List.of("column", "op", "value").contains(String.valueOf(k))) {
          throw CrdbException.invalidArgument(
              "unknown key '" + k + "' in a filter condition",
              "a condition has only column, op and value");
        }
      }
      Object column = m.get("column");
      Object op = m.get("op");
      if (!(column instanceof String c)) {
        throw CrdbException.invalidArgument(
            "a filter condition needs a column name (string)",
            "write conditions as {column, op, value}");
      }
      if (op != null && !(op instanceof String)) {
        throw CrdbException.invalidArgument(
            "op of the filter on '" + c + "' must be a string", "use one of: " + Op.tokens());
      }
      out.add(new RowFilter(c, op == null ? Op.EQ : Op.parse((String) op), m.get("value")));
    }
    return out;
  }
}
