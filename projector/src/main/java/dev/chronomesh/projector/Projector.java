package dev.chronomesh.projector;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
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

  private Projector(KafkaStreams streams, String applicationId) {
    this.streams = streams;
    this.applicationId = applicationId;
  }

  /** Builds the topology and starts Kafka Streams; returns without waiting for RUNNING. */
  public static Projector start(ProjectorConfig config) {
    Properties properties = streamsProperties(config);
    StreamsBuilder builder = new StreamsBuilder();
    ProjectorTopology.build(
        builder,
        config.topics(),
        AvroSerde.forValues(config.registry(), ResourceEvent.class),
        AvroSerde.forValues(config.registry(), ProxyConfig.class));
    Topology topology = builder.build(properties);
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
    return new Projector(streams, applicationId);
  }

  /** Whether Kafka Streams is RUNNING (not starting, rebalancing or stopped). */
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
    return p;
  }
}
