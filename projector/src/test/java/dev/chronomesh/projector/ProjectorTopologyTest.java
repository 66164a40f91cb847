package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.projector.generate.Fixtures;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectorTopologyTest {
  private static final String CLA =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final Topics TOPICS = Topics.defaults();

  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, ResourceEvent> events;
  private TestInputTopic<String, byte[]> rawEvents;
  private TestOutputTopic<String, ProxyConfig> configs;
  private KeyValueStore<String, ProxyConfig> configStore;
  private long inputOffset;

  @BeforeEach
  void startDriver() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    AvroSerde<ResourceEvent> eventSerde = AvroSerde.forValues(registry, ResourceEvent.class);
    AvroSerde<ProxyConfig> configSerde = AvroSerde.forValues(registry, ProxyConfig.class);
    ProjectorConfig config =
        new ProjectorConfig(
            Map.of("bootstrap.servers", "127.0.0.1:9"),
            TOPICS,
            registry,
            ProjectorConfig.DEFAULT_APPLICATION_ID,
            stateDir);
    StreamsBuilder builder = new StreamsBuilder();
    ProjectorTopology.build(builder, TOPICS, eventSerde, configSerde);
    driver = new TopologyTestDriver(builder.build(), Projector.streamsProperties(config));
    events =
        driver.createInputTopic(TOPICS.events(), new StringSerializer(), eventSerde.serializer());
    rawEvents =
        driver.createInputTopic(TOPICS.events(), new StringSerializer(), new ByteArraySerializer());
    configs =
        driver.createOutputTopic(
            TOPICS.proxyConfigs(), new StringDeserializer(), configSerde.deserializer());
    configStore = driver.getKeyValueStore(ProjectorTopology.PROXY_CONFIGS_STORE);
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  /** Pipes one event and returns its offset in the (single-partition) input topic. */
  private long pipe(ResourceEvent event) {
    events.pipeInput(event.getMesh(), event);
    return inputOffset++;
  }

  private static DataplaneResource backend(String name, String address) {
    return dataplane("default", name, address, inbound("backend", 8080));
  }

  private static DataplaneResource web1() {
    return dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080));
  }

  /** Mesh, backend-1 and web-1; returns web-1's event offset. */
  private long createMeshWithTwoDataplanes() {
    pipe(upserted(1, mesh("default")));
    pipe(upserted(1, backend("backend-1", "10.0.0.1")));
    return pipe(upserted(1, web1()));
  }

  @Test
  void createsOneConfigPerDataplaneOfTheMesh() throws Exception {
    long web1Offset = createMeshWithTwoDataplanes();

    Map<String, ProxyConfig> latest = configs.readKeyValuesToMap();

    assertThat(latest).containsOnlyKeys("default.backend-1", "default.web-1");
    for (var entry : latest.entrySet()) {
      ProxyConfig config = entry.getValue();
      assertThat(config.getMesh()).isEqualTo("default");
      assertThat(entry.getKey()).isEqualTo("default." + config.getProxy());
      assertThat(config.getVersion()).hasSize(64);
      assertThat(config.getResources()).hasSize(8);
      assertThat(config.getCauses())
          .extracting(EventRef::getPartition, EventRef::getOffset, EventRef::getOccurredAt)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  0, web1Offset, Fixtures.OCCURRED_AT.plusSeconds(1)));
      assertThat(configStore.get(entry.getKey())).isEqualTo(config);
    }
    // Every proxy of the mesh reaches every service: both get the same resources.
    assertThat(latest.get("default.backend-1").getVersion())
        .isEqualTo(latest.get("default.web-1").getVersion());
    assertThat(endpoints(latest.get("default.web-1"), "backend")).containsExactly("10.0.0.1:8080");
  }

  @Test
  void dataplanesGetNoConfigBeforeTheirMeshExists() {
    pipe(upserted(1, backend("backend-1", "10.0.0.1")));
    assertThat(configs.isEmpty()).isTrue();

    pipe(upserted(1, mesh("default")));

    assertThat(configs.readKeyValuesToMap()).containsOnlyKeys("default.backend-1");
  }

  @Test
  void reapplyingAnIdenticalDataplaneEmitsNothing() {
    createMeshWithTwoDataplanes();
    configs.readKeyValuesToList();

    pipe(upserted(2, backend("backend-1", "10.0.0.1")));
    pipe(upserted(2, mesh("default")));

    assertThat(configs.isEmpty()).isTrue();
  }

  @Test
  void addingASecondBackendUpdatesBothConfigsWithTwoEndpoints() throws Exception {
    createMeshWithTwoDataplanes();
    configs.readKeyValuesToList();

    long offset = pipe(upserted(1, backend("backend-2", "10.0.0.2")));

    List<KeyValue<String, ProxyConfig>> emitted = configs.readKeyValuesToList();
    assertThat(emitted)
        .extracting(kv -> kv.key)
        .containsExactly("default.backend-1", "default.backend-2", "default.web-1");
    for (KeyValue<String, ProxyConfig> kv : emitted) {
      assertThat(endpoints(kv.value, "backend")).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
      assertThat(kv.value.getCauses()).extracting(EventRef::getOffset).containsExactly(offset);
    }
  }

  @Test
  void deletingADataplaneTombstonesItsConfigAndUpdatesTheOthers() throws Exception {
    createMeshWithTwoDataplanes();
    configs.readKeyValuesToList();

    pipe(deleted("default", "Dataplane", "backend-1", 2));

    List<KeyValue<String, ProxyConfig>> emitted = configs.readKeyValuesToList();
    assertThat(emitted)
        .extracting(kv -> kv.key)
        .containsExactly("default.web-1", "default.backend-1");
    assertThat(emitted.get(1).value).isNull();
    assertThat(endpoints(emitted.get(0).value, "web")).containsExactly("10.0.0.3:8080");
    assertThat(emitted.get(0).value.getResources())
        .extracting(XdsResource::getName)
        .containsOnly("web");
    assertThat(configStore.get("default.backend-1")).isNull();
    assertThat(configStore.get("default.web-1")).isEqualTo(emitted.get(0).value);
  }

  @Test
  void deletingTheMeshTombstonesEveryConfigOfIt() {
    createMeshWithTwoDataplanes();
    pipe(upserted(1, mesh("other")));
    pipe(upserted(1, dataplane("other", "o-1", "10.1.0.1", inbound("o", 1))));
    configs.readKeyValuesToList();

    pipe(deleted("default", "Mesh", "default", 2));

    List<KeyValue<String, ProxyConfig>> emitted = configs.readKeyValuesToList();
    assertThat(emitted)
        .extracting(kv -> kv.key)
        .containsExactly("default.backend-1", "default.web-1");
    assertThat(emitted).allSatisfy(kv -> assertThat(kv.value).isNull());
    assertThat(configStore.get("other.o-1")).isNotNull();

    // The mesh's resources went with it: re-creating the mesh brings no old dataplane back.
    pipe(upserted(3, mesh("default")));
    assertThat(configs.isEmpty()).isTrue();
  }

  @Test
  void skipsACorruptRecordAndKeepsProcessing() {
    pipe(upserted(1, mesh("default")));
    rawEvents.pipeInput("default", new byte[] {1, 2, 3});
    inputOffset++;
    rawEvents.pipeInput("default", new byte[] {0, 0, 0, 0, 1, (byte) 0xff});
    inputOffset++;

    pipe(upserted(1, backend("backend-1", "10.0.0.1")));

    assertThat(configs.readKeyValuesToMap()).containsOnlyKeys("default.backend-1");
    // The dead-letter records are produced by Kafka Streams' handler, which the test driver
    // does not capture: ProjectorIT checks them on a real broker.
  }

  @Test
  void skipsAnInvalidEvent() {
    pipe(upserted(1, mesh("default")));
    ResourceEvent keyedWrong = upserted(1, backend("backend-1", "10.0.0.1"));
    events.pipeInput("other", keyedWrong);
    ResourceEvent payloadMismatch = upserted(1, backend("backend-1", "10.0.0.1"));
    payloadMismatch.setName("backend-9");
    pipe(payloadMismatch);

    assertThat(configs.isEmpty()).isTrue();
    assertThat(MeshProjector.problems("other", payloadMismatch))
        .containsExactly(
            "key: must be the mesh default but is other",
            "payload.name: must be backend-9 but is backend-1");
  }

  private static List<String> endpoints(ProxyConfig config, String service)
      throws InvalidProtocolBufferException {
    for (XdsResource r : config.getResources()) {
      if (r.getTypeUrl().equals(CLA) && r.getName().equals(service)) {
        ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(r.getValue().duplicate());
        return cla.getEndpointsList().stream()
            .flatMap(l -> l.getLbEndpointsList().stream())
            .map(e -> e.getEndpoint().getAddress().getSocketAddress())
            .map(a -> a.getAddress() + ":" + a.getPortValue())
            .toList();
      }
    }
    throw new AssertionError("no ClusterLoadAssignment " + service + " in " + config.getProxy());
  }
}
