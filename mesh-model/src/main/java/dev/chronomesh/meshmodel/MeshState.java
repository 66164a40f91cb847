package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.pcollections.TreePMap;

/**
 * The immutable image of one mesh as its events left it (Kafka's metadata image): the live
 * resources (the Mesh itself and everything in it) and the last revision of every resource ever
 * written, deleted ones included, so a re-created resource continues its revision sequence. {@link
 * #evolve} returns the next image; {@link MeshDelta} applies a batch of events and says what they
 * changed.
 *
 * <p>The maps are persistent (pcollections): the next image shares everything an event did not
 * touch, so applying an event costs O(log n) in the size of the mesh, not a copy of it, and a
 * replay grows with the number of events ({@code MeshStateReplayBenchmark}, BENCHMARKS.md).
 *
 * <p>One type for every reader of the log: the command API's view and the decider hold every
 * resource type; the projector holds the types config generation reads (Meshes, Dataplanes,
 * policies) and derives its indexes from these images.
 */
public final class MeshState {
  private final String mesh;

  /** Live resources: type name → resource name → resource; no empty inner map. */
  private final TreePMap<String, TreePMap<String, Resource>> resources;

  /** Last revision of every resource ever seen in this mesh (live or deleted). */
  private final TreePMap<ResourceKey, Long> revisions;

  private MeshState(
      String mesh,
      TreePMap<String, TreePMap<String, Resource>> resources,
      TreePMap<ResourceKey, Long> revisions) {
    this.mesh = mesh;
    this.resources = resources;
    this.revisions = revisions;
  }

  /** A mesh with no history. */
  public static MeshState empty(String mesh) {
    return new MeshState(Objects.requireNonNull(mesh, "mesh"), TreePMap.empty(), TreePMap.empty());
  }

  /**
   * The image that a store of each resource's last event describes (the decider's and the
   * projector's resources stores), given those events in any order: every resource whose last event
   * is an upsert, and the revisions the events carry. A resource's creation time is its last
   * modification's: the event that created it is not among them.
   *
   * @throws IllegalArgumentException as {@link #evolve} for an event it would reject
   */
  public static MeshState fromLastEvents(String mesh, Iterable<ResourceEvent> lastEvents) {
    MeshState state = empty(mesh);
    for (ResourceEvent event : lastEvents) {
      ResourceKey key = state.keyOf(event);
      TreePMap<ResourceKey, Long> revisions = state.revisions.plus(key, event.getRevision());
      state =
          new MeshState(
              mesh,
              event.getKind() == EventKind.DELETED
                  ? state.resources
                  : state.with(key, event, event.getOccurredAt()),
              revisions);
    }
    return state;
  }

  public String mesh() {
    return mesh;
  }

  /** The Mesh resource itself, when it exists. */
  public Optional<Resource> meshResource() {
    return get(ResourceType.MESH, mesh);
  }

  public Optional<Resource> get(ResourceType type, String name) {
    TreePMap<String, Resource> ofType = resources.get(type.name());
    return Optional.ofNullable(ofType == null ? null : ofType.get(name));
  }

  /** Live resources of a type, sorted by name. */
  public List<Resource> list(ResourceType type) {
    return List.copyOf(resources(type).values());
  }

  /**
   * Live resources of a type by name, sorted: an immutable map shared with the image, so it costs
   * nothing to take (unlike {@link #list}, which copies).
   */
  public NavigableMap<String, Resource> resources(ResourceType type) {
    TreePMap<String, Resource> ofType = resources.get(type.name());
    return ofType == null ? TreePMap.empty() : ofType;
  }

  /** Every live resource of the mesh (the Mesh itself included), sorted by type name and name. */
  public List<Resource> all() {
    List<Resource> out = new ArrayList<>();
    resources.values().forEach(ofType -> out.addAll(ofType.values()));
    return List.copyOf(out);
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
   * The image after {@code event}. As in Kuma, deleting the Mesh deletes every resource in it (the
   * decider deletes them first, each with its own event, so this only matters for a log written
   * otherwise); their revisions stay. Events of another mesh, of unknown types, or upserts without
   * a payload of the right type are bugs upstream and rejected with an exception; the caller
   * decides how to skip them.
   */
  public MeshState evolve(ResourceEvent event) {
    ResourceKey key = keyOf(event);
    TreePMap<ResourceKey, Long> nextRevisions = revisions.plus(key, event.getRevision());
    if (event.getKind() == EventKind.UPSERTED) {
      Resource previous = get(key.type(), key.name()).orElse(null);
      return new MeshState(
          mesh,
          with(key, event, previous == null ? event.getOccurredAt() : previous.creationTime()),
          nextRevisions);
    }
    if (key.type().equals(ResourceType.MESH)) {
      return new MeshState(mesh, TreePMap.empty(), nextRevisions);
    }
    TreePMap<String, Resource> ofType = resources.get(key.type().name());
    if (ofType == null || !ofType.containsKey(key.name())) {
      return new MeshState(mesh, resources, nextRevisions);
    }
    TreePMap<String, Resource> rest = ofType.minus(key.name());
    return new MeshState(
        mesh,
        rest.isEmpty()
            ? resources.minus(key.type().name())
            : resources.plus(key.type().name(), rest),
        nextRevisions);
  }

  /** The resource an event is about, after checking that it is a consistent event of this mesh. */
  private ResourceKey keyOf(ResourceEvent event) {
    if (!mesh.equals(event.getMesh())) {
      throw new IllegalArgumentException(
          "event of mesh " + event.getMesh() + " applied to mesh " + mesh);
    }
    List<Violation> problems = ResourceIdentity.violations(ResourceIdentity.Envelope.of(event));
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "inconsistent event: " + String.join("; ", ResourceIdentity.describe(problems)));
    }
    return new ResourceKey(
        InternalTypes.anyByName(event.getResourceType()).orElseThrow(), event.getName());
  }

  /** The live resources with the upsert {@code event} of {@code key} in place. */
  private TreePMap<String, TreePMap<String, Resource>> with(
      ResourceKey key, ResourceEvent event, Instant created) {
    Resource resource =
        new Resource(
            key.type(),
            mesh,
            key.name(),
            event.getRevision(),
            (SpecificRecord) event.getPayload(),
            created,
            event.getOccurredAt());
    TreePMap<String, Resource> ofType = resources.get(key.type().name());
    return resources.plus(
        key.type().name(),
        (ofType == null ? TreePMap.<String, Resource>empty() : ofType).plus(key.name(), resource));
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
    List<String> keys = new ArrayList<>();
    resources.forEach(
        (type, ofType) -> ofType.keySet().forEach(name -> keys.add(type + "/" + name)));
    return "MeshState{mesh=" + mesh + ", resources=" + keys + "}";
  }
}
