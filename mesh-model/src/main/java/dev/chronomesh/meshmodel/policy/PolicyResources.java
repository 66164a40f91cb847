package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Policies as stored: every type in the one Avro envelope {@link PolicyResource} (type, name, mesh,
 * labels, the spec as canonical JSON written by the type's typed binding). Reads and validates a
 * document into it, renders it back, and gives the engine's view of a stored one. (Events written
 * before the envelope existed are upcast as they are read, by event-schemas' {@code
 * LegacyPolicyPayloads}.)
 */
public final class PolicyResources {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PolicyResources() {}

  /** Whether {@code type} is the Kuma name of a registered policy type. */
  public static boolean isPolicyType(String type) {
    return type != null && Policies.byName(type).isPresent();
  }

  /**
   * A document of {@code type} as its stored envelope, with {@code name}, {@code mesh} and {@code
   * labels} already validated by the caller; null when anything is wrong, every problem added to
   * {@code violations} with its path. The spec is checked for its structure, bound to the type's
   * records, then checked by the type's validator.
   */
  public static <C extends Record> PolicyResource read(
      PolicyType<C> type,
      JsonNode document,
      String name,
      String mesh,
      Map<String, String> labels,
      Violations violations) {
    JsonNode spec = document == null ? null : document.get("spec");
    Violations found = new Violations();
    PolicyJson.Parsed<C> parsed = null;
    if (spec == null || spec.isNull()) {
      found.add("spec", "cannot be empty");
    } else {
      // The identity fields were checked by the caller: stand-ins keep them out of the way here.
      ObjectNode shape = JsonNodeFactory.instance.objectNode();
      shape.put("type", type.name());
      shape.put("name", name == null || name.isEmpty() ? "_" : name);
      shape.put("mesh", mesh == null || mesh.isEmpty() ? "_" : mesh);
      shape.set("spec", spec);
      parsed = PolicyJson.parse(type, shape, found);
      if (parsed != null && !parsed.topKindNotSupported()) {
        type.validate(parsed.spec(), found);
      }
    }
    Set<Violation> unique = new LinkedHashSet<>(found.list());
    unique.forEach(x -> violations.add(x.field(), x.reason()));
    if (!unique.isEmpty()
        || parsed == null
        || parsed.policy() == null
        || name == null
        || mesh == null) {
      return null;
    }
    ObjectNode canonical =
        PolicyJson.canonicalSpec(parsed.policy(), parsed.targetRefGiven(), type.inlineTo());
    return PolicyResource.newBuilder()
        .setType(type.name())
        .setName(name)
        .setMesh(mesh)
        .setLabels(new TreeMap<>(labels))
        .setSpec(text(canonical))
        .build();
  }

  /**
   * The engine's view of an event payload: empty for payloads that are not policies (Mesh,
   * Dataplane, null). A stored policy was validated on write, so a failure here is a bug.
   */
  public static Optional<Policy> toEngine(Object payload) {
    Optional<PolicyResource> resource = envelope(payload);
    if (resource.isEmpty()) {
      return Optional.empty();
    }
    PolicyResource r = resource.get();
    PolicyType<?> type =
        Policies.byName(r.getType())
            .orElseThrow(() -> new IllegalStateException("stored unknown policy " + r.getType()));
    Violations v = new Violations();
    PolicyJson.Parsed<?> parsed = PolicyJson.parse(type, document(r), v);
    if (parsed == null || parsed.policy() == null) {
      throw new IllegalStateException(
          "stored " + r.getType() + " " + r.getName() + " is not a valid policy: " + v.list());
    }
    return Optional.of(parsed.policy());
  }

  /** {@code payload} as a policy envelope, or empty when it is not one. */
  public static Optional<PolicyResource> envelope(Object payload) {
    return payload instanceof PolicyResource r ? Optional.of(r) : Optional.empty();
  }

  /** The {@code spec} of a stored policy, as its Kuma document has it. */
  public static ObjectNode spec(PolicyResource resource) {
    try {
      return (ObjectNode) JSON.readTree(resource.getSpec());
    } catch (JsonProcessingException | ClassCastException e) {
      throw new IllegalStateException(
          "stored " + resource.getType() + " " + resource.getName() + " has no JSON spec", e);
    }
  }

  /** The Kuma document {@code {type, name, mesh, labels, spec}} of a stored policy. */
  public static ObjectNode document(PolicyResource resource) {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("type", resource.getType());
    doc.put("name", resource.getName());
    doc.put("mesh", resource.getMesh());
    if (!resource.getLabels().isEmpty()) {
      ObjectNode l = doc.putObject("labels");
      new TreeMap<>(resource.getLabels()).forEach(l::put);
    }
    doc.set("spec", spec(resource));
    return doc;
  }

  private static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
