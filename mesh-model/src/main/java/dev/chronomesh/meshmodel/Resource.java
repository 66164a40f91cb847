package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A resource as the event log left it: its latest payload, revision, and the times of its creation
 * (the upsert that made it exist) and last modification.
 */
public record Resource(
    ResourceType type,
    String mesh,
    String name,
    long revision,
    SpecificRecord payload,
    Instant creationTime,
    Instant modificationTime) {
  public Resource {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(creationTime, "creationTime");
    Objects.requireNonNull(modificationTime, "modificationTime");
    if (!type.accepts(payload)) {
      throw new IllegalArgumentException(type + " cannot hold " + payload.getClass().getName());
    }
  }

  /** The Kuma document a GET returns, without secret values (a Secret has no data). */
  public ObjectNode render() {
    return type.render(payload, creationTime, modificationTime, null);
  }

  /**
   * The Kuma document a GET returns to a reader allowed to see secret values.
   *
   * @param opener opens sealed values; null renders without them, as {@link #render()}
   */
  public ObjectNode render(Sealer opener) {
    return type.render(payload, creationTime, modificationTime, opener);
  }
}
