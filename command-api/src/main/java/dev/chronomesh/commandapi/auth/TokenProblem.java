package dev.chronomesh.commandapi.auth;

import dev.chronomesh.meshmodel.Violation;
import java.util.List;

/** A token request the API refuses; written as problem+json by {@link TokenRoutes}. */
final class TokenProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient List<Violation> violations;

  TokenProblem(int status, String detail) {
    this(status, detail, List.of());
  }

  TokenProblem(int status, String detail, List<Violation> violations) {
    super(detail, null, false, false);
    this.status = status;
    this.violations = List.copyOf(violations);
  }

  int status() {
    return status;
  }

  List<Violation> violations() {
    return violations;
  }
}
