package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Kuma universal policy document ({@code type, name, mesh, labels, spec}) into the engine's
 * {@link Policy}. Only the targetRef structure is checked here; the confs ({@code default}, route
 * {@code rules}) are copied as they are and checked by each type's validator.
 */
public final class PolicyJson {
  /** Types whose {@code to[]} items carry {@code rules} (and {@code hostnames}), not a default. */
  static final Set<String> ROUTE_TYPES = Set.of("MeshHTTPRoute", "MeshTCPRoute");

  private static final Set<String> TOP_FIELDS =
      Set.of("type", "name", "mesh", "labels", "spec", "creationTime", "modificationTime");
  private static final Set<String> SPEC_FIELDS = Set.of("targetRef", "to", "from", "rules");
  private static final Set<String> TARGET_REF_FIELDS =
      Set.of("kind", "name", "labels", "tags", "sectionName");

  private PolicyJson() {}

  /**
   * The policy the document describes, or null when it has problems; every problem is added to
   * {@code violations} with its path ({@code spec.to[0].targetRef.kind}). A missing top-level
   * targetRef means {@code kind: Mesh}. For MeshHTTPRoute and MeshTCPRoute a {@code to[]} item's
   * conf is {@code {rules: [...], hostnames: [...]}} (hostnames only when given).
   */
  public static Policy parse(JsonNode document, List<Violation> violations) {
    Violations v = new Violations();
    Policy policy = parse(document, v);
    violations.addAll(v.list());
    return v.isEmpty() ? policy : null;
  }

  private static Policy parse(JsonNode document, Violations v) {
    if (document == null || !document.isObject()) {
      v.add("", "must be an object");
      return null;
    }
    unknown(document, "", TOP_FIELDS, v);
    String type = string(document, "", "type", true, v);
    String name = string(document, "", "name", true, v);
    String mesh = string(document, "", "mesh", true, v);
    Map<String, String> labels = stringMap(document, "", "labels", v);
    JsonNode spec = raw(document, "spec");
    if (spec == null || !spec.isObject()) {
      v.add("spec", spec == null ? "cannot be empty" : "must be an object");
      return null;
    }
    unknown(spec, "spec", SPEC_FIELDS, v);
    TargetRef top = TargetRef.mesh();
    JsonNode topRef = raw(spec, "targetRef");
    if (topRef != null) {
      top = targetRef(topRef, "spec.targetRef", v);
    }
    boolean route = type != null && ROUTE_TYPES.contains(type);
    List<ToItem> to = new ArrayList<>();
    List<JsonNode> toNodes = array(spec, "spec", "to", v);
    for (int i = 0; i < toNodes.size(); i++) {
      String path = "spec.to[" + i + "]";
      JsonNode item = toNodes.get(i);
      if (!item.isObject()) {
        v.add(path, "must be an object");
        continue;
      }
      TargetRef ref = requiredTargetRef(item, path, v);
      ObjectNode conf;
      if (route) {
        unknown(item, path, Set.of("targetRef", "rules", "hostnames"), v);
        conf = JsonNodeFactory.instance.objectNode();
        JsonNode rules = raw(item, "rules");
        if (rules == null) {
          v.add(path + ".rules", "cannot be empty");
        } else if (!rules.isArray()) {
          v.add(path + ".rules", "must be an array");
        } else {
          conf.set("rules", rules.deepCopy());
        }
        JsonNode hostnames = raw(item, "hostnames");
        if (hostnames != null) {
          if (!hostnames.isArray()) {
            v.add(path + ".hostnames", "must be an array");
          } else {
            conf.set("hostnames", hostnames.deepCopy());
          }
        }
      } else {
        unknown(item, path, Set.of("targetRef", "default"), v);
        conf = defaultConf(item, path, v);
      }
      if (ref != null && conf != null) {
        to.add(new ToItem(ref, conf));
      }
    }
    List<FromItem> from = new ArrayList<>();
    List<JsonNode> fromNodes = array(spec, "spec", "from", v);
    for (int i = 0; i < fromNodes.size(); i++) {
      String path = "spec.from[" + i + "]";
      JsonNode item = fromNodes.get(i);
      if (!item.isObject()) {
        v.add(path, "must be an object");
        continue;
      }
      unknown(item, path, Set.of("targetRef", "default"), v);
      TargetRef ref = requiredTargetRef(item, path, v);
      ObjectNode conf = defaultConf(item, path, v);
      if (ref != null && conf != null) {
        from.add(new FromItem(ref, conf));
      }
    }
    List<RuleItem> rules = new ArrayList<>();
    List<JsonNode> ruleNodes = array(spec, "spec", "rules", v);
    for (int i = 0; i < ruleNodes.size(); i++) {
      String path = "spec.rules[" + i + "]";
      JsonNode item = ruleNodes.get(i);
      if (!item.isObject()) {
        v.add(path, "must be an object");
        continue;
      }
      unknown(item, path, Set.of("default"), v);
      ObjectNode conf = defaultConf(item, path, v);
      if (conf != null) {
        rules.add(new RuleItem(conf));
      }
    }
    if (!v.isEmpty() || top == null) {
      return null;
    }
    Policy policy = new Policy(type, name, mesh, labels, top, to, from, rules);
    for (Violation violation : policy.violations()) {
      v.add(violation.field(), violation.reason());
    }
    return v.isEmpty() ? policy : null;
  }

