package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.PolicyResource;
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
