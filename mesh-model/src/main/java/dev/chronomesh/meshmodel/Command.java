package dev.chronomesh.meshmodel;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
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
   * Preconditions on the current state: HTTP If-Match and If-None-Match (RFC 9110 §13.1.1,
   * §13.1.2), their entity tags already reduced to the revisions they can match. The decider
   * evaluates them against the state it holds, If-Match first (§13.2.2); both must hold.
   *
   * @param ifMatch the resource must match this now; null: no If-Match
   * @param ifNoneMatch the resource must not match this now; null: no If-None-Match, which is also
   *     what a list naming no revision becomes, since nothing can match it
   */
  record Conditions(EntityTags ifMatch, EntityTags ifNoneMatch) {
    public static final Conditions NONE = new Conditions(null, null);

    public Conditions {
      if (ifNoneMatch instanceof EntityTags.Revisions r && r.revisions().isEmpty()) {
        ifNoneMatch = null;
      }
    }

    /** {@code If-Match: "<revision>"}: the resource must be at that revision. */
    public static Conditions ifMatch(long revision) {
      return new Conditions(new EntityTags.Revisions(List.of(revision)), null);
    }

    /** {@code If-None-Match: *}: the resource must not exist. */
    public static Conditions createOnly() {
      return new Conditions(null, new EntityTags.Any());
    }
  }

  /**
   * What the entity tags of an If-Match or If-None-Match header match. ETags are {@code
   * "<revision>"}, so a list of tags comes down to the revisions they name.
   */
  sealed interface EntityTags {
    /** Whether {@code current} (empty: the resource does not exist) matches. */
    boolean matches(Optional<Resource> current);

    /** {@code *}: any existing resource. */
    record Any() implements EntityTags {
      @Override
      public boolean matches(Optional<Resource> current) {
        return current.isPresent();
      }
    }

    /**
     * A list of entity tags, as the revisions of those that can match under the header's comparison
     * (If-Match's strong one skips weak tags). Empty when none can: it matches nothing.
     *
     * @param revisions sorted, distinct, each at least 1
     */
    record Revisions(List<Long> revisions) implements EntityTags {
      public Revisions {
        revisions = List.copyOf(new TreeSet<>(revisions));
        if (!revisions.isEmpty() && revisions.get(0) < 1) {
          throw new IllegalArgumentException("revisions must be >= 1: " + revisions);
        }
      }

      @Override
      public boolean matches(Optional<Resource> current) {
        return current.isPresent() && revisions.contains(current.get().revision());
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
