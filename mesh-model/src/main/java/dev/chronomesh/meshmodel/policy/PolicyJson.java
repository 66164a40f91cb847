package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a Kuma universal policy document ({@code type, name, mesh, labels, spec}) for its {@link
 * PolicyType}: the targetRef structure, the sections the type has, and each conf bound to the
 * type's record ({@link JsonBinding}). The result is both the engine's {@link Policy} (confs as
 * canonical JSON, ready to merge) and the {@link TypedSpec} the type's validator checks.
 */
public final class PolicyJson {
  private static final Set<String> TOP_FIELDS =
      Set.of("type", "name", "mesh", "labels", "spec", "creationTime", "modificationTime");
  private static final Set<String> TARGET_REF_FIELDS =
      Set.of("kind", "name", "labels", "tags", "sectionName", "proxyTypes", "mesh", "namespace");

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** Kuma's targetRef kinds Chronomesh cannot select yet, with the reason. */
  private static final Map<String, String> NOT_SUPPORTED_KINDS =
      Map.of(
          "MeshExternalService", "kind MeshExternalService",
          "MeshMultiZoneService", "kind MeshMultiZoneService (Chronomesh has no zones yet)");

  private PolicyJson() {}

  /**
   * A policy read from its document: the engine's view (null when anything is wrong) and the typed
   * spec of whatever bound, which the type's validator checks even when other parts failed, so
   * every problem is reported at once.
   */
  record Parsed<C extends Record>(
      Policy policy, TypedSpec<C> spec, boolean targetRefGiven, boolean topKindNotSupported) {}

  /**
   * The policy the document describes, or null when it has problems; every problem is added to
   * {@code violations} with its path ({@code spec.to[0].targetRef.kind}). A missing top-level
   * targetRef means {@code kind: Mesh}. The type's validator is not run (see {@link
   * PolicyResources#read}).
   */
  public static Policy parse(JsonNode document, List<Violation> violations) {
    Violations v = new Violations();
    Parsed<?> parsed = parse(document, v);
    violations.addAll(v.list());
    return parsed == null ? null : parsed.policy();
  }

  /** The document read for the type its {@code type} field names; null with violations. */
  static Parsed<?> parse(JsonNode document, Violations v) {
    if (document == null || !document.isObject()) {
      v.add("", "must be an object");
      return null;
    }
    String typeName = string(document, "", "type", true, v);
    Optional<PolicyType<?>> type = typeName == null ? Optional.empty() : Policies.byName(typeName);
    if (typeName != null && type.isEmpty()) {
      v.add("type", "not a policy type: " + typeName);
    }
    if (type.isEmpty()) {
      return null;
    }
    return parse(type.get(), document, v);
  }

