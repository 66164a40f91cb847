package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The descriptor of one resource type: its Kuma type name, REST plural, scope, display names, CLI
 * names, and the mapper that parses, validates and renders it (whose Avro record is the type's
 * schema). The core types (Mesh, Dataplane, Secret) are declared here; a policy type is derived
 * from its {@link PolicyType} in {@link Policies}, the one list of policy types.
 *
 * @param name the Kuma type name (Mesh, Dataplane, Secret)
 * @param plural the REST path segment (meshes, dataplanes, secrets)
 * @param cliNames the names chronoctl accepts for the type, lowercase, the singular first
 */
public record ResourceType(
    String name,
    String plural,
    Scope scope,
    String singularDisplayName,
    String pluralDisplayName,
    List<String> cliNames,
    ResourceMapper<?> mapper) {
  public static final ResourceType MESH =
      new ResourceType(
          "Mesh",
          "meshes",
          Scope.GLOBAL,
          "Mesh",
          "Meshes",
          List.of("mesh", "meshes"),
          new MeshMapper());
  public static final ResourceType DATAPLANE =
      new ResourceType(
          "Dataplane",
          "dataplanes",
          Scope.MESH,
          "Data Plane",
          "Data Planes",
          List.of("dataplane", "dataplanes", "dp"),
          new DataplaneMapper());
  public static final ResourceType SECRET =
      new ResourceType(
          "Secret",
          "secrets",
          Scope.MESH,
          "Secret",
          "Secrets",
          List.of("secret", "secrets"),
          new SecretMapper());

  public static final ResourceType MESH_GATEWAY =
      new ResourceType(
          MeshGateway.TYPE,
          "meshgateways",
          Scope.MESH,
          "Mesh Gateway",
          "Mesh Gateways",
          List.of("meshgateway", "meshgateways", "mgw"),
          new MeshGatewayMapper());
  public static final ResourceType MESH_SERVICE =
      new ResourceType(
          "MeshService",
          "meshservices",
          Scope.MESH,
          "Mesh Service",
          "Mesh Services",
          List.of("meshservice", "meshservices", "msvc"),
          new MeshServiceMapper());
  public static final ResourceType MESH_TRUST =
      new ResourceType(
          "MeshTrust",
          "meshtrusts",
          Scope.MESH,
          "Mesh Trust",
          "Mesh Trusts",
          List.of("meshtrust", "meshtrusts", "mtrust"),
          new MeshTrustMapper());
  public static final ResourceType MESH_IDENTITY =
      new ResourceType(
          "MeshIdentity",
          "meshidentities",
          Scope.MESH,
          "Mesh Identity",
          "Mesh Identities",
          List.of("meshidentity", "meshidentities", "mid"),
          new MeshIdentityMapper());

  /** The core types, then one per registered policy type ({@link Policies#all()}). */
  private static final List<ResourceType> ALL = types();

  private static List<ResourceType> types() {
    List<ResourceType> all =
        new ArrayList<>(
            List.of(
                MESH, DATAPLANE, SECRET, MESH_GATEWAY, MESH_SERVICE, MESH_TRUST, MESH_IDENTITY));
    for (PolicyType<?> policy : Policies.all()) {
      all.add(
          new ResourceType(
              policy.name(),
              policy.plural(),
              Scope.MESH,
              policy.singularDisplayName(),
              policy.pluralDisplayName(),
              policy.cliNames(),
              new PolicyMapper(policy)));
    }
    return List.copyOf(all);
  }

  private static final Set<String> COMMON =
      Set.of("type", "name", "mesh", "labels", "creationTime", "modificationTime");

  public ResourceType {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(plural, "plural");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(singularDisplayName, "singularDisplayName");
    Objects.requireNonNull(pluralDisplayName, "pluralDisplayName");
    cliNames = List.copyOf(cliNames);
    if (cliNames.isEmpty()) {
      throw new IllegalArgumentException("a type needs at least one CLI name: " + name);
    }
    Objects.requireNonNull(mapper, "mapper");
  }

  public static List<ResourceType> all() {
    return ALL;
  }

  /** The type with this Kuma name (Mesh, Dataplane, Secret). */
  public static Optional<ResourceType> byName(String name) {
    return ALL.stream().filter(t -> t.name.equals(name)).findFirst();
  }

  /** The resource type of a registered policy type. */
  public static ResourceType forPolicy(PolicyType<?> policy) {
    return byName(policy.name())
        .orElseThrow(() -> new IllegalArgumentException("not registered: " + policy.name()));
  }

  /** The type with this REST plural (meshes, dataplanes, secrets). */
  public static Optional<ResourceType> byPlural(String plural) {
    return ALL.stream().filter(t -> t.plural.equals(plural)).findFirst();
  }

  /** The type any of whose CLI names is {@code cliName}, ignoring case (dp, dataplanes, Mesh). */
  public static Optional<ResourceType> byCliName(String cliName) {
    if (cliName == null) {
      return Optional.empty();
    }
    String wanted = cliName.toLowerCase(Locale.ROOT);
    return ALL.stream().filter(t -> t.cliNames.contains(wanted)).findFirst();
  }

  /** The Avro record class that stores this type. */
  public Class<? extends SpecificRecord> recordClass() {
    return mapper.recordClass();
  }

  /** The Avro schema of {@link #recordClass()}. */
  public Schema schema() {
    return SpecificData.get().getSchema(mapper.recordClass());
  }

  /** Whether parsing this type needs a {@link Sealer} (its documents carry secret values). */
  public boolean needsSealer() {
    return mapper.sensitive();
  }

  /**
   * This descriptor as Kuma's {@code GET /_resources} lists it: name, scope ("Global" or "Mesh"),
   * path, singularDisplayName, pluralDisplayName, cliNames.
   */
  public ObjectNode describe() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", name);
    o.put("scope", scope == Scope.GLOBAL ? "Global" : "Mesh");
    o.put("path", plural);
    o.put("singularDisplayName", singularDisplayName);
    o.put("pluralDisplayName", pluralDisplayName);
    ArrayNode names = o.putArray("cliNames");
    cliNames.forEach(names::add);
    return o;
  }

  /** The body of {@code GET /_resources}: {@code {"resources": [descriptor, ...]}}. */
  public static ObjectNode resourcesDocument() {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    ArrayNode list = doc.putArray("resources");
    ALL.forEach(t -> list.add(t.describe()));
    return doc;
  }

  /**
   * Parses and validates one document of a type that needs no {@link Sealer}; see {@link
   * #parse(byte[], Format, String, String, Sealer)}.
   */
  public SpecificRecord parse(byte[] body, Format format, String expectedMesh, String expectedName)
      throws ValidationException {
    return parse(body, format, expectedMesh, expectedName, null);
  }

  /**
   * Parses and validates one document of this type.
   *
   * @param expectedMesh the mesh named by the request path (null when not known); ignored for
   *     global types
   * @param expectedName the name named by the request path, or null
   * @param sealer seals secret values (Secret's data); may be null for types that hold none
   * @throws ValidationException with every violation and its path; never quotes a secret value
   * @throws IllegalStateException when a valid document of a {@link #needsSealer} type is parsed
   *     without a sealer (a bug of the caller)
   */
  public SpecificRecord parse(
      byte[] body, Format format, String expectedMesh, String expectedName, Sealer sealer)
      throws ValidationException {
    return read(
        Documents.read(body, format, mapper.sensitive()), expectedMesh, expectedName, sealer);
  }

  /** Validates a parsed document of a type that needs no sealer; see {@link #parse}. */
  public SpecificRecord read(JsonNode document, String expectedMesh, String expectedName)
      throws ValidationException {
    return read(document, expectedMesh, expectedName, null);
  }

  /** Validates a parsed document; see {@link #parse(byte[], Format, String, String, Sealer)}. */
  public SpecificRecord read(
      JsonNode document, String expectedMesh, String expectedName, Sealer sealer)
      throws ValidationException {
    Violations violations = new Violations();
    Obj doc = Obj.of(document, "", violations);
    if (doc == null) {
      violations.throwIfAny();
    }
    Set<String> known = new HashSet<>(COMMON);
    if (scope == Scope.GLOBAL) {
      known.remove("mesh");
    }
    known.addAll(mapper.specFields());
    doc.rejectUnknown(known, mapper.unsupportedKumaFields());

    String type = doc.string("type", true);
    if (type != null && !type.equals(name)) {
      violations.add("type", "must be \"" + name + "\", got \"" + Checks.excerpt(type) + "\"");
    }
    String resourceName = checkedName(doc, "name", expectedName);
    String mesh;
    if (scope == Scope.MESH) {
      mesh = checkedName(doc, "mesh", expectedMesh);
    } else {
      mesh = resourceName;
    }
    if (mesh != null && mesh.contains(".")) {
      // A proxy's node id is <mesh>.<dataplane>: the first dot must end the mesh name.
      violations.add(
          scope == Scope.MESH ? "mesh" : "name",
          "a mesh name cannot contain '.': proxies are identified as <mesh>.<dataplane>");
      mesh = null;
    }
    Map<String, String> labels = withKumaLabels(labels(doc), mesh, violations);
    for (String serverSet : List.of("creationTime", "modificationTime")) {
      // Sent back from a GET: accepted and ignored, the server sets them.
      doc.string(serverSet, false);
    }
    ResourceMetadata metadata =
        new ResourceMetadata(
            resourceName == null ? "" : resourceName, mesh == null ? "" : mesh, labels);
    SpecificRecord record = mapper.read(document, metadata, violations, sealer);
    violations.throwIfAny();
    return Objects.requireNonNull(record, "mapper returned null without a violation");
  }

  /**
   * Adds the labels Kuma computes on write. Kuma ({@code model.ComputeLabels} in kumahq/kuma,
   * pkg/core/resources/model) sets {@code kuma.io/mesh} on mesh-scoped types and, on a zone control
   * plane, {@code kuma.io/origin: zone} and {@code kuma.io/env: universal} only on types that may
   * be created on a zone; a Mesh may not ("there is no point in adding ... labels even if the zone
   * is non-federated"), so a Mesh gets none of them, here as there. Chronomesh has no zone name, so
   * {@code kuma.io/zone} is not set. Kuma keeps a value the client sent (set-if-absent); Chronomesh
   * accepts a value sent back unchanged and rejects a different one, because a stored label that
   * contradicts the resource (another mesh, origin global, env kubernetes) would be a lie that
   * policies and filters then act on.
   */
  private Map<String, String> withKumaLabels(
      Map<String, String> sent, String mesh, Violations violations) {
    Map<String, String> computed = new LinkedHashMap<>();
    if (scope == Scope.MESH) {
      if (mesh != null) {
        computed.put(KumaTags.MESH_LABEL, mesh);
      }
      computed.put(KumaTags.ORIGIN_LABEL, "zone");
      computed.put(KumaTags.ENV_LABEL, "universal");
    }
    Map<String, String> labels = new TreeMap<>(sent);
    computed.forEach(
        (key, value) -> {
          String given = labels.putIfAbsent(key, value);
          if (given != null && !given.equals(value)) {
            violations.add(
                Violations.key("labels", key),
                "is set by the server to \""
                    + value
                    + "\" for this resource; omit it or send that value, got \""
                    + given
                    + "\"");
          }
        });
    return labels;
  }

  private static String checkedName(Obj doc, String field, String expected) {
    String value = doc.string(field, true);
    if (value == null) {
      return null;
    }
    String reason = Checks.name(value);
    if (reason != null) {
      doc.violations().add(field, reason);
      return null;
    }
    if (expected != null && !expected.equals(value)) {
      doc.violations()
          .add(
              field,
              "must be the same as in the request path: \""
                  + Checks.excerpt(expected)
                  + "\", got \""
                  + value
                  + "\"");
      return null;
    }
    return value;
  }

  private static Map<String, String> labels(Obj doc) {
    Map<String, String> labels = doc.stringMap("labels");
    Map<String, String> valid = new TreeMap<>();
    labels.forEach(
        (key, value) -> {
          String path = Violations.key("labels", Checks.excerpt(key));
          String keyReason = Checks.labelKey(key);
          String valueReason = Checks.labelValue(value);
          if (keyReason != null) {
            doc.violations().add(path, keyReason);
          } else if (valueReason != null) {
            doc.violations().add(path, valueReason);
          } else {
            valid.put(key, value);
          }
        });
    return valid;
  }

  /**
   * The Kuma document of a stored resource without secret values; see {@link
   * #render(SpecificRecord, Instant, Instant, Sealer)}.
   */
  public ObjectNode render(SpecificRecord payload, Instant creationTime, Instant modificationTime) {
    return render(payload, creationTime, modificationTime, null);
  }

  /**
   * The Kuma document of a stored resource, as {@code kumactl get -o yaml} shows it: type, mesh,
   * name, creationTime, modificationTime (when known), labels, then the type's own fields.
   *
   * @param opener opens sealed values (a Secret's data) for a reader allowed to see them; null
   *     renders the resource without them
   */
  public ObjectNode render(
      SpecificRecord payload, Instant creationTime, Instant modificationTime, Sealer opener) {
    return renderTyped(mapper, payload, creationTime, modificationTime, opener);
  }

  private <T extends SpecificRecord> ObjectNode renderTyped(
      ResourceMapper<T> typed,
      SpecificRecord payload,
      Instant created,
      Instant modified,
      Sealer opener) {
    T resource = typed.recordClass().cast(payload);
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("type", name);
    if (scope == Scope.MESH) {
      doc.put("mesh", typed.mesh(resource));
    }
    doc.put("name", typed.name(resource));
    if (created != null) {
      doc.put("creationTime", created.toString());
    }
    if (modified != null) {
      doc.put("modificationTime", modified.toString());
    }
    Map<String, String> labels = typed.labels(resource);
    if (labels != null && !labels.isEmpty()) {
      ObjectNode l = doc.putObject("labels");
      new TreeMap<>(labels).forEach(l::put);
    }
    typed.write(resource, doc, opener);
    return doc;
  }

  /** Whether {@code payload} is this type's record. */
  public boolean accepts(SpecificRecord payload) {
    return mapper.accepts(payload);
  }

  /** Whether this is a targetRef policy type. */
  public boolean isPolicy() {
    return mapper instanceof PolicyMapper;
  }

  /** The policy type of this resource type, when it is one. */
  public Optional<PolicyType<?>> policyType() {
    return mapper instanceof PolicyMapper p ? Optional.of(p.policyType()) : Optional.empty();
  }

  public String nameOf(SpecificRecord payload) {
    return nameTyped(mapper, payload);
  }

  public String meshOf(SpecificRecord payload) {
    return meshTyped(mapper, payload);
  }

  /** The type whose record {@code payload} is, if any. */
  public static Optional<ResourceType> of(SpecificRecord payload) {
    return ALL.stream().filter(t -> t.accepts(payload)).findFirst();
  }

  private static <T extends SpecificRecord> String nameTyped(
      ResourceMapper<T> typed, SpecificRecord payload) {
    return typed.name(typed.recordClass().cast(payload));
  }

  private static <T extends SpecificRecord> String meshTyped(
      ResourceMapper<T> typed, SpecificRecord payload) {
    return typed.mesh(typed.recordClass().cast(payload));
  }

  @Override
  public String toString() {
    return name;
  }
}
