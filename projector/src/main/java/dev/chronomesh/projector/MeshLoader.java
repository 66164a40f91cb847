package dev.chronomesh.projector;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshDelta;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader (Kafka's metadata loader): turns events into one {@link MeshDelta} per mesh per batch
 * and advances each mesh's {@link IndexedMesh} when the batch closes; keeps the {@code
 * mesh-resources} store in step with every event, since it is what a restarted task loads a mesh
 * from. The caller decides how long a batch is: one event when live, every event of a catch-up.
 *
 * <p>Only the resource types config generation reads are loaded ({@link #reads}).
 */
final class MeshLoader {
  private static final Logger LOG = LoggerFactory.getLogger(MeshLoader.class);

  private final KeyValueStore<String, ResourceEvent> resources;
  private final StringSerializer keySerializer = new StringSerializer();

  /** Each mesh's image as of the last closed batch, loaded from the store on first use. */
  private final Map<String, IndexedMesh> images = new HashMap<>();

  /** mesh → the open batch's events; empty while no batch is open. */
  private final SortedMap<String, OpenBatch> open = new TreeMap<>();

  /** One mesh's events in the open batch. */
  private static final class OpenBatch {
    final MeshDelta delta;
    final EventRef first;
    EventRef last;

    OpenBatch(MeshDelta delta, EventRef first) {
      this.delta = delta;
      this.first = first;
      this.last = first;
    }
  }

  MeshLoader(KeyValueStore<String, ResourceEvent> resources) {
    this.resources = resources;
  }

  /**
   * Whether config generation reads resources of {@code type}: Meshes, Dataplanes, MeshGateways,
   * MeshServices, MeshTrusts, MeshIdentities, policies.
   */
  static boolean reads(String type) {
    return type.equals(ResourceType.MESH.name())
        || type.equals(ResourceType.DATAPLANE.name())
        || type.equals(ResourceType.MESH_GATEWAY.name())
        || type.equals(ResourceType.MESH_SERVICE.name())
        || type.equals(ResourceType.MESH_TRUST.name())
        || type.equals(ResourceType.MESH_IDENTITY.name())
        || PolicyResources.isPolicyType(type);
  }

  /** The mesh's image as of the last closed batch. */
  IndexedMesh image(String mesh) {
    return images.computeIfAbsent(mesh, this::load);
  }

  /** Loads a mesh's image from the resources store (its offset unknown: -1). */
  private IndexedMesh load(String mesh) {
    List<ResourceEvent> stored = new ArrayList<>();
    try (KeyValueIterator<String, ResourceEvent> it =
        resources.prefixScan(Keys.meshPrefix(mesh), keySerializer)) {
      it.forEachRemaining(kv -> stored.add(kv.value));
    }
    return IndexedMesh.of(MeshState.fromLastEvents(mesh, stored), -1);
  }

  /**
   * Adds a valid event ({@link dev.chronomesh.meshmodel.ResourceIdentity#ofEventRecord}) of a type
   * the loader {@link #reads} to the open batch, opening one if none is, and to the store.
   */
  void add(ResourceEvent event, EventRef cause) {
    String mesh = event.getMesh();
    OpenBatch batch = open.get(mesh);
    if (batch == null) {
      batch = new OpenBatch(new MeshDelta(image(mesh).state()), cause);
      open.put(mesh, batch);
    }
    batch.delta.replay(event);
    batch.last = cause;
    store(event);
  }

  /** Whether a batch is open (an event was added since the last {@link #close}). */
  boolean isOpen() {
    return !open.isEmpty();
  }

  /**
   * Closes the open batch: applies each mesh's delta, advancing its image to the offset of its last
   * event, and returns one batch per mesh, in mesh order (none when no batch is open).
   */
  List<MeshBatch> close() {
    List<MeshBatch> out = new ArrayList<>(open.size());
    open.forEach(
        (mesh, batch) -> {
          IndexedMesh before = images.get(mesh);
          IndexedMesh after = before.next(batch.delta, batch.last.getOffset());
          images.put(mesh, after);
          out.add(
              new MeshBatch(
                  batch.delta,
                  before,
                  after,
                  batch.first.equals(batch.last)
                      ? List.of(batch.last)
                      : List.of(batch.first, batch.last)));
        });
    open.clear();
    return out;
  }

  /** The meshes with resources in the store. */
  SortedSet<String> storedMeshes() {
    SortedSet<String> meshes = new TreeSet<>();
    try (KeyValueIterator<String, ResourceEvent> it = resources.all()) {
      it.forEachRemaining(kv -> meshes.add(ProjectorTopology.meshScoped(kv.key).mesh()));
    }
    return meshes;
  }

  /** Keeps the resources store in step with the images: the last upsert of each live resource. */
  private void store(ResourceEvent event) {
    String mesh = event.getMesh();
    String key = Keys.resource(mesh, event.getResourceType(), event.getName());
    if (event.getKind() == EventKind.UPSERTED) {
      resources.put(key, event);
    } else if (event.getResourceType().equals(ResourceType.MESH.name())) {
      // As in Kuma, deleting a mesh deletes every resource in it.
      List<String> keys = new ArrayList<>();
      try (KeyValueIterator<String, ResourceEvent> it =
          resources.prefixScan(Keys.meshPrefix(mesh), keySerializer)) {
        it.forEachRemaining(kv -> keys.add(kv.key));
      }
      keys.forEach(resources::delete);
      LOG.info("Deleted mesh={} resources={}", mesh, keys.size());
    } else {
      resources.delete(key);
    }
  }
}
