package dev.chronomesh.projector.generate;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.meshidentity.MeshIdentity;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import dev.chronomesh.meshmodel.policy.Policy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The resources of one mesh that config generation reads: the mesh itself, its dataplanes (sorted
 * by name), its targetRef policies of every type (sorted by type, then name), its MeshGateways, its
 * MeshServices, its MeshTrusts and its MeshIdentities (sorted by name). The Avro records are
 * shared, not copied: callers must not modify them.
 */
public record MeshResources(
    MeshResource mesh,
    List<DataplaneResource> dataplanes,
    List<Policy> policies,
    List<MeshGateway> gateways,
    List<MeshService> meshServices,
    List<MeshTrust> meshTrusts,
    List<MeshIdentity> meshIdentities) {

  /** A mesh without MeshTrusts and MeshIdentities. */
  public MeshResources(
      MeshResource mesh,
      List<DataplaneResource> dataplanes,
      List<Policy> policies,
      List<MeshGateway> gateways,
      List<MeshService> meshServices) {
    this(mesh, dataplanes, policies, gateways, meshServices, List.of(), List.of());
  }

  /** A mesh without policies. */
  public MeshResources(MeshResource mesh, List<DataplaneResource> dataplanes) {
    this(mesh, dataplanes, List.of());
  }

  /** A mesh without MeshGateways and MeshServices. */
  public MeshResources(
      MeshResource mesh, List<DataplaneResource> dataplanes, List<Policy> policies) {
    this(mesh, dataplanes, policies, List.of(), List.of());
  }

  /**
   * @throws IllegalArgumentException naming every dataplane that belongs to another mesh or is
   *     listed twice
   */
  public MeshResources {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(dataplanes, "dataplanes");
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(meshServices, "meshServices");
    Objects.requireNonNull(meshTrusts, "meshTrusts");
    Objects.requireNonNull(meshIdentities, "meshIdentities");
    List<String> problems = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < dataplanes.size(); i++) {
      DataplaneResource dp = Objects.requireNonNull(dataplanes.get(i), "dataplanes[" + i + "]");
      if (!mesh.getName().equals(dp.getMesh())) {
        problems.add(
            "dataplanes["
                + i
                + "].mesh: dataplane "
                + dp.getName()
                + " belongs to mesh "
                + dp.getMesh()
                + ", not "
                + mesh.getName());
      }
      if (!names.add(dp.getName())) {
        problems.add("dataplanes[" + i + "].name: duplicate dataplane " + dp.getName());
      }
    }
    for (int i = 0; i < policies.size(); i++) {
      Policy p = Objects.requireNonNull(policies.get(i), "policies[" + i + "]");
      if (!mesh.getName().equals(p.mesh())) {
        problems.add(
            "policies["
                + i
                + "].mesh: "
                + p.type()
                + " "
                + p.name()
                + " belongs to mesh "
                + p.mesh()
                + ", not "
                + mesh.getName());
      }
    }
    Objects.requireNonNull(gateways, "gateways");
    for (int i = 0; i < gateways.size(); i++) {
      MeshGateway g = Objects.requireNonNull(gateways.get(i), "gateways[" + i + "]");
      if (!mesh.getName().equals(g.mesh())) {
        problems.add(
            "gateways[" + i + "].mesh: MeshGateway " + g.name() + " belongs to mesh " + g.mesh());
      }
    }
    for (MeshService ms : meshServices) {
      if (!mesh.getName().equals(ms.mesh())) {
        problems.add("meshServices: " + ms.name() + " belongs to mesh " + ms.mesh());
      }
    }
    for (MeshIdentity identity : meshIdentities) {
      if (!mesh.getName().equals(identity.mesh())) {
        problems.add("meshIdentities: " + identity.name() + " belongs to mesh " + identity.mesh());
      }
    }
    for (MeshTrust trust : meshTrusts) {
      if (!mesh.getName().equals(trust.mesh())) {
        problems.add("meshTrusts: " + trust.name() + " belongs to mesh " + trust.mesh());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid mesh resources: " + String.join("; ", problems));
    }
    meshServices = meshServices.stream().sorted(Comparator.comparing(MeshService::name)).toList();
    meshTrusts = meshTrusts.stream().sorted(Comparator.comparing(MeshTrust::name)).toList();
    meshIdentities =
        meshIdentities.stream().sorted(Comparator.comparing(MeshIdentity::name)).toList();
    dataplanes =
        dataplanes.stream().sorted(Comparator.comparing(DataplaneResource::getName)).toList();
    policies =
        policies.stream()
            .sorted(Comparator.comparing(Policy::type).thenComparing(Policy::name))
            .toList();
    gateways = gateways.stream().sorted(Comparator.comparing(MeshGateway::name)).toList();
  }

  /** The policies of {@code type} (e.g. {@code MeshTimeout}), sorted by name. */
  public List<Policy> policies(String type) {
    return policies.stream().filter(p -> p.type().equals(type)).toList();
  }

  /** The MeshService called {@code name}, if any. */
  public Optional<MeshService> meshService(String name) {
    return meshServices.stream().filter(ms -> ms.name().equals(name)).findFirst();
  }

  /**
   * The MeshService an outbound's or route's reference names: by name, or the first by name of
   * those whose labels contain all of {@code labels} (Kuma takes the oldest; Chronomesh's
   * generation sees no creation times, so the order is the names').
   */
  public Optional<MeshService> meshService(String name, Map<String, String> labels) {
    if (name != null && !name.isEmpty()) {
      return meshService(name);
    }
    if (labels.isEmpty()) {
      return Optional.empty();
    }
    return meshServices.stream().filter(ms -> ms.hasLabels(labels)).findFirst();
  }

  public String name() {
    return mesh.getName();
  }

  /**
   * The trust domains whose peers mTLS inbounds accept besides the mesh's own, sorted, without
   * duplicates: the MeshTrusts', and the MeshIdentities' whose CA the mesh trusts ({@code
   * meshTrustCreation}, Kuma's default: Kuma creates a MeshTrust for it).
   */
  public SortedSet<String> trustedDomains() {
    SortedSet<String> out = new TreeSet<>(identityDomains());
    meshTrusts.forEach(t -> out.add(t.trustDomain()));
    return out;
  }

  /** The trust domains of the MeshIdentities whose CA the mesh trusts, sorted. */
  public SortedSet<String> identityDomains() {
    SortedSet<String> out = new TreeSet<>();
    meshIdentities.stream()
        .filter(MeshIdentity::meshTrustCreation)
        .forEach(i -> out.add(i.trustDomain()));
    return out;
  }

  /**
   * The SPIFFE ID {@code dataplane}'s MeshIdentity gives it (the CA service signs the same), or
   * empty when none selects it or it renders none (then the CA service refuses to sign).
   */
  public Optional<String> identityOf(DataplaneResource dataplane) {
    return identityOf(dataplane.getLabels());
  }

  /** {@link #identityOf(DataplaneResource)} of a dataplane with {@code labels}. */
  public Optional<String> identityOf(Map<String, String> labels) {
    return MeshIdentity.bestMatch(meshIdentities, labels)
        .flatMap(
            identity -> {
              try {
                return Optional.of(identity.spiffeId(labels));
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            });
  }

  /**
   * Checks that a generator is asked about a dataplane of this mesh.
   *
   * @throws IllegalArgumentException when {@code dataplane} belongs to another mesh
   */
  void requireMember(DataplaneResource dataplane) {
    java.util.Objects.requireNonNull(dataplane, "dataplane");
    if (!name().equals(dataplane.getMesh())) {
      throw new IllegalArgumentException(
          "dataplane "
              + dataplane.getName()
              + " belongs to mesh "
              + dataplane.getMesh()
              + ", not "
              + name());
    }
  }
}
