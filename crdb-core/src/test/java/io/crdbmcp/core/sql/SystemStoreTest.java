package io.crdbmcp.core.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The server's own entries: fixed statements through the one path, refused when read-only. */
class SystemStoreTest {

  @Test
  void entriesRoundTripCommitExpireAndCompareAndSet() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("store", "");
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(TestDb.url(spec)))) {
      SystemStore s = crdb.store();
      assertThat(s.writable()).isTrue();
      assertThat(s.list("notes")).as("no table yet, nothing found").isEmpty();
      assertThat(s.get("notes", "a")).isEmpty();

      String hostile = "it's'); DROP TABLE crdb_mcp_store; --";
      s.put("a test", "notes", "a", hostile, null);
      s.put("a test", "notes", "b", "two", null);
      s.put("a test", "other", "a", "elsewhere", null);
      assertThat(s.get("notes", "a").orElseThrow().value()).isEqualTo(hostile);
      assertThat(s.list("notes")).extracting(SystemStore.Entry::key).containsExactly("a", "b");
      assertThat(TestDb.scalar(spec, "SELECT count(*) FROM crdb_mcp_store"))
          .as("committed, seen by an independent connection")
          .isEqualTo(3L);

      s.put("a test", "notes", "b", "changed", null);
      assertThat(s.get("notes", "b").orElseThrow().value()).isEqualTo("changed");
      assertThat(s.putIfAbsent("a test", "notes", "b", "again", null)).isFalse();
      assertThat(s.replace("a test", "notes", "b", "stale", "x", null)).isFalse();
      assertThat(s.replace("a test", "notes", "b", "changed", "x", null)).isTrue();
      assertThat(s.get("notes", "b").orElseThrow().value()).isEqualTo("x");
      assertThat(s.replace("a test", "notes", "b", "x", null, null)).as("removed").isTrue();
      assertThat(s.get("notes", "b")).isEmpty();

      s.put("a test", "notes", "old", "gone", Instant.now().minusSeconds(1));
      assertThat(s.get("notes", "old")).as("expired").isEmpty();
      assertThat(s.putIfAbsent("a test", "notes", "old", "new", null))
          .as("an expired entry does not block")
          .isTrue();
      s.put("a test", "notes", "old2", "gone", Instant.now().minusSeconds(1));
      assertThat(s.removeExpired("a test", "notes")).isEqualTo(1);
      assertThat(s.remove("a test", "notes", "a")).isTrue();
      assertThat(s.remove("a test", "notes", "a")).isFalse();
      assertThat(TestDb.serverSessionsInTransaction(spec)).isZero();
    }
  }

  @Test
  void aReadOnlyServerRefusesWritesAndSaysWhy() throws Exception {
    ConnectionSpec spec = TestDb.get().createDatabase("store_ro", "");
    try (Crdb crdb = Crdb.create(cfg -> cfg.url(TestDb.url(spec)).readOnly(true))) {
      assertThat(crdb.store().writable()).isFalse();
      assertThatThrownBy(() -> crdb.store().put("the knowledge store", "k", "a", "b", null))
          .isInstanceOf(CrdbException.class)
          .hasMessageContaining("the knowledge store")
          .hasMessageContaining("CRDB_READ_ONLY");
      assertThat(crdb.store().list("k")).isEmpty();
      assertThat(
              TestDb.scalar(
                  spec, "SELECT count(*) FROM pg_tables WHERE tablename = 'crdb_mcp_store'"))
          .isEqualTo(0L);
    }
  }
}
