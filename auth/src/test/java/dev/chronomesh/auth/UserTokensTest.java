package dev.chronomesh.auth;

import static dev.chronomesh.auth.HandMadeTokens.b64;
import static dev.chronomesh.auth.HandMadeTokens.payloadJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.chronomesh.auth.InvalidTokenException.Reason;
import dev.chronomesh.events.avro.SigningKeyResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class UserTokensTest {
  private static final EnvelopeSealer SEALER = new EnvelopeSealer(EnvelopeSealer.newKek());
  private static final SigningKeyResource RESOURCE =
      SigningKeys.generate("_global", "user-token-signing-key", SEALER);
  private static final SigningKey KEY = SigningKeys.signingKey(RESOURCE, SEALER);
  private static final VerifyingKey PUBLIC = SigningKeys.verifyingKey(RESOURCE);
  private static final SigningKey OTHER_KEY =
      SigningKeys.signingKey(
          SigningKeys.generate("_global", "user-token-signing-key", SEALER), SEALER);

  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  private static UserTokens at(Instant instant) {
    return new UserTokens(Clock.fixed(instant, ZoneOffset.UTC));
  }

  private static String editorToken() {
    return at(T0)
        .issue(
            KEY, "jane", List.of("ops"), UserRole.EDITOR, List.of("b", "a"), Duration.ofHours(1));
  }

  private static void rejects(String token, Reason reason) {
    ThrowingCallable verify = () -> at(T0.plusSeconds(60)).verify(token, PUBLIC);
    assertThatThrownBy(verify)
        .isInstanceOf(InvalidTokenException.class)
        .satisfies(
            e -> {
              assertThat(((InvalidTokenException) e).reason()).isEqualTo(reason);
              if (token != null && token.length() > 10) {
                for (String part : token.split("\\.")) {
                  if (part.length() > 4) {
                    assertThat(e.getMessage()).doesNotContain(part);
                  }
                }
              }
            });
  }

  @Test
  void issuesAndVerifiesAllClaims() throws Exception {
    String token = editorToken();

    UserClaims claims = at(T0.plusSeconds(60)).verify(token, PUBLIC);

    assertThat(claims.subject()).isEqualTo("jane");
    assertThat(claims.groups()).containsExactly("ops");
    assertThat(claims.role()).isEqualTo(UserRole.EDITOR);
    assertThat(claims.meshes()).isEqualTo(Set.of("a", "b"));
    assertThat(claims.issuedAt()).isEqualTo(T0);
    assertThat(claims.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(claims.keyId()).isEqualTo(PUBLIC.keyId());
    assertThat(claims.tokenId()).hasSize(36);
    String payload = payloadJson(token);
    assertThat(payload)
        .contains("\"iss\":\"chronomesh\"")
        .contains("\"sub\":\"jane\"")
        .contains("\"roles\":[\"editor\"]")
        .contains("\"meshes\":[\"a\",\"b\"]")
        .contains("\"groups\":[\"ops\"]")
        .contains("\"kid\":\"" + PUBLIC.keyId() + "\"");
    String header = new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[0]));
    assertThat(header).contains("\"alg\":\"RS256\"").contains("\"kid\":\"" + PUBLIC.keyId());
  }

  @Test
  void everyTokenHasItsOwnId() throws Exception {
    String a = editorToken();
    String b = editorToken();
    assertThat(at(T0).verify(a, PUBLIC).tokenId()).isNotEqualTo(at(T0).verify(b, PUBLIC).tokenId());
  }

  @Test
  void rejectsMissingOrGarbledTokens() {
    rejects(null, Reason.MALFORMED);
    rejects("", Reason.MALFORMED);
    rejects("garbage", Reason.MALFORMED);
    rejects("a.b", Reason.MALFORMED);
    rejects("a.b.c.d.e", Reason.MALFORMED);
    rejects("!!!.???.***", Reason.MALFORMED);
    rejects(b64("{not json") + "." + b64("{}") + ".c2ln", Reason.MALFORMED);
    rejects(b64("{\"alg\":\"RS256\"}") + "." + b64("not json") + ".c2ln", Reason.BAD_SIGNATURE);
    rejects("x".repeat(20_000) + ".a.b", Reason.MALFORMED);
  }

  @Test
  void rejectsAlgNone() {
    String token = editorToken();
    rejects(HandMadeTokens.unsigned(payloadJson(token)), Reason.UNSUPPORTED_ALGORITHM);
    // none, but with the genuine signature left in place
    String[] parts = token.split("\\.");
    rejects(
        b64("{\"alg\":\"none\"}") + "." + parts[1] + "." + parts[2], Reason.UNSUPPORTED_ALGORITHM);
    rejects(b64("{\"alg\":\"None\"}") + "." + parts[1] + ".", Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void rejectsHs256SignedWithThePublicKeyBytes() throws Exception {
    JWTClaimsSet claims = HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600)).build();
    byte[] publicDer = PUBLIC.publicKey().getEncoded();
    rejects(HandMadeTokens.hmac(publicDer, PUBLIC.keyId(), claims), Reason.UNSUPPORTED_ALGORITHM);
    byte[] pem =
        ("-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(publicDer)
                + "\n-----END PUBLIC KEY-----\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    rejects(HandMadeTokens.hmac(pem, PUBLIC.keyId(), claims), Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void rejectsOtherRsaAlgorithmsEvenWithTheRightKey() throws Exception {
    JWTClaimsSet claims = HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600)).build();
    rejects(HandMadeTokens.rsa(KEY, JWSAlgorithm.RS512, claims), Reason.UNSUPPORTED_ALGORITHM);
    rejects(HandMadeTokens.rsa(KEY, JWSAlgorithm.PS256, claims), Reason.UNSUPPORTED_ALGORITHM);
    // the same claims with RS256 do verify, so the algorithm alone made the difference
    assertThat(verifyAt(HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, claims)).subject())
        .isEqualTo("jane");
  }

  @Test
  void rejectsTokensSignedByAnotherKey() {
    String forged =
        at(T0)
            .issue(OTHER_KEY, "mallory", List.of(), UserRole.ADMIN, List.of(), Duration.ofHours(1));
    rejects(forged, Reason.BAD_SIGNATURE);
  }

  @Test
  void rejectsATamperedPayload() {
    String token =
        at(T0).issue(KEY, "jane", List.of(), UserRole.VIEWER, List.of(), Duration.ofHours(1));
    String[] parts = token.split("\\.");
    String escalated = payloadJson(token).replace("\"viewer\"", "\"admin\"");
    assertThat(escalated).contains("\"admin\"");
    rejects(parts[0] + "." + b64(escalated) + "." + parts[2], Reason.BAD_SIGNATURE);
    rejects(parts[0] + "." + parts[1] + ".", Reason.BAD_SIGNATURE);
    rejects(parts[0] + "." + parts[1] + "." + parts[2].substring(4), Reason.BAD_SIGNATURE);
  }

  @Test
  void rejectsExpiredTokensAfterTheClockSkew() throws Exception {
    String token =
        at(T0).issue(KEY, "jane", List.of(), UserRole.ADMIN, List.of(), Duration.ofMinutes(10));
    Instant exp = T0.plus(Duration.ofMinutes(10));

    assertThat(at(exp.plusSeconds(29)).verify(token, PUBLIC).subject()).isEqualTo("jane");
    assertThatThrownBy(() -> at(exp.plusSeconds(31)).verify(token, PUBLIC))
        .isInstanceOfSatisfying(
            InvalidTokenException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED));
  }

  @Test
  void rejectsTokensNotValidYet() throws Exception {
    String token =
        at(T0.plusSeconds(600))
            .issue(KEY, "jane", List.of(), UserRole.ADMIN, List.of(), Duration.ofHours(1));
    assertThatThrownBy(() -> at(T0).verify(token, PUBLIC))
        .isInstanceOfSatisfying(
            InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_YET_VALID));
    // within the skew it passes
    assertThat(at(T0.plusSeconds(580)).verify(token, PUBLIC).subject()).isEqualTo("jane");

    JWTClaimsSet nbf =
        new JWTClaimsSet.Builder(HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(7200)).build())
            .notBeforeTime(java.util.Date.from(T0.plusSeconds(3600)))
            .build();
    rejects(HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, nbf), Reason.NOT_YET_VALID);
  }

  @Test
  void rejectsAWrongIssuer() throws Exception {
    JWTClaimsSet claims =
        HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600)).issuer("kuma").build();
    rejects(HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, claims), Reason.WRONG_ISSUER);
  }

  @Test
  void rejectsMissingClaims() throws Exception {
    JWTClaimsSet full = HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600)).build();
    for (String claim :
        List.of("iss", "sub", "jti", "iat", "exp", "kid", "roles", "meshes", "groups")) {
      String token =
          HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, HandMadeTokens.without(full, claim));
      assertThatThrownBy(() -> verifyAt(token))
          .as(claim)
          .isInstanceOfSatisfying(
              InvalidTokenException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.MISSING_CLAIM);
                assertThat(e.getMessage()).isEqualTo("token lacks the claim " + claim);
              });
    }
  }

  @Test
  void rejectsUnknownRolesAndBadClaimTypes() throws Exception {
    JWTClaimsSet.Builder base = HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600));
    rejects(
        HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, base.claim("roles", List.of("root")).build()),
        Reason.INVALID_CLAIM);
    rejects(
        HandMadeTokens.rsa(
            KEY, JWSAlgorithm.RS256, base.claim("roles", List.of("admin", "viewer")).build()),
        Reason.INVALID_CLAIM);
    rejects(
        HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, base.claim("roles", "admin").build()),
        Reason.INVALID_CLAIM);
    JWTClaimsSet.Builder base2 = HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600));
    rejects(
        HandMadeTokens.rsa(KEY, JWSAlgorithm.RS256, base2.claim("meshes", List.of(1)).build()),
        Reason.INVALID_CLAIM);
    rejects(
        HandMadeTokens.rsa(
            KEY,
            JWSAlgorithm.RS256,
            HandMadeTokens.userClaims(KEY, T0, T0.plusSeconds(3600)).claim("kid", "other").build()),
        Reason.UNKNOWN_KEY);
  }

  @Test
  void rejectsDataplaneTokens() {
    SigningKey meshKey =
        SigningKeys.signingKey(SigningKeys.generate("_global", "k", SEALER), SEALER);
    String dp =
        new DataplaneTokens(Clock.fixed(T0, ZoneOffset.UTC))
            .issue(
                meshKey,
                "_global",
                "backend-1",
                java.util.Map.of("kuma.io/service", List.of("backend")),
                Duration.ofHours(1));
    assertThatThrownBy(() -> at(T0).verify(dp, meshKey.verifyingKey()))
        .isInstanceOfSatisfying(
            InvalidTokenException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_TYPE));
  }

  @Test
  void refusesToIssueInvalidTokens() {
    assertThatThrownBy(
            () -> at(T0).issue(KEY, " ", List.of(), UserRole.ADMIN, List.of(), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> at(T0).issue(KEY, "a", List.of(), UserRole.ADMIN, List.of(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                at(T0).issue(KEY, "a", List.of(), UserRole.ADMIN, List.of(), Duration.ofDays(3651)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static UserClaims verifyAt(String token) throws InvalidTokenException {
    return at(T0.plusSeconds(60)).verify(token, PUBLIC);
  }
}
