package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The image/delta contract, checked on every prefix of a history (as Kafka's image tests do). */
class MeshImageTest {
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
  void everyPrefixAppliedEventByEventEqualsTheImageOfItsResources() throws Exception {
    List<ResourceEvent> events = history();
    for (int n = 0; n <= events.size(); n++) {
      MeshImage image = MeshImage.empty("default");
      Map<String, Object> stored = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        ResourceEvent e = events.get(i);
        MeshDelta delta = new MeshDelta(image);
        delta.replay(e);
        image = delta.apply(i);
        apply(stored, e);
      }
      MeshImage fromResources = MeshImage.of("default", stored.values(), n - 1);
      assertThat(image).as("prefix of %d events", n).isEqualTo(fromResources);
      // image → resources → image
      assertThat(MeshImage.of("default", image.payloads(), image.offset())).isEqualTo(image);
    }
  }

  @Test
  void oneDeltaForManyEventsGivesTheSameImageAsOneDeltaEach() throws Exception {
    List<ResourceEvent> events = history();
    MeshImage stepwise = MeshImage.empty("default");
    MeshDelta batch = new MeshDelta(MeshImage.empty("default"));
    for (int i = 0; i < events.size(); i++) {
      MeshDelta delta = new MeshDelta(stepwise);
      delta.replay(events.get(i));
      stepwise = delta.apply(i);
      batch.replay(events.get(i));
    }
    assertThat(batch.apply(events.size() - 1)).isEqualTo(stepwise);
  }

  @Test
  void aDeltaSharesWhatItDidNotTouchAndIndexesServiceInstances() throws Exception {
    MeshImage image = afterFirst(5);
    assertThat(image.instances().get("backend")).containsExactly("backend-1", "backend-2");

    MeshDelta delta = new MeshDelta(image);
    delta.replay(upserted(3, dataplane("default", "backend-2", "10.0.0.2", inbound("db", 5432))));
    MeshImage next = delta.apply(5);

    assertThat(next.policies()).isSameAs(image.policies());
    assertThat(next.instances().get("web")).isSameAs(image.instances().get("web"));
    assertThat(next.instances().get("backend")).containsExactly("backend-1");
    assertThat(next.instances().get("db")).containsExactly("backend-2");
    assertThat(delta.changedServices(next)).containsExactly("db");
    assertThat(delta.touchedServices(next)).containsExactly("backend", "db");
  }

  @Test
  void aServiceSignatureIsItsExistenceAndDeclaredProtocols() throws Exception {
    MeshImage image = afterFirst(6);
    assertThat(image.signature("backend")).containsExactly("", "http");
    assertThat(image.signature("admin")).containsExactly("");
    assertThat(image.signature("nope")).isNull();
  }

  /** The image after the first {@code n} events of the history, one delta each. */
  private static MeshImage afterFirst(int n) throws Exception {
    List<ResourceEvent> events = history();
    MeshImage image = MeshImage.empty("default");
    for (int i = 0; i < n; i++) {
      MeshDelta delta = new MeshDelta(image);
      delta.replay(events.get(i));
      image = delta.apply(i);
    }
    return image;
  }

  /** The naive model: the last upsert of each resource, all gone with their mesh. */
  private static void apply(Map<String, Object> stored, ResourceEvent e) {
    String key = e.getResourceType() + "/" + e.getName();
    if (e.getKind() == EventKind.UPSERTED) {
      stored.put(key, e.getPayload());
    } else if (e.getResourceType().equals("Mesh")) {
      stored.clear();
    } else {
      stored.remove(key);
    }
  }
}
