package io.crdbmcp.tools;

import io.crdbmcp.core.ConfigException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** Groups of tools, selected with {@code CRDB_TOOLSETS}. */
public enum Toolset {
  CONNECTION,
  QUERY,
  SCHEMA,
  DATA,
  EXPORT,
  DATABASE,
  TRANSACTION;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the configured names; empty means all. */
  public static Set<Toolset> parse(Set<String> names) {
    if (names == null || names.isEmpty() || names.contains("all")) {
      return EnumSet.allOf(Toolset.class);
    }
    EnumSet<Toolset> out = EnumSet.noneOf(Toolset.class);
    for (String n : names) {
      try {
        out.add(valueOf(n.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "CRDB_TOOLSETS",
            "unknown toolset '" + n + "' (known: all, " + known() + ")",
            "CRDB_TOOLSETS=connection,query,schema");
      }
    }
    return out;
  }

  static String known() {
    return Arrays.stream(values()).map(Toolset::id).collect(Collectors.joining(", "));
  }
}
