package dev.chronomesh.events.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * A subject's compatibility level, with the meaning the Confluent Schema Registry gives it: which
 * earlier versions a new schema is checked against, and in which direction.
 */
public enum CompatibilityLevel {
  /** No check. */
  NONE(false, false, false),
  /** The new schema reads data written with the latest version. */
  BACKWARD(true, false, false),
  /** The new schema reads data written with every earlier version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest version reads data written with the new schema. */
  FORWARD(false, true, false),
  /** Every earlier version reads data written with the new schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** BACKWARD and FORWARD against the latest version. */
  FULL(true, true, false),
  /** BACKWARD and FORWARD against every earlier version. */
  FULL_TRANSITIVE(true, true, true);

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** The level with this name (case-insensitive), if any. */
  public static Optional<CompatibilityLevel> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    for (CompatibilityLevel level : values()) {
      if (level.name().equalsIgnoreCase(name.trim())) {
        return Optional.of(level);
      }
    }
    return Optional.empty();
  }

  /** Whether this level checks against every earlier version, not only the latest. */
  public boolean transitive() {
    return transitive;
  }

  /**
   * Every reason why {@code candidate} may not follow {@code existing} (oldest first) under this
   * level; empty when it may.
   */
  public List<String> check(Schema candidate, List<Schema> existing) {
    if (this == NONE || existing.isEmpty()) {
      return List.of();
    }
    List<Schema> against = transitive ? existing : List.of(existing.get(existing.size() - 1));
    List<String> problems = new ArrayList<>();
    for (Schema old : against) {
      checkPair(candidate, old, problems);
    }
    return List.copyOf(problems);
  }

  /** Every reason why {@code candidate} may not follow the single version {@code old}. */
  public List<String> checkOne(Schema candidate, Schema old) {
    List<String> problems = new ArrayList<>();
    if (this != NONE) {
      checkPair(candidate, old, problems);
    }
    return List.copyOf(problems);
  }

  private void checkPair(Schema candidate, Schema old, List<String> problems) {
    if (backward) {
      describe("reader (new) cannot read data written with an earlier version", candidate, old)
          .forEach(problems::add);
    }
    if (forward) {
      describe("an earlier version cannot read data written with the new schema", old, candidate)
          .forEach(problems::add);
    }
  }

  private static List<String> describe(String direction, Schema reader, Schema writer) {
    return incompatibilities(reader, writer).stream().map(p -> direction + ": " + p).toList();
  }

  /**
   * Every reason why {@code reader} cannot read data written with {@code writer}, each naming the
   * incompatibility type, the field path in the reader (e.g. {@code payload.inbound[].port}) and
   * Avro's message; empty when it can.
   */
  public static List<String> incompatibilities(Schema reader, Schema writer) {
    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Incompatibility i : result.getResult().getIncompatibilities()) {
      out.add(
          i.getType()
              + " at "
              + fieldPath(reader, i.getLocation())
              + " ("
              + i.getLocation()
              + "): "
              + i.getMessage());
    }
    if (out.isEmpty()) {
      out.add(result.getDescription());
    }
    return out;
  }

  /** Translates Avro's JSON-pointer location into field names of {@code schema}. */
  static String fieldPath(Schema schema, String location) {
    StringBuilder path = new StringBuilder();
    Schema current = schema;
    String[] tokens = location == null ? new String[0] : location.split("/");
    try {
      for (int t = 0; t < tokens.length; t++) {
        String token = tokens[t];
        if (token.isEmpty() || token.equals("type")) {
          continue;
        }
        if (token.equals("fields") && t + 1 < tokens.length) {
          Schema.Field field = current.getFields().get(Integer.parseInt(tokens[++t]));
          path.append(path.isEmpty() ? "" : ".").append(field.name());
          current = field.schema();
        } else if (token.equals("items")) {
          path.append("[]");
          current = current.getElementType();
        } else if (token.equals("values")) {
          path.append("{}");
          current = current.getValueType();
        } else if (current.getType() == Schema.Type.UNION
            && token.chars().allMatch(Character::isDigit)) {
          current = current.getTypes().get(Integer.parseInt(token));
        } else {
          path.append(path.isEmpty() ? "" : ".").append(token);
        }
      }
    } catch (RuntimeException e) {
      return location; // a location we cannot follow: Avro's own form is still exact
    }
    return path.isEmpty() ? "<root>" : path.toString();
  }
}
