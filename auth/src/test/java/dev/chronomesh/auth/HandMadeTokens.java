package dev.chronomesh.auth;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

/** Tokens built by hand, as an attacker or a buggy issuer would: tests only. */
final class HandMadeTokens {
  private HandMadeTokens() {}

  static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(UTF_8));
  }

  static String payloadJson(String token) {
    return new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), UTF_8);
  }

  /** {@code alg: none}: header, payload, empty signature. */
  static String unsigned(String payloadJson) {
    return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(payloadJson) + ".";
  }

  static JWTClaimsSet.Builder userClaims(SigningKey key, Instant iat, Instant exp) {
    return new JWTClaimsSet.Builder()
        .issuer("chronomesh")
        .subject("jane")
        .jwtID("id-1")
        .issueTime(Date.from(iat))
        .expirationTime(Date.from(exp))
        .claim("kid", key.keyId())
        .claim("roles", java.util.List.of("admin"))
        .claim("meshes", java.util.List.of())
        .claim("groups", java.util.List.of());
  }

  static JWTClaimsSet without(JWTClaimsSet claims, String name) {
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
    for (Map.Entry<String, Object> e : claims.getClaims().entrySet()) {
      if (!e.getKey().equals(name)) {
        b.claim(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }

  static String rsa(SigningKey key, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.keyId()).build(), claims);
    jwt.sign(new RSASSASigner(key.privateKey()));
    return jwt.serialize();
  }

  static String hmac(byte[] secret, String keyId, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(keyId).build(), claims);
    jwt.sign(new MACSigner(secret));
    return jwt.serialize();
  }
}
