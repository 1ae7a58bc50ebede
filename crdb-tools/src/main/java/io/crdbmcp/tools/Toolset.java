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
  /**
   * Databases, roles and privileges (create_database ... list_grants): offered only when {@code
   * CRDB_TOOLSETS} names it ({@code all} and the default leave it out) and never on a read-only
   * server ({@link #optIn()}).
   */
  ADMIN(AdminTools::all),
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
   * Whether the group is offered only when {@code CRDB_TOOLSETS} names it, and never on a read-only
   * server: {@link #ADMIN}.
   */
  public boolean optIn() {
    return this == ADMIN;
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

  /**
   * Parses the configured names; empty or {@code all} means every group that is not {@link
   * #optIn()} (name those too to add them: {@code all,admin}).
   */
  public static Set<Toolset> parse(Set<String> names) {
    if (names == null || names.isEmpty()) {
      return defaults();
    }
    EnumSet<Toolset> out = EnumSet.noneOf(Toolset.class);
    for (String n : names) {
      if (n.trim().equalsIgnoreCase("all")) {
        out.addAll(defaults());
        continue;
      }
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

  private static EnumSet<Toolset> defaults() {
    EnumSet<Toolset> out = EnumSet.allOf(Toolset.class);
    out.removeIf(Toolset::optIn);
    return out;
  }

  static String known() {
    return Arrays.stream(values()).map(Toolset::id).collect(Collectors.joining(", "));
  }
}
