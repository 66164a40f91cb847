package dev.chronomesh.projector;

import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Changes to one {@link MeshImage}, collected from events and applied at once: {@link #apply}
 * returns the next image, sharing every map the events did not touch. Single-threaded; one delta
 * per batch of events of one mesh.
 */
final class MeshDelta {
  private final MeshImage base;

  /** Set when the mesh was deleted: the next image starts from nothing. */
  private boolean cleared;

  /** Present: the new mesh resource; empty: deleted; absent key: unchanged. */
  private Optional<MeshResource> mesh;

  private final Map<String, Optional<DataplaneResource>> dataplanes = new HashMap<>();

  /** Key {@code <type>/<name>}: the stored (Avro) policy, or empty when deleted. */
  private final Map<String, Optional<Object>> policies = new HashMap<>();

  MeshDelta(MeshImage base) {
    this.base = Objects.requireNonNull(base);
  }

  /**
   * Records one valid event of this mesh (see {@link
   * dev.chronomesh.meshmodel.ResourceIdentity#ofEventRecord}).
   */
  void replay(ResourceEvent event) {
    String type = event.getResourceType();
    boolean upsert = event.getKind() == EventKind.UPSERTED;
    switch (type) {
      case MeshProjector.MESH -> {
        if (upsert) {
          mesh = Optional.of((MeshResource) event.getPayload());
        } else {
          // As in Kuma, deleting a mesh deletes every resource in it.
          cleared = true;
          mesh = Optional.empty();
          dataplanes.clear();
          policies.clear();
        }
      }
      case MeshProjector.DATAPLANE ->
          dataplanes.put(
              event.getName(),
              upsert ? Optional.of((DataplaneResource) event.getPayload()) : Optional.empty());
      default ->
          policies.put(
              Keys.typed(type, event.getName()),
              upsert ? Optional.of(event.getPayload()) : Optional.empty());
    }
  }

  /** Records a stored resource (an upsert without its event). */
  void put(Object payload) {
    if (payload instanceof MeshResource m) {
      mesh = Optional.of(m);
    } else if (payload instanceof DataplaneResource d) {
      dataplanes.put(d.getName(), Optional.of(d));
    } else {
      PolicyResources.toEngine(payload)
          .ifPresent(p -> policies.put(Keys.typed(p.type(), p.name()), Optional.of(payload)));
    }
  }

  /** Whether the mesh resource itself was upserted or deleted. */
  boolean meshChanged() {
    return cleared || mesh != null;
  }

  /** The dataplanes upserted or deleted (after a mesh delete: only those changed since). */
  Set<String> dataplaneNames() {
    return dataplanes.keySet();
  }

  /** The policies upserted or deleted, as {@code <type>/<name>}. */
  Set<String> policyKeys() {
    return policies.keySet();
  }

  /** The image the changes apply to. */
  MeshImage base() {
    return base;
  }

  /** The next image, at {@code offset}. */
  MeshImage apply(long offset) {
    MeshImage from = cleared ? MeshImage.empty(base.name()) : base;
    MeshResource nextMesh = mesh == null ? from.mesh() : mesh.orElse(null);
    ImmutableSortedMap<String, DataplaneResource> nextDataplanes =
        merge(from.dataplanes(), dataplanes);
    ImmutableSortedMap<String, Object> nextPayloads = merge(from.policyPayloads(), policies);
    return new MeshImage(
        base.name(),
        nextMesh,
        nextDataplanes,
        enginePolicies(from, nextPayloads),
        nextPayloads,
        instances(from, nextDataplanes),
        offset);
  }

  /**
   * The services whose signature (existence, declared protocols) differs between the base image and
   * {@code next}: the readers of these services must be regenerated.
   */
  SortedSet<String> changedServices(MeshImage next) {
    SortedSet<String> candidates = new TreeSet<>();
    if (cleared) {
      candidates.addAll(base.instances().keySet());
    }
    for (String dp : dataplanes.keySet()) {
      candidates.addAll(MeshImage.services(base.dataplane(dp)));
      candidates.addAll(MeshImage.services(next.dataplane(dp)));
    }
    SortedSet<String> changed = new TreeSet<>();
    for (String service : candidates) {
      if (!Objects.equals(base.signature(service), next.signature(service))) {
        changed.add(service);
      }
    }
    return changed;
  }

  /** The services whose instances' inbounds may have changed (their endpoint sets may differ). */
  SortedSet<String> touchedServices(MeshImage next) {
    SortedSet<String> out = new TreeSet<>();
    for (String dp : dataplanes.keySet()) {
      out.addAll(MeshImage.services(base.dataplane(dp)));
      out.addAll(MeshImage.services(next.dataplane(dp)));
    }
    return out;
  }

  private static <V> ImmutableSortedMap<String, V> merge(
      ImmutableSortedMap<String, V> from, Map<String, Optional<V>> changes) {
    if (changes.isEmpty()) {
      return from;
    }
    TreeMap<String, V> out = new TreeMap<>(from);
    changes.forEach(
        (key, value) -> {
          if (value.isPresent()) {
            out.put(key, value.get());
          } else {
            out.remove(key);
          }
        });
    return ImmutableSortedMap.copyOfSorted(out);
  }

  /** The engine's view of {@code payloads}: the base's, with only the changed policies parsed. */
  private ImmutableSortedMap<String, Policy> enginePolicies(
      MeshImage from, ImmutableSortedMap<String, Object> payloads) {
    if (policies.isEmpty()) {
      return from.policies();
    }
    TreeMap<String, Policy> out = new TreeMap<>(from.policies());
    for (String key : policies.keySet()) {
      Object payload = payloads.get(key);
      if (payload == null) {
        out.remove(key);
      } else {
        out.put(key, PolicyResources.toEngine(payload).orElseThrow());
      }
    }
    return ImmutableSortedMap.copyOfSorted(out);
  }

  /** The service index of {@code next}: the base's, with only the touched services rebuilt. */
  private ImmutableSortedMap<String, ImmutableSortedSet<String>> instances(
      MeshImage from, ImmutableSortedMap<String, DataplaneResource> next) {
    if (dataplanes.isEmpty()) {
      return from.instances();
    }
    SortedSet<String> touched = new TreeSet<>();
    for (String dp : dataplanes.keySet()) {
      touched.addAll(MeshImage.services(from.dataplane(dp)));
      touched.addAll(MeshImage.services(next.get(dp)));
    }
    TreeMap<String, ImmutableSortedSet<String>> out = new TreeMap<>(from.instances());
    for (String service : touched) {
      TreeSet<String> dps = new TreeSet<>(out.getOrDefault(service, ImmutableSortedSet.of()));
      for (String dp : dataplanes.keySet()) {
        if (MeshImage.services(next.get(dp)).contains(service)) {
          dps.add(dp);
        } else {
          dps.remove(dp);
        }
      }
      if (dps.isEmpty()) {
        out.remove(service);
      } else {
        out.put(service, ImmutableSortedSet.copyOf(dps));
      }
    }
    return ImmutableSortedMap.copyOfSorted(out);
  }
}
