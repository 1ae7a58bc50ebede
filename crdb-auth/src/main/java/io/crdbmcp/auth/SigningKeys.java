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
 * The keys this server signs its access tokens with (RS256), published at the JWKS endpoint. Time
 * is cut into slots of {@code CRDB_AUTH_KEY_ROTATION_SECONDS}; each slot has its own key, made by
 * whoever needs it first ({@link Slots}: this process's memory, or the shared store so that every
 * replica signs with and accepts the same keys). Tokens name their key by {@code kid}; a slot's key
 * stays published (and accepted) until the last token it can have signed has expired. Private keys
 * never leave this object and the store.
 */
final class SigningKeys {
  static final JOSEObjectType ACCESS_TOKEN_TYPE = new JOSEObjectType("at+jwt");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The key of each slot: made once, then the same for every caller. */
  interface Slots {
    /**
     * The key of {@code slot}, made with {@code make} when there is none yet.
     *
     * @param expires when the key can be forgotten
     */
    RSAKey key(long slot, java.util.function.Supplier<RSAKey> make, Instant expires);
  }

  /** Slots in this process's memory. */
  static Slots inMemory() {
    java.util.Map<Long, RSAKey> keys = new java.util.concurrent.ConcurrentHashMap<>();
    return (slot, make, expires) -> {
      keys.keySet().removeIf(s -> s < slot - 1000);
      return keys.computeIfAbsent(slot, s -> make.get());
    };
  }

  private final Clock clock;
  private final Duration rotation;
  private final Duration tokenLifetime;
  private final Slots slots;
  private final java.util.Map<Long, RSAKey> cache = new java.util.concurrent.ConcurrentHashMap<>();

  SigningKeys(Clock clock, Duration rotation, Duration tokenLifetime) {
    this(clock, rotation, tokenLifetime, inMemory());
  }

  SigningKeys(Clock clock, Duration rotation, Duration tokenLifetime, Slots slots) {
    this.clock = clock;
    this.rotation = rotation;
    this.tokenLifetime = tokenLifetime;
    this.slots = slots;
  }

  private long slot(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), rotation.toSeconds());
  }

  private RSAKey keyOf(long slot) {
    RSAKey k = cache.get(slot);
    if (k == null) {
      Instant expires =
          Instant.ofEpochSecond((slot + 1) * rotation.toSeconds())
              .plus(tokenLifetime)
              .plusSeconds(120);
      k = slots.key(slot, SigningKeys::generate, expires);
      cache.put(slot, k);
    }
    return k;
  }

  /** Signs an access token with the current slot's key. */
  String sign(JWTClaimsSet claims) {
    RSAKey current = keyOf(slot(clock.instant()));
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

  /**
   * The public keys, as the JWKS endpoint serves them: the current slot's and those of every slot a
   * token still alive can have been signed in.
   */
  JWKSet publicKeys() {
    Instant now = clock.instant();
    long current = slot(now);
    long oldest = slot(now.minus(tokenLifetime).minusSeconds(60));
    cache.keySet().removeIf(s -> s < oldest);
    List<JWK> out = new ArrayList<>();
    for (long s = oldest; s <= current; s++) {
      out.add(keyOf(s).toPublicJWK());
    }
    return new JWKSet(out);
  }

  /** The public keys as a key source for verifying our own tokens. */
  JWKSource<SecurityContext> source() {
    return (selector, context) -> selector.select(publicKeys());
  }

  static RSAKey generate() {
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
