package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one check that a resource's envelope agrees with itself: its mesh, type, name, kind and
 * payload. A command (before the decider decides it), an event (before the projector or a view
 * applies it) and the decider's own input all go through here, so the four places that once each
 * had their own version of it cannot drift apart.
 *
 * <p>The rules: the mesh is non-empty and holds neither '/' nor '.' (the separators of {@link
 * dev.chronomesh.events.Keys}); the name is non-empty; the type is known; a mesh-wide type (the
 * Mesh itself) is its own mesh; an upsert carries a payload of its type that names the same
 * resource and mesh; a delete carries none.
 */
public final class ResourceIdentity {
  private ResourceIdentity() {}

  /** What an envelope says of its resource. */
  public record Envelope(String mesh, String type, String name, boolean upsert, Object payload) {
    public static Envelope of(ResourceEvent event) {
      return new Envelope(
          event.getMesh(),
          event.getResourceType(),
          event.getName(),
          event.getKind() == EventKind.UPSERTED,
          event.getPayload());
    }
  }

  /** Every disagreement in {@code envelope}, empty when it is consistent. */
  public static List<Violation> violations(Envelope envelope) {
    List<Violation> out = new ArrayList<>();
    String mesh = envelope.mesh();
    String name = envelope.name();
    if (mesh == null || mesh.isEmpty()) {
      out.add(new Violation("mesh", "cannot be empty"));
    } else if (mesh.contains("/") || mesh.contains(".")) {
      out.add(new Violation("mesh", "must contain neither '/' nor '.': " + mesh));
    }
    if (name == null || name.isEmpty()) {
      out.add(new Violation("name", "cannot be empty"));
    }
    Optional<ResourceType> type =
        envelope.type() == null ? Optional.empty() : InternalTypes.anyByName(envelope.type());
    if (type.isEmpty()) {
      out.add(new Violation("resourceType", "unknown type \"" + envelope.type() + "\""));
    } else if (type.get().scope() == Scope.GLOBAL && name != null && !name.equals(mesh)) {
      out.add(new Violation("mesh", "a " + type.get() + " is its own mesh: must be " + name));
    }
    Object payload = envelope.payload();
    if (!envelope.upsert()) {
      if (payload != null) {
        out.add(new Violation("payload", "a delete carries no payload"));
      }
      return out;
    }
    if (!(payload instanceof SpecificRecord record)) {
      out.add(new Violation("payload", "an upsert needs a payload"));
      return out;
    }
    if (type.isEmpty()) {
      return out;
    }
    if (!type.get().accepts(record)) {
      out.add(
          new Violation(
              "payload",
              "a " + type.get() + " cannot hold a " + record.getSchema().getName() + " payload"));
      return out;
    }
    String payloadName = type.get().nameOf(record);
    if (name != null && !name.equals(payloadName)) {
      out.add(new Violation("payload.name", "must be " + name + " but is " + payloadName));
    }
    String payloadMesh = type.get().meshOf(record);
    if (mesh != null && !mesh.equals(payloadMesh)) {
      out.add(new Violation("payload.mesh", "must be " + mesh + " but is " + payloadMesh));
    }
    return out;
  }

  /**
   * Every problem of a record of the events topic, as {@code field: reason} lines: its value is an
   * event (the topic has no tombstones), keyed by its mesh, with a consistent envelope.
   */
  public static List<String> ofEventRecord(String key, ResourceEvent event) {
    if (event == null) {
      return List.of("value: null (the events topic has no tombstones)");
    }
    List<String> problems = new ArrayList<>();
    if (!event.getMesh().equals(key)) {
      problems.add("key: must be the mesh " + event.getMesh() + " but is " + key);
    }
    problems.addAll(describe(violations(Envelope.of(event))));
    return problems;
  }

  /** The violations as {@code field: reason} lines. */
  public static List<String> describe(List<Violation> violations) {
    return violations.stream().map(v -> v.field() + ": " + v.reason()).toList();
  }

  /** Why {@code name} is not a valid resource (or mesh) name, or null when it is one. */
  public static String nameProblem(String name) {
    return Checks.name(name);
  }
}
