package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * The immutable image of one mesh as its events left it: the live resources (the Mesh itself and
 * everything in it) and the last revision of every resource ever written, deleted ones included, so
 * a re-created resource continues its revision sequence. {@link #evolve} returns the next image.
 */
public final class MeshState {
  private final String mesh;

  /** Live resources, sorted by key. */
  private final Map<ResourceKey, Resource> resources;

  /** Last revision of every resource ever seen in this mesh (live or deleted). */
  private final Map<ResourceKey, Long> revisions;

  private MeshState(
      String mesh, Map<ResourceKey, Resource> resources, Map<ResourceKey, Long> revisions) {
    this.mesh = mesh;
    this.resources = Collections.unmodifiableMap(resources);
    this.revisions = Collections.unmodifiableMap(revisions);
  }

  /** A mesh with no history. */
  public static MeshState empty(String mesh) {
    return new MeshState(Objects.requireNonNull(mesh, "mesh"), new TreeMap<>(), new TreeMap<>());
  }

  public String mesh() {
    return mesh;
  }

  /** The Mesh resource itself, when it exists. */
  public Optional<Resource> meshResource() {
    return get(ResourceType.MESH, mesh);
  }

  public Optional<Resource> get(ResourceType type, String name) {
    return Optional.ofNullable(resources.get(new ResourceKey(type, name)));
  }

  /** Live resources of a type, sorted by name. */
  public List<Resource> list(ResourceType type) {
    List<Resource> out = new ArrayList<>();
    for (Resource r : resources.values()) {
      if (r.type().equals(type)) {
        out.add(r);
      }
    }
    return out;
  }

  /** Every live resource of the mesh (the Mesh itself included), sorted by type name and name. */
  public List<Resource> all() {
    return List.copyOf(resources.values());
  }

  /** The revision of the last event of this resource, 0 when it never existed. */
  public long lastRevision(ResourceType type, String name) {
    return revisions.getOrDefault(new ResourceKey(type, name), 0L);
  }

  /** Whether no event of this mesh was ever applied. */
  public boolean isEmpty() {
    return revisions.isEmpty();
  }

  /**
   * The image after {@code event}. Events of another mesh, of unknown types, or upserts without a
   * payload of the right type are bugs upstream and rejected with an exception; the caller decides
   * how to skip them.
   */
  public MeshState evolve(ResourceEvent event) {
    if (!mesh.equals(event.getMesh())) {
      throw new IllegalArgumentException(
          "event of mesh " + event.getMesh() + " applied to mesh " + mesh);
    }
    List<Violation> problems = ResourceIdentity.violations(ResourceIdentity.Envelope.of(event));
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "inconsistent event: " + String.join("; ", ResourceIdentity.describe(problems)));
    }
    ResourceType type = InternalTypes.anyByName(event.getResourceType()).orElseThrow();
    ResourceKey key = new ResourceKey(type, event.getName());
    TreeMap<ResourceKey, Resource> nextResources = new TreeMap<>(resources);
    TreeMap<ResourceKey, Long> nextRevisions = new TreeMap<>(revisions);
    nextRevisions.put(key, event.getRevision());
    if (event.getKind() == EventKind.DELETED) {
      nextResources.remove(key);
    } else {
      SpecificRecord payload = (SpecificRecord) event.getPayload();
      Resource previous = resources.get(key);
      nextResources.put(
          key,
          new Resource(
              type,
              mesh,
              event.getName(),
              event.getRevision(),
              payload,
              previous == null ? event.getOccurredAt() : previous.creationTime(),
              event.getOccurredAt()));
    }
    return new MeshState(mesh, nextResources, nextRevisions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MeshState other
        && mesh.equals(other.mesh)
        && resources.equals(other.resources)
        && revisions.equals(other.revisions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mesh, resources, revisions);
  }

  @Override
  public String toString() {
    return "MeshState{mesh=" + mesh + ", resources=" + resources.keySet() + "}";
  }
}
