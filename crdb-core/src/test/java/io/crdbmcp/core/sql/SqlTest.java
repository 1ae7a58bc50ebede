package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.jooq.Field;
import org.jooq.InsertValuesStep2;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * The SQL jOOQ generates for the library: identifiers quoted by jOOQ, every value a bind value
 * ({@code $n}, in order), typed by a cast to the column's type, never inlined.
 */
class SqlTest {
  static final String HOSTILE = "x\"; DROP TABLE t; --";

  @Test
  void identifiersAreQuotedByJooq() {
    assertThat(Sql.quote("items")).isEqualTo("\"items\"");
    assertThat(Sql.quote(HOSTILE)).isEqualTo("\"x\"\"; DROP TABLE t; --\"");
    Sql.Statement st =
        Sql.render(Sql.dsl().select(Sql.column(HOSTILE)).from(Sql.table("public", "My \"Table\"")));
    assertThat(st.sql())
        .isEqualTo("select \"x\"\"; DROP TABLE t; --\" from \"public\".\"My \"\"Table\"\"\"");
  }

  @Test
  void valuesAreBoundAsTextAndCastToTheColumnType() {
    Field<Object> id = Sql.column("id");
    Sql.Statement st =
        Sql.render(
            Sql.dsl()
                .select(id)
                .from(Sql.table("public", "t"))
                .where(id.eq(Sql.typed("uuid", "'); DROP TABLE t; --")))
                .and(Sql.column("b").eq(Sql.typed("bytea", "AQID")))
                .and(Sql.column("e").eq(Sql.typed("\"My Enum\"[]", "{a}")))
                .and(Sql.column("n").isNull()));
    assertThat(st.sql())
        .isEqualTo(
            "select \"id\" from \"public\".\"t\" where (\"id\" = cast($1 as uuid) and \"b\" ="
                + " decode($2, 'base64') and \"e\" = cast($3 as \"My Enum\"[]) and \"n\" is null)");
    assertThat(st.params()).containsExactly("'); DROP TABLE t; --", "AQID", "{a}");
    assertThatThrownBy(() -> Sql.typed("int); DROP TABLE t; --", "1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bindValuesAreNeverInlinedWhateverTheirNumber() {
    List<Field<Object>> many = new java.util.ArrayList<>();
    for (int i = 0; i < 40_000; i++) {
      many.add(Sql.typed("int4", String.valueOf(i)));
    }
    Sql.Statement st =
        Sql.render(
            Sql.dsl().selectCount().from(Sql.table("public", "t")).where(Sql.column("a").in(many)));
    assertThat(st.params()).hasSize(40_000);
    assertThat(st.sql()).contains("$40000").doesNotContain("'39999'");
  }

  /** {@code INSERT INTO public.kv (k, v) VALUES ('a'::text, '10'::int8)}, bound. */
  static InsertValuesStep2<Record, Object, Object> insertKv(Field<Object> k, Field<Object> v) {
    return Sql.dsl()
        .insertInto(Sql.table("public", "kv"))
        .columns(k, v)
        .values(Sql.typed("text", "a"), Sql.typed("int8", "10"));
  }

  @Test
  void upsertIsCockroachDbsVerbOnJooqsInsert() {
    Field<Object> k = Sql.column("k");
    Field<Object> v = Sql.column("v");
    Sql.Statement st = Sql.upsert(insertKv(k, v).returning(k, v));
    assertThat(st.sql())
        .isEqualTo(
            "upsert into \"public\".\"kv\" (\"k\", \"v\") values (cast($1 as text), cast($2 as"
                + " int8)) returning \"k\", \"v\"");
    assertThat(st.params()).containsExactly("a", "10");
    assertThatThrownBy(() -> Sql.upsert(Sql.dsl().deleteFrom(Sql.table("public", "kv"))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void onConflictAndKeysetPagingComeFromJooq() {
    Field<Object> k = Sql.column("k");
    Field<Object> v = Sql.column("v");
    Sql.Statement upsert =
        Sql.render(
            insertKv(k, v)
                .onConflict(k)
                .doUpdate()
                .set(Map.of(v, DSL.excluded(v)))
                .returning(k, v));
    assertThat(upsert.sql())
        .endsWith(
            "on conflict (\"k\") do update set \"v\" = excluded.\"v\" returning \"k\", \"v\"");
    Sql.Statement page =
        Sql.render(
            Sql.dsl()
                .select(k, v)
                .from(Sql.table("public", "kv"))
                .orderBy(k.asc(), v.asc())
                .seek(Sql.typed("text", "a"), Sql.typed("int8", "10"))
                .limit(11));
    assertThat(page.sql())
        .contains("where (\"k\", \"v\") > (cast($1 as text), cast($2 as int8))")
        .endsWith("fetch next $3 rows only");
    assertThat(page.params()).containsExactly("a", "10", 11L);
  }
}
