package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.List;
import java.util.Optional;

/**
 * The pure write rules: {@code decide(command, state of its mesh) → events | rejection}. No clock,
 * no randomness, no I/O: the same inputs always give the same decision, so the single-writer
 * decider (Kafka Streams) can run it as it is.
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
    if (type.scope() == Scope.MESH && state.meshResource().isEmpty()) {
      String reason = "mesh \"" + command.mesh() + "\" does not exist";
      return new Decision.Rejected(
          Decision.Reason.INVALID, reason, List.of(new Violation("mesh", reason)));
    }
    if (type.scope() == Scope.GLOBAL && !command.name().equals(command.mesh())) {
      throw new IllegalArgumentException("a global resource is its own mesh: " + command);
    }
    if (!type.nameOf(command.payload()).equals(command.name())
        || !type.meshOf(command.payload()).equals(command.mesh())) {
      throw new IllegalArgumentException("payload does not match the command: " + command);
    }
    boolean created = state.get(type, command.name()).isEmpty();
    return new Decision.Accepted(
        List.of(event(command, state, EventKind.UPSERTED, command.payload())), created);
  }

  private static Decision delete(Command.Delete command, MeshState state) {
    ResourceType type = command.type();
    Optional<Resource> existing = state.get(type, command.name());
    if (existing.isEmpty()) {
      return new Decision.Rejected(
          Decision.Reason.NOT_FOUND,
          type + " \"" + command.name() + "\"" + inMesh(command) + " does not exist",
          List.of());
    }
    if (type.equals(ResourceType.MESH)) {
      int dataplanes = state.list(ResourceType.DATAPLANE).size();
      if (dataplanes > 0) {
        return new Decision.Rejected(
            Decision.Reason.CONFLICT,
            "mesh \""
                + command.name()
                + "\" still has "
                + dataplanes
                + " dataplane(s); delete them first",
            List.of(new Violation("name", "mesh still has " + dataplanes + " dataplane(s)")));
      }
    }
    return new Decision.Accepted(List.of(event(command, state, EventKind.DELETED, null)), false);
  }

  private static String inMesh(Command command) {
    return command.type().scope() == Scope.MESH ? " in mesh \"" + command.mesh() + "\"" : "";
  }

  private static ResourceEvent event(
      Command command, MeshState state, EventKind kind, Object payload) {
    Command.Metadata meta = command.metadata();
    return new ResourceEvent(
        meta.eventId(),
        command.mesh(),
        command.type().name(),
        command.name(),
        state.lastRevision(command.type(), command.name()) + 1,
        meta.occurredAt(),
        meta.actor(),
        meta.requestId(),
        kind,
        payload);
  }
}
