package dev.chronomesh.commandapi;

import dev.chronomesh.meshmodel.Violation;
import java.util.List;

/**
 * A request the API refuses, answered as RFC 9457 problem+json in Kuma 2.x's shape. Thrown by
 * handlers and mapped once, in {@link Problems}.
 */
final class ApiProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient List<Violation> violations;

  ApiProblem(int status, String detail) {
    this(status, detail, List.of());
  }

  ApiProblem(int status, String detail, List<Violation> violations) {
    super(detail, null, false, false);
    this.status = status;
    this.violations = List.copyOf(violations);
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
}
