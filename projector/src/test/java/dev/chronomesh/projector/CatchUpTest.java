package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Catch-up batches (opt-in, {@link ProjectorConfig#catchUpLag}): events older than the lag are
 * projected in one batch per mesh; the final state equals window-by-window projection's, with fewer
 * intermediate versions.
 */
class CatchUpTest {
  private static final Duration LAG = Duration.ofSeconds(10);
  private static final int SERVICES = 6;
  private static final int INSTANCES = 3;

  @TempDir Path first;
  @TempDir Path second;

  /** A history with fan-out, policies of both kinds, a protocol change, deletes, a second mesh. */
  private static List<ResourceEvent> history() throws Exception {
    List<ResourceEvent> events = new ArrayList<>();
    events.add(upserted(1, mesh("default")));
    for (int s = 0; s < SERVICES; s++) {
      for (int i = 0; i < INSTANCES; i++) {
        events.add(upserted(1, instance(s, i, "http")));
      }
    }
    events.add(upserted(1, mesh("other")));
    events.add(upserted(1, dataplane("other", "db-1", "10.9.0.1", inbound("db", 5432))));
    events.add(
        FanOutTest.policy(
            "MeshTimeout",
            "to-svc-2",
            1,
            """
            type: MeshTimeout
            mesh: default
            name: to-svc-2
            spec:
              targetRef: {kind: Mesh}
              to:
                - targetRef: {kind: MeshService, name: svc-2}
                  default:
                    connectionTimeout: 7s
            """));
    events.add(
        FanOutTest.policy(
            "MeshTimeout",
            "mesh-wide",
            1,
            """
            type: MeshTimeout
            mesh: default
            name: mesh-wide
            spec:
              targetRef: {kind: Mesh}
              to:
                - targetRef: {kind: Mesh}
                  default:
                    connectionTimeout: 3s
            """));
    events.add(upserted(2, instance(3, 0, "tcp")));
    events.add(upserted(2, instance(3, 1, "tcp")));
    events.add(upserted(2, instance(3, 2, "tcp")));
    events.add(deleted("default", "Dataplane", "svc-4-1", 2));
    events.add(deleted("default", "MeshTimeout", "to-svc-2", 2));
    events.add(deleted("other", "Mesh", "other", 2));
    events.add(upserted(2, instance(1, 2, "http")));
    return events;
  }

  private static DataplaneResource instance(int s, int i, String protocol) {
    DataplaneResource dp =
        dataplane(
            "default",
            "svc-" + s + "-" + i,
            "10.0." + s + "." + (i + 1),
            inbound("svc-" + s, 8080, "kuma.io/protocol", protocol));
    dp.setOutbound(
        List.of(
            ProjectorTopologyTest.outbound("svc-" + ((s + 1) % SERVICES), 10001),
            ProjectorTopologyTest.outbound("svc-" + ((s + 2) % SERVICES), 10002)));
    return dp;
  }

  /** What a run leaves: its stores (causes left out) and how many records it emitted. */
  private record Outcome(Map<String, String> state, int configRecords, int endpointRecords) {}

  private static Outcome run(ProjectorHarness p, List<ResourceEvent> events) {
    List<KeyValue<String, ProxyConfig>> configs = new ArrayList<>();
    List<KeyValue<String, ClusterEndpoints>> endpoints = new ArrayList<>();
    for (ResourceEvent event : events) {
      p.later(Duration.ofSeconds(1));
      p.pipe(event);
      // Live, the wall clock runs as event time passes; caught up, the events are an hour old.
      p.idle();
      configs.addAll(p.configs());
      endpoints.addAll(p.endpoints());
    }
    p.idle();
    configs.addAll(p.configs());
    endpoints.addAll(p.endpoints());
    Map<String, String> state = p.storeContents();
    KeyValueStore<String, ProxyConfig> configStore = p.store(ProjectorTopology.PROXY_CONFIGS_STORE);
    // The last record of each key is what the store holds.
    Map<String, ProxyConfig> lastConfig = new HashMap<>();
    configs.forEach(kv -> lastConfig.put(kv.key, kv.value));
    lastConfig.forEach(
        (key, value) ->
            assertThat(value == null ? null : value.getVersion())
                .as("last record of %s", key)
                .isEqualTo(
                    configStore.get(key) == null ? null : configStore.get(key).getVersion()));
    return new Outcome(state, configs.size(), endpoints.size());
  }

  @Test
  void aCatchUpEndsWithTheStateOfWindowByWindowProjectionAndFewerRecords() throws Exception {
    Outcome live;
    try (ProjectorHarness p = new ProjectorHarness(first, LAG)) {
      live = run(p, history());
    }
    Outcome caughtUp;
    try (ProjectorHarness p = new ProjectorHarness(second, LAG)) {
      // The mesh is built live; the rest comes after an hour's pause, in one batch.
      List<ResourceEvent> events = history();
      int built = 1 + SERVICES * INSTANCES;
      run(p, events.subList(0, built));
      p.wallClockPasses(Duration.ofHours(1));
      caughtUp = catchUp(p, events.subList(built, events.size()));
    }

    assertThat(live.state()).isNotEmpty();
    assertThat(live.state().keySet()).anyMatch(k -> k.startsWith("endpoints default/svc-3"));
    assertThat(caughtUp.state()).isEqualTo(live.state());
    assertThat(caughtUp.configRecords()).isLessThan(live.configRecords());
    // One batch: every proxy config at most once (the second mesh's db-1 included).
    assertThat(caughtUp.configRecords()).isLessThanOrEqualTo(SERVICES * INSTANCES + 1);
  }

  /** Pipes all events with the wall clock still (one batch), then lets one window pass idle. */
  private static Outcome catchUp(ProjectorHarness p, List<ResourceEvent> events) {
    for (ResourceEvent event : events) {
      p.later(Duration.ofSeconds(1));
      p.pipe(event);
    }
    assertThat(p.configs()).as("nothing is emitted while the batch is open").isEmpty();
    return run(p, List.of());
  }

  @Test
  void anEventWithinTheLagFlushesTheBatchFirstWithItsFirstAndLastCause() throws Exception {
    try (ProjectorHarness p = new ProjectorHarness(first, LAG)) {
      p.wallClockPasses(Duration.ofHours(1));
      long firstOffset = p.pipe(upserted(1, mesh("default")));
      p.pipe(upserted(1, instance(0, 0, "http")));
      long lastOffset = p.pipe(upserted(1, instance(1, 0, "http")));
      assertThat(p.configs()).isEmpty();

      // Event time catches up with the wall clock: this event is live.
      p.later(Duration.ofHours(1));
      p.pipe(upserted(1, instance(2, 0, "http")));

      List<KeyValue<String, ProxyConfig>> configs = p.configs();
      assertThat(configs)
          .extracting(kv -> kv.key)
          .containsExactlyInAnyOrder("default.svc-0-0", "default.svc-1-0");
      assertThat(configs.get(0).value.getCauses())
          .extracting(EventRef::getOffset)
          .containsExactly(firstOffset, lastOffset);
      // The live event waits for its window as usual.
      p.idle();
      assertThat(p.configs()).extracting(kv -> kv.key).contains("default.svc-2-0");
    }
  }

  @Test
  void withoutALagOldEventsAreProjectedWindowByWindow() throws Exception {
    try (ProjectorHarness p = new ProjectorHarness(first)) {
      p.wallClockPasses(Duration.ofHours(1));
      p.pipe(upserted(1, mesh("default")));
      p.pipe(upserted(1, instance(0, 0, "http")));
      p.later(Duration.ofSeconds(1));
      // A later window: the first one is flushed, as in a live run.
      p.pipe(upserted(1, instance(1, 0, "http")));
      assertThat(p.configs()).extracting(kv -> kv.key).containsExactly("default.svc-0-0");
    }
  }

  @Test
  void aBatchOpenWhenTheTaskStoppedRegeneratesEveryProxyOnRestart() {
    Map<String, KeyValueStore<String, Object>> committed = new TreeMap<>();
    long hourLater = ProjectorHarness.START.plus(Duration.ofHours(1)).toEpochMilli();

    MockProcessorContext<String, Object> before = context(committed, hourLater);
    MeshProjector stopped = new MeshProjector(ProjectorHarness.WINDOW, LAG);
    stopped.init(before);
    long offset = 0;
    for (ResourceEvent event :
        List.of(
            upserted(1, mesh("default")),
            upserted(1, instance(0, 0, "http")),
            upserted(1, instance(1, 0, "http")))) {
      event.setOccurredAt(ProjectorHarness.START);
      before.setRecordMetadata("events", 0, offset++);
      stopped.process(new Record<>("default", event, ProjectorHarness.START.toEpochMilli()));
    }
    assertThat(before.forwarded()).isEmpty();
    assertThat(committed.get(ProjectorTopology.DIRTY_STORE).get(DirtyProxies.CATCH_UP_KEY))
        .isNotNull();

    // The task stops here (its stores are what it committed) and starts again.
    MockProcessorContext<String, Object> after = context(committed, hourLater + 1_000);
    MeshProjector restarted = new MeshProjector(ProjectorHarness.WINDOW, LAG);
    restarted.init(after);
    after.scheduledPunctuators().get(0).getPunctuator().punctuate(hourLater + 1_000);

    assertThat(after.forwarded())
        .filteredOn(f -> ProjectorTopology.CONFIGS_SINK.equals(f.childName().orElse(null)))
        .<String>extracting(f -> f.record().key())
        .containsExactlyInAnyOrder("default.svc-0-0", "default.svc-1-0");
    assertThat(committed.get(ProjectorTopology.DIRTY_STORE).get(DirtyProxies.CATCH_UP_KEY))
        .isNull();
  }

  /**
   * A processor context over in-memory stores: created in {@code committed} the first time, reused
   * (as a restarted task finds its committed state) after.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static MockProcessorContext<String, Object> context(
      Map<String, KeyValueStore<String, Object>> committed, long wallClock) {
    MockProcessorContext<String, Object> context = new MockProcessorContext<>();
    context.setCurrentSystemTimeMs(wallClock);
    // One registry per store: the mock context names every store's topic "changelog".
    Map<String, Serde<?>> serdes =
        Map.of(
            ProjectorTopology.RESOURCES_STORE,
            AvroSerde.forValues(new InMemorySchemaRegistry(), ResourceEvent.class),
            ProjectorTopology.PROXY_CONFIGS_STORE,
            AvroSerde.forValues(new InMemorySchemaRegistry(), ProxyConfig.class),
            ProjectorTopology.ENDPOINTS_STORE,
            AvroSerde.forValues(new InMemorySchemaRegistry(), ClusterEndpoints.class),
            ProjectorTopology.PROXY_DEPS_STORE,
            Serdes.String(),
            ProjectorTopology.DIRTY_STORE,
            Serdes.String());
    serdes.forEach(
        (name, serde) -> {
          KeyValueStore<String, Object> store = committed.get(name);
          if (store == null) {
            store =
                (KeyValueStore)
                    Stores.keyValueStoreBuilder(
                            Stores.inMemoryKeyValueStore(name), Serdes.String(), (Serde) serde)
                        .withLoggingDisabled()
                        .build();
            store.init(context.getStateStoreContext(), store);
            committed.put(name, store);
          }
          context.addStateStore(store);
        });
    return context;
  }
}
