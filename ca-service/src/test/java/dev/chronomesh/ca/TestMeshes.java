package dev.chronomesh.ca;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.SecretResource;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.ValidationException;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Builds mesh states the way the events topic does: Kuma YAML through the write path's parser. */
final class TestMeshes {
  static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

  private MeshState state;
  private long revision;

  TestMeshes(String mesh) {
    state = MeshState.empty(mesh);
  }

  MeshState state() {
    return state;
  }

  TestMeshes apply(ResourceType type, String yaml) {
    try {
      return upsert(type, type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null));
    } catch (ValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  /** The Secrets of a builtin CA, as the CA service stores them. */
  TestMeshes ca(String backend, CaKeyPair ca, Sealer sealer) {
    String mesh = state.mesh();
    upsert(
        ResourceType.SECRET,
        new SecretResource(
            CaSecrets.certificate(mesh, backend),
            mesh,
            Map.of(),
            sealer.seal(Pem.encode(ca.certificate()).getBytes(UTF_8))));
    return upsert(
        ResourceType.SECRET,
        new SecretResource(
            CaSecrets.privateKey(mesh, backend),
            mesh,
            Map.of(),
            sealer.seal(Pem.encode(ca.privateKey()).getBytes(UTF_8))));
  }

  /** A Secret holding {@code value}, sealed as the write path seals it. */
  TestMeshes secret(String name, String value, Sealer sealer) {
    return upsert(
        ResourceType.SECRET,
        new SecretResource(name, state.mesh(), Map.of(), sealer.seal(value.getBytes(UTF_8))));
  }

  private TestMeshes upsert(ResourceType type, SpecificRecord payload) {
    revision++;
    String name = type.nameOf(payload);
    state =
        state.evolve(
            new ResourceEvent(
                state.mesh() + "/" + type.name() + "/" + name + "@" + revision,
                state.mesh(),
                type.name(),
                name,
                state.lastRevision(type, name) + 1,
                T0.plusSeconds(revision),
                "test",
                "r-" + revision,
                EventKind.UPSERTED,
                payload));
    return this;
  }
}
