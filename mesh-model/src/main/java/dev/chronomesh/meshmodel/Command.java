package dev.chronomesh.meshmodel;

import java.time.Instant;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A wish to change one resource; {@link Decider} turns it into events or a rejection. The metadata
 * (event id, time, actor, request id) is chosen by the caller so that deciding stays pure.
 */
public sealed interface Command {
  ResourceType type();

  /** The mesh the command belongs to; for a Mesh, its own name. */
  String mesh();

  String name();

  Conditions conditions();

  Metadata metadata();

  /** Create or replace a resource with a payload whose own fields were validated. */
  record Upsert(
      ResourceType type,
      String mesh,
      String name,
      SpecificRecord payload,
      Conditions conditions,
      Metadata metadata)
      implements Command {
    public Upsert {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payload, "payload");
      Objects.requireNonNull(conditions, "conditions");
      Objects.requireNonNull(metadata, "metadata");
      if (!type.accepts(payload)) {
        throw new IllegalArgumentException(type + " cannot hold " + payload.getClass().getName());
      }
    }

    /** An unconditional upsert. */
    public Upsert(
        ResourceType type, String mesh, String name, SpecificRecord payload, Metadata metadata) {
      this(type, mesh, name, payload, Conditions.NONE, metadata);
    }
  }

  /**
   * Remove a resource.
   *
   * @param cascade for a Mesh: also delete every resource in it (one event each) instead of
   *     refusing while it holds resources
   */
  record Delete(
      ResourceType type,
      String mesh,
      String name,
      Conditions conditions,
      boolean cascade,
      Metadata metadata)
      implements Command {
    public Delete {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(conditions, "conditions");
      Objects.requireNonNull(metadata, "metadata");
    }

    /** An unconditional delete without cascade. */
    public Delete(ResourceType type, String mesh, String name, Metadata metadata) {
      this(type, mesh, name, Conditions.NONE, false, metadata);
    }
  }

  /**
   * Preconditions on the current state (HTTP If-Match / If-None-Match).
   *
   * @param expectedRevision the revision the resource must have now; null: any
   * @param createOnly the resource must not exist now
   */
  record Conditions(Long expectedRevision, boolean createOnly) {
    public static final Conditions NONE = new Conditions(null, false);

    public Conditions {
      if (expectedRevision != null && expectedRevision < 1) {
        throw new IllegalArgumentException("expectedRevision must be >= 1: " + expectedRevision);
      }
    }
  }

  /**
   * Who asked, when, and the ids an accepted command's events will carry. The first event gets
   * {@code eventId}; further events (a cascade) get {@code eventId-1}, {@code eventId-2}, ...
   */
  record Metadata(String eventId, Instant occurredAt, String actor, String requestId) {
    public Metadata {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(occurredAt, "occurredAt");
      Objects.requireNonNull(actor, "actor");
      Objects.requireNonNull(requestId, "requestId");
    }
  }
}
