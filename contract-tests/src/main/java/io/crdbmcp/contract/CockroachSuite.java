package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.CockroachOnly;
import io.crdbmcp.core.testing.TestDb;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CockroachDB-only paths, written from CockroachDB's documentation. They run when the test database
 * is CockroachDB (CRDB_TEST_URL or Testcontainers) and are skipped on PostgreSQL.
 */
@CockroachOnly
public abstract class CockroachSuite extends ContractSuite {
  ConnectionSpec db;
  ServerUnderTest server;

  @BeforeAll
  void setUp(TestDb testDb) {
    db =
        testDb.createDatabase(
            "crdb",
            "CREATE TABLE kv (k STRING PRIMARY KEY, v INT8);"
                + " INSERT INTO kv VALUES ('a', 1), ('b', 2);"
                + " CREATE TABLE nopk (x INT8);"
                + " CREATE STATISTICS kv_stats FROM kv;");
    server = startServer(Map.of("CRDB_URL", TestDb.url(db)));
  }

  @AfterAll
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void detectsCockroachDb() {
    Map<String, Object> c = ok(server.call("list_connections", args()));
    assertThat((String) list(c, "connections").get(0).get("server")).startsWith("CockroachDB");
  }

  @Test
  void cockroachStatementsRunThroughExecuteQuery() {
    ok(server.call("execute_query", args("sql", "SHOW TABLES")));
    ok(server.call("execute_query", args("sql", "SELECT now() AS OF SYSTEM TIME '-1us'")));
    ok(server.call("execute_query", args("sql", "SHOW RANGES FROM TABLE kv")));
  }

  @Test
  void upsertUsesUpsert() {
    Map<String, Object> r =
        ok(server.call("upsert_row", args("table", "kv", "values", args("k", "a", "v", 10))));
    assertThat(r.get("action")).isEqualTo("update");
    Map<String, Object> q =
        ok(server.call("execute_query", args("sql", "SELECT v FROM kv WHERE k = 'a'")));
    assertThat(((Number) rows(q).get(0).get(0)).longValue()).isEqualTo(10L);
  }

  @Test
  void schemaAndDatabaseInfoUseCockroachCatalogs() {
    Map<String, Object> d = ok(server.call("describe_table", args("table", "nopk")));
    assertThat(list(d, "columns")).extracting(c -> c.get("name")).containsExactly("x");
    Map<String, Object> t = ok(server.call("list_tables", args()));
    assertThat(list(t, "tables")).extracting(x -> x.get("name")).contains("kv", "nopk");
    Map<String, Object> info = ok(server.call("get_database_info", args()));
    assertThat(info.get("ranges")).isNotNull();
    assertThat(info).containsKey("regions");
    Map<String, Object> plan = ok(server.call("explain_query", args("sql", "SELECT * FROM kv")));
    assertThat((List<?>) plan.get("plan")).isNotEmpty();
  }
}
