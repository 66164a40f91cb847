package dev.chronomesh.meshmodel.policies;

import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;

/**
 * Whether a problem was already reported at or below a path, so that a validator does not add a
 * second, misleading one: a field whose value did not bind (a number for a duration) is null in the
 * bound record, and a section whose only field failed to bind would otherwise also read as empty.
 */
public final class Reported {
  private Reported() {}

  /** Whether {@code v} holds a violation of {@code path} itself or of a field below it. */
  public static boolean at(Violations v, String path) {
    for (Violation violation : v.list()) {
      String field = violation.field();
      if (field.equals(path) || field.startsWith(path + ".") || field.startsWith(path + "[")) {
        return true;
      }
    }
    return false;
  }
}
