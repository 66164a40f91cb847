package dev.chronomesh.commandapi;

import dev.chronomesh.meshmodel.Violation;
import java.util.List;
import java.util.Map;

/**
 * A request the API refuses, answered as RFC 9457 problem+json in Kuma 2.x's shape. Thrown by
 * handlers and mapped once, in {@link Problems}.
 */
final class ApiProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient List<Violation> violations;

  /** Extra response headers (Retry-After, Location). */
  private final transient Map<String, String> headers;

  ApiProblem(int status, String detail) {
    this(status, detail, List.of());
  }

  ApiProblem(int status, String detail, List<Violation> violations) {
    this(status, detail, violations, Map.of());
  }

  ApiProblem(int status, String detail, List<Violation> violations, Map<String, String> headers) {
    super(detail, null, false, false);
    this.status = status;
    this.violations = List.copyOf(violations);
    this.headers = Map.copyOf(headers);
  }

  int status() {
    return status;
  }

  String detail() {
    return getMessage();
  }

  List<Violation> violations() {
    return violations;
  }

  Map<String, String> headers() {
    return headers;
  }
}
