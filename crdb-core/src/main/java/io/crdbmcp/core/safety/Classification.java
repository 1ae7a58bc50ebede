package io.crdbmcp.core.safety;

import java.util.List;

/**
 * What a statement is and what it touches.
 *
 * @param kind broad class of the statement
 * @param command normalized leading command, e.g. {@code SELECT}, {@code CREATE TABLE}, {@code
 *     EXPLAIN ANALYZE}
 * @param writes true if anything in it can change data, schema, session or cluster state
 * @param relations referenced relation names as written (lowercased unless quoted, qualified when
 *     written qualified)
 * @param functions called function names, qualified when written so
 * @param reasons human-readable notes on why it was classified so
 */
public record Classification(
    StatementKind kind,
    String command,
    boolean writes,
    List<String> relations,
    List<String> functions,
    List<String> reasons) {

  public Classification {
    command = command == null ? "" : command;
    relations = relations == null ? List.of() : List.copyOf(relations);
    functions = functions == null ? List.of() : List.copyOf(functions);
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }
}