  /** The document read as {@code type}; null with violations. */
  static <C extends Record> Parsed<C> parse(PolicyType<C> type, JsonNode document, Violations v) {
    if (document == null || !document.isObject()) {
      v.add("", "must be an object");
      return null;
    }
    int before = v.size();
    unknown(document, "", TOP_FIELDS, Map.of(), v);
    String name = string(document, "", "name", true, v);
    String mesh = string(document, "", "mesh", true, v);
    Map<String, String> labels = stringMap(document, "", "labels", v);
    JsonNode spec = raw(document, "spec");
    if (spec == null || !spec.isObject()) {
      v.add("spec", spec == null ? "cannot be empty" : "must be an object");
      return null;
    }
    Set<String> specFields = new HashSet<>(List.of("targetRef"));
    Map<String, String> refused = new LinkedHashMap<>();
    type.sections().forEach(s -> specFields.add(s.field()));
    type.notSupportedYet().forEach((s, reason) -> refused.put(s.field(), reason));
    unknown(spec, "spec", specFields, refused, v);

    TargetRef top = TargetRef.mesh();
    JsonNode topRef = raw(spec, "targetRef");
    // A top-level kind Chronomesh cannot select yet (MeshGateway): what its items may hold
    // depends on it in Kuma, so only the kind is reported, not the items' kinds or values.
    boolean topUnsupported =
        topRef != null && NOT_SUPPORTED_KINDS.containsKey(topRef.path("kind").asText());
    if (topRef != null) {
      top = targetRef(topRef, "spec.targetRef", v);
      if (top != null) {
        addAll(top.violations("spec.targetRef", TargetRef.Position.TOP), v);
      }
    }
    boolean topRoute = top != null && top.kind() == TargetRef.Kind.MESH_HTTP_ROUTE;
    if (topRoute && !type.routeTargets()) {
      v.notSupportedYet(
          "spec.targetRef.kind", "kind MeshHTTPRoute as the top-level targetRef of " + type.name());
      topUnsupported = true;
    }
    boolean gatewayTop =
        topRef != null
            && TargetRef.Kind.MESH_GATEWAY.wireName().equals(topRef.path("kind").asText());
    List<ToItem> to = new ArrayList<>();
    List<FromItem> from = new ArrayList<>();
    List<RuleItem> rules = new ArrayList<>();
    List<TypedSpec.Item<C>> typedTo = new ArrayList<>();
    List<TypedSpec.Item<C>> typedFrom = new ArrayList<>();
    List<TypedSpec.Item<C>> typedRules = new ArrayList<>();
    Set<Section> emptySections = EnumSet.noneOf(Section.class);
    for (Section section : List.of(Section.TO, Section.FROM, Section.RULES)) {
      if (!type.sections().contains(section)) {
        continue;
      }
      List<JsonNode> nodes = array(spec, "spec", section.field(), v);
      JsonNode given = raw(spec, section.field());
      if (given != null && given.isArray() && given.isEmpty()) {
        emptySections.add(section);
      }
      if (topRoute && !topUnsupported && section != Section.TO && !nodes.isEmpty()) {
        // Kuma: a policy on a route's traffic has only outbound (to) confs.
        v.add(
            "spec." + section.field(),
            "must not be defined when the top-level targetRef is MeshHTTPRoute");
      }
      for (int i = 0; i < nodes.size(); i++) {
        String path = "spec." + section.field() + "[" + i + "]";
        JsonNode item = nodes.get(i);
        if (!item.isObject()) {
          v.add(path, "must be an object");
          continue;
        }
        TargetRef ref = null;
        if (section != Section.RULES) {
          ref = requiredTargetRef(item, path, v);
          if (ref != null && topRoute && !topUnsupported && ref.kind() != TargetRef.Kind.MESH) {
            if (section == Section.TO) {
              // Kuma also allows MeshExternalService here, which Chronomesh has not.
              v.add(
                  path + ".targetRef.kind",
                  "must be Mesh when the top-level targetRef is MeshHTTPRoute, got "
                      + ref.kind().wireName());
            }
          } else if (ref != null && !topUnsupported) {
            checkItemRef(type, section, ref, gatewayTop, path + ".targetRef", v);
          }
        }
        List<RuleMatch> matches =
            section == Section.RULES && type.ruleMatches()
                ? RuleMatch.read(raw(item, "matches"), path + ".matches", v)
                : List.of();
        C conf = itemConf(type, section, item, path, v);
        if (conf == null) {
          continue;
        }
        TypedSpec.Item<C> typedItem = new TypedSpec.Item<>(section, i, ref, conf);
        switch (section) {
          case TO -> typedTo.add(typedItem);
          case FROM -> typedFrom.add(typedItem);
          default -> typedRules.add(typedItem);
        }
        if (section != Section.RULES && ref == null) {
          continue;
        }
        ObjectNode json = type.write(conf);
        switch (section) {
          case TO -> to.add(new ToItem(ref, json));
          case FROM -> from.add(new FromItem(ref, json));
          default -> rules.add(new RuleItem(matches, json));
        }
      }
    }
    C defaultConf = null;
    if (type.sections().contains(Section.DEFAULT)) {
      JsonNode node = raw(spec, "default");
      if (node != null) {
        defaultConf = JsonBinding.read(type.confClass(), node, "spec.default", v);
      }
    }
    TypedSpec<C> typed =
        new TypedSpec<>(
            top == null ? TargetRef.mesh() : top,
            typedTo,
            typedFrom,
            typedRules,
            defaultConf,
            emptySections);
    if (top != null
        && top.kind() == TargetRef.Kind.DATAPLANE
        && top.sectionName() != null
        && typedFrom.isEmpty()
        && typedRules.isEmpty()) {
      // Kuma's ValidateTargetRef: a Dataplane section (an inbound) only makes sense for a policy
      // that has inbound confs.
      v.add("spec.targetRef.sectionName", "can only be used with inbound policies");
    }
    if (type.requiresItems()
        && v.size() == before
        && to.isEmpty()
        && from.isEmpty()
        && rules.isEmpty()
        && defaultConf == null) {
      List<String> names =
          List.of(Section.values()).stream()
              .filter(type.sections()::contains)
              .map(s -> "'" + s.field() + "'")
              .toList();
      v.add(
          "spec",
          names.size() == 1
              ? "must have " + names.get(0)
              : "must have at least one of " + String.join(", ", names));
    }
    if (v.size() != before || top == null) {
      return new Parsed<>(null, typed, topRef != null, topUnsupported);
    }
    Policy policy =
        new Policy(
            type.name(),
            name,
            mesh,
            labels,
            top,
            to,
            from,
            rules,
            defaultConf == null ? null : type.write(defaultConf));
    // The section rules (the targetRefs were checked as they were read).
    addAll(policy.violations(), v);
    return new Parsed<>(v.size() == before ? policy : null, typed, topRef != null, topUnsupported);
  }

