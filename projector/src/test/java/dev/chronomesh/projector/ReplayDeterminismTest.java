package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN principle 1: the projections are a deterministic function of the log. Replaying the same
 * events into an empty application (its own state directory) yields byte-identical output records
 * and byte-identical stores.
 */
class ReplayDeterminismTest {
  private static final Topics TOPICS = Topics.defaults();

  @TempDir Path first;
  @TempDir Path second;

  @Test
  void replayingTheLogIntoAnEmptyApplicationGivesByteIdenticalOutputAndStores() {
    List<ResourceEvent> log = history();

    Run a = replay(log, first);
    Run b = replay(log, second);

    assertThat(a.output()).isNotEmpty();
    assertThat(b.output()).hasSameSizeAs(a.output());
    for (int i = 0; i < a.output().size(); i++) {
      assertThat(b.output().get(i).key).isEqualTo(a.output().get(i).key);
      assertThat(b.output().get(i).value).as("record %d", i).isEqualTo(a.output().get(i).value);
    }
    assertThat(b.stores()).isEqualTo(a.stores());
  }

  /** A history with creates, updates, a tombstone and a second mesh. */
  private static List<ResourceEvent> history() {
    List<ResourceEvent> log = new ArrayList<>();
    log.add(upserted(1, mesh("default")));
    log.add(upserted(1, mesh("other")));
    log.add(upserted(1, dataplane("default", "backend-1", "10.0.0.1", inbound("backend", 8080))));
    log.add(upserted(1, dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080))));
    log.add(upserted(1, dataplane("other", "db-1", "10.0.1.1", inbound("db", 5432))));
    log.add(upserted(1, dataplane("default", "backend-2", "10.0.0.2", inbound("backend", 8080))));
    log.add(upserted(2, dataplane("default", "backend-1", "10.0.0.9", inbound("backend", 8080))));
    log.add(deleted("default", "Dataplane", "backend-2", 2));
    log.add(upserted(2, dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080))));
    return log;
  }

  private record Run(List<KeyValue<String, byte[]>> output, Map<String, String> stores) {}

  private static Run replay(List<ResourceEvent> log, Path stateDir) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    AvroSerde<ResourceEvent> events = AvroSerde.forValues(registry, ResourceEvent.class);
    AvroSerde<ProxyConfig> configs = AvroSerde.forValues(registry, ProxyConfig.class);
    StreamsBuilder builder = new StreamsBuilder();
    ProjectorTopology.build(builder, TOPICS, events, configs);
    ProjectorConfig config =
        new ProjectorConfig(
            Map.of("bootstrap.servers", "127.0.0.1:9"),
            TOPICS,
            registry,
            ProjectorConfig.DEFAULT_APPLICATION_ID,
            stateDir);
    try (TopologyTestDriver driver =
        new TopologyTestDriver(builder.build(), Projector.streamsProperties(config))) {
      var in =
          driver.createInputTopic(TOPICS.events(), new StringSerializer(), events.serializer());
      for (ResourceEvent event : log) {
        in.pipeInput(event.getMesh(), event);
      }
      List<KeyValue<String, byte[]>> output = new ArrayList<>();
      for (TestRecord<String, byte[]> r :
          driver
              .createOutputTopic(
                  TOPICS.proxyConfigs(),
                  new org.apache.kafka.common.serialization.StringDeserializer(),
                  new ByteArrayDeserializer())
              .readRecordsToList()) {
        output.add(KeyValue.pair(r.key(), r.value()));
      }
      Map<String, String> stores = new TreeMap<>();
      for (String name :
          List.of(ProjectorTopology.RESOURCES_STORE, ProjectorTopology.PROXY_CONFIGS_STORE)) {
        KeyValueStore<Object, Object> store = driver.getKeyValueStore(name);
        try (KeyValueIterator<Object, Object> it = store.all()) {
          it.forEachRemaining(kv -> stores.put(name + "/" + kv.key, render(kv.value)));
        }
      }
      return new Run(output, stores);
    }
  }

  /** Avro records compare by value; byte arrays by content. */
  private static String render(Object value) {
    if (value instanceof byte[] bytes) {
      return Arrays.toString(bytes);
    }
    if (value instanceof Bytes bytes) {
      return Arrays.toString(bytes.get());
    }
    return String.valueOf(value);
  }
}
