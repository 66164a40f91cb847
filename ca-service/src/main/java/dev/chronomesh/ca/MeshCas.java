package dev.chronomesh.ca;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.MeshDuration;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
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
 * must have an enabled backend whose CA exists ({@link BackendCas}); the identities are the
 * dataplane's tags (every inbound's and its gateway's, as Kuma's {@code Dataplane.TagSet}), never
 * what the caller asks for. Pure: the sealer only decrypts.
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
    if (enabled == null) {
      return new Issuance.NotReady(
          "mesh \""
              + mesh
              + "\" enables backend \""
              + mtls.getEnabledBackend()
              + "\", which it lacks");
    }
    BackendCas.Loaded ca = BackendCas.load(state, enabled, sealer);
    if (ca.problem() != null) {
      return new Issuance.NotReady(ca.problem());
    }
    List<X509Certificate> trusted = new ArrayList<>(ca.certificates());
    for (MtlsBackend backend : mtls.getBackends()) {
      if (backend != enabled) {
        trusted.addAll(BackendCas.load(state, backend, sealer).certificates());
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
    return new Issuance.Ready(ca.ca(), trusted, uris, lifetime);
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
}
