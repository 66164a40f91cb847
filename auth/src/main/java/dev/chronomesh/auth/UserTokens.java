package dev.chronomesh.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.chronomesh.auth.InvalidTokenException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * User tokens of the admin API: RS256 JWTs signed with the global user-token key, carrying {@code
 * roles} (exactly one of admin, editor, viewer), {@code meshes} and {@code groups}.
 */
public final class UserTokens {
  static final String ROLES = "roles";
  static final String MESHES = "meshes";
  static final String GROUPS = "groups";

  private final Clock clock;

  public UserTokens(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Issues a token valid for {@code validity} from now.
   *
   * @throws IllegalArgumentException when the subject is blank or the validity is not positive or
   *     longer than 10 years
   */
  public String issue(
      SigningKey key,
      String subject,
      Collection<String> groups,
      UserRole role,
      Collection<String> meshes,
      Duration validity) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(role, "role");
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("the subject of a token cannot be blank");
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put(ROLES, List.of(role.wireName()));
    claims.put(MESHES, List.copyOf(new TreeSet<>(meshes)));
    claims.put(GROUPS, List.copyOf(groups));
    return Jwts.sign(key, subject, validity, clock, claims);
  }

  /**
   * Verifies {@code token} against {@code key}.
   *
   * @throws InvalidTokenException naming the precise reason: malformed, wrong algorithm, forged,
   *     wrong issuer, expired, not yet valid, a missing claim, an unknown role, a dataplane token
   */
  public UserClaims verify(String token, VerifyingKey key) throws InvalidTokenException {
    Objects.requireNonNull(key, "key");
    JWTClaimsSet claims = Jwts.verify(token, key, clock);
    Object type = claims.getClaim(Jwts.TYPE_CLAIM);
    if (type != null && !"user".equals(type)) {
      throw new InvalidTokenException(Reason.WRONG_TYPE, "not a user token");
    }
    List<String> roles = Jwts.strings(claims, ROLES);
    if (roles.size() != 1) {
      throw Jwts.invalid(ROLES, "must hold exactly one role");
    }
    UserRole role =
        UserRole.fromWireName(roles.get(0))
            .orElseThrow(
                () -> Jwts.invalid(ROLES, "holds an unknown role (known: admin, editor, viewer)"));
    List<String> meshes = Jwts.strings(claims, MESHES);
    List<String> groups = Jwts.strings(claims, GROUPS);
    Jwts.Common common = Jwts.common(claims);
    return new UserClaims(
        common.subject(),
        groups,
        role,
        new TreeSet<>(meshes),
        common.tokenId(),
        common.issuedAt(),
        common.expiresAt(),
        common.keyId());
  }
}
