package dev.chronomesh.commandapi.decider;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.meshmodel.InternalTypes;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Scope;
import dev.chronomesh.meshmodel.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * Translates the Avro {@link Command} of the commands topic into mesh-model's command, checking
 * everything the record's schema cannot: a known type, a payload of that type exactly when it is an
 * upsert, sane conditions. Shared by the decider and the API (dry runs).
 */
public final class Commands {
  /** The longest Idempotency-Key accepted. */
  public static final int MAX_IDEMPOTENCY_KEY = 255;

  private Commands() {}

  /** The translation, or the violations that make the command invalid (never both). */
  public record Translation(dev.chronomesh.meshmodel.Command command, List<Violation> violations) {
    public Translation {
      violations = List.copyOf(violations);
    }
  }

  /**
   * Translates {@code command}; the event id of its first event is derived from its request id, so
   * deciding it twice gives the same events.
   */
  public static Translation toModel(Command command) {
    List<Violation> violations = new ArrayList<>();
    if (command.getRequestId() == null || command.getRequestId().isEmpty()) {
      violations.add(new Violation("requestId", "cannot be empty"));
    }
    if (command.getMesh() == null || command.getMesh().isEmpty()) {
      violations.add(new Violation("mesh", "cannot be empty"));
    }
    if (command.getName() == null || command.getName().isEmpty()) {
      violations.add(new Violation("name", "cannot be empty"));
    }
    if (command.getActor() == null || command.getActor().isEmpty()) {
      violations.add(new Violation("actor", "cannot be empty"));
    }
    if (command.getRequestedAt() == null) {
      violations.add(new Violation("requestedAt", "cannot be empty"));
    }
    Optional<ResourceType> type =
        command.getResourceType() == null
            ? Optional.empty()
            : InternalTypes.anyByName(command.getResourceType());
    if (type.isEmpty()) {
      violations.add(
          new Violation("resourceType", "unknown type \"" + command.getResourceType() + "\""));
    } else if (type.get().scope() == Scope.GLOBAL
        && command.getName() != null
        && !command.getName().equals(command.getMesh())) {
      violations.add(new Violation("mesh", "a " + type.get() + " is its own mesh"));
    }
    Object payload = command.getPayload();
    if (command.getKind() == null) {
      violations.add(new Violation("kind", "cannot be empty"));
    } else if (command.getKind() == CommandKind.UPSERT) {
      if (!(payload instanceof SpecificRecord record)) {
        violations.add(new Violation("payload", "an upsert needs a payload"));
      } else if (type.isPresent() && !type.get().accepts(record)) {
        violations.add(
            new Violation(
                "payload",
                "a " + type.get() + " cannot hold a " + record.getSchema().getName() + " payload"));
      }
    } else if (payload != null) {
      violations.add(new Violation("payload", "a delete carries no payload"));
    }
    Long expected = command.getExpectedRevision();
    if (expected != null && expected < 1) {
      violations.add(new Violation("expectedRevision", "must be at least 1, got " + expected));
    }
    String key = command.getIdempotencyKey();
    if (key != null && (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY)) {
      violations.add(
          new Violation("idempotencyKey", "must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters"));
    }
    if (command.getCascade()
        && (command.getKind() != CommandKind.DELETE
            || (type.isPresent() && !type.get().equals(ResourceType.MESH)))) {
      violations.add(new Violation("cascade", "only a Mesh delete cascades"));
    }
    if (!violations.isEmpty()) {
      return new Translation(null, violations);
    }
    var conditions =
        new dev.chronomesh.meshmodel.Command.Conditions(expected, command.getCreateOnly());
    var metadata =
        new dev.chronomesh.meshmodel.Command.Metadata(
            eventId(command.getRequestId()),
            command.getRequestedAt(),
            command.getActor(),
            command.getRequestId());
    dev.chronomesh.meshmodel.Command model =
        command.getKind() == CommandKind.UPSERT
            ? new dev.chronomesh.meshmodel.Command.Upsert(
                type.get(),
                command.getMesh(),
                command.getName(),
                (SpecificRecord) payload,
                conditions,
                metadata)
            : new dev.chronomesh.meshmodel.Command.Delete(
                type.get(),
                command.getMesh(),
                command.getName(),
                conditions,
                command.getCascade(),
                metadata);
    return new Translation(model, List.of());
  }

  /** A stable event id for the first event of a request. */
  static String eventId(String requestId) {
    return UUID.nameUUIDFromBytes(
            ("chronomesh-event:" + requestId).getBytes(StandardCharsets.UTF_8))
        .toString();
  }
}
