package dev.chronomesh.projector;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.MeshDelta;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceKey;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.meshidentity.MeshIdentity;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * One mesh as the projector reads it: the {@link MeshState} image (the type the decider and the API
 * share) at the offset of the last event applied to it, and what the projector derives from it —
 * each service's instances, so an endpoint set is computed from its service's instances only; the
 * policy engine's view of each policy, parsed once per change; and the {@link MeshContext} that
 * generation shares across proxies, built on first use. Immutable; {@link #next} derives the next
 * one from a {@link MeshDelta}, updating only what the delta changed and sharing the rest.
 */
final class IndexedMesh {
  private final MeshState state;
  private final long offset;

  /** Key {@code <type>/<name>}: the engine's view of each policy. */
  private final TreePMap<String, Policy> policies;

  /** service → the dataplanes with an inbound of it; no empty set. */
  private final TreePMap<String, TreePSet<String>> instances;

  private volatile MeshContext context;

  private IndexedMesh(
      MeshState state,
      long offset,
      TreePMap<String, Policy> policies,
      TreePMap<String, TreePSet<String>> instances) {
    this.state = Objects.requireNonNull(state);
    this.offset = offset;
    this.policies = Objects.requireNonNull(policies);
    this.instances = Objects.requireNonNull(instances);
  }

  /** A mesh with nothing in it, before any event (offset -1). */
  static IndexedMesh empty(String mesh) {
    return new IndexedMesh(MeshState.empty(mesh), -1, TreePMap.empty(), TreePMap.empty());
  }

  /** The indexes of {@code state}, built from all of it (loading a mesh from the store). */
  static IndexedMesh of(MeshState state, long offset) {
    TreePMap<String, Policy> policies = TreePMap.empty();
    TreePMap<String, TreePSet<String>> instances = TreePMap.empty();
    for (Resource r : state.all()) {
      if (r.type().equals(ResourceType.DATAPLANE)) {
        instances = withInstance(instances, (DataplaneResource) r.payload());
      } else if (PolicyResources.isPolicyType(r.type().name())) {
        policies = policies.plus(policyKey(r.type(), r.name()), engine(r));
      }
    }
    return new IndexedMesh(state, offset, policies, instances);
  }

  /**
   * The mesh after {@code delta}, which must start from this image: the indexes of the resources
   * the delta changed are updated, the rest shared.
   */
  IndexedMesh next(MeshDelta delta, long nextOffset) {
    if (delta.base() != state) {
      throw new IllegalArgumentException("a delta of another image of mesh " + name());
    }
    MeshState after = delta.apply();
    // After a Mesh deletion the delta's changes count from nothing.
    MeshState from = delta.meshDeleted() ? MeshState.empty(name()) : state;
    TreePMap<String, Policy> nextPolicies = delta.meshDeleted() ? TreePMap.empty() : policies;
    TreePMap<String, TreePSet<String>> nextInstances =
        delta.meshDeleted() ? TreePMap.empty() : instances;
    for (ResourceKey key : delta.changed()) {
      if (key.type().equals(ResourceType.DATAPLANE)) {
        nextInstances = withoutInstance(nextInstances, dataplane(from, key.name()));
        nextInstances = withInstance(nextInstances, dataplane(after, key.name()));
      } else if (PolicyResources.isPolicyType(key.type().name())) {
        String policyKey = policyKey(key.type(), key.name());
        Resource now = after.get(key.type(), key.name()).orElse(null);
        nextPolicies =
            now == null ? nextPolicies.minus(policyKey) : nextPolicies.plus(policyKey, engine(now));
      }
    }
    return new IndexedMesh(after, nextOffset, nextPolicies, nextInstances);
  }

  private static String policyKey(ResourceType type, String name) {
    return Keys.typed(type.name(), name);
  }

  private static Policy engine(Resource policy) {
    return PolicyResources.toEngine(policy.payload()).orElseThrow();
  }

  private static TreePMap<String, TreePSet<String>> withInstance(
      TreePMap<String, TreePSet<String>> index, DataplaneResource dp) {
    for (String service : services(dp)) {
      TreePSet<String> dps = index.get(service);
      index =
          index.plus(service, (dps == null ? TreePSet.<String>empty() : dps).plus(dp.getName()));
    }
    return index;
  }

  private static TreePMap<String, TreePSet<String>> withoutInstance(
      TreePMap<String, TreePSet<String>> index, DataplaneResource dp) {
    for (String service : services(dp)) {
      TreePSet<String> dps = index.get(service);
      if (dps != null) {
        TreePSet<String> rest = dps.minus(dp.getName());
        index = rest.isEmpty() ? index.minus(service) : index.plus(service, rest);
      }
    }
    return index;
  }

  /** The image the indexes are of. */
  MeshState state() {
    return state;
  }

  String name() {
    return state.mesh();
  }

  boolean exists() {
    return state.meshResource().isPresent();
  }

  MeshResource mesh() {
    return (MeshResource) state.meshResource().map(Resource::payload).orElse(null);
  }

  /** The offset of the last event applied; -1 when loaded from the store (not known). */
  long offset() {
    return offset;
  }

  DataplaneResource dataplane(String dataplane) {
    return dataplane(state, dataplane);
  }

  private static DataplaneResource dataplane(MeshState state, String name) {
    return (DataplaneResource)
        state.get(ResourceType.DATAPLANE, name).map(Resource::payload).orElse(null);
  }

  /** The dataplanes by name, sorted. */
  NavigableMap<String, Resource> dataplanes() {
    return state.resources(ResourceType.DATAPLANE);
  }

  Policy policy(String type, String policyName) {
    return policies.get(Keys.typed(type, policyName));
  }

  /** The engine's view of each policy, key {@code <type>/<name>}. */
  NavigableMap<String, Policy> policies() {
    return policies;
  }

  /** The engine's view of the policies of {@code type}, by name. */
  List<Policy> policies(String type) {
    String prefix = Keys.typed(type, "");
    return List.copyOf(policies.subMap(prefix, true, prefix + Character.MAX_VALUE, true).values());
  }

  /** Whether the mesh has a policy of {@code type}. */
  boolean hasPolicies(PolicyType<?> type) {
    String prefix = Keys.typed(type.name(), "");
    String next = policies.ceilingKey(prefix);
    return next != null && next.startsWith(prefix);
  }

  /** service → the dataplanes with an inbound of it, sorted. */
  NavigableMap<String, ? extends SortedSet<String>> instances() {
    return instances;
  }

  /** The services of a dataplane's inbounds (none for null), sorted. */
  static SortedSet<String> services(DataplaneResource dp) {
    SortedSet<String> out = new TreeSet<>();
    if (dp != null) {
      for (Inbound in : dp.getInbound()) {
        String s = in.getTags().get(KumaTags.SERVICE);
        if (s != null && !s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /**
   * What other proxies' configs read of a service: whether it exists and the protocol tags its
   * inbounds declare (sorted; "" for an inbound without one); null when no inbound has it.
   */
  SortedSet<String> signature(String service) {
    TreePSet<String> dps = instances.get(service);
    if (dps == null) {
      return null;
    }
    SortedSet<String> protocols = new TreeSet<>();
    for (String dp : dps) {
      for (Inbound in : dataplane(dp).getInbound()) {
        if (service.equals(in.getTags().get(KumaTags.SERVICE))) {
          protocols.add(Objects.requireNonNullElse(in.getTags().get(KumaTags.PROTOCOL), ""));
        }
      }
    }
    return protocols;
  }

  /** Generation's view of the mesh; the mesh must exist. */
  MeshContext context() {
    MeshContext c = context;
    if (c == null) {
      List<DataplaneResource> dps = new ArrayList<>(dataplanes().size());
      dataplanes().values().forEach(r -> dps.add((DataplaneResource) r.payload()));
      List<MeshGateway> gateways = new ArrayList<>();
      state
          .resources(ResourceType.MESH_GATEWAY)
          .values()
          .forEach(r -> gateways.add(MeshGateway.of((PolicyResource) r.payload())));
      List<MeshTrust> trusts = new ArrayList<>();
      state
          .resources(ResourceType.MESH_TRUST)
          .values()
          .forEach(r -> MeshTrust.of(r.payload()).ifPresent(trusts::add));
      List<MeshIdentity> identities = new ArrayList<>();
      state
          .resources(ResourceType.MESH_IDENTITY)
          .values()
          .forEach(r -> MeshIdentity.of(r.payload()).ifPresent(identities::add));
      c =
          MeshContext.of(
              new MeshResources(
                  mesh(),
                  dps,
                  List.copyOf(policies.values()),
                  gateways,
                  meshServices(),
                  trusts,
                  identities));
      context = c;
    }
    return c;
  }

  /**
   * A view for computing {@code service}'s endpoint sets: the mesh with only that service's
   * instances, so the cost follows the service's size, not the mesh's. For a MeshService ({@link
   * EndpointSelector#meshServiceKey}), whose selector may pick any dataplane, every dataplane of
   * the mesh and that MeshService.
   */
  MeshContext endpointsContext(String service) {
    String msPrefix = EndpointSelector.meshServiceKey("");
    if (service.startsWith(msPrefix)) {
      String name = service.substring(msPrefix.length());
      List<DataplaneResource> dps = new ArrayList<>(dataplanes().size());
      dataplanes().values().forEach(r -> dps.add((DataplaneResource) r.payload()));
      List<MeshService> own = meshServices().stream().filter(m -> m.name().equals(name)).toList();
      return MeshContext.of(new MeshResources(mesh(), dps, List.of(), List.of(), own));
    }
    List<DataplaneResource> dps = new ArrayList<>();
    for (String dp : instances.getOrDefault(service, TreePSet.empty())) {
      dps.add(dataplane(dp));
    }
    return MeshContext.of(new MeshResources(mesh(), dps, List.of()));
  }

  /** The MeshServices of the mesh, sorted by name. */
  List<MeshService> meshServices() {
    List<MeshService> out = new ArrayList<>();
    state
        .resources(ResourceType.MESH_SERVICE)
        .values()
        .forEach(r -> MeshService.of(r.payload()).ifPresent(out::add));
    return out;
  }

  /**
   * Every key whose endpoint sets this mesh may hold: its services and its MeshServices ({@link
   * EndpointSelector#meshServiceKey}).
   */
  SortedSet<String> endpointKeys() {
    SortedSet<String> keys = new TreeSet<>(instances.keySet());
    meshServices().forEach(m -> keys.add(EndpointSelector.meshServiceKey(m.name())));
    return keys;
  }

  @Override
  public String toString() {
    return "IndexedMesh[mesh="
        + name()
        + ", exists="
        + exists()
        + ", dataplanes="
        + dataplanes().size()
        + ", policies="
        + policies.size()
        + ", offset="
        + offset
        + "]";
  }
}
