package io.crdbmcp.contract;

import static io.crdbmcp.contract.ToolCalls.args;
import static io.crdbmcp.contract.ToolCalls.error;
import static io.crdbmcp.contract.ToolCalls.ok;
import static io.crdbmcp.contract.ToolCalls.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parameters behave as in psql: a string parameter is untyped, so the database reads it as the type
 * of the column it meets (uuid, timestamptz, date, inet, jsonb, an enum); numbers, booleans and
 * null keep their types. Through execute_query, export_to_csv and a transaction.
 */
public abstract class ParamsSuite extends ContractSuite {
  static final String ID = "00000000-0000-4000-8000-00000000000c";

  static final String SCHEMA =
      """
      CREATE TYPE mood AS ENUM ('happy', 'sad');
      CREATE TABLE typed (
        id UUID PRIMARY KEY, at TIMESTAMPTZ, day DATE, addr INET, doc JSONB, feeling mood,
        n INT, ok BOOL, note TEXT);
      INSERT INTO typed VALUES
        ('00000000-0000-4000-8000-00000000000c', '2024-05-01 12:00:00+00', '2024-05-01',
         '10.0.0.12', '{"a": 1, "b": [1, 2]}', 'happy', 7, true, NULL),
        ('00000000-0000-4000-8000-00000000000d', '2024-06-01 12:00:00+00', '2024-06-01',
         '10.0.0.13', '{"a": 2}', 'sad', 8, false, 'x');
      """;

  /** A WHERE clause per column type and the string that must find the first row. */
  static final List<Object[]> TYPED =
      List.of(
          new Object[] {"id = $1", ID},
          new Object[] {"at = $1", "2024-05-01T12:00:00Z"},
          new Object[] {"at < $1", "2024-05-15 00:00:00+00"},
          new Object[] {"day = $1", "2024-05-01"},
          new Object[] {"addr = $1", "10.0.0.12"},
          new Object[] {"doc @> $1", "{\"a\": 1}"},
          new Object[] {"doc = $1", "{\"b\": [1, 2], \"a\": 1}"},
          new Object[] {"feeling = $1", "happy"});

  ConnectionSpec db;
  ServerUnderTest server;
  Path exportDir;

  @BeforeAll
  void setUp() throws Exception {
    db = TestDb.get().createDatabase("params", SCHEMA);
    exportDir = Files.createTempDirectory("crdb-params-it");
    server =
        startServer(Map.of("CRDB_URL", TestDb.url(db), "CRDB_EXPORT_DIR", exportDir.toString()));
  }

  @AfterAll
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  List<List<Object>> query(String sql, List<Object> params, Object... more) {
    Object[] kv = new Object[4 + more.length];
    kv[0] = "sql";
    kv[1] = sql;
    kv[2] = "params";
    kv[3] = params;
    System.arraycopy(more, 0, kv, 4, more.length);
    return rows(ok(server.call("execute_query", args(kv))));
  }

  @Test
  void stringsMeetUuidTimestamptzDateInetJsonbAndEnumColumns() {
    for (Object[] t : TYPED) {
      List<List<Object>> r = query("SELECT n FROM typed WHERE " + t[0], List.of(t[1]));
      assertThat(r).as("%s with %s", t[0], t[1]).hasSize(1);
      assertThat(((Number) r.get(0).get(0)).intValue()).as("%s", t[0]).isEqualTo(7);
    }
  }

  @Test
  void numbersBooleansAndNullKeepTheirTypes() {
    assertThat(query("SELECT id::text FROM typed WHERE n = $1", List.of(7)).get(0).get(0))
        .isEqualTo(ID);
    assertThat(query("SELECT n FROM typed WHERE ok = $1", List.of(false)).get(0).get(0))
        .isEqualTo(8);
    List<Object> nullParam = new ArrayList<>();
    nullParam.add(null);
    assertThat(query("SELECT n FROM typed WHERE note IS NOT DISTINCT FROM $1", nullParam))
        .hasSize(1);
    List<List<Object>> types =
        query("SELECT pg_typeof($1)::text, pg_typeof($2)::text", List.of(7, true));
    assertThat((String) types.get(0).get(0)).containsAnyOf("int", "bigint");
    assertThat(types.get(0).get(1)).isEqualTo("boolean");
    // A number is not silently turned into text: text = integer has no operator, as in psql.
    Map<String, Object> err =
        error(
            server.call(
                "execute_query",
                args("sql", "SELECT n FROM typed WHERE note = $1", "params", List.of(5))),
            "SQL_ERROR");
    assertThat(err.get("sqlstate")).isEqualTo("42883");
  }