  /**
   * An item's targetRef: the engine's rules for its position ({@link TargetRef#violations}), then
   * the type's own kinds, which are narrower, reported only for kinds the engine accepts so that a
   * kind is never reported twice.
   */
  private static void checkItemRef(
      PolicyType<?> type,
      Section section,
      TargetRef ref,
      boolean gatewayTop,
      String path,
      Violations v) {
    boolean to = section == Section.TO;
    int before = v.size();
    addAll(ref.violations(path, to ? TargetRef.Position.TO : TargetRef.Position.FROM), v);
    Set<TargetRef.Kind> allowed = to ? type.toKinds() : type.fromKinds();
    if (to && gatewayTop && !allowed.contains(TargetRef.Kind.MESH)) {
      // Kuma's routes of a MeshGateway (validateToRef): their destination is the gateway's
      // listeners as a whole, so the only kind is Mesh.
      allowed = Set.of(TargetRef.Kind.MESH);
    }
    if (v.size() == before && !allowed.contains(ref.kind())) {
      List<String> names = allowed.stream().map(TargetRef.Kind::wireName).sorted().toList();
      v.add(
          path + ".kind",
          "must be "
              + String.join(" or ", names)
              + " in '"
              + section.field()
              + "', got "
              + ref.kind().wireName());
    }
  }

  private static void addAll(List<Violation> found, Violations v) {
    found.forEach(x -> v.add(x.field(), x.reason()));
  }

  /**
   * An item's conf: its {@code default}, or (inline {@code to} items) the item beside targetRef.
   */
  private static <C extends Record> C itemConf(
      PolicyType<C> type, Section section, JsonNode item, String path, Violations v) {
    if (section == Section.TO && type.inlineTo()) {
      ObjectNode conf = ((ObjectNode) item).deepCopy();
      conf.remove("targetRef");
      return JsonBinding.read(type.confClass(), conf, path, v);
    }
    Set<String> fields =
        section != Section.RULES
            ? Set.of("targetRef", "default")
            : type.ruleMatches() ? Set.of("default", "matches") : Set.of("default");
    Map<String, String> refused =
        section == Section.RULES && type.ruleMatchesNotSupportedYet() != null
            ? Map.of("matches", type.ruleMatchesNotSupportedYet())
            : Map.of();
    unknown(item, path, fields, refused, v);
    JsonNode conf = raw(item, "default");
    if (conf == null) {
      v.add(path + ".default", "cannot be empty");
      return null;
    }
    return JsonBinding.read(type.confClass(), conf, path + ".default", v);
  }

