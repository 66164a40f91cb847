package dev.chronomesh.meshmodel;

import java.time.Instant;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A wish to change one resource; {@link Decider} turns it into an event or a rejection. The
 * metadata (event id, time, actor, request id) is chosen by the caller so that deciding stays pure.
 */
public sealed interface Command {
  ResourceType type();

  /** The mesh the command belongs to; for a Mesh, its own name. */
  String mesh();

  String name();

  Metadata metadata();

  /** Create or replace a resource with a validated payload. */
  record Upsert(
      ResourceType type, String mesh, String name, SpecificRecord payload, Metadata metadata)
      implements Command {
    public Upsert {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payload, "payload");
      Objects.requireNonNull(metadata, "metadata");
      if (!type.accepts(payload)) {
        throw new IllegalArgumentException(type + " cannot hold " + payload.getClass().getName());
      }
    }
  }

  /** Remove a resource. */
  record Delete(ResourceType type, String mesh, String name, Metadata metadata) implements Command {
    public Delete {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(metadata, "metadata");
    }
  }

  /** Who asked, when, and the ids an accepted command's event will carry. */
  record Metadata(String eventId, Instant occurredAt, String actor, String requestId) {
    public Metadata {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(occurredAt, "occurredAt");
      Objects.requireNonNull(actor, "actor");
      Objects.requireNonNull(requestId, "requestId");
    }
  }
}
