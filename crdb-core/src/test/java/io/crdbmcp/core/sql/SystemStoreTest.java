package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;

/** The server's own tables: generated statements through the one path, refused when read-only. */
class SystemStoreTest {

  @Test
  void writesCommitAndReadsSeeThem() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("store", "");
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(TestDb.url(spec)))) {
      assertThat(crdb.store().writable()).isTrue();
      crdb.store()
          .write(
              "a test store",
              sql ->
                  sql.createTableIfNotExists(name("crdb_mcp_test"))
                      .column("k", SQLDataType.VARCHAR(20).notNull())
                      .column("v", SQLDataType.CLOB)
                      .primaryKey("k")
                      .execute());
      crdb.store()
          .write(
              "a test store",
              sql ->
                  sql.insertInto(table(name("crdb_mcp_test")), field(name("k")), field(name("v")))
                      .values("a", "it's; DROP TABLE x --")
                      .execute());
      String v =
          crdb.store()
              .read(
                  sql ->
                      sql.select(field(name("v"), String.class))
                          .from(table(name("crdb_mcp_test")))
                          .where(field(name("k")).eq("a"))
                          .fetchOne(0, String.class));
      assertThat(v).isEqualTo("it's; DROP TABLE x --");
      assertThat(TestDb.scalar(spec, "SELECT count(*) FROM crdb_mcp_test"))
          .as("committed, visible to an independent connection")
          .isEqualTo(1L);
      assertThat(TestDb.serverSessionsInTransaction(spec)).isZero();
    }
  }

  @Test
  void aReadOnlyServerRefusesWritesAndSaysWhy() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("store_ro", "");
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(TestDb.url(spec)).readOnly(true))) {
      assertThat(crdb.store().writable()).isFalse();
      assertThatThrownBy(
              () ->
                  crdb.store()
                      .write(
                          "the knowledge store",
                          sql ->
                              sql.createTable(name("never"))
                                  .column("x", SQLDataType.INTEGER)
                                  .execute()))
          .isInstanceOf(CrdbException.class)
          .hasMessageContaining("the knowledge store")
          .hasMessageContaining("CRDB_READ_ONLY");
      // A read still works, and a write smuggled into a read is refused by the database.
      Object one = crdb.store().read(sql -> sql.fetchValue("SELECT 1"));
      assertThat(one).isEqualTo(1);
      assertThatThrownBy(() -> crdb.store().read(sql -> sql.execute("CREATE TABLE sneaky (x int)")))
          .isInstanceOf(CrdbException.class);
      assertThat(TestDb.scalar(spec, "SELECT count(*) FROM pg_tables WHERE tablename = 'sneaky'"))
          .isEqualTo(0L);
    }
  }
}
