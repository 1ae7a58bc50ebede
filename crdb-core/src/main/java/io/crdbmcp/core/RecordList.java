package io.crdbmcp.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * An unmodifiable list of records (tables, columns ...) that prints as the compact table the tools
 * show, one column per record component ({@code estimatedRows} as {@code estimated_rows}).
 */
public final class RecordList<T extends Record> extends AbstractList<T> implements RandomAccess {
  private final List<T> items;
  private final Class<?> type;

  RecordList(Class<T> type, List<T> items) {
    this.type = type;
    this.items = List.copyOf(items);
  }

  @Override
  public T get(int index) {
    return items.get(index);
  }

  @Override
  public int size() {
    return items.size();
  }

  /** Each record as component name (snake_case, as in the table header) → value. */
  public List<Map<String, Object>> toMaps() {
    RecordComponent[] components = type.getRecordComponents();
    List<Map<String, Object>> out = new ArrayList<>(items.size());
    for (T item : items) {
      Map<String, Object> m = new LinkedHashMap<>();
      List<Object> values = values(item, components);
      for (int i = 0; i < components.length; i++) {
        m.put(snake(components[i].getName()), values.get(i));
      }
      out.add(Collections.unmodifiableMap(m));
    }
    return List.copyOf(out);
  }

  @Override
  public String toString() {
    RecordComponent[] components = type.getRecordComponents();
    List<String> header = new ArrayList<>(components.length);
    for (RecordComponent c : components) {
      header.add(snake(c.getName()));
    }
    List<List<Object>> rows = new ArrayList<>(items.size());
    for (T item : items) {
      rows.add(values(item, components));
    }
    return ResultTable.render(header, rows)
        .append('(')
        .append(items.size())
        .append(items.size() == 1 ? " row)" : " rows)")
        .toString();
  }

  private static List<Object> values(Record r, RecordComponent[] components) {
    List<Object> out = new ArrayList<>(components.length);
    for (RecordComponent c : components) {
      try {
        var accessor = c.getAccessor();
        accessor.setAccessible(true);
        out.add(accessor.invoke(r));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + c + ": " + e, e);
      }
    }
    return out;
  }

  static String snake(String camel) {
    StringBuilder sb = new StringBuilder(camel.length() + 4);
    for (int i = 0; i < camel.length(); i++) {
      char ch = camel.charAt(i);
      if (Character.isUpperCase(ch)) {
        if (i > 0) {
          sb.append('_');
        }
        sb.append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }
}
