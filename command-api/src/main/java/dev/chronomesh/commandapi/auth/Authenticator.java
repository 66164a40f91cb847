package dev.chronomesh.commandapi.auth;

/**
 * Turns the {@code Authorization} header of a request into a {@link Principal}. The token
 * implementation checks signature, expiry and revocation; tests may use a fixed one.
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * @param authorization the raw header value ({@code Bearer <token>}), or null when absent
   * @return the caller
   * @throws AuthenticationException when the header is missing or the token is not valid
   */
  Principal authenticate(String authorization) throws AuthenticationException;

  /** An authenticator that lets everybody in as an admin: unit and topology tests only. */
  static Authenticator allowAllAsAdmin() {
    return header ->
        new Principal(
            "test-admin",
            java.util.Set.of(),
            Principal.Role.ADMIN,
            java.util.Set.of(),
            "test-admin-token");
  }
}