  @Test
  void aWriteTakesStringsForTypedColumns() {
    ok(
        server.call(
            "execute_query",
            args(
                "sql",
                "INSERT INTO typed (id, at, day, addr, doc, feeling, n) VALUES"
                    + " ($1, $2, $3, $4, $5, $6, $7)",
                "params",
                List.of(
                    "00000000-0000-4000-8000-0000000000ff",
                    "2025-01-02T03:04:05Z",
                    "2025-01-02",
                    "192.168.1.1",
                    "{\"new\": true}",
                    "sad",
                    99))));
    assertThat(
            query(
                "SELECT n FROM typed WHERE id = $1 AND feeling = $2 AND doc ->> 'new' = $3",
                List.of("00000000-0000-4000-8000-0000000000ff", "sad", "true")))
        .hasSize(1);
    ok(
        server.call(
            "execute_query",
            args(
                "sql",
                "DELETE FROM typed WHERE id = $1",
                "params",
                List.of("00000000-0000-4000-8000-0000000000ff"))));
  }

  @Test
  void exportToCsvBindsTheSameWay() throws Exception {
    for (int i = 0; i < TYPED.size(); i++) {
      Object[] t = TYPED.get(i);
      String file = "typed-" + i + ".csv";
      ok(
          server.call(
              "export_to_csv",
              args(
                  "sql",
                  "SELECT id, n FROM typed WHERE " + t[0],
                  "params",
                  List.of(t[1]),
                  "path",
                  file)));
      List<String> lines = Files.readAllLines(exportDir.resolve(file), StandardCharsets.UTF_8);
      assertThat(lines).as("%s", t[0]).containsExactly("id,n", ID + ",7");
    }
  }

  @Test
  void insideATransactionTheSameWay() {
    String tx = (String) ok(server.call("begin_transaction", args())).get("transaction_id");
    try {
      for (Object[] t : TYPED) {
        assertThat(query("SELECT n FROM typed WHERE " + t[0], List.of(t[1]), "transaction_id", tx))
            .as("%s in a transaction", t[0])
            .hasSize(1);
      }
      ok(
          server.call(
              "execute_query",
              args(
                  "sql",
                  "UPDATE typed SET day = $1 WHERE id = $2",
                  "params",
                  List.of("2030-12-31", ID),
                  "transaction_id",
                  tx)));
      assertThat(
              query(
                  "SELECT n FROM typed WHERE day = $1",
                  List.of("2030-12-31"),
                  "transaction_id",
                  tx))
          .hasSize(1);
    } finally {
      ok(server.call("rollback_transaction", args("transaction_id", tx)));
    }
    assertThat(query("SELECT n FROM typed WHERE day = $1", List.of("2030-12-31"))).isEmpty();
  }

  @Test
  void aParameterWhoseTypeCannotBeInferredAsksForACast() {
    // As in psql: nothing says what type $1 is here, so the database asks; the next step says how.
    var r = server.call("execute_query", args("sql", "SELECT $1 IS NULL", "params", List.of("x")));
    if (Boolean.TRUE.equals(r.isError())) {
      Map<String, Object> err = error(r, "SQL_ERROR");
      assertThat(err.get("sqlstate")).isEqualTo("42P18");
      assertThat((String) err.get("suggestion")).contains("$1::text");
    } else {
      assertThat(TestDb.get().isCockroach()).as("only CockroachDB infers a type here").isTrue();
    }
  }
}
