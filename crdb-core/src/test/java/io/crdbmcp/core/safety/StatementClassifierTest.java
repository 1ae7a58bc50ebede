package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementClassifierTest {

  private static Classification c(String sql) {
    return StatementClassifier.classify(sql);
  }

  @Test
  void reads() {
    for (String sql :
        new String[] {
          "SELECT 1",
          "(SELECT 1) UNION (SELECT 2)",
          "VALUES (1)",
          "TABLE t",
          "SHOW TABLES",
          "/* x */ -- y\n SELECT 1",
          "WITH a AS (SELECT 1) SELECT * FROM a"
        }) {
      Classification k = c(sql);
      assertThat(k.kind()).as(sql).isEqualTo(StatementKind.READ);
      assertThat(k.writes()).as(sql).isFalse();
    }
    assertThat(c("SELECT 1").command()).isEqualTo("SELECT");
    assertThat(c("show tables").command()).isEqualTo("SHOW");
  }

  @Test
  void writes() {
    assertThat(c("INSERT INTO t VALUES (1)").command()).isEqualTo("INSERT");
    assertThat(c("UPSERT INTO t VALUES (1)").command()).isEqualTo("UPSERT");
    assertThat(c("TRUNCATE t").kind()).isEqualTo(StatementKind.WRITE);
    assertThat(c("COPY t FROM STDIN").kind()).isEqualTo(StatementKind.WRITE);
    assertThat(c("/* SELECT */ DELETE FROM t").kind()).isEqualTo(StatementKind.WRITE);
    Classification cte = c("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d");
    assertThat(cte.kind()).isEqualTo(StatementKind.WRITE);
    assertThat(cte.writes()).isTrue();
    assertThat(cte.command()).isEqualTo("SELECT");
    assertThat(cte.reasons()).contains("data-modifying CTE: DELETE");
    assertThat(cte.relations()).containsExactly("t");
    Classification into = c("SELECT * INTO t2 FROM t");
    assertThat(into.kind()).isEqualTo(StatementKind.WRITE);
    assertThat(into.command()).isEqualTo("SELECT INTO");
  }

  @Test
  void lockingReadsWrite() {
    for (String lock : new String[] {"UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE"}) {
      Classification k = c("SELECT * FROM t FOR " + lock);
      assertThat(k.kind()).isEqualTo(StatementKind.READ);
      assertThat(k.writes()).as(lock).isTrue();
    }
  }

  @Test
  void explain() {
    Classification plain = c("EXPLAIN DELETE FROM t");
    assertThat(plain.kind()).isEqualTo(StatementKind.READ);
    assertThat(plain.writes()).isFalse();
    assertThat(plain.command()).isEqualTo("EXPLAIN");
    for (String sql :
        new String[] {
          "EXPLAIN ANALYZE DELETE FROM t",
          "EXPLAIN ANALYSE DELETE FROM t",
          "EXPLAIN (ANALYZE) DELETE FROM t",
          "EXPLAIN (ANALYZE true, COSTS off) DELETE FROM t",
          "EXPLAIN (FORMAT JSON, ANALYZE) DELETE FROM t",
          "EXPLAIN ANALYZE VERBOSE DELETE FROM t"
        }) {
      Classification k = c(sql);
      assertThat(k.command()).as(sql).isEqualTo("EXPLAIN ANALYZE");
      assertThat(k.writes()).as(sql).isTrue();
      assertThat(k.kind()).as(sql).isEqualTo(StatementKind.WRITE);
    }
    assertThat(c("EXPLAIN (ANALYZE off) DELETE FROM t").writes()).isFalse();
    assertThat(c("EXPLAIN ANALYZE SELECT 1").writes()).isFalse();
  }

  @Test
  void ddlPrivilegeAndUtility() {
    assertThat(c("CREATE TABLE t (a int)").command()).isEqualTo("CREATE TABLE");
    assertThat(c("CREATE OR REPLACE VIEW v AS SELECT 1").command()).isEqualTo("CREATE VIEW");
    assertThat(c("CREATE MATERIALIZED VIEW v AS SELECT 1").command())
        .isEqualTo("CREATE MATERIALIZED VIEW");
    assertThat(c("DROP TABLE t").kind()).isEqualTo(StatementKind.DDL);
    assertThat(c("ALTER TABLE t ADD c int").command()).isEqualTo("ALTER TABLE");
    assertThat(c("COMMENT ON TABLE t IS 'x'").kind()).isEqualTo(StatementKind.DDL);
    assertThat(c("GRANT SELECT ON t TO u").kind()).isEqualTo(StatementKind.PRIVILEGE);
    assertThat(c("CREATE ROLE r").kind()).isEqualTo(StatementKind.PRIVILEGE);
    assertThat(c("ALTER USER u WITH PASSWORD 'x'").command()).isEqualTo("ALTER USER");
    assertThat(c("DROP USER u").command()).isEqualTo("DROP USER");
    for (String sql :
        new String[] {
          "DO $$ BEGIN END $$", "CALL p()", "PREPARE p AS SELECT 1", "EXECUTE p", "LISTEN c",
          "NOTIFY c", "LOCK TABLE t", "DISCARD ALL", "CHECKPOINT", "BACKUP INTO 'x'",
          "CANCEL JOB 1", "CREATE CHANGEFEED FOR t", "VACUUM", "FROBNICATE"
        }) {
      Classification k = c(sql);
      assertThat(k.kind()).as(sql).isEqualTo(StatementKind.UTILITY);
      assertThat(k.writes()).as(sql).isTrue();
    }
    assertThat(c("COPY t TO STDOUT").kind()).isEqualTo(StatementKind.READ);
    assertThat(c("COPY t TO '/tmp/x'").kind()).isEqualTo(StatementKind.UTILITY);
  }

  @Test
  void transactionsSessionAndCluster() {
    for (String sql :
        new String[] {
          "BEGIN",
          "START TRANSACTION",
          "COMMIT",
          "END",
          "ROLLBACK",
          "ABORT",
          "SAVEPOINT a",
          "RELEASE a",
          "PREPARE TRANSACTION 'x'"
        }) {
      assertThat(c(sql).kind()).as(sql).isEqualTo(StatementKind.TRANSACTION_CONTROL);
      assertThat(c(sql).writes()).as(sql).isTrue();
    }
    assertThat(c("SET x = 1").kind()).isEqualTo(StatementKind.SESSION_SETTING);
    assertThat(c("SET ROLE r").command()).isEqualTo("SET ROLE");
    assertThat(c("SET SESSION AUTHORIZATION u").command()).isEqualTo("SET SESSION AUTHORIZATION");
    assertThat(c("SET TRANSACTION READ WRITE").command()).isEqualTo("SET TRANSACTION");
    assertThat(c("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE").command())
        .isEqualTo("SET SESSION CHARACTERISTICS");
    assertThat(c("RESET ALL").command()).isEqualTo("RESET ALL");
    assertThat(c("USE db").kind()).isEqualTo(StatementKind.SESSION_SETTING);
    assertThat(c("SET CLUSTER SETTING a = 1").kind()).isEqualTo(StatementKind.CLUSTER_SETTING);
    assertThat(c("RESET CLUSTER SETTING a").kind()).isEqualTo(StatementKind.CLUSTER_SETTING);
    assertThat(c("ALTER RANGE default CONFIGURE ZONE USING gc.ttlseconds = 1").kind())
        .isEqualTo(StatementKind.CLUSTER_SETTING);
  }

  @Test
  void relationsAndFunctions() {
    Classification k =
        c(
            "SELECT a.x, pg_catalog.now() FROM public.users a JOIN \"Orders\" o ON o.u = a.id,"
                + " crdb_internal.ranges r, generate_series(1,2) g"
                + " WHERE a.id IN (SELECT id FROM s2.t2) AND extract(year FROM a.ts) > 1");
    assertThat(k.relations())
        .containsExactlyInAnyOrder("public.users", "Orders", "crdb_internal.ranges", "s2.t2");
    assertThat(k.functions()).contains("pg_catalog.now", "generate_series", "extract");
    assertThat(c("INSERT INTO t (a, b) SELECT 1, 2").relations()).containsExactly("t");
    assertThat(c("UPDATE ONLY t SET a = 1 FROM u WHERE t.id = u.id").relations())
        .containsExactly("t", "u");
    assertThat(c("DELETE FROM t USING u, v WHERE true").relations()).containsExactly("t", "u", "v");
    assertThat(c("WITH c AS (SELECT 1) SELECT * FROM c, d").relations()).containsExactly("d");
    assertThat(c("SELECT U&\"pg\\005fsleep\"(1)").functions()).containsExactly("pg_sleep");
    assertThat(c("SELECT 1").relations()).isEmpty();
  }

  @Test
  void explainChainsAndNestedOptions() {
    StatementClassifier.Analysis a =
        StatementClassifier.analyze(SqlLexer.tokenize("EXPLAIN ANALYZE EXPLAIN DELETE FROM t"));
    assertThat(a.command).isEqualTo("EXPLAIN ANALYZE");
    assertThat(a.kind).isEqualTo(StatementKind.READ);
    assertThat(a.writes).isFalse();
    assertThat(a.nestedCommands).containsExactly("DELETE", "EXPLAIN");
    assertThat(a.reasons)
        .containsExactly(
            "plain EXPLAIN does not execute the statement",
            "EXPLAIN ANALYZE executes the statement (EXPLAIN)");
    a = StatementClassifier.analyze(SqlLexer.tokenize("EXPLAIN EXPLAIN ANALYZE DELETE FROM t"));
    assertThat(a.command).isEqualTo("EXPLAIN");
    assertThat(a.writes).isFalse();
    assertThat(a.nestedCommands).containsExactly("DELETE", "EXPLAIN ANALYZE");
    assertThat(c("EXPLAIN (FORMAT (x, y), ANALYZE) DELETE FROM t").command())
        .isEqualTo("EXPLAIN ANALYZE");
    assertThat(c("EXPLAIN (FORMAT (x, analyze), COSTS) DELETE FROM t").command())
        .isEqualTo("EXPLAIN");
    assertThat(c("EXPLAIN ANALYZE").reasons()).containsExactly("EXPLAIN without a statement");
    Classification chain = c("EXPLAIN ".repeat(1_000) + "ANALYZE DELETE FROM t");
    assertThat(chain.command()).isEqualTo("EXPLAIN");
    assertThat(chain.writes()).isFalse();
    a =
        StatementClassifier.analyze(
            SqlLexer.tokenize("SELECT * FROM [EXPLAIN ANALYZE DELETE FROM t]"));
    assertThat(a.nestedCommands).containsExactly("EXPLAIN ANALYZE", "DELETE");
    assertThat(a.writes).isTrue();
    a =
        StatementClassifier.analyze(
            SqlLexer.tokenize("SELECT (ALTER TABLE t CONFIGURE ZONE USING x = 1)"));
    assertThat(a.nestedCommands).containsExactly("ALTER TABLE CONFIGURE ZONE");
  }

  @Test
  void cteSearchClausesAndNumericReferences() {
    assertThat(
            c("WITH RECURSIVE a(n) AS (SELECT 1) SEARCH DEPTH FIRST BY n SET o,"
                    + " b AS (SELECT 2) SELECT * FROM a, b, c")
                .relations())
        .containsExactly("c");
    assertThat(c("SELECT * FROM [53 AS x], [54 AS y] JOIN [53 AS z] ON true").reasons())
        .containsExactly(
            "numeric table reference [53 ...]",
            "numeric table reference [54 ...]",
            "numeric table reference [53 ...]");
    // Each reference is reported once, however many FROM lists reach it.
    assertThat(c("SELECT 1 FROM a FROM b, [53 AS t]").reasons())
        .containsExactly("numeric table reference [53 ...]");
    assertThat(c("TABLE table only x.y").relations()).containsExactly("x.y");
  }

  @Test
  void emptyAndMultiple() {
    assertThat(c(" ; -- x").kind()).isEqualTo(StatementKind.EMPTY);
    Classification m = c("SELECT 1; DELETE FROM t");
    assertThat(m.writes()).isTrue();
    assertThat(m.command()).isEqualTo("SELECT");
  }
}
