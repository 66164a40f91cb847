package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.util.Set;

/**
 * One targetRef policy type (Kuma universal format: {@code type, name, mesh, labels, spec}) ⇄ the
 * policy envelope {@link PolicyResource}; reading and validation are {@link PolicyResources#read}'s
 * with the type's own binding and validator.
 */
final class PolicyMapper extends EnvelopeMapper {
  private final PolicyType<?> type;

  PolicyMapper(PolicyType<?> type) {
    super(type.name());
    this.type = type;
  }

  PolicyType<?> policyType() {
    return type;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("spec");
  }

  @Override
  public PolicyResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    boolean identityValid = violations.isEmpty();
    PolicyResource record =
        PolicyResources.read(
            type,
            document,
            metadata.name().isEmpty() ? null : metadata.name(),
            metadata.mesh().isEmpty() ? null : metadata.mesh(),
            metadata.labels(),
            violations);
    return identityValid ? record : null;
  }

  @Override
  public void write(PolicyResource resource, ObjectNode document, Sealer opener) {
    document.set("spec", PolicyResources.spec(resource));
  }
}
