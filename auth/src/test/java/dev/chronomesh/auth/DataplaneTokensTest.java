package dev.chronomesh.auth;

import static dev.chronomesh.auth.HandMadeTokens.b64;
import static dev.chronomesh.auth.HandMadeTokens.payloadJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.chronomesh.auth.InvalidTokenException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataplaneTokensTest {
  private static final EnvelopeSealer SEALER = new EnvelopeSealer(EnvelopeSealer.newKek());
  private static final SigningKey DEFAULT_KEY =
      SigningKeys.signingKey(
          SigningKeys.generate("default", "dataplane-token-signing-key", SEALER), SEALER);
  private static final SigningKey OTHER_MESH_KEY =
      SigningKeys.signingKey(
          SigningKeys.generate("other", "dataplane-token-signing-key", SEALER), SEALER);
  private static final VerifyingKey DEFAULT_PUBLIC = DEFAULT_KEY.verifyingKey();
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  private static final Map<String, List<String>> TAGS =
      Map.of("kuma.io/service", List.of("backend"), "version", List.of("v2", "v1"));

  private static DataplaneTokens at(Instant instant) {
    return new DataplaneTokens(Clock.fixed(instant, ZoneOffset.UTC));
  }

  private static String token() {
    return at(T0).issue(DEFAULT_KEY, "default", "backend-1", TAGS, Duration.ofHours(24));
  }

  private static void rejects(ThrowingVerify verify, Reason reason) {
    assertThatThrownBy(verify::run)
        .isInstanceOfSatisfying(
            InvalidTokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  interface ThrowingVerify {
    void run() throws Exception;
  }

  @Test
  void issuesAndVerifies() throws Exception {
    String token = token();

    DataplaneClaims claims =
        at(T0.plusSeconds(5)).verify(token, DEFAULT_PUBLIC, "default", "backend-1");

    assertThat(claims.mesh()).isEqualTo("default");
    assertThat(claims.name()).isEqualTo("backend-1");
    assertThat(claims.tags())
        .containsExactly(
            Map.entry("kuma.io/service", List.of("backend")),
            Map.entry("version", List.of("v1", "v2")));
    assertThat(claims.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(24)));
    assertThat(claims.keyId()).isEqualTo(DEFAULT_PUBLIC.keyId());
    assertThat(payloadJson(token))
        .contains("\"type\":\"dataplane\"")
        .contains("\"mesh\":\"default\"")
        .contains("\"name\":\"backend-1\"")
        .contains("\"iss\":\"chronomesh\"")
        .contains("\"tags\":{\"kuma.io/service\":[\"backend\"],\"version\":[\"v1\",\"v2\"]}");
  }

  @Test
  void rejectsAnotherDataplaneOrMesh() throws Exception {
    String token = token();
    rejects(() -> at(T0).verify(token, DEFAULT_PUBLIC, "default", "backend-2"), Reason.WRONG_NAME);
    // another mesh's key does not verify this mesh's tokens
    rejects(
        () -> at(T0).verify(token, OTHER_MESH_KEY.verifyingKey(), "other", "backend-1"),
        Reason.BAD_SIGNATURE);
    // a token naming another mesh, signed with this mesh's key (an issuer bug), is refused too
    JWTClaimsSet wrongMesh =
        new JWTClaimsSet.Builder()
            .issuer("chronomesh")
            .subject("backend-1")
            .jwtID("x")
            .issueTime(Date.from(T0))
            .expirationTime(Date.from(T0.plusSeconds(600)))
            .claim("kid", DEFAULT_KEY.keyId())
            .claim("type", "dataplane")
            .claim("mesh", "other")
            .claim("name", "backend-1")
            .claim("tags", Map.of())
            .build();
    String handMade = HandMadeTokens.rsa(DEFAULT_KEY, JWSAlgorithm.RS256, wrongMesh);
    rejects(
        () -> at(T0).verify(handMade, DEFAULT_PUBLIC, "default", "backend-1"), Reason.WRONG_MESH);
    assertThatThrownBy(
            () -> at(T0).verify(token, OTHER_MESH_KEY.verifyingKey(), "default", "backend-1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsUserTokensSignedWithTheMeshKey() {
    String user =
        new UserTokens(Clock.fixed(T0, ZoneOffset.UTC))
            .issue(
                DEFAULT_KEY,
                "backend-1",
                List.of(),
                UserRole.ADMIN,
                List.of(),
                Duration.ofHours(1));
    rejects(
        () -> at(T0).verify(user, DEFAULT_PUBLIC, "default", "backend-1"), Reason.MISSING_CLAIM);
  }

  @Test
  void rejectsForgedAlgNoneHmacExpiredAndTampered() throws Exception {
    String token = token();
    String[] parts = token.split("\\.");
    rejects(
        () ->
            at(T0)
                .verify(
                    HandMadeTokens.unsigned(payloadJson(token)),
                    DEFAULT_PUBLIC,
                    "default",
                    "backend-1"),
        Reason.UNSUPPORTED_ALGORITHM);
    JWTClaimsSet claims = JWTClaimsSet.parse(payloadJson(token));
    String hmac =
        HandMadeTokens.hmac(
            DEFAULT_PUBLIC.publicKey().getEncoded(), DEFAULT_PUBLIC.keyId(), claims);
    rejects(
        () -> at(T0).verify(hmac, DEFAULT_PUBLIC, "default", "backend-1"),
        Reason.UNSUPPORTED_ALGORITHM);
    String forged =
        at(T0)
            .issue(
                SigningKeys.signingKey(SigningKeys.generate("default", "k", SEALER), SEALER),
                "default",
                "backend-1",
                TAGS,
                Duration.ofHours(1));
    rejects(
        () -> at(T0).verify(forged, DEFAULT_PUBLIC, "default", "backend-1"), Reason.BAD_SIGNATURE);
    String tampered =
        parts[0]
            + "."
            + b64(payloadJson(token).replace("\"backend\"", "\"payments\""))
            + "."
            + parts[2];
    rejects(
        () -> at(T0).verify(tampered, DEFAULT_PUBLIC, "default", "backend-1"),
        Reason.BAD_SIGNATURE);
    rejects(
        () ->
            at(T0.plus(Duration.ofHours(25))).verify(token, DEFAULT_PUBLIC, "default", "backend-1"),
        Reason.EXPIRED);
    rejects(
        () -> at(T0.minusSeconds(300)).verify(token, DEFAULT_PUBLIC, "default", "backend-1"),
        Reason.NOT_YET_VALID);
  }

  @Test
  void checksTheDataplanesTags() throws Exception {
    DataplaneClaims claims = at(T0).verify(token(), DEFAULT_PUBLIC, "default", "backend-1");

    assertThat(
            claims.tagViolations(
                Map.of(
                    "kuma.io/service",
                    Set.of("backend"),
                    "version",
                    Set.of("v1"),
                    "zone",
                    Set.of("a"))))
        .isEmpty();
    assertThat(claims.tagViolations(Map.of("kuma.io/service", Set.of("backend", "payments"))))
        .containsExactly(
            "tag kuma.io/service=payments is not allowed by the token (allowed: [backend])",
            "the dataplane has no tag version, which its token requires");
  }

  @Test
  void refusesToSignForAnotherMesh() {
    assertThatThrownBy(
            () -> at(T0).issue(DEFAULT_KEY, "other", "backend-1", TAGS, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("each mesh has its own key");
    assertThatThrownBy(
            () ->
                at(T0)
                    .issue(
                        DEFAULT_KEY,
                        "default",
                        "backend-1",
                        Map.of("kuma.io/service", List.of()),
                        Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
