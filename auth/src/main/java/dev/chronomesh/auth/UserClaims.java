package dev.chronomesh.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The verified content of a user token.
 *
 * @param subject who the token was issued to ({@code sub})
 * @param groups the user's groups (informational)
 * @param role what the user may do
 * @param meshes the meshes an editor may write (as issued; empty for most tokens)
 * @param tokenId the token id ({@code jti}), for revocation
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}
 * @param keyId the signing key's id ({@code kid})
 */
public record UserClaims(
    String subject,
    List<String> groups,
    UserRole role,
    Set<String> meshes,
    String tokenId,
    Instant issuedAt,
    Instant expiresAt,
    String keyId) {
  public UserClaims {
    Objects.requireNonNull(subject, "subject");
    groups = List.copyOf(groups);
    Objects.requireNonNull(role, "role");
    meshes = Set.copyOf(meshes);
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(keyId, "keyId");
  }
}
