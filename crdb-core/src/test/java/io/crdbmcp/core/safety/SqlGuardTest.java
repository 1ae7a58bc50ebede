package io.crdbmcp.core.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SqlGuardTest {

  private static SafetyPolicy policy(
      boolean readOnly,
      List<String> blocked,
      Set<String> dbs,
      Set<String> schemas,
      Set<String> tables,
      Map<String, Set<String>> cols,
      Set<String> allowed) {
    return new SafetyPolicy(readOnly, blocked, dbs, schemas, tables, cols, allowed);
  }

  @Test
  void permissivePolicyAllowsWritesButNotTransactionsOrSessions() {
    SqlGuard g = new SqlGuard(SafetyPolicy.permissive());
    assertThat(g.check("DELETE FROM t").allowed()).isTrue();
    assertThat(g.check("DROP TABLE t").allowed()).isTrue();
    assertThat(g.check("SELECT nextval('s')").allowed()).isTrue();
    assertThat(g.check("BEGIN").rule()).isEqualTo("transaction_control");
    assertThat(g.check("BEGIN").message()).contains("transaction operations");
    assertThat(g.check("SET ROLE admin").rule()).isEqualTo("session_change");
    assertThat(g.check("SELECT pg_read_file('/etc/passwd')").rule()).isEqualTo("file_access");
    assertThat(g.check("SELECT crdb_internal.force_panic('x')").rule())
        .isEqualTo("dangerous_function");
    assertThat(g.check("SELECT * FROM pg_shadow").rule()).isEqualTo("credential_catalog");
    assertThat(g.check("SELECT 1; SELECT 2").rule()).isEqualTo("multiple_statements");
  }

  @Test
  void checkReadOnlyAndRequire() {
    SqlGuard g = new SqlGuard(SafetyPolicy.permissive());
    assertThat(g.checkReadOnly("DELETE FROM t").rule()).isEqualTo("read_only");
    assertThat(g.checkReadOnly("SELECT 1").allowed()).isTrue();
    assertThat(g.require("SELECT 1", true).command()).isEqualTo("SELECT");
    assertThat(g.require("DELETE FROM t", false).kind()).isEqualTo(StatementKind.WRITE);
    assertThatThrownBy(() -> g.require("DELETE FROM t", true))
        .isInstanceOf(CrdbException.class)
        .satisfies(
            e -> {
              CrdbException ce = (CrdbException) e;
              assertThat(ce.code()).isEqualTo(ErrorCode.SQL_REFUSED);
              assertThat(ce.suggestion()).isNotBlank();
            });
  }

  @Test
  void aRememberedDecisionIsTheOneForItsReadOnlyFlagAndItsGuardsPolicy() {
    SqlGuard g = new SqlGuard(SafetyPolicy.permissive());
    // Decided in both orders, several times: neither flag's decision leaks into the other's.
    for (int i = 0; i < 3; i++) {
      assertThat(g.check("DELETE FROM t").allowed()).isTrue();
      assertThat(g.checkReadOnly("DELETE FROM t").rule()).isEqualTo("read_only");
      assertThat(g.checkReadOnly("UPDATE t SET a = 1").rule()).isEqualTo("read_only");
      assertThat(g.check("UPDATE t SET a = 1").allowed()).isTrue();
      assertThat(g.require("DELETE FROM t", false).kind()).isEqualTo(StatementKind.WRITE);
      assertThatThrownBy(() -> g.require("DELETE FROM t", true)).isInstanceOf(CrdbException.class);
    }
    // Another guard's policy is its own, though the texts are the same.
    SqlGuard readOnly = new SqlGuard(policy(true, List.of(), null, null, null, null, null));
    assertThat(readOnly.check("DELETE FROM t").rule()).isEqualTo("read_only");
    assertThat(g.check("DELETE FROM t").allowed()).isTrue();
    // Texts differing in a byte are different statements.
    assertThat(g.check("SELECT 1 FROM pg_shadow").rule()).isEqualTo("credential_catalog");
    assertThat(g.check("SELECT 1 FROM pg_shadows").allowed()).isTrue();
  }

  @Test
  void decisionsPastTheRememberedLengthAndCountAreStillMade() {
    SqlGuard g = new SqlGuard(SafetyPolicy.permissive());
    String padding = " ".repeat(SqlGuard.REMEMBERED_SQL_LENGTH);
    for (int i = 0; i < 2; i++) {
      assertThat(g.checkReadOnly("DELETE FROM t" + padding).rule()).isEqualTo("read_only");
      assertThat(g.check("DELETE FROM t" + padding).allowed()).isTrue();
    }
    // More statements than are remembered: the first ones are decided again, the same way.
    for (int i = 0; i < 3 * SqlGuard.REMEMBERED_DECISIONS; i++) {
      assertThat(g.checkReadOnly("DELETE FROM t WHERE id = " + i).rule()).isEqualTo("read_only");
      assertThat(g.checkReadOnly("SELECT * FROM t WHERE id = " + i).allowed()).isTrue();
    }
    assertThat(g.checkReadOnly("DELETE FROM t WHERE id = 0").rule()).isEqualTo("read_only");
    assertThat(g.check("DELETE FROM t WHERE id = 0").allowed()).isTrue();
  }

  @Test
  void neverThrows() {
    SqlGuard g = new SqlGuard(SafetyPolicy.permissive());
    for (String sql :
        new String[] {
          null,
          "",
          "'",
          "\"",
          "$$",
          "/*",
          "(((",
          ")))",
          "[",
          "U&'\\",
          "E'\\",
          "SELECT (",
          "WITH",
          "EXPLAIN",
          "EXPLAIN (",
          "COPY",
          "SET",
          "a.b.(",
          "\u0000"
        }) {
      Verdict v = g.check(sql);
      assertThat(v).as(String.valueOf(sql)).isNotNull();
    }
    assertThat(g.check("SELECT 'x").rule()).isEqualTo("syntax");
    assertThat(g.check("").rule()).isEqualTo("empty_statement");
    assertThat(g.check(null).rule()).isEqualTo("empty_statement");
  }

  @Test
  void blockedCommandsMatchWordPrefixesAndRoleAliases() {
    SqlGuard g =
        new SqlGuard(
            policy(
                false,
                List.of("drop", "CREATE USER"),
                Set.of(),
                Set.of(),
                Set.of(),
                Map.of(),
                Set.of()));
    assertThat(g.check("DROP TABLE t").rule()).isEqualTo("blocked_command");
    assertThat(g.check("DROPPED").allowed()).isTrue(); // unknown command, not read-only
    assertThat(g.check("CREATE ROLE r").rule()).isEqualTo("blocked_command");
    assertThat(g.check("CREATE TABLE t (a int)").allowed()).isTrue();
    assertThat(g.check("EXPLAIN DROP TABLE t").rule()).isEqualTo("blocked_command");
  }

  @Test
  void blockedDatabases() {
    SqlGuard g =
        new SqlGuard(
            policy(false, List.of(), Set.of("Secretdb"), Set.of(), Set.of(), Map.of(), Set.of()));
    assertThat(g.check("SELECT * FROM secretdb.public.t").rule()).isEqualTo("blocked_database");
    assertThat(g.check("USE secretdb").rule()).isEqualTo("blocked_database");
    assertThat(g.check("SET database = secretdb").rule()).isEqualTo("blocked_database");
    assertThat(g.check("USE otherdb").rule()).isEqualTo("session_change");
    assertThat(g.check("SELECT * FROM otherdb.public.t").allowed()).isTrue();
    assertThat(g.policy().isDatabaseVisible("SECRETDB")).isFalse();
  }

  @Test
  void allowedSchemasAndTables() {
    SqlGuard g =
        new SqlGuard(
            policy(
                true,
                List.of(),
                Set.of(),
                Set.of("public"),
                Set.of(),
                Map.of(),
                Set.of("orders", "public.customers")));
    assertThat(g.check("SELECT * FROM orders").allowed()).isTrue();
    assertThat(g.check("SELECT * FROM public.customers").allowed()).isTrue();
    assertThat(g.check("SELECT * FROM hr.orders").rule()).isEqualTo("schema_not_allowed");
    assertThat(g.check("SELECT * FROM payroll").rule()).isEqualTo("table_not_allowed");
    assertThat(g.check("SELECT * FROM orders o JOIN payroll p ON true").rule())
        .isEqualTo("table_not_allowed");
    assertThat(g.check("WITH p AS (SELECT 1) SELECT * FROM p, orders").allowed()).isTrue();
    assertThat(g.check("SELECT * FROM generate_series(1, 3)").allowed()).isTrue();
    // Catalogs would list what the allow-list hides, so access control refuses them.
    assertThat(g.check("SELECT * FROM pg_catalog.pg_class").rule()).isEqualTo("catalog_access");
    assertThat(g.check("SELECT * FROM information_schema.tables").rule())
        .isEqualTo("catalog_access");
    assertThat(g.check("SELECT * FROM pg_tables").rule()).isEqualTo("catalog_access");
    SafetyPolicy p = g.policy();
    assertThat(p.isSchemaVisible("hr")).isFalse();
    assertThat(p.isSchemaVisible("pg_catalog")).isTrue();
    assertThat(p.isTableVisible("public", "orders")).isTrue();
    assertThat(p.isTableVisible("public", "payroll")).isFalse();
  }

  @Test
  void blockedTablesAndColumns() {
    SqlGuard g =
        new SqlGuard(
            policy(
                true,
                List.of(),
                Set.of(),
                Set.of(),
                Set.of("public.secrets"),
                Map.of("Users", Set.of("Password_Hash")),
                Set.of()));
    assertThat(g.check("SELECT * FROM secrets").rule()).isEqualTo("blocked_table");
    assertThat(g.check("SELECT * FROM public.secrets").rule()).isEqualTo("blocked_table");
    assertThat(g.check("SELECT * FROM users").rule()).isEqualTo("blocked_column");
    assertThat(g.check("SELECT * FROM users").message()).contains("List the columns");
    assertThat(g.check("SELECT id, email FROM users").allowed()).isTrue();
    assertThat(g.check("SELECT count(*) FROM users").allowed()).isTrue();
    assertThat(g.check("SELECT u FROM users u").rule()).isEqualTo("blocked_column");
    assertThat(g.check("SELECT * FROM users u RETURNING *").rule()).isEqualTo("blocked_column");
    assertThat(g.check("SELECT * FROM [53 AS t]").rule()).isEqualTo("blocked_table");
    SafetyPolicy p = g.policy();
    assertThat(p.isColumnVisible("public", "users", "password_hash")).isFalse();
    assertThat(p.isColumnVisible("public", "users", "email")).isTrue();
    assertThat(p.isTableVisible("public", "secrets")).isFalse();
    assertThat(p.isTableVisible("other", "secrets")).isTrue();
  }

  @Test
  void dynamicSqlIsAlwaysRefusedBecauseTheGuardCannotSeeInsideIt() {
    SqlGuard g =
        new SqlGuard(
            policy(false, List.of(), Set.of(), Set.of(), Set.of("secrets"), Map.of(), Set.of()));
    assertThat(g.check("SELECT query_to_xml('select 1', true, true, '')").rule())
        .isEqualTo("dangerous_function");
    assertThat(
            new SqlGuard(SafetyPolicy.permissive())
                .check("SELECT query_to_xml('x', true, true, '')")
                .rule())
        .isEqualTo("dangerous_function");
  }
}
