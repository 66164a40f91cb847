package dev.chronomesh.benchmarks.baseline;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The current resources of every mesh, kept the conventional way: plain mutable maps, one fold step
 * per event (last write wins; deleting a mesh deletes everything in it, as in Kuma and the
 * projector). Only what config generation reads is kept: Meshes, Dataplanes and targetRef policies.
 * Single-threaded (the events reader's thread).
 */
final class MeshStates {
  static final String MESH = "Mesh";
  static final String DATAPLANE = "Dataplane";

  /** The resources of one mesh; the mesh itself may be absent while its dataplanes exist. */
  private static final class MeshState {
    private MeshResource mesh;
    private final TreeMap<String, DataplaneResource> dataplanes = new TreeMap<>();

    /** Key {@code <type>/<name>}. */
    private final TreeMap<String, Policy> policies = new TreeMap<>();

    boolean isEmpty() {
      return mesh == null && dataplanes.isEmpty() && policies.isEmpty();
    }
  }

  private final Map<String, MeshState> meshes = new TreeMap<>();

  /**
   * Folds one event that passed the projector's checks into the state.
   *
   * @return true when the event is of a type config generation reads (the mesh must then be
   *     regenerated), false when it was ignored (secrets, signing keys, token revocations)
   */
  boolean apply(ResourceEvent event) {
    String type = event.getResourceType();
    boolean policy = PolicyResources.isPolicyType(type);
    if (!type.equals(MESH) && !type.equals(DATAPLANE) && !policy) {
      return false;
    }
    String meshName = event.getMesh();
    boolean upsert = event.getKind() == EventKind.UPSERTED;
    if (type.equals(MESH) && !upsert) {
      meshes.remove(meshName);
      return true;
    }
    MeshState state = meshes.computeIfAbsent(meshName, m -> new MeshState());
    if (type.equals(MESH)) {
      state.mesh = (MeshResource) event.getPayload();
    } else if (type.equals(DATAPLANE)) {
      if (upsert) {
        state.dataplanes.put(event.getName(), (DataplaneResource) event.getPayload());
      } else {
        state.dataplanes.remove(event.getName());
      }
    } else {
      String key = Keys.typed(type, event.getName());
      if (upsert) {
        state.policies.put(
            key,
            PolicyResources.toEngine(event.getPayload())
                .orElseThrow(() -> new IllegalArgumentException("not a " + type + ": " + key)));
      } else {
        state.policies.remove(key);
      }
    }
    if (state.isEmpty()) {
      meshes.remove(meshName);
    }
    return true;
  }

  /** Every mesh with any resource, sorted. */
  SortedSet<String> meshes() {
    return new TreeSet<>(meshes.keySet());
  }

  /** What generation reads of {@code mesh}; empty when the Mesh resource itself does not exist. */
  Optional<MeshResources> resources(String mesh) {
    MeshState state = meshes.get(mesh);
    if (state == null || state.mesh == null) {
      return Optional.empty();
    }
    return Optional.of(
        new MeshResources(
            state.mesh,
            List.copyOf(state.dataplanes.values()),
            List.copyOf(state.policies.values())));
  }

  /** The names of the mesh's dataplanes, sorted (whether or not the mesh exists). */
  SortedSet<String> dataplanes(String mesh) {
    MeshState state = meshes.get(mesh);
    return state == null ? new TreeSet<>() : new TreeSet<>(state.dataplanes.keySet());
  }

  /** The policies of the mesh, keyed {@code <type>/<name>}. */
  SortedSet<String> policies(String mesh) {
    MeshState state = meshes.get(mesh);
    return state == null ? new TreeSet<>() : new TreeSet<>(state.policies.keySet());
  }
}
