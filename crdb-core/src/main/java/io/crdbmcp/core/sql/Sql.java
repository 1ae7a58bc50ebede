package io.crdbmcp.core.sql;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.jooq.Context;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.CustomField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The SQL this library generates, built with jOOQ: catalog queries, row reads and writes,
 * savepoints. Three rules hold for every statement built here.
 *
 * <ul>
 *   <li>One dialect for both servers, {@link SQLDialect#POSTGRES}: jOOQ's free edition has no
 *       CockroachDB dialect. Where CockroachDB needs other SQL, the caller says so next to it (for
 *       example {@link #upsert}).
 *   <li>Identifiers are quoted by jOOQ ({@link #name}, {@link #quote}); nowhere else in the library
 *       quotes an identifier.
 *   <li>Values are bind values, never SQL text: rendered as {@code $1, $2 ...} (the form the safety
 *       guard, {@link JdbcSql} and the rest of the library read) and bound in order. jOOQ's
 *       automatic inlining of bind values past a count is switched off.
 * </ul>
 *
 * <p>SQL text written by a person or a model never passes through here: it runs only through {@link
 * Queries#runPlainSql} ({@code @PlainSQL}).
 *
 * <p>Public for the packages that generate SQL (schema, rows, savepoints in tx): it only builds and
 * renders statements and never runs one; running them takes the engine ({@link SqlExecutor}).
 */
public final class Sql {
  static {
    // jOOQ prints a banner and tips on first use unless told not to; a library stays quiet.
    if (System.getProperty("org.jooq.no-logo") == null) {
      System.setProperty("org.jooq.no-logo", "true");
    }
    if (System.getProperty("org.jooq.no-tips") == null) {
      System.setProperty("org.jooq.no-tips", "true");
    }
  }

  private Sql() {}

  /** A built-in type name as the catalog spells it, with modifiers and array brackets. */
  private static final Pattern PLAIN_TYPE =
      Pattern.compile("[a-z_][a-z0-9_ ]*(\\(\\d+(,\\d+)?\\))?( with(out)? time zone)?(\\[\\])*");

  /** A double-quoted identifier as {@link #quote} writes it, with array brackets. */
  private static final Pattern QUOTED_TYPE = Pattern.compile("\"([^\"]|\"\")+\"(\\[\\])*");

  /** Whether {@code type} is a built-in type name in the catalog's plain spelling. */
  public static boolean isPlainType(String type) {
    return type != null && PLAIN_TYPE.matcher(type).matches();
  }

  /**
   * Whether a text may stand as the type of {@link #typed}: a plain type name or one quoted by
   * {@link #quote}, each with array brackets. Nothing else is ever written into a cast.
   */
  public static boolean isCastType(String castType) {
    return castType != null && (isPlainType(castType) || QUOTED_TYPE.matcher(castType).matches());
  }

  /** The settings of every jOOQ context of the library (a new, mutable copy per call). */
  public static Settings settings() {
    return new Settings()
        .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_QUOTED)
        .withRenderSchema(true)
        .withRenderNamedParamPrefix("$")
        .withInlineThreshold(Integer.MAX_VALUE)
        .withExecuteLogging(false);
  }

  /** Builds and renders statements; never executes (no connection). */
  private static final DSLContext RENDER = DSL.using(SQLDialect.POSTGRES, settings());

  /** The context to build statements with (rendered by {@link #render}, run by SqlExecutor). */
  public static DSLContext dsl() {
    return RENDER;
  }

  /**
   * A generated statement: text with {@code $n} placeholders and the values bound to them, in
   * order. The text is what the guard checks and what runs; the values never appear in it.
   */
  public record Statement(String sql, List<Object> params) {}

  public static Statement render(Query query) {
    return new Statement(RENDER.renderNamedParams(query), RENDER.extractBindValues(query));
  }

  /**
   * CockroachDB's {@code UPSERT INTO}, from an insert jOOQ built. jOOQ's POSTGRES dialect has no
   * UPSERT; CockroachDB's UPSERT writes the given columns of the row with the given primary key (no
   * conflict target, and one write rather than a read then a write), which {@code INSERT ... ON
   * CONFLICT} cannot say as cheaply. So the statement is jOOQ's insert (table, columns, bound
   * values, RETURNING) sent with UPSERT as its verb.
   */
  public static Statement upsert(Query insert) {
    Statement st = render(insert);
    String verb = "insert into ";
    if (!st.sql().regionMatches(true, 0, verb, 0, verb.length())) {
      throw new IllegalStateException("not an INSERT: " + st.sql());
    }
    return new Statement("upsert into " + st.sql().substring(verb.length()), st.params());
  }

  /** A quoted (possibly qualified) name. */
  public static Name name(String... parts) {
    return DSL.quotedName(parts);
  }

  /** An identifier as SQL text, quoted by jOOQ: {@code "My ""Table"""}. */
  public static String quote(String identifier) {
    return RENDER.render(DSL.quotedName(identifier));
  }

  public static Table<Record> table(String schema, String table) {
    return DSL.table(name(schema, table));
  }

  public static Table<Record> table(String schema, String table, String alias) {
    return DSL.table(name(schema, table)).as(name(alias));
  }

  /** A (qualified) column of unknown Java type: {@code column("r", "oid")}. */
  public static Field<Object> column(String... qualifiedName) {
    return DSL.field(name(qualifiedName));
  }

  /** Columns by name, in order. */
  public static List<Field<Object>> columns(Collection<String> names) {
    List<Field<Object>> out = new ArrayList<>(names.size());
    for (String n : names) {
      out.add(column(n));
    }
    return out;
  }

  /** A (qualified) column of a known type: {@code col(String.class, "c", "relname")}. */
  public static <T> Field<T> col(Class<T> type, String... qualifiedName) {
    return DSL.field(name(qualifiedName), type);
  }

  /**
   * A call of a built-in catalog function (named by this code, never by a caller), written unquoted
   * as the servers spell their own functions.
   */
  public static <T> Field<T> fn(String function, Class<T> type, Field<?>... args) {
    return DSL.function(DSL.unquotedName(function), type, args);
  }

  public static <T> Field<T> fn(String function, DataType<T> type, Field<?>... args) {
    return DSL.function(DSL.unquotedName(function), type, args);
  }

  /**
   * A value bound as text and converted by the database to a column's type: {@code CAST($n AS
   * type)}, or {@code decode($n, 'base64')} for bytea. Binding text and letting the database parse
   * it keeps every value exact in transit (numeric stays a decimal string) and works for any type,
   * user-defined ones included.
   *
   * @param castType from {@code RowValues.castType} (checked by {@link #isCastType}): a built-in
   *     type name of the catalog's plain form, or a name quoted by {@link #quote}, with {@code []}
   *     per array dimension
   * @param text the value as text, or null for NULL
   */
  public static Field<Object> typed(String castType, String text) {
    return new Typed<>(castType, DSL.val(text, SQLDataType.VARCHAR), SQLDataType.OTHER);
  }

  /** {@link #typed} as a text field, for pattern operands. */
  public static Field<String> typedText(String text) {
    return new Typed<>("text", DSL.val(text, SQLDataType.VARCHAR), SQLDataType.CLOB);
  }

  private static final class Typed<T> extends CustomField<T> {
    private final String castType;
    private final Field<String> value;

    Typed(String castType, Field<String> value, DataType<T> type) {
      super(DSL.name("typed"), type);
      if (!isCastType(castType)) {
        throw new IllegalArgumentException("not a cast type: " + castType);
      }
      this.castType = castType;
      this.value = value;
    }

    @Override
    public void accept(Context<?> ctx) {
      if (castType.equals("bytea")) {
        ctx.visit(fn("decode", SQLDataType.BLOB, value, DSL.inline("base64")));
        return;
      }
      ctx.visit(DSL.keyword("cast"))
          .sql('(')
          .visit(value)
          .sql(' ')
          .visit(DSL.keyword("as"))
          .sql(' ')
          // A type name checked by isCastType: plain catalog spelling, or jOOQ-quoted.
          .sql(castType)
          .sql(')');
    }
  }
}
