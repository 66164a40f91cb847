package dev.chronomesh.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.Command;
import dev.chronomesh.meshmodel.Decider;
import dev.chronomesh.meshmodel.Decision;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * What Chronomesh's write path makes of a document: what {@code PUT} does, parsing and validating
 * it as the admin API does, then deciding it against a state in which its mesh exists.
 *
 * @param record the parsed resource when it was accepted, else null
 * @param problems {@code field: reason} of every violation when it was refused
 */
record Outcome(boolean accepted, SpecificRecord record, List<String> problems) {
  private static final Command.Metadata META =
      new Command.Metadata("conformance", Instant.EPOCH, "conformance", "conformance");

  Outcome {
    problems = List.copyOf(problems);
  }

  /** The outcome of a document in YAML (or JSON, which is YAML too). */
  static Outcome of(String type, String yaml) {
    ResourceType resourceType =
        ResourceType.byName(type)
            .orElseThrow(() -> new IllegalArgumentException("not a Chronomesh type: " + type));
    SpecificRecord record;
    try {
      record = resourceType.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      return refused(e.violations());
    }
    String mesh = resourceType.meshOf(record);
    MeshState state =
        resourceType.equals(ResourceType.MESH)
            ? MeshState.empty(mesh)
            : withMesh(mesh, Scenario.MTLS_ONLY_TYPES.contains(type));
    Decision decision =
        Decider.decide(
            new Command.Upsert(resourceType, mesh, resourceType.nameOf(record), record, META),
            state);
    return switch (decision) {
      case Decision.Accepted a -> new Outcome(true, record, List.of());
      case Decision.Rejected r ->
          refused(
              r.violations().isEmpty() ? List.of(new Violation("", r.detail())) : r.violations());
    };
  }

  private static final Map<String, MeshState> MESHES = new ConcurrentHashMap<>();

  /**
   * The state of a mesh that was just created (with whatever the decider creates with it), with a
   * builtin mTLS backend when {@code mtls} (the types that act only with mTLS).
   */
  static MeshState withMesh(String mesh, boolean mtls) {
    return MESHES.computeIfAbsent(mesh + (mtls ? " mtls" : ""), k -> created(mesh, mtls));
  }

  private static MeshState created(String mesh, boolean mtls) {
    try {
      String yaml = "type: Mesh\nname: " + mesh + "\n" + (mtls ? Scenario.MTLS : "");
      SpecificRecord meshRecord =
          ResourceType.MESH.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
      Decision d =
          Decider.decide(
              new Command.Upsert(ResourceType.MESH, mesh, mesh, meshRecord, META),
              MeshState.empty(mesh));
      MeshState state = MeshState.empty(mesh);
      for (ResourceEvent e : ((Decision.Accepted) d).events()) {
        state = state.evolve(e);
      }
      return state;
    } catch (ValidationException e) {
      throw new IllegalStateException("cannot create mesh " + mesh + ": " + e.violations(), e);
    }
  }

  private static Outcome refused(List<Violation> violations) {
    return new Outcome(
        false, null, violations.stream().map(v -> v.field() + ": " + v.reason()).toList());
  }
}
