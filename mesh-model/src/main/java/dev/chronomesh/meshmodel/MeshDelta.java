package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The changes of a batch of events to one {@link MeshState} (Kafka's metadata delta): {@link
 * #replay} takes the events in log order, {@link #apply} returns the image after all of them, and
 * the delta says which resources the batch changed, so that what is derived from the images (the
 * projector's indexes, which proxies a change concerns) is updated for those alone. Each event
 * costs what {@link MeshState#evolve} costs, O(log n); single-threaded, one delta per batch of one
 * mesh.
 */
public final class MeshDelta {
  private final MeshState base;
  private MeshState next;
  private boolean meshDeleted;

  /** The resources upserted or deleted since the batch began, or since the Mesh was deleted. */
  private final SortedSet<ResourceKey> changed = new TreeSet<>();

  private int events;

  public MeshDelta(MeshState base) {
    this.base = Objects.requireNonNull(base, "base");
    this.next = base;
  }

  /**
   * Applies one event of this mesh.
   *
   * @throws IllegalArgumentException as {@link MeshState#evolve}; the delta is then unchanged
   */
  public void replay(ResourceEvent event) {
    next = next.evolve(event);
    events++;
    ResourceKey key =
        new ResourceKey(
            InternalTypes.anyByName(event.getResourceType()).orElseThrow(), event.getName());
    if (key.type().equals(ResourceType.MESH) && event.getKind() == EventKind.DELETED) {
      // Everything of the base is gone: what changed is now measured from nothing.
      meshDeleted = true;
      changed.clear();
    }
    changed.add(key);
  }

  /** The image the batch started from. */
  public MeshState base() {
    return base;
  }

  /** The image after every event replayed so far. */
  public MeshState apply() {
    return next;
  }

  /** How many events were replayed. */
  public int events() {
    return events;
  }

  /**
   * Whether the Mesh was deleted in the batch: every resource of the base is then gone, and {@link
   * #changed()} counts from the deletion on.
   */
  public boolean meshDeleted() {
    return meshDeleted;
  }

  /** Whether the Mesh resource itself was upserted or deleted. */
  public boolean meshChanged() {
    return meshDeleted || changed.contains(new ResourceKey(ResourceType.MESH, base.mesh()));
  }

  /**
   * The resources upserted or deleted by the batch (after a Mesh deletion: since it), sorted;
   * whether their content really differs is for the reader to compare.
   */
  public SortedSet<ResourceKey> changed() {
    return Collections.unmodifiableSortedSet(changed);
  }

  /** The names of the resources of {@code type} in {@link #changed()}, sorted. */
  public SortedSet<String> changed(ResourceType type) {
    SortedSet<String> out = new TreeSet<>();
    for (ResourceKey key : changed) {
      if (key.type().equals(type)) {
        out.add(key.name());
      }
    }
    return out;
  }
}
