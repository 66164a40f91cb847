package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshDelta;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.policy.Policy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The projector's indexes over the shared mesh image, advanced delta by delta, checked on every
 * prefix of a history (as Kafka's image tests do) against the ones built from the resources alone.
 */
class IndexedMeshTest {
  private static List<ResourceEvent> history() throws Exception {
    return List.of(
        upserted(1, mesh("default")),
        upserted(1, dataplane("default", "backend-1", "10.0.0.1", inbound("backend", 8080))),
        upserted(
            1,
            dataplane(
                "default", "backend-2", "10.0.0.2", inbound("backend", 8080, "version", "v2"))),
        upserted(1, ProjectorTopologyTest.web1()),
        FanOutTest.policy("MeshTimeout", "t", 1, timeout(5)),
        upserted(
            2,
            dataplane(
                "default",
                "backend-1",
                "10.0.0.1",
                inbound("backend", 8080, "kuma.io/protocol", "http"),
                inbound("admin", 9000))),
        FanOutTest.policy("MeshTimeout", "t", 2, timeout(7)),
        deleted("default", "Dataplane", "backend-2", 2),
        deleted("default", "MeshTimeout", "t", 3),
        deleted("default", "Mesh", "default", 2),
        upserted(3, mesh("default")),
        upserted(1, dataplane("default", "late", "10.0.0.9", inbound("backend", 8080))));
  }

  private static String timeout(int seconds) {
    return """
        type: MeshTimeout
        mesh: default
        name: t
        spec:
          to:
            - targetRef: {kind: Mesh}
              default:
                connectionTimeout: %ds
        """
        .formatted(seconds);
  }

  @Test
  void everyPrefixAppliedEventByEventEqualsTheMeshLoadedFromItsStoredEvents() throws Exception {
    List<ResourceEvent> events = history();
    for (int n = 0; n <= events.size(); n++) {
      IndexedMesh image = IndexedMesh.empty("default");
      Map<String, ResourceEvent> stored = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        image = next(image, events.get(i), i);
        apply(stored, events.get(i));
      }
      IndexedMesh loaded =
          IndexedMesh.of(MeshState.fromLastEvents("default", stored.values()), n - 1);
      assertThat(view(image)).as("prefix of %d events", n).isEqualTo(view(loaded));
      // image → resources → image
      assertThat(view(IndexedMesh.of(image.state(), image.offset()))).isEqualTo(view(image));
    }
  }

  @Test
  void oneDeltaForManyEventsGivesTheSameMeshAsOneDeltaEach() throws Exception {
    List<ResourceEvent> events = history();
    IndexedMesh stepwise = IndexedMesh.empty("default");
    IndexedMesh empty = IndexedMesh.empty("default");
    MeshDelta batch = new MeshDelta(empty.state());
    for (int i = 0; i < events.size(); i++) {
      stepwise = next(stepwise, events.get(i), i);
      batch.replay(events.get(i));
    }
    assertThat(view(empty.next(batch, events.size() - 1))).isEqualTo(view(stepwise));
    assertThat(stepwise.state()).isEqualTo(batch.apply());
  }

  @Test
  void aDeltaSharesWhatItDidNotTouchAndIndexesServiceInstances() throws Exception {
    IndexedMesh image = afterFirst(5);
    assertThat(image.instances().get("backend")).containsExactly("backend-1", "backend-2");

    IndexedMesh next =
        next(
            image,
            upserted(3, dataplane("default", "backend-2", "10.0.0.2", inbound("db", 5432))),
            5);

    assertThat(next.policies()).isSameAs(image.policies());
    assertThat(next.instances().get("web")).isSameAs(image.instances().get("web"));
    assertThat(next.instances().get("backend")).containsExactly("backend-1");
    assertThat(next.instances().get("db")).containsExactly("backend-2");
    assertThat(next.offset()).isEqualTo(5);
  }

  @Test
  void refusesADeltaOfAnotherImage() throws Exception {
    IndexedMesh image = afterFirst(3);
    MeshDelta ofAnother = new MeshDelta(afterFirst(2).state());
    assertThatThrownBy(() -> image.next(ofAnother, 3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aServiceSignatureIsItsExistenceAndDeclaredProtocols() throws Exception {
    IndexedMesh image = afterFirst(6);
    assertThat(image.signature("backend")).containsExactly("", "http");
    assertThat(image.signature("admin")).containsExactly("");
    assertThat(image.signature("nope")).isNull();
  }

  /** What generation reads of a mesh, and where it is: comparable by value. */
  private record View(
      boolean exists,
      Map<String, Object> payloads,
      Map<String, ? extends Set<String>> instances,
      Map<String, Policy> policies,
      long offset) {}

  private static View view(IndexedMesh image) {
    Map<String, Object> payloads = new TreeMap<>();
    image.state().all().forEach(r -> payloads.put(r.type().name() + "/" + r.name(), r.payload()));
    return new View(
        image.exists(),
        payloads,
        new TreeMap<>(image.instances()),
        new TreeMap<>(image.policies()),
        image.offset());
  }

  private static IndexedMesh next(IndexedMesh image, ResourceEvent event, long offset) {
    MeshDelta delta = new MeshDelta(image.state());
    delta.replay(event);
    return image.next(delta, offset);
  }

  /** The mesh after the first {@code n} events of the history, one delta each. */
  private static IndexedMesh afterFirst(int n) throws Exception {
    List<ResourceEvent> events = history();
    IndexedMesh image = IndexedMesh.empty("default");
    for (int i = 0; i < n; i++) {
      image = next(image, events.get(i), i);
    }
    return image;
  }

  /** The resources store's model: the last upsert of each resource, all gone with their mesh. */
  private static void apply(Map<String, ResourceEvent> stored, ResourceEvent e) {
    String key = e.getResourceType() + "/" + e.getName();
    if (e.getKind() == EventKind.UPSERTED) {
      stored.put(key, e);
    } else if (e.getResourceType().equals("Mesh")) {
      stored.clear();
    } else {
      stored.remove(key);
    }
  }
}
