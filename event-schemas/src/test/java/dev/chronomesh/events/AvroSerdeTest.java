package dev.chronomesh.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerde<ResourceEvent> serde = AvroSerde.forValues(registry, ResourceEvent.class);

  @Test
  void writesConfluentWireFormatAndReadsItBack() {
    ResourceEvent event = sampleEvent();

    byte[] bytes = serde.serialize("chronomesh.events", event);

    assertThat(bytes[0]).isZero();
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    assertThat(registry.schemaById(id)).isEqualTo(ResourceEvent.getClassSchema());
    assertThat(serde.deserialize("chronomesh.events", bytes)).isEqualTo(event);
  }

  @Test
  void rejectsBytesWithoutTheMagicByte() {
    assertThatThrownBy(() -> serde.deserialize("t", new byte[] {1, 0, 0, 0, 1, 2}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("Confluent wire format");
  }

  static ResourceEvent sampleEvent() {
    return ResourceEvent.newBuilder()
        .setEventId("e-1")
        .setMesh("default")
        .setResourceType("Dataplane")
        .setName("backend-1")
        .setRevision(1)
        .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L))
        .setActor("admin@127.0.0.1")
        .setRequestId("r-1")
        .setKind(EventKind.UPSERTED)
        .setPayload(
            DataplaneResource.newBuilder()
                .setName("backend-1")
                .setMesh("default")
                .setAddress("127.0.0.1")
                .setInbound(
                    List.of(
                        Inbound.newBuilder()
                            .setPort(8080)
                            .setTags(Map.of("kuma.io/service", "backend"))
                            .build()))
                .build())
        .build();
  }
}
