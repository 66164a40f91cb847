package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceIdentity.Envelope;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class ResourceIdentityTest {
  private static final SpecificRecord WEB =
      parse(
          ResourceType.DATAPLANE,
          "type: Dataplane\nmesh: default\nname: web\nnetworking:\n  address: 10.0.0.1\n"
              + "  inbound:\n  - port: 80\n    tags:\n      kuma.io/service: web\n");
  private static final SpecificRecord MESH = parse(ResourceType.MESH, "type: Mesh\nname: default");

  @Test
  void acceptsAConsistentUpsertAndDelete() {
    assertThat(ResourceIdentity.violations(new Envelope("default", "Dataplane", "web", true, WEB)))
        .isEmpty();
    assertThat(ResourceIdentity.violations(new Envelope("default", "Mesh", "default", true, MESH)))
        .isEmpty();
    assertThat(
            ResourceIdentity.violations(new Envelope("default", "Dataplane", "web", false, null)))
        .isEmpty();
  }

  @Test
  void namesEveryDisagreementWithItsPath() {
    assertThat(ResourceIdentity.violations(new Envelope("other", "Dataplane", "api", true, WEB)))
        .extracting(Violation::field)
        .containsExactly("payload.name", "payload.mesh");
    assertThat(ResourceIdentity.violations(new Envelope("a.b", "Mesh", "c", false, MESH)))
        .extracting(Violation::field)
        .containsExactly("mesh", "mesh", "payload");
    assertThat(ResourceIdentity.violations(new Envelope("", "Nope", "", true, null)))
        .extracting(Violation::field)
        .containsExactly("mesh", "name", "resourceType", "payload");
    assertThat(ResourceIdentity.violations(new Envelope("default", "Dataplane", "web", true, MESH)))
        .containsExactly(
            new Violation("payload", "a Dataplane cannot hold a MeshResource payload"));
  }

  @Test
  void checksAnEventRecordsKeyToo() {
    ResourceEvent event =
        ResourceEvent.newBuilder()
            .setEventId("e-1")
            .setMesh("default")
            .setResourceType("Dataplane")
            .setName("web")
            .setRevision(1)
            .setKind(EventKind.UPSERTED)
            .setOccurredAt(Instant.EPOCH)
            .setActor("test")
            .setRequestId("r-1")
            .setPayload(WEB)
            .build();
    assertThat(ResourceIdentity.ofEventRecord("default", event)).isEmpty();
    assertThat(ResourceIdentity.ofEventRecord("other", event))
        .containsExactly("key: must be the mesh default but is other");
    assertThat(ResourceIdentity.ofEventRecord("default", null))
        .containsExactly("value: null (the events topic has no tombstones)");
  }

  private static SpecificRecord parse(ResourceType type, String yaml) {
    try {
      return type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
