package dev.chronomesh.launcher;

/**
 * A reason {@code chronomesh up} cannot start that the operator fixes, such as a port or the data
 * directory another process holds. Its message is the whole story and names the fix; {@code up}
 * prints it as one line, without a stack trace.
 */
public final class StartRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StartRefusedException(String message) {
    super(message);
  }

  StartRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
