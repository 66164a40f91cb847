package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * The descriptor of one resource type: its Kuma type name, REST plural, scope, and the mapper that
 * parses, validates and renders it. Adding a type means adding a descriptor and a mapper.
 */
public record ResourceType(String name, String plural, Scope scope, ResourceMapper<?> mapper) {
  public static final ResourceType MESH =
      new ResourceType("Mesh", "meshes", Scope.GLOBAL, new MeshMapper());
  public static final ResourceType DATAPLANE =
      new ResourceType("Dataplane", "dataplanes", Scope.MESH, new DataplaneMapper());

  private static final List<ResourceType> ALL = List.of(MESH, DATAPLANE);
  private static final Set<String> COMMON =
      Set.of("type", "name", "mesh", "labels", "creationTime", "modificationTime");

  public ResourceType {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(plural, "plural");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(mapper, "mapper");
  }

  public static List<ResourceType> all() {
    return ALL;
  }

  /** The type with this Kuma name (Mesh, Dataplane). */
  public static Optional<ResourceType> byName(String name) {
    return ALL.stream().filter(t -> t.name.equals(name)).findFirst();
  }

  /** The type with this REST plural (meshes, dataplanes). */
  public static Optional<ResourceType> byPlural(String plural) {
    return ALL.stream().filter(t -> t.plural.equals(plural)).findFirst();
  }

  /**
   * Parses and validates one document of this type.
   *
   * @param expectedMesh the mesh named by the request path (null when not known); ignored for
   *     global types
   * @param expectedName the name named by the request path, or null
   * @throws ValidationException with every violation and its path
   */
  public SpecificRecord parse(byte[] body, Format format, String expectedMesh, String expectedName)
      throws ValidationException {
    return read(Documents.read(body, format), expectedMesh, expectedName);
  }

  /** Validates a parsed document; see {@link #parse}. */
  public SpecificRecord read(JsonNode document, String expectedMesh, String expectedName)
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
      violations.add("type", "must be \"" + name + "\", got \"" + type + "\"");
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
    Map<String, String> labels = labels(doc);
    for (String serverSet : List.of("creationTime", "modificationTime")) {
      // Sent back from a GET: accepted and ignored, the server sets them.
      doc.string(serverSet, false);
    }
    ResourceMetadata metadata =
        new ResourceMetadata(
            resourceName == null ? "" : resourceName, mesh == null ? "" : mesh, labels);
    SpecificRecord record = mapper.read(document, metadata, violations);
    violations.throwIfAny();
    return Objects.requireNonNull(record, "mapper returned null without a violation");
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
                  + expected
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
          String path = Violations.key("labels", key);
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
   * The Kuma document of a stored resource, as {@code kumactl get -o yaml} shows it: type, mesh,
   * name, creationTime, modificationTime (when known), labels, then the type's own fields.
   */
  public ObjectNode render(SpecificRecord payload, Instant creationTime, Instant modificationTime) {
    return renderTyped(mapper, payload, creationTime, modificationTime);
  }

  private <T extends SpecificRecord> ObjectNode renderTyped(
      ResourceMapper<T> typed, SpecificRecord payload, Instant created, Instant modified) {
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
    typed.write(resource, doc);
    return doc;
  }

  /** Whether {@code payload} is this type's record. */
  public boolean accepts(SpecificRecord payload) {
    return mapper.recordClass().isInstance(payload);
  }

  public String nameOf(SpecificRecord payload) {
    return nameTyped(mapper, payload);
  }

  public String meshOf(SpecificRecord payload) {
    return meshTyped(mapper, payload);
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
