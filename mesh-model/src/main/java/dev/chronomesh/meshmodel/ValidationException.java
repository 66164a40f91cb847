package dev.chronomesh.meshmodel;

import java.util.List;

/** An input was rejected; carries every violation found, each with its path. */
public final class ValidationException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Never empty. */
  private final transient List<Violation> violations;

  public ValidationException(List<Violation> violations) {
    super(summary(violations));
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("a validation failure needs at least one violation");
    }
    this.violations = List.copyOf(violations);
  }

  public List<Violation> violations() {
    return violations;
  }

  private static String summary(List<Violation> violations) {
    StringBuilder b = new StringBuilder();
    for (Violation v : violations) {
      b.append(b.isEmpty() ? "" : "; ")
          .append(v.field().isEmpty() ? "(document)" : v.field())
          .append(": ")
          .append(v.reason());
    }
    return b.toString();
  }
}
