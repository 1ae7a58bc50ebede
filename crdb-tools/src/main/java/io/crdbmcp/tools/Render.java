package io.crdbmcp.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crdbmcp.core.sql.QueryResult;
import io.crdbmcp.core.sql.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Compact output for the model: a header line and one line per row, values separated by {@code |},
 * no padding (padding costs context and adds nothing a model needs). Responses are cut at {@link
 * #LIMIT} characters with a line saying how many rows were left out and how to get them.
 */
public final class Render {
  /** The response size limit in characters (seed 001's CHARACTER_LIMIT). */
  public static final int LIMIT = 25_000;

  static final ObjectMapper JSON =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private Render() {}

  /** A rendered table and how many rows fitted. */
  public record Table(String text, int shownRows) {}

  /** Renders rows under a budget. {@code more} explains how to get rows that did not fit. */
  public static Table table(List<String> header, List<List<String>> rows, String more) {
    StringBuilder sb = new StringBuilder(256);
    sb.append(String.join("|", header)).append('\n');
    int budget = LIMIT - 300;
    int shown = 0;
    for (List<String> row : rows) {
      int before = sb.length();
      for (int i = 0; i < row.size(); i++) {
        if (i > 0) {
          sb.append('|');
        }
        sb.append(row.get(i));
      }
      sb.append('\n');
      if (sb.length() > budget) {
        sb.setLength(before);
        break;
      }
      shown++;
    }
    if (shown < rows.size()) {
      sb.append("… ")
          .append(rows.size() - shown)
          .append(" more rows not shown (response limit ")
          .append(LIMIT)
          .append(" characters). ")
          .append(more)
          .append('\n');
    }
    return new Table(sb.toString(), shown);
  }

  /** Text cells of a query result. */
  public static List<List<String>> cells(QueryResult r) {
    List<List<String>> out = new ArrayList<>(r.rows().size());
    for (List<Object> row : r.rows()) {
      List<String> cells = new ArrayList<>(row.size());
      for (Object v : row) {
        cells.add(Values.toText(v));
      }
      out.add(cells);
    }
    return out;
  }

  /** JSON-safe rows of a query result, at most {@code limit}. */
  public static List<List<Object>> jsonRows(QueryResult r, int limit) {
    List<List<Object>> out = new ArrayList<>(Math.min(limit, r.rows().size()));
    for (List<Object> row : r.rows()) {
      if (out.size() >= limit) {
        break;
      }
      List<Object> cells = new ArrayList<>(row.size());
      for (Object v : row) {
        cells.add(Values.toJson(v));
      }
      out.add(cells);
    }
    return out;
  }

  /**
   * A query result as text table plus structured value. Rows that do not fit the response limit are
   * left out of both, and the text says how to get them.
   */
  public static ToolResult queryResult(QueryResult r, boolean json, String more) {
    List<String> header = new ArrayList<>();
    List<Map<String, Object>> cols = new ArrayList<>();
    for (QueryResult.Column c : r.columns()) {
      header.add(c.name());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", c.name());
      m.put("type", c.type());
      cols.add(m);
    }
    Map<String, Object> s = new LinkedHashMap<>();
    if (r.columns().isEmpty()) {
      s.put("columns", cols);
      s.put("rows", List.of());
      s.put("row_count", 0);
      s.put("rows_affected", r.updateCount());
      s.put("truncated", false);
      s.put("elapsed_ms", round(r.elapsedMillis()));
      String text =
          "OK, " + r.updateCount() + " row" + (r.updateCount() == 1 ? "" : "s") + " affected";
      return new ToolResult(json ? toJson(s) : text, s);
    }
    Table t = table(header, cells(r), more);
    int shown = t.shownRows();
    s.put("columns", cols);
    s.put("rows", jsonRows(r, shown));
    s.put("row_count", shown);
    s.put("truncated", r.truncated() || shown < r.rowCount());
    if (shown < r.rowCount()) {
      s.put("rows_omitted", r.rowCount() - shown);
    }
    s.put("elapsed_ms", round(r.elapsedMillis()));
    if (json) {
      return fitJson(s, "rows", r.rowCount(), r.truncated());
    }
    StringBuilder text = new StringBuilder(t.text());
    if (r.truncated() && shown == r.rowCount()) {
      text.append("(")
          .append(r.rowCount())
          .append(" rows; more rows exist beyond the ")
          .append(r.maxRows())
          .append("-row cap — add WHERE/LIMIT/OFFSET, or export_to_csv for all rows)");
    } else if (shown == r.rowCount()) {
      text.append("(").append(r.rowCount()).append(r.rowCount() == 1 ? " row)" : " rows)");
    }
    return new ToolResult(text.toString(), s);
  }

  /** Records as a table with the chosen columns. */
  public static ToolResult records(
      List<Map<String, Object>> items,
      List<String> textColumns,
      String listKey,
      boolean json,
      String more) {
    List<List<String>> rows = new ArrayList<>();
    for (Map<String, Object> item : items) {
      List<String> row = new ArrayList<>();
      for (String c : textColumns) {
        row.add(Values.toText(item.get(c)));
      }
      rows.add(row);
    }
    Table t = table(textColumns, rows, more);
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("count", items.size());
    if (json) {
      s.put(listKey, items);
      return fitJson(s, listKey, items.size(), false);
    }
    s.put(listKey, t.shownRows() < items.size() ? items.subList(0, t.shownRows()) : items);
    String text = t.text();
    if (t.shownRows() == items.size()) {
      text += "(" + items.size() + " " + noun(listKey, items.size()) + ")";
    }
    return new ToolResult(text, s);
  }

  /**
   * Entries (catalog records) as a table with the chosen columns: each entry becomes the map that
   * is its structured form ({@code item}), then as {@link #records(List, List, String, boolean,
   * String)}.
   */
  public static <E> ToolResult records(
      List<E> entries,
      Function<E, Map<String, Object>> item,
      List<String> textColumns,
      String listKey,
      boolean json,
      String more) {
    List<Map<String, Object>> items = new ArrayList<>(entries.size());
    for (E e : entries) {
      items.add(item.apply(e));
    }
    return records(items, textColumns, listKey, json, more);
  }

  /**
   * Free text (markdown) with its structured form; text past {@link #LIMIT} characters is cut at a
   * line end, with a line saying so.
   */
  static ToolResult fitText(String text, Map<String, Object> structured) {
    if (text.length() <= LIMIT) {
      return new ToolResult(text, structured);
    }
    int cut = text.lastIndexOf('\n', LIMIT - 200);
    String shown = text.substring(0, cut < 0 ? LIMIT - 200 : cut);
    structured.put("truncated", true);
    return new ToolResult(
        shown
            + "\n... cut at "
            + shown.length()
            + " of "
            + text.length()
            + " characters; the structured content has all of it",
        structured);
  }

  /** "1 table", "3 tables": the list key names what is counted. */
  static String noun(String listKey, int n) {
    if (n != 1) {
      return listKey;
    }
    return listKey.endsWith("ies")
        ? listKey.substring(0, listKey.length() - 3) + "y"
        : listKey.endsWith("es") && listKey.endsWith("xes")
            ? listKey.substring(0, listKey.length() - 2)
            : listKey.endsWith("s") ? listKey.substring(0, listKey.length() - 1) : listKey;
  }

  static double round(double ms) {
    return Math.round(ms * 100.0) / 100.0;
  }

  /**
   * The structured value as JSON text within the response limit: whole rows of {@code listKey} are
   * left out (and counted in {@code rows_omitted}) until the document fits; a document is never cut
   * in the middle.
   */
  @SuppressWarnings("unchecked")
  static ToolResult fitJson(Map<String, Object> s, String listKey, int total, boolean truncated) {
    List<Object> all = new ArrayList<>((List<Object>) s.get(listKey));
    String text = toJson(s);
    if (text.length() <= LIMIT) {
      return new ToolResult(text, s);
    }
    int budget = LIMIT - 500; // room for fields a caller adds around it (cursor, table)
    int lo = 0;
    int hi = all.size();
    while (lo < hi) { // the largest row count whose document fits
      int mid = (lo + hi + 1) >>> 1;
      if (withRows(s, listKey, all, mid, total, truncated).length() <= budget) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    text = withRows(s, listKey, all, lo, total, truncated);
    return new ToolResult(text, s);
  }

  private static String withRows(
      Map<String, Object> s,
      String listKey,
      List<Object> all,
      int n,
      int total,
      boolean truncated) {
    s.put(listKey, all.subList(0, n));
    if (s.containsKey("row_count")) {
      s.put("row_count", n);
    }
    s.put("truncated", true);
    s.put("rows_omitted", total - n);
    s.put(
        "note",
        (total - n)
            + " rows left out to stay within "
            + LIMIT
            + " characters; ask for fewer rows or columns, or page through them");
    return toJson(s);
  }

  public static String toJson(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  /** A plain key: value block for single objects. */
  public static String keyValues(Map<String, Object> m) {
    StringBuilder sb = new StringBuilder();
    m.forEach(
        (k, v) -> {
          if (v != null) {
            sb.append(k).append(": ").append(Values.toText(v)).append('\n');
          }
        });
    return sb.toString();
  }
}
