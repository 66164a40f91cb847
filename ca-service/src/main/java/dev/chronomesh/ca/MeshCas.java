package dev.chronomesh.ca;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.events.avro.SecretResource;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshDuration;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides, from one mesh's state, whether and how a dataplane gets a workload certificate: the mesh
 * must have an enabled builtin backend whose CA Secrets exist; the identities are the dataplane's
 * tags (every inbound's and its gateway's, as Kuma's {@code Dataplane.TagSet}), never what the
 * caller asks for. Pure: the sealer only decrypts.
 */
public final class MeshCas {
  private MeshCas() {}

  public static Issuance issuance(MeshState state, String dataplane, Sealer sealer) {
    String mesh = state.mesh();
    Optional<Resource> meshResource = state.meshResource();
    if (meshResource.isEmpty()) {
      return new Issuance.NotFound("mesh \"" + mesh + "\" does not exist");
    }
    Optional<Resource> dp = state.get(ResourceType.DATAPLANE, dataplane);
    if (dp.isEmpty()) {
      return new Issuance.NotFound(
          "dataplane \"" + dataplane + "\" does not exist in mesh \"" + mesh + "\"");
    }
    Mtls mtls = ((MeshResource) meshResource.get().payload()).getMtls();
    if (mtls == null || mtls.getEnabledBackend() == null) {
      return new Issuance.NotReady("mesh \"" + mesh + "\" has no mTLS backend enabled");
    }
    MtlsBackend enabled =
        mtls.getBackends().stream()
            .filter(b -> b.getName().equals(mtls.getEnabledBackend()))
            .findFirst()
            .orElse(null);
    if (enabled == null || !"builtin".equals(enabled.getType())) {
      return new Issuance.NotReady(
          "mesh \""
              + mesh
              + "\" enables backend \""
              + mtls.getEnabledBackend()
              + "\", which is not a builtin CA: provided CAs are not supported by the CA"
              + " service yet");
    }
    Optional<CaKeyPair> ca = builtin(state, enabled.getName(), sealer);
    if (ca.isEmpty()) {
      return new Issuance.NotReady(
          "the CA of backend \""
              + enabled.getName()
              + "\" of mesh \""
              + mesh
              + "\" has not been created yet");
    }
    List<X509Certificate> trusted = new ArrayList<>();
    trusted.add(ca.get().certificate());
    for (MtlsBackend backend : mtls.getBackends()) {
      if (backend != enabled) {
        certificate(state, backend.getName(), sealer).ifPresent(trusted::add);
      }
    }
    List<String> uris = Spiffe.workloadUris(mesh, tags((DataplaneResource) dp.get().payload()));
    if (uris.stream().noneMatch(u -> u.startsWith("spiffe://"))) {
      return new Issuance.NotReady(
          "dataplane \"" + dataplane + "\" has no " + KumaTags.SERVICE + " tag, so no identity");
    }
    Duration lifetime =
        enabled.getDpCertRotationExpiration() == null
            ? WorkloadCertificates.DEFAULT_LIFETIME
            : MeshDuration.parse(enabled.getDpCertRotationExpiration());
    return new Issuance.Ready(ca.get(), trusted, uris, lifetime);
  }

  /** Every tag value of the dataplane's inbounds and gateway, by tag name. */
  static Map<String, SortedSet<String>> tags(DataplaneResource dataplane) {
    Map<String, SortedSet<String>> tags = new TreeMap<>();
    for (Inbound in : dataplane.getInbound()) {
      in.getTags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    if (dataplane.getGateway() != null) {
      dataplane
          .getGateway()
          .getTags()
          .forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    return tags;
  }

  private static Optional<CaKeyPair> builtin(MeshState state, String backend, Sealer sealer) {
    Optional<String> keyPem = secret(state, CaSecrets.privateKey(state.mesh(), backend), sealer);
    Optional<X509Certificate> cert = certificate(state, backend, sealer);
    if (keyPem.isEmpty() || cert.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new CaKeyPair(cert.get(), Pem.privateKey(keyPem.get())));
  }

  private static Optional<X509Certificate> certificate(
      MeshState state, String backend, Sealer sealer) {
    return secret(state, CaSecrets.certificate(state.mesh(), backend), sealer)
        .map(pem -> Pem.certificates(pem).get(0));
  }

  private static Optional<String> secret(MeshState state, String name, Sealer sealer) {
    return state
        .get(ResourceType.SECRET, name)
        .map(r -> (SecretResource) r.payload())
        .map(s -> new String(sealer.open(s.getData()), StandardCharsets.UTF_8));
  }
}
