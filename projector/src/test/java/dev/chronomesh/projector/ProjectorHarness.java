package dev.chronomesh.projector;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The projector topology in a {@code TopologyTestDriver}, with an event clock (the {@code
 * occurredAt} stamped on piped events) and the driver's wall clock (which runs the idle flush).
 */
final class ProjectorHarness implements AutoCloseable {
  static final Topics TOPICS = Topics.defaults();
  static final Duration WINDOW = Duration.ofMillis(25);
  static final Instant START = Instant.ofEpochMilli(1_700_000_000_000L);

  final TopologyTestDriver driver;
  private final TestInputTopic<String, ResourceEvent> events;
  final TestInputTopic<String, byte[]> rawEvents;
  private final TestOutputTopic<String, ProxyConfig> configs;
  private final TestOutputTopic<String, ClusterEndpoints> endpoints;
  private final TestOutputTopic<String, ResourceEvent> deadLetters;
  private Instant eventClock = START;
  private long nextOffset;

  ProjectorHarness(Path stateDir) {
    this(stateDir, ProjectorConfig.DEFAULT_CATCH_UP_LAG);
  }

  /** A harness whose projector catches up in batches on events older than {@code catchUpLag}. */
  ProjectorHarness(Path stateDir, Duration catchUpLag) {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    AvroSerde<ResourceEvent> eventSerde = AvroSerde.forValues(registry, ResourceEvent.class);
    AvroSerde<ProxyConfig> configSerde = AvroSerde.forValues(registry, ProxyConfig.class);
    AvroSerde<ClusterEndpoints> endpointsSerde =
        AvroSerde.forValues(registry, ClusterEndpoints.class);
    ProjectorConfig config =
        new ProjectorConfig(
            Map.of("bootstrap.servers", "127.0.0.1:9"),
            TOPICS,
            registry,
            ProjectorConfig.DEFAULT_APPLICATION_ID,
            stateDir,
            WINDOW,
            catchUpLag);
    driver =
        new TopologyTestDriver(
            ProjectorTopology.build(
                TOPICS, eventSerde, configSerde, endpointsSerde, WINDOW, catchUpLag),
            Projector.streamsProperties(config),
            START);
    events =
        driver.createInputTopic(TOPICS.events(), new StringSerializer(), eventSerde.serializer());
    rawEvents =
        driver.createInputTopic(TOPICS.events(), new StringSerializer(), new ByteArraySerializer());
    configs =
        driver.createOutputTopic(
            TOPICS.proxyConfigs(), new StringDeserializer(), configSerde.deserializer());
    endpoints =
        driver.createOutputTopic(
            TOPICS.endpoints(), new StringDeserializer(), endpointsSerde.deserializer());
    deadLetters =
        driver.createOutputTopic(
            TOPICS.deadLetters(), new StringDeserializer(), eventSerde.deserializer());
  }

  /** Stamps the event with the event clock, pipes it and returns its offset. */
  long pipe(ResourceEvent event) {
    event.setOccurredAt(eventClock);
    events.pipeInput(event.getMesh(), event, eventClock);
    return nextOffset++;
  }

  /** Pipes bytes that are not an event; returns their offset. */
  long pipeRaw(String key, byte[] value) {
    rawEvents.pipeInput(key, value, eventClock);
    return nextOffset++;
  }

  /** Moves the event clock (the next events' occurredAt). */
  void later(Duration d) {
    eventClock = eventClock.plus(d);
  }

  /**
   * Lets a window of wall-clock time pass with no event, then more idle checks until the open
   * window is flushed (an idle flush regenerates {@link MeshProjector#IDLE_FLUSH_CHUNK} proxies per
   * check).
   */
  void idle() {
    driver.advanceWallClockTime(WINDOW);
    Duration check = WINDOW.dividedBy(MeshProjector.IDLE_CHECKS_PER_WINDOW);
    for (int i = 0; i < 10_000 && dirtyCount() > 0; i++) {
      driver.advanceWallClockTime(check);
    }
  }

  /** Entries in the dirty-proxies store: proxies waiting to be regenerated (and a catch-up key). */
  int dirtyCount() {
    KeyValueStore<String, String> dirty = store(ProjectorTopology.DIRTY_STORE);
    int n = 0;
    try (var it = dirty.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  /** Lets wall-clock time pass (the idle flush runs if due). */
  void wallClockPasses(Duration d) {
    driver.advanceWallClockTime(d);
  }

  Instant now() {
    return eventClock;
  }

  List<KeyValue<String, ProxyConfig>> configs() {
    return configs.readKeyValuesToList();
  }

  Map<String, ProxyConfig> latestConfigs() {
    return configs.readKeyValuesToMap();
  }

  List<KeyValue<String, ClusterEndpoints>> endpoints() {
    return endpoints.readKeyValuesToList();
  }

  List<org.apache.kafka.streams.test.TestRecord<String, ResourceEvent>> deadLetters() {
    return deadLetters.readRecordsToList();
  }

  <V> KeyValueStore<String, V> store(String name) {
    return driver.getKeyValueStore(name);
  }

  /**
   * What the stores hold, as {@code <store> <key>} → content: configs and endpoint sets by version
   * and content, without their causes (which differ by design between window-by-window and catch-up
   * projection of the same events).
   */
  Map<String, String> storeContents() {
    Map<String, String> contents = new TreeMap<>();
    KeyValueStore<String, ProxyConfig> configStore = store(ProjectorTopology.PROXY_CONFIGS_STORE);
    try (KeyValueIterator<String, ProxyConfig> it = configStore.all()) {
      it.forEachRemaining(
          kv ->
              contents.put(
                  ProjectorTopology.PROXY_CONFIGS_STORE + " " + kv.key,
                  kv.value.getVersion() + kv.value.getResources()));
    }
    KeyValueStore<String, ClusterEndpoints> endpointStore =
        store(ProjectorTopology.ENDPOINTS_STORE);
    try (KeyValueIterator<String, ClusterEndpoints> it = endpointStore.all()) {
      it.forEachRemaining(
          kv ->
              contents.put(
                  ProjectorTopology.ENDPOINTS_STORE + " " + kv.key,
                  kv.value.getVersion() + kv.value.getLoadAssignment()));
    }
    for (String name :
        List.of(
            ProjectorTopology.RESOURCES_STORE,
            ProjectorTopology.PROXY_DEPS_STORE,
            ProjectorTopology.DIRTY_STORE)) {
      KeyValueStore<String, Object> other = store(name);
      try (KeyValueIterator<String, Object> it = other.all()) {
        it.forEachRemaining(kv -> contents.put(name + " " + kv.key, String.valueOf(kv.value)));
      }
    }
    return contents;
  }

  @Override
  public void close() {
    driver.close();
  }
}
