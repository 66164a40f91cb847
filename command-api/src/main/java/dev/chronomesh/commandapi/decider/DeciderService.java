package dev.chronomesh.commandapi.decider;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link DeciderTopology} as a Kafka Streams application (exactly-once v2, persistent RocksDB
 * stores) inside the command-api process.
 */
public final class DeciderService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeciderService.class);

  private final KafkaStreams streams;
  private final String applicationId;

  private DeciderService(KafkaStreams streams, String applicationId) {
    this.streams = streams;
    this.applicationId = applicationId;
  }

  /**
   * Starts the decider; returns at once (see {@link #isRunning()}).
   *
   * @param kafkaProperties bootstrap.servers and client settings
   * @param applicationId the Streams application id (consumer group, internal topic prefix)
   * @param stateDir where the RocksDB stores live
   */
  public static DeciderService start(
      Map<String, Object> kafkaProperties,
      Topics topics,
      SchemaRegistry registry,
      String applicationId,
      Path stateDir) {
    Objects.requireNonNull(stateDir, "stateDir");
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove("group.id");
    props.remove("client.id");
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 20);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    // While idle the stream thread waits in poll() up to poll.ms (100 ms by default), and commits
    // only between polls: a command decided less than one commit interval after the last commit
    // waited for the next poll to time out, its event and result up to 100 ms late (the harness
    // saw a quarter of the events reach the projector ~120 ms after they were decided, instead of
    // ~25 ms). Poll no longer than a quarter of the commit interval.
    props.put(StreamsConfig.POLL_MS_CONFIG, 5);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    Properties properties = new Properties();
    properties.putAll(props);
    var topology =
        DeciderTopology.build(
            topics,
            AvroSerde.forValues(registry, Command.class),
            AvroSerde.forValues(registry, ResourceEvent.class),
            AvroSerde.forValues(registry, CommandResult.class));
    KafkaStreams streams = new KafkaStreams(topology, properties);
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("Decider thread failed applicationId={}; replacing it", applicationId, e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.setStateListener(
        (now, before) ->
            LOG.info("Decider state applicationId={} from={} to={}", applicationId, before, now));
    streams.start();
    return new DeciderService(streams, applicationId);
  }

  /** The Kafka Streams instance, for its metrics. */
  public KafkaStreams kafkaStreams() {
    return streams;
  }

  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Stops the decider and leaves its group, so a successor takes over without waiting. */
  @Override
  public void close() {
    streams.close(
        CloseOptions.timeout(Duration.ofSeconds(30))
            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    LOG.info("Decider stopped applicationId={}", applicationId);
  }
}
