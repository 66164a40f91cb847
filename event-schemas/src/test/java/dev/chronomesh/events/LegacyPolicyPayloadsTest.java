package dev.chronomesh.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.MeshTimeoutConf;
import dev.chronomesh.events.avro.MeshTimeoutHttp;
import dev.chronomesh.events.avro.MeshTimeoutItem;
import dev.chronomesh.events.avro.MeshTimeoutResource;
import dev.chronomesh.events.avro.MeshTimeoutSpec;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.events.avro.PolicyTargetRef;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * Events written before ResourceEvent v3 carried per-type policy records: they read as the
 * envelope.
 */
class LegacyPolicyPayloadsTest {
  private static final Path V2 =
      Path.of("src/main/released/dev.chronomesh.events.avro.ResourceEvent/v2.avsc");

  @Test
  void anEventWrittenWithTheV2SchemaReadsAsAPolicyEnvelope() throws Exception {
    Schema v2 = new Schema.Parser().parse(Files.readString(V2));
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    int id = registry.register("chronomesh.events-value", v2);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new SpecificDatumWriter<ResourceEvent>(v2).write(legacyEvent(), encoder);
    encoder.flush();

    ResourceEvent read =
        AvroSerde.forValues(registry, ResourceEvent.class)
            .deserialize("chronomesh.events", out.toByteArray());

    assertThat(read.getPayload()).isInstanceOf(PolicyResource.class);
    PolicyResource policy = (PolicyResource) read.getPayload();
    assertThat(policy.getType()).isEqualTo("MeshTimeout");
    assertThat(policy.getName()).isEqualTo("t");
    assertThat(policy.getMesh()).isEqualTo("default");
    assertThat(policy.getLabels()).containsEntry("team", "a");
    assertThat(policy.getSpec())
        .isEqualTo(
            "{\"to\":[{\"targetRef\":{\"kind\":\"Mesh\"},"
                + "\"default\":{\"idleTimeout\":\"20m\",\"http\":{\"requestTimeout\":\"3s\"}}}]}");
    assertThat(read.getEventId()).isEqualTo("e-1");
  }

  @Test
  void otherRecordsAreLeftAsTheyAre() {
    ResourceEvent event = AvroSerdeTest.sampleEvent();
    assertThat(LegacyPolicyPayloads.upcast(event)).isSameAs(event);
  }

  private static ResourceEvent legacyEvent() {
    MeshTimeoutResource timeout =
        MeshTimeoutResource.newBuilder()
            .setName("t")
            .setMesh("default")
            .setLabels(Map.of("team", "a"))
            .setSpec(
                MeshTimeoutSpec.newBuilder()
                    .setTo(
                        List.of(
                            MeshTimeoutItem.newBuilder()
                                .setTargetRef(PolicyTargetRef.newBuilder().setKind("Mesh").build())
                                .setDefault$(
                                    MeshTimeoutConf.newBuilder()
                                        .setIdleTimeout("20m")
                                        .setHttp(
                                            MeshTimeoutHttp.newBuilder()
                                                .setRequestTimeout("3s")
                                                .build())
                                        .build())
                                .build()))
                    .build())
            .build();
    return ResourceEvent.newBuilder()
        .setEventId("e-1")
        .setMesh("default")
        .setResourceType("MeshTimeout")
        .setName("t")
        .setRevision(1)
        .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L))
        .setActor("admin@127.0.0.1")
        .setRequestId("r-1")
        .setKind(EventKind.UPSERTED)
        .setPayload(timeout)
        .build();
  }
}
