package dev.chronomesh.auth;

import java.util.Locale;
import java.util.Optional;

/** The role a user token grants; its wire name is the lower-case name. */
public enum UserRole {
  ADMIN,
  EDITOR,
  VIEWER;

  /** The name in tokens and request bodies: admin, editor, viewer. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role with wire name {@code text}, if any (exact, lower case). */
  public static Optional<UserRole> fromWireName(String text) {
    for (UserRole role : values()) {
      if (role.wireName().equals(text)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
