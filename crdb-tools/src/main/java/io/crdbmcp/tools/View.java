package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.Database;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where a listing tool runs (its {@code connection} and {@code transaction_id}) and how it shows
 * its result ({@code format}, {@code detail}): the arguments every catalog listing shares, and the
 * one handler such a tool has ({@link #listing}).
 */
record View(Target target, boolean json, boolean detailed) implements Listing {
  static View from(Args a) {
    return new View(Target.from(a), a.json(), a.detailed());
  }

  @Override
  public View view() {
    return this;
  }

  /**
   * What a listing tool lists, for its arguments, on the connection and in the transaction named.
   */
  @FunctionalInterface
  interface Lister<A, E> {
    List<E> list(A args, Database db, String transactionId, Caller caller);
  }

  /**
   * How a listing shows its entries: under {@code key} in the structured result, with the {@code
   * concise} or the {@code detailed} text columns, and {@code more} saying how to get what did not
   * fit.
   */
  record Shown(String key, List<String> concise, List<String> detailed, String more) {
    /** A listing whose text always has the same columns. */
    static Shown as(String key, List<String> columns) {
      return new Shown(key, columns, columns, "");
    }
  }

  /**
   * The handler of every listing tool: opens the call's connection (recorded in the call's record),
   * lists the entries there and renders each as {@code item} says, as {@code shown} says.
   */
  static <A extends Listing, E> ToolDef.TypedHandler<A> listing(
      Crdb crdb, Shown shown, Function<E, Map<String, Object>> item, Lister<A, E> lister) {
    return (q, ctx) -> {
      View v = q.view();
      Database db = v.target().open(crdb, ctx);
      return Render.records(
          lister.list(q, db, v.target().transactionId(), ctx.caller()),
          item,
          v.detailed() ? shown.detailed() : shown.concise(),
          shown.key(),
          v.json(),
          shown.more());
    };
  }
}
