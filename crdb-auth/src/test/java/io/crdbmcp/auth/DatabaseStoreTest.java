package io.crdbmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import io.crdbmcp.core.Crdb;
import io.crdbmcp.core.connect.ConnectionSpec;
import io.crdbmcp.core.testing.TestDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database store on a real database, as two replicas see it: two stores (two server instances)
 * on one database share every entry, single use holds across them, and they sign with the same
 * keys.
 */
class DatabaseStoreTest {
  static ConnectionSpec db;
  Crdb one;
  Crdb two;
  DatabaseStore a;
  DatabaseStore b;

  @BeforeAll
  static void database() {
    db = TestDb.get().createDatabase("oauth_store", "SELECT 1");
  }

  @BeforeEach
  void open() {
    one = Crdb.create(cfg -> cfg.url(TestDb.url(db)));
    two = Crdb.create(cfg -> cfg.url(TestDb.url(db)));
    a = new DatabaseStore(one.store());
    b = new DatabaseStore(two.store());
  }

  @AfterEach
  void close() {
    one.close();
    two.close();
  }

  static AuthStore.Request request() {
    return new AuthStore.Request(
        "client-1", "a client", "http://127.0.0.1/cb", "challenge", List.of("crdb:read"), "st");
  }

  @Test
  void entriesAreSharedAndTakenOnce() {
    Instant later = Instant.now().plusSeconds(60);
    a.putClient(
        new AuthStore.Client(
            "client-1", null, List.of("http://127.0.0.1/cb"), "a client", "none", Instant.now()));
    assertThat(b.client("client-1").orElseThrow().redirectUris())
        .containsExactly("http://127.0.0.1/cb");
    assertThat(b.clientCount()).isGreaterThanOrEqualTo(1);

    a.putUpstream("state-1", new AuthStore.Upstream(request(), "nonce", "verifier", later));
    assertThat(b.takeUpstream("state-1").orElseThrow().nonce()).isEqualTo("nonce");
    assertThat(a.takeUpstream("state-1")).isEmpty();

    Provider.Identity ann = new Provider.Identity("ann@example.com", "sub-1");
    a.putCode("code-hash", new AuthStore.Code(request(), ann, later));
    assertThat(b.takeCode("code-hash").orElseThrow().identity()).isEqualTo(ann);
    assertThat(a.takeCode("code-hash")).isEmpty();

    a.putCode("expired", new AuthStore.Code(request(), ann, Instant.now().minusSeconds(1)));
    assertThat(b.takeCode("expired")).isEmpty();

    a.putConsent("consent-1", new AuthStore.Consent(request(), "cookie-hash", "csrf", later));
    assertThat(b.takeConsent("consent-1").orElseThrow().csrf()).isEqualTo("csrf");
    assertThat(b.takeConsent("consent-1")).isEmpty();
  }

  @Test
  void aRefreshTokenIsUsedOnceAcrossReplicasAndFamiliesRevoke() {
    Provider.Identity ann = new Provider.Identity("ann@example.com", "sub-1");
    a.putRefresh(
        "rt-hash",
        new AuthStore.Refresh(
            "fam-1", "client-1", ann, List.of("crdb:read"), Instant.now().plusSeconds(600), false));
    assertThat(b.refresh("rt-hash").orElseThrow().used()).isFalse();
    assertThat(b.markUsed("rt-hash")).isTrue();
    assertThat(a.markUsed("rt-hash")).isFalse();
    assertThat(a.refresh("rt-hash").orElseThrow().used()).isTrue();
    assertThat(b.familyRevoked("fam-1")).isFalse();
    a.revokeFamily("fam-1", Instant.now().plusSeconds(600));
    assertThat(b.familyRevoked("fam-1")).isTrue();
    assertThat(b.familyRevoked("fam-2")).isFalse();
  }

  @Test
  void replicasSignWithTheSameKeys() throws Exception {
    Clock clock = Clock.systemUTC();
    SigningKeys ka =
        new SigningKeys(clock, Duration.ofHours(1), Duration.ofMinutes(15), a.keySlots());
    SigningKeys kb =
        new SigningKeys(clock, Duration.ofHours(1), Duration.ofMinutes(15), b.keySlots());
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer("https://mcp.example.com")
            .subject("ann")
            .audience("https://mcp.example.com/mcp")
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(600)))
            .build();
    String fromA = ka.sign(claims);
    String fromB = kb.sign(claims);
    assertThat(SignedJWT.parse(fromA).getHeader().getKeyID())
        .isEqualTo(SignedJWT.parse(fromB).getHeader().getKeyID());
    ConfigurableJWTProcessor<SecurityContext> verifyAtB =
        BearerAuth.processor(
            kb.source(), "https://mcp.example.com", "https://mcp.example.com/mcp", true);
    assertThat(verifyAtB.process(fromA, null).getSubject()).isEqualTo("ann");
    assertThat(kb.publicKeys().getKeys()).allMatch(k -> !k.isPrivate());
  }
}
