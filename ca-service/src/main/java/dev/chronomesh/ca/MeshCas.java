package dev.chronomesh.ca;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.Spiffe;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshDuration;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides, from one mesh's state, whether and how a dataplane gets a workload certificate: the mesh
 * must have an enabled backend; a dataplane a MeshIdentity selects gets that identity's SPIFFE ID
 * from its CA ({@link IdentityCas}); any other the classic identities of the enabled backend's CA
 * ({@link BackendCas}): the dataplane's tags (every inbound's and its gateway's, as Kuma's {@code
 * Dataplane.TagSet}). Never what the caller asks for. Pure: the sealer only decrypts.
 */
public final class MeshCas {
  /**
   * How long every workload has to fetch a new CA into its trust bundle before the CA signs
   * anything ({@code dp-agent} fetches the bundle every 10 s and grpc-xds re-reads its files every
   * 10 s). Until then a mesh whose enabled backend is new keeps signing with another backend whose
   * CA exists, so that no peer is shown a certificate it cannot verify yet.
   */
  public static final Duration TRUST_PROPAGATION = Duration.ofSeconds(30);

  private MeshCas() {}

  /**
   * What {@code dataplane} may have at {@code now}. The signing CA is the enabled backend's once it
   * has been in the mesh's bundle for {@link #TRUST_PROPAGATION} (since the later of the Mesh's
   * last change and its certificate Secret's); before that, and while it has not been created, the
   * first other backend whose CA exists, with that backend's certificate lifetime.
   */
  public static Issuance issuance(MeshState state, String dataplane, Sealer sealer, Instant now) {
    String mesh = state.mesh();
    Issuance refused = refusal(state, dataplane);
    if (refused != null) {
      return refused;
    }
    Optional<Resource> meshResource = state.meshResource();
    Optional<Resource> dp = state.get(ResourceType.DATAPLANE, dataplane);
    Mtls mtls = ((MeshResource) meshResource.get().payload()).getMtls();
    MtlsBackend enabled = enabled(mtls);
    // The enabled backend's CA signs once settled (or when it is the only one); until then, and
    // while it has not been created yet, the first other backend whose CA exists.
    BackendCas.Loaded ca = BackendCas.load(state, enabled, sealer);
    boolean settled =
        ca.ca() != null
            && !now.isBefore(
                trustedSince(state, meshResource.get(), enabled).plus(TRUST_PROPAGATION));
    List<X509Certificate> trusted = new ArrayList<>(ca.certificates());
    CaKeyPair signer = settled ? ca.ca() : null;
    MtlsBackend signerBackend = enabled;
    for (MtlsBackend backend : mtls.getBackends()) {
      if (backend != enabled) {
        BackendCas.Loaded other = BackendCas.load(state, backend, sealer);
        trusted.addAll(other.certificates());
        if (signer == null && other.ca() != null) {
          signer = other.ca();
          signerBackend = backend;
        }
      }
    }
    trusted.addAll(IdentityCas.trusted(state, sealer));
    trusted.addAll(meshTrustCertificates(state));
    DataplaneResource dataplaneResource = (DataplaneResource) dp.get().payload();
    switch (IdentityCas.of(state, dataplaneResource, sealer, now)) {
      case IdentityCas.Sign sign -> {
        return new Issuance.Ready(
            sign.ca(), trusted, List.of(sign.spiffeId()), sign.identity().expiry());
      }
      case IdentityCas.Refuse refuse -> {
        return new Issuance.NotReady(refuse.why());
      }
      case IdentityCas.Classic classic -> {
        // the mesh's classic identity, below
      }
    }
    if (signer == null) {
      if (ca.problem() != null) {
        return new Issuance.NotReady(ca.problem());
      }
      signer = ca.ca();
    }
    List<String> uris = Spiffe.workloadUris(mesh, tags(dataplaneResource));
    if (uris.stream().noneMatch(u -> u.startsWith("spiffe://"))) {
      return new Issuance.NotReady(
          "dataplane \"" + dataplane + "\" has no " + KumaTags.SERVICE + " tag, so no identity");
    }
    Duration lifetime =
        signerBackend.getDpCertRotationExpiration() == null
            ? WorkloadCertificates.DEFAULT_LIFETIME
            : MeshDuration.parse(signerBackend.getDpCertRotationExpiration());
    return new Issuance.Ready(signer, trusted, uris, lifetime);
  }

