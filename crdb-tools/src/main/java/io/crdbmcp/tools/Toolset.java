package io.crdbmcp.tools;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.Crdb;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Groups of tools, selected with {@code CRDB_TOOLSETS}, and the classes that declare their tools.
 * Adding a group is this one edit: a constant naming the group's tool classes. Tools are listed in
 * the order of the constants.
 */
public enum Toolset {
  CONNECTION(ConnectionTools::all),
  QUERY(QueryTools::all, PlanTools::all),
  SCHEMA(SchemaTools::all),
  DATA(DataTools::all),
  DATABASE(DatabaseTools::all),
  TRANSACTION(TransactionTools::all),
  EXPORT(ExportTools::all),
  KNOWLEDGE(KnowledgeTools::all),
  CLUSTER(ClusterTools::all),
  ASK(AskTools::all);

  private final List<Function<Crdb, List<ToolDef>>> declarations;

  @SafeVarargs
  Toolset(Function<Crdb, List<ToolDef>>... declarations) {
    this.declarations = List.of(declarations);
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The tools of this group for {@code crdb}; each must declare this group.
   *
   * @throws IllegalStateException when a tool declares another group
   */
  public List<ToolDef> tools(Crdb crdb) {
    List<ToolDef> out = new ArrayList<>();
    for (Function<Crdb, List<ToolDef>> d : declarations) {
      for (ToolDef t : d.apply(crdb)) {
        if (t.group() != this) {
          throw new IllegalStateException(
              "tool " + t.name() + " declares group " + t.group() + " but is listed under " + this);
        }
        out.add(t);
      }
    }
    return out;
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
