package io.crdbmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class SigningKeysTest {
  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now = Instant.now();

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static JWTClaimsSet claims(Instant now, String audience) {
    return new JWTClaimsSet.Builder()
        .issuer("https://mcp.example.com")
        .subject("ann")
        .audience(audience)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600)))
        .claim("scope", "crdb:read")
        .build();
  }

  @Test
  void keysRotateByKidAndOldTokensStayValidWhileTheyLive() throws Exception {
    // Slots of an hour, tokens living two: a key is published for three hours at most.
    TestClock clock = new TestClock();
    SigningKeys keys = new SigningKeys(clock, Duration.ofHours(1), Duration.ofHours(2));
    ConfigurableJWTProcessor<SecurityContext> p =
        BearerAuth.processor(
            keys.source(), "https://mcp.example.com", "https://mcp.example.com/mcp", true);
    String first = keys.sign(claims(Instant.now(), "https://mcp.example.com/mcp"));
    String kid1 = SignedJWT.parse(first).getHeader().getKeyID();
    assertThat(SignedJWT.parse(first).getHeader().getType().getType()).isEqualTo("at+jwt");
    assertThat(keys.publicKeys().getKeys()).extracting(JWK::getKeyID).contains(kid1);
    assertThat(keys.publicKeys().getKeys().get(0).isPrivate()).isFalse();

    clock.now = clock.now.plus(Duration.ofMinutes(61)); // the rotation is due
    String second = keys.sign(claims(Instant.now(), "https://mcp.example.com/mcp"));
    String kid2 = SignedJWT.parse(second).getHeader().getKeyID();
    assertThat(kid2).isNotEqualTo(kid1);
    List<String> kids = keys.publicKeys().getKeys().stream().map(JWK::getKeyID).toList();
    assertThat(kids).contains(kid1, kid2).doesNotHaveDuplicates();
    assertThat(p.process(first, null).getSubject()).isEqualTo("ann");
    assertThat(p.process(second, null).getSubject()).isEqualTo("ann");

    // Once every token it can have signed has expired, the old key is no longer published.
    clock.now = clock.now.plus(Duration.ofMinutes(139));
    keys.sign(claims(Instant.now(), "https://mcp.example.com/mcp"));
    assertThat(keys.publicKeys().getKeys()).extracting(JWK::getKeyID).doesNotContain(kid1);
    assertThatThrownBy(() -> p.process(first, null)).hasMessageContaining("key");
  }

  @Test
  void theProcessorRefusesOtherAudiencesAndAlgNone() throws Exception {
    TestClock clock = new TestClock();
    SigningKeys keys = new SigningKeys(clock, Duration.ofHours(1), Duration.ofMinutes(10));
    ConfigurableJWTProcessor<SecurityContext> p =
        BearerAuth.processor(
            keys.source(), "https://mcp.example.com", "https://mcp.example.com/mcp", true);
    String other = keys.sign(claims(Instant.now(), "https://other.example.com/mcp"));
    assertThatThrownBy(() -> p.process(other, null)).hasMessageContaining("aud");
    String none =
        new com.nimbusds.jwt.PlainJWT(claims(Instant.now(), "https://mcp.example.com/mcp"))
            .serialize();
    assertThatThrownBy(() -> p.process(none, null)).isInstanceOf(Exception.class);
  }
}
