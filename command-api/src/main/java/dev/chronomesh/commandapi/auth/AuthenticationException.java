package dev.chronomesh.commandapi.auth;

/** A request carried no token, or one that is malformed, forged, expired or revoked (401). */
public class AuthenticationException extends Exception {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message);
  }
}
