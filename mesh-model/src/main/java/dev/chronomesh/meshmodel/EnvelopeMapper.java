package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.PolicyResource;
import java.util.Map;
import java.util.Set;

/**
 * A type stored in the policy envelope {@link PolicyResource} (every targetRef policy type, and
 * MeshGateway): the envelope's identity fields, shared by their mappers.
 */
abstract class EnvelopeMapper implements ResourceMapper<PolicyResource> {
  @Override
  public Class<PolicyResource> recordClass() {
    return PolicyResource.class;
  }

  /** Every Kuma field of these types is read or refused by the type's own validation. */
  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of();
  }

  @Override
  public String name(PolicyResource resource) {
    return resource.getName();
  }

  @Override
  public String mesh(PolicyResource resource) {
    return resource.getMesh();
  }

  @Override
  public Map<String, String> labels(PolicyResource resource) {
    return resource.getLabels();
  }
}
