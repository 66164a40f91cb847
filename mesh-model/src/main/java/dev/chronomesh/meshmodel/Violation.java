package dev.chronomesh.meshmodel;

import java.util.Objects;

/**
 * One problem with an input, at a path in Kuma's style ({@code
 * networking.inbound[0].tags["kuma.io/service"]}); the empty path means the whole document.
 */
public record Violation(String field, String reason) {
  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(reason, "reason");
  }
}
