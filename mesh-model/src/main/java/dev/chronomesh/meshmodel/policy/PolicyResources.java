package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.MeshCircuitBreakerResource;
import dev.chronomesh.events.avro.MeshHTTPRouteResource;
import dev.chronomesh.events.avro.MeshHealthCheckResource;
import dev.chronomesh.events.avro.MeshLoadBalancingStrategyResource;
import dev.chronomesh.events.avro.MeshRetryResource;
import dev.chronomesh.events.avro.MeshTCPRouteResource;
import dev.chronomesh.events.avro.MeshTimeoutResource;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The seven targetRef policy types Chronomesh stores (MeshTimeout, MeshRetry, MeshCircuitBreaker,
 * MeshHealthCheck, MeshLoadBalancingStrategy, MeshHTTPRoute, MeshTCPRoute): their Avro records,
 * reading and validating their documents, and the engine's view of a stored one.
 */
public final class PolicyResources {
  /** Kuma type name → Avro record class of the resource, in the order the types are listed. */
  private static final Map<String, Class<? extends SpecificRecord>> TYPES = types();

  private PolicyResources() {}

  private static Map<String, Class<? extends SpecificRecord>> types() {
    Map<String, Class<? extends SpecificRecord>> m = new LinkedHashMap<>();
    m.put("MeshTimeout", MeshTimeoutResource.class);
    m.put("MeshRetry", MeshRetryResource.class);
    m.put("MeshCircuitBreaker", MeshCircuitBreakerResource.class);
    m.put("MeshHealthCheck", MeshHealthCheckResource.class);
    m.put("MeshLoadBalancingStrategy", MeshLoadBalancingStrategyResource.class);
    m.put("MeshHTTPRoute", MeshHTTPRouteResource.class);
    m.put("MeshTCPRoute", MeshTCPRouteResource.class);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Whether {@code type} is the Kuma name of one of the seven policy types. */
  public static boolean isPolicyType(String type) {
    return type != null && TYPES.containsKey(type);
  }

  /** The Kuma names of the policy types, in a fixed order. */
  public static List<String> typeNames() {
    return List.copyOf(TYPES.keySet());
  }

  /** The Avro record class that stores {@code type}. */
  public static Class<? extends SpecificRecord> recordClass(String type) {
    Class<? extends SpecificRecord> c = TYPES.get(type);
    if (c == null) throw new IllegalArgumentException("not a policy type: " + type);
    return c;
  }

  /** The Kuma type name of a policy payload, if it is one. */
  public static Optional<String> typeOf(Object payload) {
    if (payload == null) return Optional.empty();
    for (Map.Entry<String, Class<? extends SpecificRecord>> e : TYPES.entrySet()) {
      if (e.getValue().isInstance(payload)) return Optional.of(e.getKey());
    }
    return Optional.empty();
  }

  /**
   * The engine's view of an event payload: empty for payloads that are not policies (Mesh,
   * Dataplane, null). A stored policy was validated on write, so a failure here is a bug.
   */
  public static Optional<Policy> toEngine(Object avroPayload) {
    Optional<String> type = typeOf(avroPayload);
    if (type.isEmpty()) return Optional.empty();
    SpecificRecord record = (SpecificRecord) avroPayload;
    List<Violation> violations = new ArrayList<>();
    Policy policy = PolicyJson.parse(document(type.get(), record), violations);
    if (policy == null) {
      throw new IllegalStateException(
          "stored " + type.get() + " is not a valid policy: " + violations);
    }
    return Optional.of(policy);
  }

  /**
   * The {@code spec} of a document of {@code type} as its Avro resource record, with {@code name},
   * {@code mesh} and {@code labels} already validated by the caller; null when anything is wrong,
   * every problem added to {@code violations} with its path.
   */
  public static SpecificRecord read(
      String type,
      JsonNode document,
      String name,
      String mesh,
      Map<String, String> labels,
      Violations violations) {
    Class<? extends SpecificRecord> recordClass = recordClass(type);
    Schema schema = SpecificData.get().getSchema(recordClass);
    Schema specSchema = schema.getField("spec").schema();
    JsonNode spec = document == null ? null : document.get("spec");
    Violations found = new Violations();
    Object specRecord = null;
    if (spec == null || spec.isNull()) {
      found.add("spec", "cannot be empty");
    } else {
      specRecord = AvroJson.fromJson(spec, specSchema, "spec", found);
      // The engine's structural rules (targetRef kinds and fields per position, sections).
      ObjectNode shape = JsonNodeFactory.instance.objectNode();
      shape.put("type", type);
      shape.put("name", name == null || name.isEmpty() ? "_" : name);
      shape.put("mesh", mesh == null || mesh.isEmpty() ? "_" : mesh);
      shape.set("spec", spec);
      List<Violation> structural = new ArrayList<>();
      PolicyJson.parse(shape, structural);
      structural.forEach(x -> found.add(x.field(), x.reason()));
      PolicyValidators.validate(type, spec, found);
    }
    Set<Violation> unique = new LinkedHashSet<>(found.list());
    unique.forEach(x -> violations.add(x.field(), x.reason()));
    if (!unique.isEmpty() || name == null || mesh == null) {
      return null;
    }
    SpecificRecord record = (SpecificRecord) SpecificData.get().newRecord(null, schema);
    record.put(schema.getField("name").pos(), name);
    record.put(schema.getField("mesh").pos(), mesh);
    record.put(schema.getField("labels").pos(), new TreeMap<>(labels));
    record.put(schema.getField("spec").pos(), specRecord);
    return record;
  }

  /** The {@code spec} section of a stored policy, as its Kuma document has it (nulls left out). */
  public static ObjectNode spec(SpecificRecord resource) {
    Schema schema = resource.getSchema();
    Schema.Field field = schema.getField("spec");
    return (ObjectNode) AvroJson.toJson(resource.get(field.pos()), field.schema());
  }

  /** The resource's name. */
  public static String name(SpecificRecord resource) {
    return resource.get(resource.getSchema().getField("name").pos()).toString();
  }

  /** The resource's mesh. */
  public static String mesh(SpecificRecord resource) {
    return resource.get(resource.getSchema().getField("mesh").pos()).toString();
  }

  /** The resource's labels. */
  @SuppressWarnings("unchecked")
  public static Map<String, String> labels(SpecificRecord resource) {
    Object labels = resource.get(resource.getSchema().getField("labels").pos());
    return labels == null ? Map.of() : (Map<String, String>) labels;
  }

  /** The Kuma document {@code {type, name, mesh, labels, spec}} of a stored policy. */
  static ObjectNode document(String type, SpecificRecord resource) {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("type", type);
    doc.put("name", name(resource));
    doc.put("mesh", mesh(resource));
    Map<String, String> labels = labels(resource);
    if (!labels.isEmpty()) {
      ObjectNode l = doc.putObject("labels");
      new TreeMap<>(labels).forEach(l::put);
    }
    doc.set("spec", spec(resource));
    return doc;
  }
}
