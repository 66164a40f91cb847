package dev.chronomesh.auth;

import java.util.Objects;

/**
 * A token that does not verify, with the precise reason. Messages never contain the token or any
 * part of it, so they may be shown to the caller and logged.
 */
public final class InvalidTokenException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /** Absent, empty, too long, or not a compact JWS (three base64url parts with JSON). */
    MALFORMED,
    /** Any algorithm but RS256, including {@code none} and HMAC. */
    UNSUPPORTED_ALGORITHM,
    /** The signature does not verify with the expected key (forged or tampered). */
    BAD_SIGNATURE,
    /** The signing key id names another key. */
    UNKNOWN_KEY,
    WRONG_ISSUER,
    EXPIRED,
    NOT_YET_VALID,
    MISSING_CLAIM,
    /** A claim with the wrong type or an unknown value (e.g. an unknown role). */
    INVALID_CLAIM,
    /** A dataplane token presented as a user token or the other way round. */
    WRONG_TYPE,
    /** A dataplane token of another mesh. */
    WRONG_MESH,
    /** A dataplane token of another dataplane. */
    WRONG_NAME
  }

  private final Reason reason;

  public InvalidTokenException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
