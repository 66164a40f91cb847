package dev.chronomesh.meshmodel.meshtrust;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.Documents;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Kuma 2.14 MeshTrust as the CA service and generation read it ({@code
 * pkg/core/resources/apis/meshtrust/api/v1alpha1}): CA certificates that the mesh's proxies trust
 * for peers of one trust domain. Stored in the envelope {@link PolicyResource} (type {@value
 * #TYPE}, the validated spec as JSON), so it needs no schema of its own.
 *
 * @param trustDomain the SPIFFE trust domain its peers' URI SANs are in ({@code
 *     spiffe://<domain>/})
 * @param caBundles the PEM bundles, in document order, each holding only certificates (checked on
 *     write)
 */
public record MeshTrust(String name, String mesh, String trustDomain, List<String> caBundles) {

  /** The Kuma type name. */
  public static final String TYPE = "MeshTrust";

  public MeshTrust {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(trustDomain, "trustDomain");
    caBundles = List.copyOf(caBundles);
  }

  /** The MeshTrust a stored payload holds, or empty when it is of another type. */
  public static Optional<MeshTrust> of(Object payload) {
    Optional<JsonNode> stored = Documents.envelopeSpec(payload, TYPE);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    PolicyResource r = (PolicyResource) payload;
    JsonNode spec = stored.get();
    List<String> bundles = new ArrayList<>();
    for (JsonNode bundle : spec.path("caBundles")) {
      bundles.add(bundle.path("pem").path("value").asText());
    }
    return Optional.of(
        new MeshTrust(r.getName(), r.getMesh(), spec.path("trustDomain").asText(), bundles));
  }
}
