package dev.chronomesh.projector;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The projector's topology: events (key = mesh) → one {@link MeshProjector} per events partition,
 * holding its meshes' resources, the last config of each proxy, the shared endpoint sets, what each
 * config read (the fan-out index) and the proxies dirty in the open coalescing window, all in
 * RocksDB → proxy-configs (key = mesh.proxy) and endpoints (key = mesh/cluster). Pure: builds a
 * {@link Topology} and nothing else, so tests can feed it to a {@code TopologyTestDriver}.
 */
public final class ProjectorTopology {
  /** Resources per mesh, key {@code <mesh>/<Type>/<name>}, value the last UPSERTED event. */
  public static final String RESOURCES_STORE = "mesh-resources";

  /** The last emitted config of each proxy, key {@code <mesh>.<dataplane>}. */
  public static final String PROXY_CONFIGS_STORE = "proxy-configs";

  /** The last emitted endpoint set of each cluster in use, key {@code <mesh>/<cluster>}. */
  public static final String ENDPOINTS_STORE = "endpoints";

  /** What each proxy's config read (services, clusters), key {@code <mesh>/<dataplane>}. */
  public static final String PROXY_DEPS_STORE = "proxy-deps";

  /**
   * Proxies marked dirty in the open window with their causes, key {@code <mesh>/<dataplane>}; and,
   * under the key {@code catch-up}, the first event of an open catch-up batch.
   */
  public static final String DIRTY_STORE = "dirty-proxies";

  static final String CONFIGS_SINK = "proxy-configs-sink";
  static final String ENDPOINTS_SINK = "endpoints-sink";
  static final String DEAD_LETTERS_SINK = "dead-letters-sink";
  private static final String SOURCE = "events";
  private static final String PROCESSOR = "mesh-projector";

  private ProjectorTopology() {}

  /**
   * A {@code <mesh>/<name>} key of the stores above ({@link Keys#meshScoped}, and the resources'
   * {@code <mesh>/<Type>/<name>}); they are this topology's own, so a key of another shape is a
   * bug.
   */
  static Keys.MeshAnd meshScoped(String key) {
    return Keys.parseMeshScoped(key)
        .orElseThrow(() -> new IllegalStateException("not a <mesh>/<name> key: " + key));
  }

  /**
   * @param window the coalescing window: proxies dirtied by events of one window of event time are
   *     regenerated once
   * @param catchUpLag events older than this are projected in catch-up batches; zero: never
   */
  public static Topology build(
      Topics topics,
      Serde<ResourceEvent> events,
      Serde<ProxyConfig> configs,
      Serde<ClusterEndpoints> endpoints,
      Duration window,
      Duration catchUpLag) {
    Topology topology = new Topology();
    topology.addSource(
        SOURCE, Serdes.String().deserializer(), events.deserializer(), topics.events());
    topology.addProcessor(PROCESSOR, () -> new MeshProjector(window, catchUpLag), SOURCE);
    // Cached: a burst of updates to the same resource (endpoint churn, a catch-up batch) reaches
    // RocksDB and the changelog once per commit, not once per event.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RESOURCES_STORE), Serdes.String(), events)
            .withCachingEnabled(),
        PROCESSOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PROXY_CONFIGS_STORE), Serdes.String(), configs),
        PROCESSOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(ENDPOINTS_STORE), Serdes.String(), endpoints),
        PROCESSOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PROXY_DEPS_STORE), Serdes.String(), Serdes.String()),
        PROCESSOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(DIRTY_STORE), Serdes.String(), Serdes.String()),
        PROCESSOR);
    topology.addSink(
        CONFIGS_SINK,
        topics.proxyConfigs(),
        Serdes.String().serializer(),
        configs.serializer(),
        PROCESSOR);
    // Events that decode but make no sense (a key that is not their mesh, a payload of the wrong
    // type): kept for an operator with where they came from, as Kafka Streams does for unreadable
    // ones.
    topology.addSink(
        DEAD_LETTERS_SINK,
        topics.deadLetters(),
        Serdes.String().serializer(),
        events.serializer(),
        PROCESSOR);
    topology.addSink(
        ENDPOINTS_SINK,
        topics.endpoints(),
        Serdes.String().serializer(),
        endpoints.serializer(),
        PROCESSOR);
    return topology;
  }
}
