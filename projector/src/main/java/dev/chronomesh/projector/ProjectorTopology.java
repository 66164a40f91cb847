package dev.chronomesh.projector;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The projector's topology: events (key = mesh) → one processor per mesh partition holding the
 * mesh's resources and the last config of each proxy in RocksDB → proxy-configs (key = mesh.proxy).
 * Pure: adds nodes and stores to the builder, nothing else, so tests can feed the same builder to a
 * {@code TopologyTestDriver}.
 */
public final class ProjectorTopology {
  /** Resources per mesh, key {@code <mesh>/<Type>/<name>}, value the last UPSERTED event. */
  public static final String RESOURCES_STORE = "mesh-resources";

  /** The last emitted config of each proxy, key {@code <mesh>.<dataplane>}. */
  public static final String PROXY_CONFIGS_STORE = "proxy-configs";

  private ProjectorTopology() {}

  public static void build(
      StreamsBuilder builder,
      Topics topics,
      Serde<ResourceEvent> events,
      Serde<ProxyConfig> configs) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(RESOURCES_STORE), Serdes.String(), events));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PROXY_CONFIGS_STORE), Serdes.String(), configs));
    builder.stream(topics.events(), Consumed.with(Serdes.String(), events).withName("events"))
        .process(
            MeshProjector::new, Named.as("mesh-projector"), RESOURCES_STORE, PROXY_CONFIGS_STORE)
        .to(
            topics.proxyConfigs(),
            Produced.with(Serdes.String(), configs).withName("proxy-configs-sink"));
  }
}
