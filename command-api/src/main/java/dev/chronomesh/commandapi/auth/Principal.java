package dev.chronomesh.commandapi.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling the admin API, established from a token: an admin (everything), an editor of some
 * meshes (writes inside those meshes, reads everywhere) or a viewer (reads, but no secret values).
 *
 * @param name the token's subject
 * @param groups the token's groups (informational)
 * @param role what the principal may do
 * @param meshes the meshes an editor may write; empty for other roles
 * @param tokenId the token's id (jti), for revocation and audit
 */
public record Principal(
    String name, Set<String> groups, Role role, Set<String> meshes, String tokenId) {

  /** The three roles of the admin API. */
  public enum Role {
    ADMIN,
    EDITOR,
    VIEWER
  }

  public Principal {
    Objects.requireNonNull(name, "name");
    groups = Set.copyOf(groups);
    Objects.requireNonNull(role, "role");
    meshes = Set.copyOf(meshes);
    Objects.requireNonNull(tokenId, "tokenId");
  }

  /** Whether this principal may create, change or delete a resource in {@code mesh}. */
  public boolean canWrite(String mesh, boolean globalResource) {
    return switch (role) {
      case ADMIN -> true;
      case EDITOR -> !globalResource && meshes.contains(mesh);
      case VIEWER -> false;
    };
  }

  /** Whether this principal may read secret values of {@code mesh}. */
  public boolean canReadSecrets(String mesh) {
    return role == Role.ADMIN || (role == Role.EDITOR && meshes.contains(mesh));
  }

  /** Whether this principal may issue user tokens and manage global settings. */
  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  /** The actor recorded in events: {@code name@client-address}. */
  public String actor(String clientAddress) {
    return name + "@" + clientAddress;
  }
}
