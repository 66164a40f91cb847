package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pure write rules: {@code decide(command, state of its mesh) → events | rejection}. No clock,
 * no randomness, no I/O: the same inputs always give the same decision, so the single-writer
 * decider (Kafka Streams) can run it as it is, and the API can run it for a dry run.
 */
public final class Decider {
  private Decider() {}

  public static Decision decide(Command command, MeshState state) {
    if (!command.mesh().equals(state.mesh())) {
      throw new IllegalArgumentException(
          "command for mesh " + command.mesh() + " decided against mesh " + state.mesh());
    }
    return switch (command) {
      case Command.Upsert upsert -> upsert(upsert, state);
      case Command.Delete delete -> delete(delete, state);
    };
  }

  private static Decision upsert(Command.Upsert command, MeshState state) {
    ResourceType type = command.type();
    List<Violation> identity =
        ResourceIdentity.violations(
            new ResourceIdentity.Envelope(
                command.mesh(), type.name(), command.name(), true, command.payload()));
    if (!identity.isEmpty()) {
      return new Decision.Rejected(
          Decision.Reason.INVALID, "the command does not match its payload", identity);
    }
    if (type.scope() == Scope.MESH
        && !InternalTypes.isInternal(type)
        && state.meshResource().isEmpty()) {
      String reason = "mesh \"" + command.mesh() + "\" does not exist";
      return new Decision.Rejected(
          Decision.Reason.INVALID, reason, List.of(new Violation("mesh", reason)));
    }
    Optional<Resource> existing = state.get(type, command.name());
    Decision.Rejected failed = preconditions(command, existing);
    if (failed != null) {
      return failed;
    }
    return new Decision.Accepted(
        List.of(event(command, state, type, command.name(), 0, EventKind.UPSERTED, command)),
        existing.isEmpty());
  }

  private static Decision delete(Command.Delete command, MeshState state) {
    ResourceType type = command.type();
    Optional<Resource> existing = state.get(type, command.name());
    Decision.Rejected failed = preconditions(command, existing);
    if (failed != null) {
      return failed;
    }
    if (existing.isEmpty()) {
      return new Decision.Rejected(
          Decision.Reason.NOT_FOUND, describe(command) + " does not exist", List.of());
    }
    List<ResourceEvent> events = new ArrayList<>();
    if (type.equals(ResourceType.MESH)) {
      List<Resource> inside =
          state.all().stream().filter(r -> !r.type().equals(ResourceType.MESH)).toList();
      long blocking = inside.stream().filter(r -> !InternalTypes.isInternal(r.type())).count();
      if (blocking > 0 && !command.cascade()) {
        return new Decision.Rejected(
            Decision.Reason.CONFLICT,
            "mesh \""
                + command.name()
                + "\" still has "
                + blocking
                + " resource(s); delete them first or delete with cascade",
            List.of(new Violation("name", "mesh still has " + blocking + " resource(s)")));
      }
      for (Resource r : inside) {
        events.add(
            event(command, state, r.type(), r.name(), events.size(), EventKind.DELETED, null));
      }
    }
    events.add(event(command, state, type, command.name(), events.size(), EventKind.DELETED, null));
    return new Decision.Accepted(events, false);
  }

  /**
   * The rejection when If-Match / If-None-Match do not hold, else null. Decided here, against the
   * state the single writer holds, never by the API against a read that may be stale.
   */
  private static Decision.Rejected preconditions(Command command, Optional<Resource> existing) {
    Command.Conditions conditions = command.conditions();
    String failed = null;
    if (conditions.ifMatch() != null && !conditions.ifMatch().matches(existing)) {
      failed = ifMatchFailed(describe(command), conditions.ifMatch(), existing);
    } else if (conditions.ifNoneMatch() != null && conditions.ifNoneMatch().matches(existing)) {
      failed =
          switch (conditions.ifNoneMatch()) {
            case Command.EntityTags.Any any ->
                describe(command) + " already exists (If-None-Match: *)";
            case Command.EntityTags.Revisions r ->
                describe(command)
                    + " is at revision "
                    + existing.orElseThrow().revision()
                    + ", which If-None-Match names";
          };
    }
    return failed == null
        ? null
        : new Decision.Rejected(Decision.Reason.PRECONDITION_FAILED, failed, List.of());
  }

  private static String ifMatchFailed(
      String what, Command.EntityTags ifMatch, Optional<Resource> existing) {
    return switch (ifMatch) {
      case Command.EntityTags.Any any -> what + " does not exist (If-Match: *)";
      case Command.EntityTags.Revisions r when r.revisions().isEmpty() ->
          "If-Match names no revision of "
              + what
              + ": weak entity tags never match it, and its other tags are not revisions";
      case Command.EntityTags.Revisions r -> {
        String expected =
            r.revisions().size() == 1
                ? r.revisions().get(0).toString()
                : "one of "
                    + String.join(", ", r.revisions().stream().map(String::valueOf).toList());
        yield existing
            .map(e -> what + " is at revision " + e.revision() + ", expected " + expected)
            .orElse(what + " does not exist, expected revision " + expected);
      }
    };
  }

  private static String describe(Command command) {
    String where =
        command.type().scope() == Scope.MESH ? " in mesh \"" + command.mesh() + "\"" : "";
    return command.type() + " \"" + command.name() + "\"" + where;
  }

  private static ResourceEvent event(
      Command command,
      MeshState state,
      ResourceType type,
      String name,
      int index,
      EventKind kind,
      Command.Upsert upsert) {
    Command.Metadata meta = command.metadata();
    return new ResourceEvent(
        index == 0 ? meta.eventId() : meta.eventId() + "-" + index,
        command.mesh(),
        type.name(),
        name,
        state.lastRevision(type, name) + 1,
        meta.occurredAt(),
        meta.actor(),
        meta.requestId(),
        kind,
        upsert == null ? null : upsert.payload());
  }
}
