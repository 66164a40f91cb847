package dev.chronomesh.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.chronomesh.auth.InvalidTokenException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Dataplane tokens: RS256 JWTs signed with the mesh's dataplane key, carrying {@code mesh}, {@code
 * name}, {@code tags} and {@code type: dataplane}. Issued by the command-api, verified by the xDS
 * gateways with the mesh's public key.
 */
public final class DataplaneTokens {
  /** The value of the {@code type} claim. */
  public static final String TYPE = "dataplane";

  static final String MESH = "mesh";
  static final String NAME = "name";
  static final String TAGS = "tags";

  private final Clock clock;

  public DataplaneTokens(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Issues a token for dataplane {@code name} of {@code mesh}, valid for {@code validity}.
   *
   * @throws IllegalArgumentException when {@code key} belongs to another mesh, a name is blank, a
   *     tag has no values, or the validity is not positive or longer than 10 years
   */
  public String issue(
      SigningKey key,
      String mesh,
      String name,
      Map<String, ? extends List<String>> tags,
      Duration validity) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(tags, "tags");
    if (mesh == null || mesh.isBlank() || name == null || name.isBlank()) {
      throw new IllegalArgumentException("a dataplane token needs a mesh and a name");
    }
    if (!key.mesh().equals(mesh)) {
      throw new IllegalArgumentException(
          "key " + key + " cannot sign tokens of mesh " + mesh + ": each mesh has its own key");
    }
    Map<String, Object> tagClaim = new LinkedHashMap<>();
    new TreeMap<>(tags)
        .forEach(
            (k, values) -> {
              if (values == null || values.isEmpty()) {
                throw new IllegalArgumentException("tag " + k + " has no values");
              }
              tagClaim.put(k, List.copyOf(new TreeSet<>(values)));
            });
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put(MESH, mesh);
    claims.put(NAME, name);
    claims.put(TAGS, tagClaim);
    claims.put(Jwts.TYPE_CLAIM, TYPE);
    return Jwts.sign(key, name, validity, clock, claims);
  }

  /**
   * Verifies {@code token} for dataplane {@code expectedName} of {@code expectedMesh} with that
   * mesh's key. Revocation is the caller's check ({@link DataplaneClaims#tokenId()}); so are the
   * tags ({@link DataplaneClaims#tagViolations}).
   *
   * @throws InvalidTokenException naming the precise reason
   */
  public DataplaneClaims verify(
      String token, VerifyingKey key, String expectedMesh, String expectedName)
      throws InvalidTokenException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(expectedMesh, "expectedMesh");
    Objects.requireNonNull(expectedName, "expectedName");
    if (!key.mesh().equals(expectedMesh)) {
      throw new IllegalArgumentException(
          "key " + key + " cannot verify tokens of mesh " + expectedMesh);
    }
    JWTClaimsSet claims = Jwts.verify(token, key, clock);
    Object type = claims.getClaim(Jwts.TYPE_CLAIM);
    if (type == null) {
      throw Jwts.missing(Jwts.TYPE_CLAIM);
    }
    if (!TYPE.equals(type)) {
      throw new InvalidTokenException(Reason.WRONG_TYPE, "not a dataplane token");
    }
    String mesh = Jwts.string(claims, MESH);
    if (!mesh.equals(expectedMesh)) {
      throw new InvalidTokenException(
          Reason.WRONG_MESH, "token is for another mesh than " + expectedMesh);
    }
    String name = Jwts.string(claims, NAME);
    if (!name.equals(expectedName)) {
      throw new InvalidTokenException(
          Reason.WRONG_NAME, "token is for another dataplane than " + expectedName);
    }
    Map<String, List<String>> tags = tags(claims);
    Jwts.Common common = Jwts.common(claims);
    return new DataplaneClaims(
        mesh, name, tags, common.tokenId(), common.issuedAt(), common.expiresAt(), common.keyId());
  }

  private static Map<String, List<String>> tags(JWTClaimsSet claims) throws InvalidTokenException {
    Object raw = claims.getClaim(TAGS);
    if (raw == null) {
      throw Jwts.missing(TAGS);
    }
    if (!(raw instanceof Map<?, ?> map)) {
      throw Jwts.invalid(TAGS, "must be an object of string arrays");
    }
    Map<String, List<String>> tags = new TreeMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!(entry.getKey() instanceof String key)
          || !(entry.getValue() instanceof List<?> values)
          || values.isEmpty()
          || !values.stream().allMatch(v -> v instanceof String s && !s.isEmpty())) {
        throw Jwts.invalid(TAGS, "must be an object of non-empty string arrays");
      }
      tags.put(key, values.stream().map(String.class::cast).toList());
    }
    return tags;
  }
}
