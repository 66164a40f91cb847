package dev.chronomesh.auth;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.chronomesh.auth.InvalidTokenException.Reason;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Signing and the checks every Chronomesh JWT passes: structure, RS256, key, issuer, times. */
final class Jwts {
  static final String ISSUER = "chronomesh";
  static final String KEY_ID_CLAIM = "kid";
  static final String TYPE_CLAIM = "type";

  /** Tolerated difference between the issuer's and the verifier's clocks. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  /** Longer tokens are refused unread (a cheap guard against oversized headers). */
  static final int MAX_TOKEN_LENGTH = 16 * 1024;

  private Jwts() {}

  /** What every token carries beside its own claims. */
  record Common(
      String subject, String tokenId, Instant issuedAt, Instant expiresAt, String keyId) {}

  static String sign(
      SigningKey key, String subject, Duration validity, Clock clock, Map<String, Object> claims) {
    KumaDuration.check(validity);
    Instant issuedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet.Builder builder =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject(subject)
            .jwtID(UUID.randomUUID().toString())
            .issueTime(Date.from(issuedAt))
            .expirationTime(Date.from(issuedAt.plus(validity)))
            .claim(KEY_ID_CLAIM, key.keyId());
    claims.forEach(builder::claim);
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.RS256)
            .keyID(key.keyId())
            .type(JOSEObjectType.JWT)
            .build();
    SignedJWT jwt = new SignedJWT(header, builder.build());
    try {
      jwt.sign(new RSASSASigner(key.privateKey()));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token with key " + key, e);
    }
    return jwt.serialize();
  }

  /**
   * Verifies structure, algorithm, signature, key id, issuer and validity period of {@code token}
   * and returns its claims. Messages never include the token.
   */
  static JWTClaimsSet verify(String token, VerifyingKey key, Clock clock)
      throws InvalidTokenException {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException(Reason.MALFORMED, "no token");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenException(Reason.MALFORMED, "token is too long");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new InvalidTokenException(
          Reason.MALFORMED, "token is not a signed JWT (three base64url parts)");
    }
    Header header;
    try {
      header = Header.parse(new Base64URL(parts[0]));
    } catch (ParseException | RuntimeException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "token header is unreadable");
    }
    if (!(header instanceof JWSHeader jwsHeader)
        || !JWSAlgorithm.RS256.equals(jwsHeader.getAlgorithm())) {
      throw new InvalidTokenException(
          Reason.UNSUPPORTED_ALGORITHM, "token algorithm is not accepted: tokens must be RS256");
    }
    if (jwsHeader.getCriticalParams() != null && !jwsHeader.getCriticalParams().isEmpty()) {
      throw new InvalidTokenException(
          Reason.MALFORMED, "token has critical header parameters, which are not supported");
    }
    if (parts[2].isEmpty()) {
      throw new InvalidTokenException(Reason.BAD_SIGNATURE, "token has no signature");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "token is not a readable signed JWT");
    }
    boolean verified;
    try {
      verified = jwt.verify(new RSASSAVerifier(key.publicKey()));
    } catch (JOSEException | RuntimeException e) {
      verified = false;
    }
    if (!verified) {
      throw new InvalidTokenException(
          Reason.BAD_SIGNATURE,
          "token signature does not verify with signing key "
              + key.mesh()
              + "/"
              + key.name()
              + " (forged or altered token)");
    }
    if (jwsHeader.getKeyID() != null && !jwsHeader.getKeyID().equals(key.keyId())) {
      throw new InvalidTokenException(Reason.UNKNOWN_KEY, "token names another signing key");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "token claims are not a JSON object");
    }
    String issuer = string(claims, "iss");
    if (!ISSUER.equals(issuer)) {
      throw new InvalidTokenException(
          Reason.WRONG_ISSUER, "token was not issued by " + ISSUER + " (wrong iss)");
    }
    String keyId = string(claims, KEY_ID_CLAIM);
    if (!keyId.equals(key.keyId())) {
      throw new InvalidTokenException(Reason.UNKNOWN_KEY, "token names another signing key");
    }
    string(claims, "sub");
    string(claims, "jti");
    Instant now = clock.instant();
    Instant issuedAt = date(claims, "iat");
    Instant expiresAt = date(claims, "exp");
    if (!expiresAt.isAfter(issuedAt)) {
      throw new InvalidTokenException(Reason.INVALID_CLAIM, "token expires before it was issued");
    }
    if (now.isAfter(expiresAt.plus(CLOCK_SKEW))) {
      throw new InvalidTokenException(Reason.EXPIRED, "token has expired");
    }
    if (issuedAt.isAfter(now.plus(CLOCK_SKEW))) {
      throw new InvalidTokenException(Reason.NOT_YET_VALID, "token is not valid yet (iat)");
    }
    if (claims.getClaim("nbf") != null && date(claims, "nbf").isAfter(now.plus(CLOCK_SKEW))) {
      throw new InvalidTokenException(Reason.NOT_YET_VALID, "token is not valid yet (nbf)");
    }
    return claims;
  }

  static Common common(JWTClaimsSet claims) throws InvalidTokenException {
    return new Common(
        string(claims, "sub"),
        string(claims, "jti"),
        date(claims, "iat"),
        date(claims, "exp"),
        string(claims, KEY_ID_CLAIM));
  }

  /** A required non-blank string claim. */
  static String string(JWTClaimsSet claims, String name) throws InvalidTokenException {
    Object raw = claims.getClaim(name);
    if (raw == null) {
      throw missing(name);
    }
    if (!(raw instanceof String value)) {
      throw invalid(name, "must be a string");
    }
    if (value.isBlank()) {
      throw missing(name);
    }
    return value;
  }

  /** A required array-of-strings claim (possibly empty). */
  static List<String> strings(JWTClaimsSet claims, String name) throws InvalidTokenException {
    Object raw = claims.getClaim(name);
    if (raw == null) {
      throw missing(name);
    }
    if (!(raw instanceof List<?> list)) {
      throw invalid(name, "must be an array of strings");
    }
    for (Object item : list) {
      if (!(item instanceof String s) || s.isEmpty()) {
        throw invalid(name, "must be an array of non-empty strings");
      }
    }
    return list.stream().map(String.class::cast).toList();
  }

  static Instant date(JWTClaimsSet claims, String name) throws InvalidTokenException {
    if (claims.getClaim(name) == null) {
      throw missing(name);
    }
    try {
      return claims.getDateClaim(name).toInstant();
    } catch (ParseException | RuntimeException e) {
      throw invalid(name, "must be a time in seconds since the epoch");
    }
  }

  static InvalidTokenException missing(String name) {
    return new InvalidTokenException(Reason.MISSING_CLAIM, "token lacks the claim " + name);
  }

  static InvalidTokenException invalid(String name, String reason) {
    return new InvalidTokenException(Reason.INVALID_CLAIM, "token claim " + name + " " + reason);
  }
}
