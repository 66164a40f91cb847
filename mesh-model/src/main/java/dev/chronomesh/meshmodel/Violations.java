package dev.chronomesh.meshmodel;

import java.util.ArrayList;
import java.util.List;

/** Collects violations while a document is walked, so every problem is reported at once. */
public final class Violations {
  private final List<Violation> list = new ArrayList<>();

  /** The one wording of a setting Kuma has and Chronomesh does not implement yet. */
  public static final String NOT_SUPPORTED_YET = "not supported by Chronomesh yet";

  public void add(String field, String reason) {
    list.add(new Violation(field, reason));
  }

  /**
   * A field Kuma accepts that Chronomesh cannot honour yet: refused rather than stored without an
   * effect. {@code why} (may be null) says what is missing.
   */
  public void notSupportedYet(String field, String why) {
    add(field, why == null || why.isEmpty() ? NOT_SUPPORTED_YET : NOT_SUPPORTED_YET + ": " + why);
  }

  /** A field neither Kuma nor Chronomesh knows. */
  public void unknownField(String field) {
    add(field, "unknown field");
  }

  public int size() {
    return list.size();
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  public List<Violation> list() {
    return List.copyOf(list);
  }

  /** Throws when anything was collected. */
  public void throwIfAny() throws ValidationException {
    if (!list.isEmpty()) {
      throw new ValidationException(list);
    }
  }

  /** {@code parent.name}, or {@code parent["name"]} when the name is not a plain identifier. */
  public static String field(String parent, String name) {
    if (name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      return parent.isEmpty() ? name : parent + "." + name;
    }
    return key(parent, name);
  }

  /** {@code parent[index]}. */
  public static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  /** {@code parent["key"]}, the key quoted as a JSON string. */
  public static String key(String parent, String key) {
    StringBuilder b = new StringBuilder(parent).append("[\"");
    for (char c : key.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append("\"]").toString();
  }
}