  private static ObjectNode defaultConf(JsonNode item, String path, Violations v) {
    JsonNode conf = raw(item, "default");
    if (conf == null) {
      v.add(path + ".default", "cannot be empty");
      return null;
    }
    if (!conf.isObject()) {
      v.add(path + ".default", "must be an object");
      return null;
    }
    return (ObjectNode) conf.deepCopy();
  }

  private static TargetRef requiredTargetRef(JsonNode item, String path, Violations v) {
    JsonNode ref = raw(item, "targetRef");
    if (ref == null) {
      v.add(path + ".targetRef", "cannot be empty");
      return null;
    }
    return targetRef(ref, path + ".targetRef", v);
  }

  /** A targetRef's fields; null (with violations) when it cannot be built. */
  static TargetRef targetRef(JsonNode node, String path, Violations v) {
    if (!node.isObject()) {
      v.add(path, "must be an object");
      return null;
    }
    int before = v.size();
    unknown(node, path, TARGET_REF_FIELDS, v);
    String kindName = string(node, path, "kind", true, v);
    TargetRef.Kind kind = null;
    if (kindName != null) {
      try {
        kind = TargetRef.Kind.fromWireName(kindName);
      } catch (IllegalArgumentException e) {
        v.add(path + ".kind", e.getMessage());
      }
    }
    String name = string(node, path, "name", false, v);
    Map<String, String> labels = stringMap(node, path, "labels", v);
    Map<String, String> tags = stringMap(node, path, "tags", v);
    String sectionName = null;
    JsonNode section = raw(node, "sectionName");
    if (section != null) {
      if (section.isTextual() || section.isIntegralNumber()) {
        sectionName = section.asText();
      } else {
        v.add(path + ".sectionName", "must be a string");
      }
    }
    if (v.size() != before || kind == null) {
      return null;
    }
    return new TargetRef(kind, name, labels, tags, sectionName);
  }

  private static JsonNode raw(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  private static void unknown(JsonNode node, String path, Set<String> known, Violations v) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        v.add(Violations.field(path, name), "unknown field");
      }
    }
  }

  private static String string(
      JsonNode node, String path, String field, boolean required, Violations v) {
    JsonNode value = raw(node, field);
    if (value == null || (value.isTextual() && value.textValue().isEmpty())) {
      if (required) v.add(Violations.field(path, field), "cannot be empty");
      return null;
    }
    if (!value.isTextual()) {
      v.add(Violations.field(path, field), "must be a string");
      return null;
    }
    return value.textValue();
  }

  private static List<JsonNode> array(JsonNode node, String path, String field, Violations v) {
    JsonNode value = raw(node, field);
    if (value == null) return List.of();
    if (!value.isArray()) {
      v.add(Violations.field(path, field), "must be an array");
      return List.of();
    }
    List<JsonNode> out = new ArrayList<>();
    value.forEach(out::add);
    return out;
  }

  private static Map<String, String> stringMap(
      JsonNode node, String path, String field, Violations v) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode value = raw(node, field);
    if (value == null) return out;
    String mapPath = Violations.field(path, field);
    if (!value.isObject()) {
      v.add(mapPath, "must be an object");
      return out;
    }
    value
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().textValue());
              } else {
                v.add(Violations.key(mapPath, e.getKey()), "must be a string");
              }
            });
    return out;
  }
}