  /** The canonical spec of a parsed policy: what is stored and rendered. */
  static ObjectNode canonicalSpec(Policy policy, boolean targetRefGiven, boolean inlineTo) {
    ObjectNode spec = F.objectNode();
    if (targetRefGiven) {
      spec.set("targetRef", policy.targetRef().toJson());
    }
    if (!policy.to().isEmpty()) {
      var list = spec.putArray("to");
      for (ToItem item : policy.to()) {
        ObjectNode o = list.addObject();
        o.set("targetRef", item.targetRef().toJson());
        if (inlineTo) {
          o.setAll(item.conf());
        } else {
          o.set("default", item.conf());
        }
      }
    }
    if (!policy.from().isEmpty()) {
      var list = spec.putArray("from");
      for (FromItem item : policy.from()) {
        ObjectNode o = list.addObject();
        o.set("targetRef", item.targetRef().toJson());
        o.set("default", item.conf());
      }
    }
    if (!policy.rules().isEmpty()) {
      var list = spec.putArray("rules");
      for (RuleItem rule : policy.rules()) {
        ObjectNode o = list.addObject();
        if (!rule.matches().isEmpty()) {
          rule.matches().forEach(m -> o.withArray("matches").add(m.toJson()));
        }
        o.set("default", rule.conf());
      }
    }
    if (policy.defaultConf() != null) {
      spec.set("default", policy.defaultConf());
    }
    return spec;
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
    unknown(node, path, TARGET_REF_FIELDS, Map.of(), v);
    String kindName = string(node, path, "kind", true, v);
    TargetRef.Kind kind = null;
    if (kindName != null) {
      if (NOT_SUPPORTED_KINDS.containsKey(kindName)) {
        v.notSupportedYet(path + ".kind", NOT_SUPPORTED_KINDS.get(kindName));
      } else {
        try {
          kind = TargetRef.Kind.fromWireName(kindName);
        } catch (IllegalArgumentException e) {
          v.add(path + ".kind", e.getMessage());
        }
      }
    }
    String name = string(node, path, "name", false, v);
    Map<String, String> labels = stringMap(node, path, "labels", v);
    if (kind != null) {
      resourceModeFields(node, path, kind, v);
    }
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
    List<TargetRef.ProxyType> proxyTypes = null;
    JsonNode types = raw(node, "proxyTypes");
    if (types != null) {
      if (!types.isArray()) {
        v.add(path + ".proxyTypes", "must be an array");
      } else {
        proxyTypes = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
          JsonNode t = types.get(i);
          Optional<TargetRef.ProxyType> parsed =
              t.isTextual() ? TargetRef.ProxyType.fromWireName(t.textValue()) : Optional.empty();
          if (parsed.isEmpty()) {
            v.add(path + ".proxyTypes[" + i + "]", "must be one of Sidecar, Gateway");
          } else {
            proxyTypes.add(parsed.get());
          }
        }
      }
    }
    if (v.size() != before || kind == null) {
      return null;
    }
    return new TargetRef(kind, name, labels, tags, sectionName, proxyTypes);
  }

  /**
   * Kuma's fields of a targetRef that only make sense with real resources: {@code mesh} is refused
   * with every kind (Kuma's ValidateTargetRef); {@code namespace} (Kubernetes) is not supported
   * yet. A MeshService selected by {@code labels} is refused by {@link TargetRef#violations}.
   */
  private static void resourceModeFields(
      JsonNode node, String path, TargetRef.Kind kind, Violations v) {
    if (raw(node, "mesh") != null) {
      v.add(path + ".mesh", "must not be set with kind " + kind.wireName());
    }
    if (raw(node, "namespace") != null) {
      if (kind == TargetRef.Kind.MESH_SERVICE || kind == TargetRef.Kind.DATAPLANE) {
        v.notSupportedYet(path + ".namespace", "namespaces (Kubernetes)");
      } else {
        v.add(path + ".namespace", "must not be set with kind " + kind.wireName());
      }
    }
  }

  private static JsonNode raw(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  private static void unknown(
      JsonNode node, String path, Set<String> known, Map<String, String> refused, Violations v) {
    for (String name : (Iterable<String>) node::fieldNames) {
      String reason = refused.get(name);
      if (reason != null) {
        v.notSupportedYet(Violations.field(path, name), reason);
      } else if (!known.contains(name)) {
        v.unknownField(Violations.field(path, name));
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
