package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.list;
import static io.crdbmcp.contract.ToolCalls.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Allow-lists, blocked databases and tool groups, end to end. */
public abstract class AccessControlSuite extends ContractSuite {
  static final String SCHEMA =
      """
      CREATE TABLE visible (id INT PRIMARY KEY);
      CREATE TABLE hidden (id INT PRIMARY KEY);
      CREATE SCHEMA private;
      CREATE TABLE private.visible (id INT PRIMARY KEY);
      """;

  @Test
  void allowListsLimitQueriesAndDiscovery() {
    ConnectionSpec db = TestDb.get().createDatabase("allow", SCHEMA);
    ConnectionSpec secret = TestDb.get().createDatabase("secretdb", null);
    try (ServerUnderTest s =
        startServer(
            Map.of(
                "CRDB_URL",
                TestDb.url(db),
                "CRDB_ALLOWED_TABLES",
                "visible",
                "CRDB_ALLOWED_SCHEMAS",
                "public",
                "CRDB_BLOCKED_DATABASES",
                secret.database()))) {
      assertThat(list(ok(s.call("list_tables", args())), "tables"))
          .extracting(t -> t.get("schema") + "." + t.get("name"))
          .containsExactly("public.visible");
      assertThat(list(ok(s.call("list_schemas", args())), "schemas"))
          .extracting(x -> x.get("name"))
          .containsExactly("public");
      ok(s.call("execute_query", args("sql", "SELECT id FROM visible")));
      assertThat(
              error(s.call("execute_query", args("sql", "SELECT id FROM hidden")), "SQL_REFUSED")
                  .get("rule"))
          .isEqualTo("table_not_allowed");
      assertThat(
              error(
                      s.call("execute_query", args("sql", "SELECT id FROM private.visible")),
                      "SQL_REFUSED")
                  .get("rule"))
          .isEqualTo("schema_not_allowed");
      error(s.call("describe_table", args("table", "hidden")), "NOT_FOUND");

      assertThat(list(ok(s.call("list_databases", args())), "databases"))
          .extracting(d -> d.get("name"))
          .contains(db.database())
          .doesNotContain(secret.database());
      error(s.call("switch_database", args("database", secret.database())), "SQL_REFUSED");
      error(s.call("get_database_info", args("database", secret.database())), "SQL_REFUSED");
    }
  }

  @Test
  void toolsetsSelectTheOfferedTools() {
    ConnectionSpec db = TestDb.get().createDatabase("toolsets", SCHEMA);
    try (ServerUnderTest s =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_TOOLSETS", "query,schema"))) {
      assertThat(s.listTools())
          .extracting(McpSchema.Tool::name)
          .contains(
              "execute_query", "validate_query", "explain_query", "list_tables", "describe_table")
          .doesNotContain(
              "connect", "insert_row", "export_to_csv", "begin_transaction", "list_users");
    }
  }
}
