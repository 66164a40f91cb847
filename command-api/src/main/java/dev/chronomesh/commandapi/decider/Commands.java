package dev.chronomesh.commandapi.decider;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.meshmodel.Command.Conditions;
import dev.chronomesh.meshmodel.Command.EntityTags;
import dev.chronomesh.meshmodel.InternalTypes;
import dev.chronomesh.meshmodel.ResourceIdentity;
import dev.chronomesh.meshmodel.ResourceType;
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
    Object payload = command.getPayload();
    if (command.getKind() == null) {
      violations.add(new Violation("kind", "cannot be empty"));
    } else {
      violations.addAll(
          ResourceIdentity.violations(
              new ResourceIdentity.Envelope(
                  command.getMesh(),
                  command.getResourceType(),
                  command.getName(),
                  command.getKind() == CommandKind.UPSERT,
                  payload)));
    }
    violations.addAll(conditionViolations(command));
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
    Conditions conditions = conditions(command);
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

  /**
   * Writes {@code conditions} into a command: one revision in {@code expectedRevision}, as deciders
   * from before entity-tag lists read it, anything else in the fields added for lists.
   */
  public static Command.Builder withConditions(Command.Builder command, Conditions conditions) {
    switch (conditions.ifMatch()) {
      case null -> {}
      case EntityTags.Any any -> command.setMustExist(true);
      case EntityTags.Revisions r when r.revisions().size() == 1 ->
          command.setExpectedRevision(r.revisions().get(0));
      case EntityTags.Revisions r -> command.setExpectedRevisions(r.revisions());
    }
    switch (conditions.ifNoneMatch()) {
      case null -> {}
      case EntityTags.Any any -> command.setCreateOnly(true);
      case EntityTags.Revisions r -> command.setUnexpectedRevisions(r.revisions());
    }
    return command;
  }

  /** The inverse of {@link #withConditions}, for a command without {@link #conditionViolations}. */
  private static Conditions conditions(Command command) {
    EntityTags ifMatch = null;
    if (command.getMustExist()) {
      ifMatch = new EntityTags.Any();
    } else if (command.getExpectedRevision() != null) {
      ifMatch = new EntityTags.Revisions(List.of(command.getExpectedRevision()));
    } else if (command.getExpectedRevisions() != null) {
      ifMatch = new EntityTags.Revisions(command.getExpectedRevisions());
    }
    EntityTags ifNoneMatch =
        command.getCreateOnly()
            ? new EntityTags.Any()
            : new EntityTags.Revisions(command.getUnexpectedRevisions());
    return new Conditions(ifMatch, ifNoneMatch);
  }

  private static List<Violation> conditionViolations(Command command) {
    List<Violation> violations = new ArrayList<>();
    Long expected = command.getExpectedRevision();
    if (expected != null && expected < 1) {
      violations.add(new Violation("expectedRevision", "must be at least 1, got " + expected));
    }
    List<Long> expectedRevisions = command.getExpectedRevisions();
    if (expectedRevisions != null && expectedRevisions.stream().anyMatch(r -> r == null || r < 1)) {
      violations.add(new Violation("expectedRevisions", "must all be at least 1"));
    }
    if ((expected != null ? 1 : 0)
            + (expectedRevisions != null ? 1 : 0)
            + (command.getMustExist() ? 1 : 0)
        > 1) {
      violations.add(
          new Violation(
              "mustExist", "expectedRevision, expectedRevisions and mustExist exclude each other"));
    }
    List<Long> unexpected = command.getUnexpectedRevisions();
    if (unexpected.stream().anyMatch(r -> r == null || r < 1)) {
      violations.add(new Violation("unexpectedRevisions", "must all be at least 1"));
    } else if (command.getCreateOnly() && !unexpected.isEmpty()) {
      violations.add(new Violation("unexpectedRevisions", "cannot go with createOnly"));
    }
    return violations;
  }

  /** A stable event id for the first event of a request. */
  static String eventId(String requestId) {
    return UUID.nameUUIDFromBytes(
            ("chronomesh-event:" + requestId).getBytes(StandardCharsets.UTF_8))
        .toString();
  }
}
