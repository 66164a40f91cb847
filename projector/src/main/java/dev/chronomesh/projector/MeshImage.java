package dev.chronomesh.projector;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The resources of one mesh as the projector reads them, immutable, at the offset of the last event
 * applied to it (Kafka's metadata image; {@link MeshDelta} makes the next one). Besides the
 * resources it indexes each service's instances, so an endpoint set is computed from the instances
 * of its service only.
 *
 * <p>Equality is by content and offset; the {@link MeshContext} generation shares across proxies is
 * computed once per image, on first use.
 */
final class MeshImage {

  private final String name;
  private final MeshResource mesh;
  private final ImmutableSortedMap<String, DataplaneResource> dataplanes;

  /** Key {@code <type>/<name>}: the engine's view of each policy. */
  private final ImmutableSortedMap<String, Policy> policies;

  /** Key {@code <type>/<name>}: each policy as stored (its Avro record). */
  private final ImmutableSortedMap<String, Object> policyPayloads;

  /** service → the dataplanes with an inbound of it. */
  private final ImmutableSortedMap<String, ImmutableSortedSet<String>> instances;

  private final long offset;
  private volatile MeshContext context;

  MeshImage(
      String name,
      MeshResource mesh,
      ImmutableSortedMap<String, DataplaneResource> dataplanes,
      ImmutableSortedMap<String, Policy> policies,
      ImmutableSortedMap<String, Object> policyPayloads,
      ImmutableSortedMap<String, ImmutableSortedSet<String>> instances,
      long offset) {
    this.name = Objects.requireNonNull(name);
    this.mesh = mesh;
    this.dataplanes = Objects.requireNonNull(dataplanes);
    this.policies = Objects.requireNonNull(policies);
    this.policyPayloads = Objects.requireNonNull(policyPayloads);
    this.instances = Objects.requireNonNull(instances);
    this.offset = offset;
  }

  /** A mesh with nothing in it, before any event (offset -1). */
  static MeshImage empty(String name) {
    return new MeshImage(
        name,
        null,
        ImmutableSortedMap.of(),
        ImmutableSortedMap.of(),
        ImmutableSortedMap.of(),
        ImmutableSortedMap.of(),
        -1);
  }

  /** The image holding {@code payloads} (as stored: Mesh, Dataplane and policy payloads). */
  static MeshImage of(String name, Iterable<?> payloads, long offset) {
    MeshDelta delta = new MeshDelta(empty(name));
    for (Object payload : payloads) {
      delta.put(payload);
    }
    return delta.apply(offset);
  }

  /** Every resource of the image as stored: the mesh, then dataplanes, then policies. */
  List<Object> payloads() {
    List<Object> out = new ArrayList<>();
    if (mesh != null) {
      out.add(mesh);
    }
    out.addAll(dataplanes.values());
    out.addAll(policyPayloads.values());
    return out;
  }

  String name() {
    return name;
  }

  boolean exists() {
    return mesh != null;
  }

  MeshResource mesh() {
    return mesh;
  }

  long offset() {
    return offset;
  }

  DataplaneResource dataplane(String dataplane) {
    return dataplanes.get(dataplane);
  }

  ImmutableSortedMap<String, DataplaneResource> dataplanes() {
    return dataplanes;
  }

  Policy policy(String type, String policyName) {
    return policies.get(Keys.typed(type, policyName));
  }

  ImmutableSortedMap<String, Policy> policies() {
    return policies;
  }

  ImmutableSortedMap<String, Object> policyPayloads() {
    return policyPayloads;
  }

  ImmutableSortedMap<String, ImmutableSortedSet<String>> instances() {
    return instances;
  }

  /** The services of a dataplane's inbounds, sorted. */
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
    ImmutableSortedSet<String> dps = instances.get(service);
    if (dps == null) {
      return null;
    }
    SortedSet<String> protocols = new TreeSet<>();
    for (String dp : dps) {
      for (Inbound in : dataplanes.get(dp).getInbound()) {
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
      c =
          MeshContext.of(
              new MeshResources(
                  mesh, ImmutableList.copyOf(dataplanes.values()), policies.values().asList()));
      context = c;
    }
    return c;
  }

  /**
   * A view for computing {@code service}'s endpoint sets: the mesh with only that service's
   * instances, so the cost follows the service's size, not the mesh's.
   */
  MeshContext endpointsContext(String service) {
    List<DataplaneResource> dps = new ArrayList<>();
    for (String dp : instances.getOrDefault(service, ImmutableSortedSet.of())) {
      dps.add(dataplanes.get(dp));
    }
    return MeshContext.of(new MeshResources(mesh, dps, List.of()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MeshImage other
        && offset == other.offset
        && name.equals(other.name)
        && Objects.equals(mesh, other.mesh)
        && dataplanes.equals(other.dataplanes)
        && policyPayloads.equals(other.policyPayloads)
        && instances.equals(other.instances);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, mesh, dataplanes, policyPayloads, instances, offset);
  }

  @Override
  public String toString() {
    return "MeshImage[mesh="
        + name
        + ", exists="
        + exists()
        + ", dataplanes="
        + dataplanes.size()
        + ", policies="
        + policies.size()
        + ", offset="
        + offset
        + "]";
  }
}
