package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.PolicyResource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The part every type stored in the envelope {@link PolicyResource} shares (the policy types,
 * MeshGateway and MeshService): a record of the type's name, with its name, mesh and labels.
 */
abstract class EnvelopeMapper implements ResourceMapper<PolicyResource> {
  private final String typeName;

  EnvelopeMapper(String typeName) {
    this.typeName = Objects.requireNonNull(typeName, "typeName");
  }

  @Override
  public final Class<PolicyResource> recordClass() {
    return PolicyResource.class;
  }

  @Override
  public final boolean accepts(Object payload) {
    return payload instanceof PolicyResource r && r.getType().equals(typeName);
  }

  /**
   * The document's {@code spec} object, required as rest.yaml requires it of MeshTrust and
   * MeshIdentity; null with a violation when absent or not an object.
   */
  static Obj requiredSpec(JsonNode document, Violations violations) {
    Obj root = Obj.of(document, "", violations);
    if (root.raw("spec") == null) {
      violations.add("spec", "is required");
      return null;
    }
    return root.object("spec");
  }

  /** The envelope of this type holding {@code spec}, canonical JSON. */
  final PolicyResource envelope(ResourceMetadata metadata, JsonNode spec) {
    return PolicyResource.newBuilder()
        .setType(typeName)
        .setName(metadata.name())
        .setMesh(metadata.mesh())
        .setLabels(new HashMap<>(metadata.labels()))
        .setSpec(Documents.canonicalJson(spec))
        .build();
  }

  /** Writes the stored spec as the document's {@code spec}. */
  static void writeSpec(PolicyResource resource, ObjectNode document) {
    document.set("spec", Documents.parseStoredJson(resource.getSpec()));
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of();
  }

  @Override
  public final String name(PolicyResource resource) {
    return resource.getName();
  }

  @Override
  public final String mesh(PolicyResource resource) {
    return resource.getMesh();
  }

  @Override
  public final Map<String, String> labels(PolicyResource resource) {
    return resource.getLabels();
  }
}
