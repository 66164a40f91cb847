package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object of an input document at a path: typed field access that records a violation (with
 * the field's path) instead of failing, so a walk collects every problem.
 */
final class Obj {
  private final JsonNode node;
  private final String path;
  private final Violations violations;

  private Obj(JsonNode node, String path, Violations violations) {
    this.node = node;
    this.path = path;
    this.violations = violations;
  }

  /** The object at {@code path}, or null (with a violation) when the node is not an object. */
  static Obj of(JsonNode node, String path, Violations violations) {
    if (node == null || !node.isObject()) {
      violations.add(path, "must be an object");
      return null;
    }
    return new Obj(node, path, violations);
  }

  String path() {
    return path;
  }

  String path(String field) {
    return Violations.field(path, field);
  }

  Violations violations() {
    return violations;
  }

  /** Rejects fields outside {@code known}; Kuma fields Chronomesh cannot store get a hint. */
  void rejectUnknown(Set<String> known, Set<String> kumaUnsupported) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (known.contains(name)) {
        continue;
      }
      if (kumaUnsupported.contains(name)) {
        violations.notSupportedYet(path(name), null);
      } else {
        violations.unknownField(path(name));
      }
    }
  }

  /** The field, or null when absent or JSON null (YAML's empty value). */
  JsonNode raw(String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  String string(String field, boolean required) {
    JsonNode value = raw(field);
    if (value == null) {
      if (required) {
        violations.add(path(field), "cannot be empty");
      }
      return null;
    }
    if (!value.isTextual()) {
      violations.add(path(field), "must be a string");
      return null;
    }
    if (required && value.textValue().isEmpty()) {
      violations.add(path(field), "cannot be empty");
      return null;
    }
    return value.textValue();
  }

  /** A port number 1-65535. */
  Integer port(String field, boolean required) {
    JsonNode value = raw(field);
    if (value == null) {
      if (required) {
        violations.add(path(field), "port must be in the range from 1 to 65535");
      }
      return null;
    }
    if (!value.isIntegralNumber()) {
      violations.add(path(field), "must be an integer");
      return null;
    }
    String reason = value.canConvertToLong() ? Checks.port(value.longValue()) : "out of range";
    if (reason != null) {
      violations.add(path(field), reason);
      return null;
    }
    return value.intValue();
  }

  Boolean bool(String field) {
    JsonNode value = raw(field);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      violations.add(path(field), "must be a boolean");
      return null;
    }
    return value.booleanValue();
  }

  /** A nested object, or null when absent (no violation) or not an object (violation). */
  Obj object(String field) {
    JsonNode value = raw(field);
    return value == null ? null : of(value, path(field), violations);
  }

  /** The elements of an array field; empty when absent, a violation when not an array. */
  List<JsonNode> array(String field) {
    JsonNode value = raw(field);
    if (value == null) {
      return List.of();
    }
    if (!value.isArray()) {
      violations.add(path(field), "must be an array");
      return List.of();
    }
    List<JsonNode> out = new ArrayList<>();
    value.forEach(out::add);
    return out;
  }

  /** The objects of an array field; elements that are not objects are violations and skipped. */
  List<Obj> objects(String field) {
    List<Obj> out = new ArrayList<>();
    List<JsonNode> items = array(field);
    for (int i = 0; i < items.size(); i++) {
      Obj item = of(items.get(i), Violations.index(path(field), i), violations);
      if (item != null) {
        out.add(item);
      }
    }
    return out;
  }

  /** The strings of an array field; empty when absent; violations for non-strings and "". */
  List<String> stringList(String field) {
    List<String> out = new ArrayList<>();
    List<JsonNode> items = array(field);
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String itemPath = Violations.index(path(field), i);
      if (!item.isTextual()) {
        violations.add(itemPath, "must be a string");
      } else if (item.textValue().isEmpty()) {
        violations.add(itemPath, "cannot be empty");
      } else {
        out.add(item.textValue());
      }
    }
    return out;
  }

  /** A string-to-string map (labels, tags); non-string values are violations. */
  /**
   * The field as Kuma tags: a key or value {@link Checks#tagKey}/{@link Checks#tagValue} refuses is
   * a violation under the (excerpted) key and left out of the map.
   */
  Map<String, String> tags(String field) {
    Map<String, String> valid = new LinkedHashMap<>();
    stringMap(field)
        .forEach(
            (key, value) -> {
              String reason = Checks.tagKey(key);
              if (reason == null) {
                reason = Checks.tagValue(value);
              }
              if (reason != null) {
                violations.add(Violations.key(path(field), Checks.excerpt(key)), reason);
              } else {
                valid.put(key, value);
              }
            });
    return valid;
  }

  Map<String, String> stringMap(String field) {
    JsonNode value = raw(field);
    Map<String, String> out = new LinkedHashMap<>();
    if (value == null) {
      return out;
    }
    if (!value.isObject()) {
      violations.add(path(field), "must be an object");
      return out;
    }
    String mapPath = path(field);
    value
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().textValue());
              } else {
                violations.add(Violations.key(mapPath, e.getKey()), "must be a string");
              }
            });
    return out;
  }
}
