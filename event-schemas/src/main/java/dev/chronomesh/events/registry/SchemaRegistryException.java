package dev.chronomesh.events.registry;

/** A schema registry refused a request or could not be reached. */
public class SchemaRegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The Confluent error code (e.g. 40401 subject not found, 409 incompatible), or 0. */
  private final int errorCode;

  public SchemaRegistryException(int errorCode, String message) {
    super(message);
    this.errorCode = errorCode;
  }

  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
    this.errorCode = 0;
  }

  public int errorCode() {
    return errorCode;
  }
}
