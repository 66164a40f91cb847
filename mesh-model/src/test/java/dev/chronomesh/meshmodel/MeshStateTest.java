package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The image/delta contract of {@link MeshState} and {@link MeshDelta}, checked on every prefix of a
 * history (as Kafka's image tests do): a fold of {@link MeshState#evolve}, one delta for the whole
 * prefix and the image rebuilt from each resource's last event agree.
 */
class MeshStateTest {
  private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");
  private static final ResourceType TIMEOUT = ResourceType.forPolicy(MeshTimeout.TYPE);

  /** Creates, updates, deletes, a Mesh deleted with resources still in it, and a re-creation. */
  private static List<ResourceEvent> history() {
    List<ResourceEvent> events = new ArrayList<>();
    events.add(upsert(ResourceType.MESH, "default", 1, mesh()));
    events.add(upsert(ResourceType.DATAPLANE, "web-1", 1, dataplane("web-1", "web")));
    events.add(upsert(ResourceType.DATAPLANE, "backend-1", 1, dataplane("backend-1", "backend")));
    events.add(upsert(TIMEOUT, "t", 1, timeout("t", "5s")));
    events.add(upsert(ResourceType.DATAPLANE, "web-1", 2, dataplane("web-1", "web2")));
    events.add(upsert(TIMEOUT, "t", 2, timeout("t", "7s")));
    events.add(delete(ResourceType.DATAPLANE, "backend-1", 2));
    events.add(delete(ResourceType.MESH, "default", 2));
    events.add(upsert(ResourceType.MESH, "default", 3, mesh()));
    events.add(upsert(ResourceType.DATAPLANE, "backend-1", 3, dataplane("backend-1", "backend")));
    return events;
  }

  @Test
  void everyPrefixFoldedEventByEventEqualsOneDeltaForIt() {
    List<ResourceEvent> events = history();
    for (int n = 0; n <= events.size(); n++) {
      MeshState folded = MeshState.empty("default");
      MeshDelta delta = new MeshDelta(MeshState.empty("default"));
      for (ResourceEvent e : events.subList(0, n)) {
        folded = folded.evolve(e);
        delta.replay(e);
      }
      assertThat(delta.apply()).as("prefix of %d events", n).isEqualTo(folded);
      assertThat(delta.events()).isEqualTo(n);
    }
  }

  @Test
  void everyPrefixRebuiltFromTheLastEventOfEachResourceHasItsResourcesAndTheirRevisions() {
    List<ResourceEvent> events = history();
    for (int n = 0; n <= events.size(); n++) {
      MeshState folded = MeshState.empty("default");
      // A store of each resource's last event, as the decider keeps; a Mesh deletion removes
      // everything in it, as the projector's store does.
      Map<String, ResourceEvent> last = new LinkedHashMap<>();
      for (ResourceEvent e : events.subList(0, n)) {
        folded = folded.evolve(e);
        if (e.getResourceType().equals("Mesh") && e.getKind() == EventKind.DELETED) {
          last.values().removeIf(stored -> stored.getKind() == EventKind.UPSERTED);
        }
        last.remove(e.getResourceType() + "/" + e.getName());
        last.put(e.getResourceType() + "/" + e.getName(), e);
      }
      // In any order: a store returns them by key, not in log order.
      List<ResourceEvent> reversed = new ArrayList<>(last.values());
      Collections.reverse(reversed);
      MeshState rebuilt = MeshState.fromLastEvents("default", reversed);
      assertThat(withoutCreationTimes(rebuilt))
          .as("prefix of %d", n)
          .isEqualTo(withoutCreationTimes(folded));
      for (ResourceEvent e : last.values()) {
        ResourceType type = ResourceType.byName(e.getResourceType()).orElseThrow();
        assertThat(rebuilt.lastRevision(type, e.getName()))
            .isEqualTo(folded.lastRevision(type, e.getName()));
      }
    }
  }

  private static List<String> withoutCreationTimes(MeshState state) {
    return state.all().stream()
        .map(r -> r.type().name() + "/" + r.name() + "@" + r.revision() + " " + r.payload())
        .toList();
  }

  @Test
  void deletingTheMeshDeletesEverythingInItAndKeepsTheirRevisions() {
    MeshState state = MeshState.empty("default");
    for (ResourceEvent e : history().subList(0, 8)) {
      state = state.evolve(e);
    }
    assertThat(state.all()).isEmpty();
    assertThat(state.isEmpty()).isFalse();
    assertThat(state.lastRevision(ResourceType.DATAPLANE, "web-1")).isEqualTo(2);
    assertThat(state.lastRevision(TIMEOUT, "t")).isEqualTo(2);
    assertThat(state.lastRevision(ResourceType.MESH, "default")).isEqualTo(2);
  }

  @Test
  void anEventSharesEveryTypeItDidNotTouch() {
    MeshState before = MeshState.empty("default");
    for (ResourceEvent e : history().subList(0, 4)) {
      before = before.evolve(e);
    }
    MeshState after =
        before.evolve(upsert(ResourceType.DATAPLANE, "web-2", 1, dataplane("web-2", "web")));

    assertThat(after.resources(TIMEOUT)).isSameAs(before.resources(TIMEOUT));
    assertThat(after.resources(ResourceType.MESH)).isSameAs(before.resources(ResourceType.MESH));
    assertThat(after.resources(ResourceType.DATAPLANE).get("web-1"))
        .isSameAs(before.resources(ResourceType.DATAPLANE).get("web-1"));
    assertThat(after.resources(ResourceType.DATAPLANE).keySet())
        .containsExactly("backend-1", "web-1", "web-2");
    assertThat(before.resources(ResourceType.DATAPLANE)).hasSize(2);
    assertThat(after.list(ResourceType.DATAPLANE))
        .extracting(Resource::name)
        .containsExactly("backend-1", "web-1", "web-2");
  }

  @Test
  void aDeltaSaysWhatItsBatchChanged() {
    List<ResourceEvent> events = history();
    MeshDelta updates = new MeshDelta(MeshState.empty("default"));
    events.subList(0, 7).forEach(updates::replay);
    assertThat(updates.meshChanged()).isTrue();
    assertThat(updates.meshDeleted()).isFalse();
    assertThat(updates.changed(ResourceType.DATAPLANE)).containsExactly("backend-1", "web-1");
    assertThat(updates.changed(TIMEOUT)).containsExactly("t");

    MeshState built = updates.apply();
    MeshDelta policyOnly = new MeshDelta(built);
    policyOnly.replay(upsert(TIMEOUT, "t", 3, timeout("t", "9s")));
    assertThat(policyOnly.meshChanged()).isFalse();
    assertThat(policyOnly.base()).isSameAs(built);
    assertThat(policyOnly.changed()).containsExactly(new ResourceKey(TIMEOUT, "t"));

    // A Mesh deletion: what changed counts from it on.
    MeshDelta recreated = new MeshDelta(built);
    events.subList(7, 10).forEach(recreated::replay);
    assertThat(recreated.meshDeleted()).isTrue();
    assertThat(recreated.meshChanged()).isTrue();
    assertThat(recreated.changed())
        .containsExactly(
            new ResourceKey(ResourceType.DATAPLANE, "backend-1"),
            new ResourceKey(ResourceType.MESH, "default"));
  }

  @Test
  void rejectsEventsOfAnotherMeshOrInconsistentOnesAndLeavesTheDeltaAsItWas() {
    MeshDelta delta = new MeshDelta(MeshState.empty("default"));
    ResourceEvent other =
        ResourceEvent.newBuilder(upsert(ResourceType.MESH, "default", 1, mesh()))
            .setMesh("other")
            .build();
    assertThatThrownBy(() -> delta.replay(other)).isInstanceOf(IllegalArgumentException.class);
    ResourceEvent noPayload =
        ResourceEvent.newBuilder(upsert(ResourceType.MESH, "default", 1, mesh()))
            .setPayload(null)
            .build();
    assertThatThrownBy(() -> delta.replay(noPayload))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inconsistent event");
    assertThat(delta.events()).isZero();
    assertThat(delta.changed()).isEmpty();
    assertThat(delta.apply()).isSameAs(delta.base());
  }

  private static SpecificRecord mesh() {
    return parse(ResourceType.MESH, "type: Mesh\nname: default");
  }

  private static SpecificRecord dataplane(String name, String service) {
    return parse(
        ResourceType.DATAPLANE,
        "type: Dataplane\nmesh: default\nname: "
            + name
            + "\nnetworking:\n  address: 10.0.0.1\n  inbound:\n  - port: 80\n    tags:\n"
            + "      kuma.io/service: "
            + service
            + "\n");
  }

  private static SpecificRecord timeout(String name, String idle) {
    return parse(
        TIMEOUT,
        "type: MeshTimeout\nmesh: default\nname: "
            + name
            + "\nspec:\n  to:\n  - targetRef: {kind: Mesh}\n    default: {idleTimeout: "
            + idle
            + "}\n");
  }

  private static SpecificRecord parse(ResourceType type, String yaml) {
    try {
      return type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  private static ResourceEvent upsert(
      ResourceType type, String name, long revision, SpecificRecord payload) {
    return event(type, name, revision, EventKind.UPSERTED, payload);
  }

  private static ResourceEvent delete(ResourceType type, String name, long revision) {
    return event(type, name, revision, EventKind.DELETED, null);
  }

  private static ResourceEvent event(
      ResourceType type, String name, long revision, EventKind kind, SpecificRecord payload) {
    return new ResourceEvent(
        "default/" + type.name() + "/" + name + "@" + revision,
        "default",
        type.name(),
        name,
        revision,
        T0.plusSeconds(revision),
        "test",
        "r-" + revision,
        kind,
        payload);
  }
}
