package dev.chronomesh.projector;

import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.meshmodel.MeshDelta;
import java.util.List;
import java.util.Objects;

/**
 * A batch of one mesh's events as the {@link MeshLoader} closed it: its delta, the images before
 * and after it, and the causes a config or endpoint set it changes records. A live event is a batch
 * of its own (causes: that event); a catch-up batch holds every event of the mesh since it opened
 * (causes: its first and last).
 */
record MeshBatch(MeshDelta delta, IndexedMesh before, IndexedMesh after, List<EventRef> causes) {
  MeshBatch {
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    causes = List.copyOf(causes);
    if (delta.base() != before.state() || delta.apply() != after.state()) {
      throw new IllegalArgumentException("the images are not the delta's");
    }
  }

  String mesh() {
    return after.name();
  }
}
