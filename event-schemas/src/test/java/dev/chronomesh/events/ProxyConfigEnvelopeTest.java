package dev.chronomesh.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ProxyConfigEnvelopeTest {
  private static final String TOPIC = "chronomesh.proxy-configs";
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final ProxyConfigEnvelope.Reader reader = new ProxyConfigEnvelope.Reader(registry);

  @Test
  void readsTheFieldsBeforeTheResourcesOfARecord() {
    ProxyConfig config =
        ProxyConfig.newBuilder()
            .setMesh("default")
            .setProxy("web-1")
            .setVersion("v1")
            .setFlavour(ProxyConfigEnvelope.PROXYLESS)
            .setEdsClusters(List.of("backend", "web"))
            .setResources(
                List.of(
                    XdsResource.newBuilder()
                        .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
                        .setName("backend")
                        .setValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                        .build()))
            .setCauses(
                List.of(
                    EventRef.newBuilder()
                        .setPartition(0)
                        .setOffset(7)
                        .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L))
                        .build()))
            .build();
    byte[] value = AvroSerde.forValues(registry, ProxyConfig.class).serialize(TOPIC, config);

    ProxyConfigEnvelope envelope = reader.read(TOPIC, value);

    assertThat(envelope)
        .isEqualTo(
            new ProxyConfigEnvelope(
                "default", "web-1", "v1", "proxyless", List.of("backend", "web")));
    assertThat(envelope).isEqualTo(ProxyConfigEnvelope.of(config));
    assertThat(envelope.isComplete()).isTrue();
  }

  @Test
  void aRecordWrittenBeforeTheEnvelopeHasNoFlavourNorEdsClusters() throws IOException {
    Schema v1 =
        new Schema.Parser()
            .parse(
                Path.of("src/main/released/dev.chronomesh.events.avro.ProxyConfig/v1.avsc")
                    .toFile());
    GenericRecord old = new GenericData.Record(v1);
    old.put("mesh", "default");
    old.put("proxy", "web-1");
    old.put("version", "v0");
    old.put("resources", List.of());
    old.put("causes", List.of());
    byte[] value = wire(registry.register(TOPIC + "-value", v1), v1, old);

    ProxyConfigEnvelope envelope = reader.read(TOPIC, value);

    assertThat(envelope).isEqualTo(new ProxyConfigEnvelope("default", "web-1", "v0", null, null));
    assertThat(envelope.isComplete()).isFalse();
  }

  @Test
  void bytesThatAreNotARecordAreASerializationException() {
    assertThatThrownBy(() -> reader.read(TOPIC, new byte[] {1, 2}))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> reader.read(TOPIC, new byte[] {0, 0, 0, 0, 42, 9}))
        .isInstanceOf(SerializationException.class);
  }

  private static byte[] wire(int id, Schema schema, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
