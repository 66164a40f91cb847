package dev.chronomesh.benchmarks.baseline;

import static dev.chronomesh.benchmarks.baseline.TestEvents.dataplane;
import static dev.chronomesh.benchmarks.baseline.TestEvents.deleted;
import static dev.chronomesh.benchmarks.baseline.TestEvents.mesh;
import static dev.chronomesh.benchmarks.baseline.TestEvents.meshTimeout;
import static dev.chronomesh.benchmarks.baseline.TestEvents.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceIdentity;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshStatesTest {
  private final MeshStates states = new MeshStates();

  @Test
  void foldsUpsertsAndDeletesOfDataplanesAndPolicies() {
    assertThat(states.apply(upserted(mesh("m")))).isTrue();
    states.apply(upserted(dataplane("m", "a", "10.0.0.1", "a", Map.of())));
    states.apply(upserted(dataplane("m", "b", "10.0.0.2", "b", Map.of("a", 10001))));
    states.apply(upserted(meshTimeout("m", "t", "a", "3s")));

    MeshResources r = states.resources("m").orElseThrow();
    assertThat(r.dataplanes()).extracting(d -> d.getName()).containsExactly("a", "b");
    assertThat(r.policies())
        .extracting(p -> p.type() + "/" + p.name())
        .containsExactly("MeshTimeout/t");

    // The last upsert wins.
    states.apply(upserted(dataplane("m", "a", "10.0.0.9", "a", Map.of())));
    assertThat(states.resources("m").orElseThrow().dataplanes().get(0).getAddress())
        .isEqualTo("10.0.0.9");

    states.apply(deleted("m", "Dataplane", "a"));
    states.apply(deleted("m", "MeshTimeout", "t"));
    assertThat(states.dataplanes("m")).containsExactly("b");
    assertThat(states.policies("m")).isEmpty();
  }

  @Test
  void deletingAMeshDeletesEverythingInIt() {
    states.apply(upserted(mesh("m")));
    states.apply(upserted(dataplane("m", "a", "10.0.0.1", "a", Map.of())));
    states.apply(upserted(meshTimeout("m", "t", "a", "3s")));

    assertThat(states.apply(deleted("m", "Mesh", "m"))).isTrue();

    assertThat(states.meshes()).isEmpty();
    assertThat(states.resources("m")).isEmpty();
    assertThat(states.dataplanes("m")).isEmpty();
    assertThat(states.policies("m")).isEmpty();
    // A re-created mesh starts empty.
    states.apply(upserted(mesh("m")));
    assertThat(states.resources("m").orElseThrow().dataplanes()).isEmpty();
  }

  @Test
  void keepsDataplanesOfAMeshThatDoesNotExistYetWithoutResources() {
    states.apply(upserted(dataplane("m", "a", "10.0.0.1", "a", Map.of())));

    assertThat(states.meshes()).containsExactly("m");
    assertThat(states.resources("m")).isEmpty();

    states.apply(upserted(mesh("m")));
    assertThat(states.resources("m").orElseThrow().dataplanes()).hasSize(1);
  }

  @Test
  void ignoresTypesNoConfigReads() {
    ResourceEvent secret = deleted("m", "Secret", "s");

    assertThat(states.apply(secret)).isFalse();
    assertThat(states.meshes()).isEmpty();
  }

  @Test
  void usesTheProjectorsChecksForInvalidEvents() {
    ResourceEvent wrongKey = upserted(mesh("m"));

    assertThat(ResourceIdentity.ofEventRecord("other", wrongKey))
        .singleElement()
        .asString()
        .contains("key: must be the mesh m");
    assertThat(ResourceIdentity.ofEventRecord("m", wrongKey)).isEmpty();
  }
}
