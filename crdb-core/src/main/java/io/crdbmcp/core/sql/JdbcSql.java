package io.crdbmcp.core.sql;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.safety.SqlLexer;
import io.crdbmcp.core.safety.SqlToken;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts PostgreSQL-style SQL ({@code $1, $2} placeholders) to what the JDBC driver expects
 * ({@code ?} placeholders, and {@code ??} for a literal {@code ?} operator such as jsonb's). Uses
 * the safety lexer, so placeholders inside strings, comments and quoted identifiers are left alone.
 * Written by hand because the driver has no switch for {@code $n} placeholders.
 *
 * @param sql the JDBC text
 * @param parameterOrder for each {@code ?} in order, the 1-based {@code $n} it stands for
 */
public record JdbcSql(String sql, List<Integer> parameterOrder) {

  public static JdbcSql of(String sql) {
    if (sql.indexOf('$') < 0 && sql.indexOf('?') < 0) {
      // No placeholder and no '?' anywhere: the text is already the driver's, and is not
      // tokenized again (that was about 1% of a one-row call's CPU).
      return new JdbcSql(sql, List.of());
    }
    List<SqlToken> tokens = SqlLexer.tokenize(sql);
    StringBuilder out = new StringBuilder(sql.length() + 8);
    List<Integer> order = new ArrayList<>();
    int last = 0;
    for (SqlToken t : tokens) {
      if (t.kind() == SqlToken.Kind.PARAM) {
        out.append(sql, last, t.start()).append('?');
        order.add(Integer.parseInt(t.text().substring(1)));
        last = t.end();
      } else if (t.kind() == SqlToken.Kind.OPERATOR && t.text().indexOf('?') >= 0) {
        out.append(sql, last, t.start()).append(t.text().replace("?", "??"));
        last = t.end();
      }
    }
    out.append(sql, last, sql.length());
    return new JdbcSql(out.toString(), List.copyOf(order));
  }

  /** The values to bind, in {@code ?} order, from the {@code $n} values. */
  public List<Object> bind(List<?> params) {
    List<Object> out = new ArrayList<>(parameterOrder.size());
    int max = 0;
    for (int n : parameterOrder) {
      max = Math.max(max, n);
      if (n < 1 || params == null || n > params.size()) {
        throw CrdbException.invalidArgument(
            "the statement uses $"
                + n
                + " but "
                + (params == null ? 0 : params.size())
                + " parameter value(s) were given",
            "pass one value in params for each $1, $2 ...");
      }
      out.add(params.get(n - 1));
    }
    if (params != null && params.size() > max) {
      throw CrdbException.invalidArgument(
          params.size()
              + " parameter value(s) were given but the statement uses "
              + (max == 0 ? "no placeholders" : "only up to $" + max),
          "use $1, $2 ... in the SQL for each value in params");
    }
    return out;
  }
}
