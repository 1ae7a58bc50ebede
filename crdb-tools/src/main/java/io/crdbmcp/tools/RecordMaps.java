package io.crdbmcp.tools;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A crdb-core result record as the structured value of a tool result: components in declaration
 * order, names in snake_case ({@code ageSeconds} becomes {@code age_seconds}), nested records and
 * lists converted the same way, null components left out.
 */
final class RecordMaps {
  private RecordMaps() {}

  /** The record as an ordered map; a non-record value is returned as is. */
  static Object of(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Record r) {
      return map(r);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(of(o));
      }
      return out;
    }
    return value;
  }

  static Map<String, Object> map(Record r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v;
      try {
        c.getAccessor().setAccessible(true);
        v = c.getAccessor().invoke(r);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass(), e);
      }
      if (v != null) {
        out.put(snake(c.getName()), of(v));
      }
    }
    return out;
  }

  /** The records of a list as maps. */
  static List<Map<String, Object>> maps(List<? extends Record> records) {
    List<Map<String, Object>> out = new ArrayList<>(records.size());
    for (Record r : records) {
      out.add(map(r));
    }
    return out;
  }

  static String snake(String camel) {
    StringBuilder sb = new StringBuilder(camel.length() + 4);
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }
}
