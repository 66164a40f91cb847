package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.ResourceEvent;
import java.util.List;
import java.util.Objects;

/** What {@link Decider} made of a command: events to append, or a rejection (nothing appended). */
public sealed interface Decision {

  /**
   * The command is accepted.
   *
   * @param events the events to append, in order. For an upsert the first one is about the
   *     command's resource (a new Mesh's default policies follow it); for a delete the last one is
   *     (a cascade's deletions precede it). See {@link #resourceEvent}.
   * @param created whether an upsert made a resource exist that did not (HTTP 201 rather than 200)
   */
  record Accepted(List<ResourceEvent> events, boolean created) implements Decision {
    public Accepted {
      events = List.copyOf(events);
      if (events.isEmpty()) {
        throw new IllegalArgumentException("an accepted command appends at least one event");
      }
    }

    /** The event about the command's resource itself. */
    public ResourceEvent resourceEvent() {
      return primary(events);
    }

    /**
     * Of a decision's events (or their changes) in order, the one about the command's resource: the
     * last when it is a deletion, else the first.
     */
    public static <T> T primary(List<T> events, java.util.function.Predicate<T> deleted) {
      T last = events.get(events.size() - 1);
      return deleted.test(last) ? last : events.get(0);
    }

    private static ResourceEvent primary(List<ResourceEvent> events) {
      return primary(events, e -> e.getKind() == dev.chronomesh.events.avro.EventKind.DELETED);
    }

    /** The HTTP status of the answer: 201 on create, else 200. */
    public int status() {
      return created ? 201 : 200;
    }
  }

  /** The command is refused; the log stays untouched. */
  record Rejected(Reason reason, String detail, List<Violation> violations) implements Decision {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
      violations = List.copyOf(violations);
    }

    public int status() {
      return reason.status();
    }
  }

  /** Why a command was refused; each maps to one HTTP status. */
  enum Reason {
    /** 400: the command breaks a rule of the current state (e.g. its mesh does not exist). */
    INVALID(400),
    /** 404: the resource to delete does not exist. */
    NOT_FOUND(404),
    /** 409: the command conflicts with other resources (e.g. a mesh that still has dataplanes). */
    CONFLICT(409),
    /** 412: a precondition (If-Match, If-None-Match) does not hold. */
    PRECONDITION_FAILED(412);

    private final int status;

    Reason(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
