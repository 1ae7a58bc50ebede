package io.crdbmcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A read-only caller (an OAuth token granted only a read scope) on a server that allows writes:
 * every path that could write refuses it, and its transactions are read-only.
 */
class ReadOnlyCallerTest {
  static final Caller READER = new Caller("client-r", "ann", Set.of("crdb:read"), true);
  static final Caller WRITER = new Caller("client-w", "bob", Set.of("crdb:write"), false);
  static ConnectionSpec db;
  Crdb crdb;

  @BeforeAll
  static void database() {
    db = TestDb.get().createDatabase("ro_caller", "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)");
  }

  @BeforeEach
  void open() {
    crdb = Crdb.create(cfg -> cfg.url(TestDb.url(db)));
  }

  @AfterEach
  void close() {
    crdb.close();
  }

  @Test
  void aReadOnlyCallerReadsButNeverWrites() throws Exception {
    Session reader = crdb.session(READER);
    assertThat(reader.query("SELECT count(*) FROM t").rows()).hasSize(1);
    assertThatThrownBy(() -> reader.query("INSERT INTO t VALUES (1, 'x')"))
        .isInstanceOf(CrdbException.class)
        .hasMessageContaining("read-only");
    assertThatThrownBy(() -> reader.rows("t").insert(Map.of("id", 2, "v", "y")))
        .isInstanceOf(CrdbException.class)
        .hasMessageMatching("(?s).*(may only read|read-only).*");
    assertThatThrownBy(() -> reader.beginTransaction(false))
        .isInstanceOf(CrdbException.class)
        .hasMessageContaining("caller's token is read-only");
    TxScope tx = reader.begin();
    try {
      assertThat(tx.readOnly()).isTrue();
    } finally {
      tx.rollback();
    }
    assertThat(((Number) TestDb.scalar(db, "SELECT count(*) FROM t")).intValue()).isZero();
    // The same server lets a caller with the write scope write.
    crdb.session(WRITER).query("INSERT INTO t VALUES (3, 'z')");
    assertThat(((Number) TestDb.scalar(db, "SELECT count(*) FROM t")).intValue()).isEqualTo(1);
  }

  @Test
  void theReadOnlyMarkIsNotPartOfTheOwner() {
    Caller a = new Caller("c", "ann", Set.of("crdb:read"), true);
    Caller b = new Caller("c", "ann", Set.of("crdb:write"), false);
    assertThat(a.owner()).isEqualTo(b.owner());
    assertThat(a.sameAs(b)).isTrue();
    assertThat(a.owner().readOnly()).isFalse();
  }
}
