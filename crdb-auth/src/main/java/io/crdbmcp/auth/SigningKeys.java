package io.crdbmcp.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The keys this server signs its access tokens with (RS256), published at the JWKS endpoint. A new
 * key replaces the current one every {@code CRDB_AUTH_KEY_ROTATION_SECONDS}; the retired one stays
 * published (and accepted) until the last token it signed has expired, and tokens name their key by
 * {@code kid}. Private keys never leave this object.
 */
final class SigningKeys {
  static final JOSEObjectType ACCESS_TOKEN_TYPE = new JOSEObjectType("at+jwt");
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Key(RSAKey key, Instant created, Instant retired) {}

  private final Clock clock;
  private final Duration rotation;
  private final Duration tokenLifetime;
  private final List<Key> keys = new ArrayList<>();

  SigningKeys(Clock clock, Duration rotation, Duration tokenLifetime) {
    this.clock = clock;
    this.rotation = rotation;
    this.tokenLifetime = tokenLifetime;
    keys.add(new Key(generate(), clock.instant(), null));
  }

  /** Signs an access token with the current key (rotating first when it is due). */
  synchronized String sign(JWTClaimsSet claims) {
    rotateIfDue();
    RSAKey current = keys.get(keys.size() - 1).key();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(current.getKeyID())
                .type(ACCESS_TOKEN_TYPE)
                .build(),
            claims);
    try {
      jwt.sign(new RSASSASigner(current));
    } catch (JOSEException e) {
      throw new IllegalStateException("signing an access token failed", e);
    }
    return jwt.serialize();
  }

  /** Replaces the current key now (the old one stays valid for what it signed). */
  synchronized void rotate() {
    Instant now = clock.instant();
    Key last = keys.remove(keys.size() - 1);
    keys.add(new Key(last.key(), last.created(), now));
    keys.add(new Key(generate(), now, null));
    // Keys retired longer ago than a token lives verify nothing any more.
    keys.removeIf(
        k -> k.retired() != null && k.retired().plus(tokenLifetime).plusSeconds(60).isBefore(now));
  }

  private void rotateIfDue() {
    if (keys.get(keys.size() - 1).created().plus(rotation).isBefore(clock.instant())) {
      rotate();
    }
  }

  /** The public keys, as the JWKS endpoint serves them. */
  synchronized JWKSet publicKeys() {
    rotateIfDue();
    List<JWK> out = new ArrayList<>();
    for (Key k : keys) {
      out.add(k.key().toPublicJWK());
    }
    return new JWKSet(out);
  }

  /** The public keys as a key source for verifying our own tokens. */
  JWKSource<SecurityContext> source() {
    return (selector, context) -> selector.select(publicKeys());
  }

  private static RSAKey generate() {
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    try {
      return new RSAKeyGenerator(2048)
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.RS256)
          .keyID(Base64.getUrlEncoder().withoutPadding().encodeToString(id))
          .generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a signing key", e);
    }
  }
}