  /**
   * The trust bundle of {@code dataplane}'s peers, refused as {@link #issuance} refuses: every
   * backend's CA certificates, the enabled one's first, then the CAs of the MeshIdentities that
   * create the mesh's trust ({@code meshTrustCreation}, Kuma's default), then the MeshTrusts' CAs.
   * Certificates only: no CA key is unsealed, parsed or checked, so the agents' and gateways'
   * frequent fetches cost a Secret lookup each.
   */
  public static TrustBundle trustBundle(MeshState state, String dataplane, Sealer sealer) {
    Issuance refused = refusal(state, dataplane);
    if (refused != null) {
      return new TrustBundle(List.of(), refused);
    }
    Mtls mtls = ((MeshResource) state.meshResource().get().payload()).getMtls();
    MtlsBackend enabled = enabled(mtls);
    List<X509Certificate> trusted =
        new ArrayList<>(BackendCas.certificates(state, enabled, sealer));
    for (MtlsBackend backend : mtls.getBackends()) {
      if (backend != enabled) {
        trusted.addAll(BackendCas.certificates(state, backend, sealer));
      }
    }
    if (trusted.isEmpty()) {
      // As issuance: while the enabled CA is being created, the others' are the bundle.
      return new TrustBundle(
          List.of(), new Issuance.NotReady(BackendCas.load(state, enabled, sealer).problem()));
    }
    trusted.addAll(IdentityCas.trusted(state, sealer));
    trusted.addAll(meshTrustCertificates(state));
    return new TrustBundle(trusted, null);
  }

  /**
   * The CA certificates of the mesh's MeshTrusts, by MeshTrust name then bundle order: peers whose
   * certificates chain to them are verified too. Their PEM was checked on write (certificates only,
   * each parses), so a bundle that does not parse here is a bug upstream.
   */
  static List<X509Certificate> meshTrustCertificates(MeshState state) {
    List<X509Certificate> out = new ArrayList<>();
    for (Resource r : state.resources(ResourceType.MESH_TRUST).values()) {
      MeshTrust.of(r.payload())
          .orElseThrow()
          .caBundles()
          .forEach(pem -> out.addAll(Pem.certificates(pem)));
    }
    return out;
  }

  /**
   * A trust bundle, or why there is none ({@link Issuance.NotFound} or {@link Issuance.NotReady}).
   */
  public record TrustBundle(List<X509Certificate> certificates, Issuance refusal) {
    public TrustBundle {
      certificates = List.copyOf(certificates);
    }
  }

  /** Why {@code dataplane} of the state's mesh can have nothing of its mTLS, or null. */
  private static Issuance refusal(MeshState state, String dataplane) {
    String mesh = state.mesh();
    Optional<Resource> meshResource = state.meshResource();
    if (meshResource.isEmpty()) {
      return new Issuance.NotFound("mesh \"" + mesh + "\" does not exist");
    }
    if (state.get(ResourceType.DATAPLANE, dataplane).isEmpty()) {
      return new Issuance.NotFound(
          "dataplane \"" + dataplane + "\" does not exist in mesh \"" + mesh + "\"");
    }
    Mtls mtls = ((MeshResource) meshResource.get().payload()).getMtls();
    if (mtls == null || mtls.getEnabledBackend() == null) {
      return new Issuance.NotReady("mesh \"" + mesh + "\" has no mTLS backend enabled");
    }
    if (enabled(mtls) == null) {
      return new Issuance.NotReady(
          "mesh \""
              + mesh
              + "\" enables backend \""
              + mtls.getEnabledBackend()
              + "\", which it lacks");
    }
    return null;
  }

  private static MtlsBackend enabled(Mtls mtls) {
    return MeshMtls.enabledBackend(mtls).orElse(null);
  }

  /**
   * Since when peers can have fetched {@code backend}'s CA: the later of the Mesh's last change
   * (which may have added the backend) and, for a builtin backend, its certificate Secret's.
   */
  private static Instant trustedSince(MeshState state, Resource mesh, MtlsBackend backend) {
    Instant since = mesh.modificationTime();
    if ("builtin".equals(backend.getType())) {
      Optional<Resource> cert =
          state.get(ResourceType.SECRET, CaSecrets.certificate(state.mesh(), backend.getName()));
      if (cert.isPresent() && cert.get().modificationTime().isAfter(since)) {
        since = cert.get().modificationTime();
      }
    }
    return since;
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
