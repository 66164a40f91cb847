package dev.chronomesh.projector;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running projection: a Kafka Streams instance (exactly-once v2) executing {@link
 * ProjectorTopology}. Start it with {@link #start}, stop it with {@link #close}.
 */
public final class Projector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Projector.class);
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaStreams streams;
  private final String applicationId;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** This instance's advertised {@code application.server}; null when it advertises none. */
  private final HostInfo self;

  private Projector(KafkaStreams streams, String applicationId, HostInfo self) {
    this.streams = streams;
    this.applicationId = applicationId;
    this.self = self;
  }

  /** Builds the topology and starts Kafka Streams; returns without waiting for RUNNING. */
  public static Projector start(ProjectorConfig config) {
    Properties properties = streamsProperties(config);
    Topology topology =
        ProjectorTopology.build(
            config.topics(),
            AvroSerde.forValues(config.registry(), ResourceEvent.class),
            AvroSerde.forValues(config.registry(), ProxyConfig.class),
            AvroSerde.forValues(config.registry(), ClusterEndpoints.class),
            config.coalesceWindow(),
            config.catchUpLag());
    KafkaStreams streams = new KafkaStreams(topology, properties);
    String applicationId = config.applicationId();
    streams.setStateListener(
        (next, old) ->
            LOG.info("Projector state application={} from={} to={}", applicationId, old, next));
    streams.setUncaughtExceptionHandler(
        e -> {
          // A failure here is a bug (bad input is skipped before it gets here): stop loudly.
          LOG.error("Projector failed application={}", applicationId, e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    try {
      streams.start();
    } catch (RuntimeException e) {
      streams.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      throw e;
    }
    LOG.info(
        "Projector started application={} events={} proxyConfigs={} stateDir={}",
        applicationId,
        config.topics().events(),
        config.topics().proxyConfigs(),
        config.stateDir());
    Object server = properties.get(StreamsConfig.APPLICATION_SERVER_CONFIG);
    HostInfo self =
        server == null || server.toString().isBlank()
            ? null
            : HostInfo.buildFromEndpoint(server.toString());
    return new Projector(streams, applicationId, self);
  }

  /**
   * The current Envoy config of a proxy as JSON ({@link ConfigDump}), read from this instance's
   * stores; empty when the proxy has no config here. With several projector instances, a mesh's
   * proxies live on the instance that owns the mesh's partition.
   *
   * @throws org.apache.kafka.streams.errors.InvalidStateStoreException while the stores are not
   *     queryable (starting, rebalancing): the caller answers "unavailable, retry"
   */
  public Optional<String> configDump(String mesh, String dataplane) {
    ReadOnlyKeyValueStore<String, ProxyConfig> configs =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                ProjectorTopology.PROXY_CONFIGS_STORE,
                QueryableStoreTypes.<String, ProxyConfig>keyValueStore()));
    ProxyConfig config = configs.get(Keys.proxy(mesh, dataplane));
    if (config == null || !config.getMesh().equals(mesh)) {
      return Optional.empty();
    }
    ReadOnlyKeyValueStore<String, ClusterEndpoints> endpoints =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                ProjectorTopology.ENDPOINTS_STORE,
                QueryableStoreTypes.<String, ClusterEndpoints>keyValueStore()));
    Map<String, ClusterEndpoints> used = new TreeMap<>();
    for (XdsResource r : config.getResources()) {
      if (!r.getTypeUrl().equals("type.googleapis.com/envoy.config.cluster.v3.Cluster")) {
        continue;
      }
      try {
        Cluster c = Cluster.parseFrom(r.getValue().duplicate());
        if (c.getType() == Cluster.DiscoveryType.EDS) {
          String name =
              c.getEdsClusterConfig().getServiceName().isEmpty()
                  ? c.getName()
                  : c.getEdsClusterConfig().getServiceName();
          ClusterEndpoints e = endpoints.get(Keys.cluster(mesh, name));
          if (e != null) {
            used.put(name, e);
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("the projector wrote an unreadable cluster", e);
      }
    }
    return Optional.of(ConfigDump.render(config, used));
  }

  /**
   * The instance that owns {@code mesh}'s proxies when it is another one (its {@code
   * application.server}), empty when it is this one or when instances do not advertise addresses.
   *
   * @throws org.apache.kafka.streams.errors.InvalidStateStoreException while the owner is not known
   *     (starting, rebalancing)
   */
  public Optional<HostInfo> remoteOwner(String mesh) {
    if (self == null) {
      return Optional.empty();
    }
    KeyQueryMetadata owner =
        streams.queryMetadataForKey(
            ProjectorTopology.PROXY_CONFIGS_STORE, mesh, Serdes.String().serializer());
    if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new InvalidStateStoreException("the owner of mesh " + mesh + " is not known yet");
    }
    return owner.activeHost().equals(self) ? Optional.empty() : Optional.of(owner.activeHost());
  }

  /** Whether Kafka Streams is RUNNING (not starting, rebalancing or stopped). */
  /** The Kafka Streams instance, for its metrics ({@link ProjectorHttp}). */
  KafkaStreams streams() {
    return streams;
  }

  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /**
   * Stops processing and leaves the consumer group, so a restarted instance gets its partitions at
   * once instead of after the old member's session timeout.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean clean =
        streams.close(
            CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    if (clean) {
      LOG.info("Projector stopped application={}", applicationId);
    } else {
      LOG.warn(
          "Projector did not stop within timeout={} application={}", CLOSE_TIMEOUT, applicationId);
    }
  }

  /** The Kafka Streams settings: the pass-through client settings plus the projector's own. */
  static Properties streamsProperties(ProjectorConfig config) {
    Properties p = new Properties();
    p.putAll(config.kafkaProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    // An unreadable event is logged and sent, with its origin in headers, to the dead-letter
    // topic; the projection goes on.
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class.getName());
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().deadLetters());
    // Under exactly-once, gateways (read_committed) see a window's output only once its
    // transaction commits: commit once per window (Kafka Streams' default is 100 ms), unless the
    // operator set an interval.
    p.putIfAbsent(
        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
        Long.toString(Math.max(10L, config.coalesceWindow().toMillis())));
    // A transaction begun right after the previous commit gets CONCURRENT_TRANSACTIONS until the
    // broker has written the commit markers; the producer then backs off retry.backoff.ms (100 ms
    // by default) before each retry (the harness's replays logged these answers after commits).
    p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), "5");
    // Proxy configs are large and repetitive (a sidecar's listeners and clusters repeat the same
    // filter chains): compressed, a window's output and its changelog cost the broker a fraction
    // of the bytes (profiles of a replay: the commit's producer flush waited on the broker for half
    // the time). Kafka's clients decompress transparently.
    p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // The idle flush of a coalescing window runs between polls: poll often enough for it (a
    // window's configs wait at most one check period beyond the window of silence).
    p.put(
        StreamsConfig.POLL_MS_CONFIG,
        Math.max(5L, config.coalesceWindow().toMillis() / MeshProjector.IDLE_CHECKS_PER_WINDOW));
    return p;
  }
}
