package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * One targetRef policy type (Kuma universal format: {@code type, name, mesh, labels, spec}) ⇄ its
 * Avro resource record; reading and validation are {@link PolicyResources#read}'s.
 */
final class PolicyMapper<T extends SpecificRecord> implements ResourceMapper<T> {
  private final String type;
  private final Class<T> recordClass;

  @SuppressWarnings("unchecked")
  PolicyMapper(String type) {
    this.type = type;
    this.recordClass = (Class<T>) PolicyResources.recordClass(type);
  }

  @Override
  public Class<T> recordClass() {
    return recordClass;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("spec");
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of();
  }

  @Override
  public T read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    boolean identityValid = violations.isEmpty();
    SpecificRecord record =
        PolicyResources.read(
            type,
            document,
            metadata.name().isEmpty() ? null : metadata.name(),
            metadata.mesh().isEmpty() ? null : metadata.mesh(),
            metadata.labels(),
            violations);
    return identityValid && record != null ? recordClass.cast(record) : null;
  }

  @Override
  public void write(T resource, ObjectNode document, Sealer opener) {
    document.set("spec", PolicyResources.spec(resource));
  }

  @Override
  public String name(T resource) {
    return PolicyResources.name(resource);
  }

  @Override
  public String mesh(T resource) {
    return PolicyResources.mesh(resource);
  }

  @Override
  public Map<String, String> labels(T resource) {
    return PolicyResources.labels(resource);
  }
}
