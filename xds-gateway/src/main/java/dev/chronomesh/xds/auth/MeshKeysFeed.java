package dev.chronomesh.xds.auth;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicTail;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.xds.XdsGateway;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole events topic from the beginning, without a consumer group, and keeps {@link
 * MeshKeys} (signing keys, dataplane-token revocations, dataplane tags) in step with it. A record
 * that cannot be read or is invalid is logged with its position and skipped; it never stops the
 * feed.
 *
 * <p>Ready once every partition has been read up to the end offset (last stable offset: the decider
 * writes transactionally, the feed reads committed records only) seen when it started.
 */
public final class MeshKeysFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MeshKeysFeed.class);

  private final AvroSerde<ResourceEvent> serde;
  private final MeshKeys keys = new MeshKeys();
  private TopicTail tail;

  private MeshKeysFeed(SchemaRegistry registry) {
    this.serde = AvroSerde.forValues(registry, ResourceEvent.class);
  }

  /**
   * Starts reading the events topic. {@code onReady} runs once when caught up; {@code onFailure}
   * runs if the feed stops for an unexpected error. Both run on the feed thread.
   */
  public static MeshKeysFeed start(
      String eventsTopic,
      Map<String, Object> kafkaProperties,
      SchemaRegistry registry,
      Runnable onReady,
      Runnable onFailure) {
    MeshKeysFeed feed = new MeshKeysFeed(Objects.requireNonNull(registry, "registry"));
    feed.tail =
        TopicTail.reading("mesh-keys", List.of(Objects.requireNonNull(eventsTopic, "eventsTopic")))
            .kafka(XdsGateway.clientProperties(kafkaProperties))
            .onRecord(feed::apply)
            .onReady(onReady)
            .onFailure(onFailure)
            .start();
    return feed;
  }

  /** The keys, revocations and dataplane tags read so far. */
  public MeshKeys keys() {
    return keys;
  }

  /** Caught up with the end offsets seen at start, and still running. */
  public boolean isReady() {
    return tail.isReady();
  }

  /** Applies one record, or logs why it was skipped. Never throws. */
  void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return; // the events topic has no tombstones; nothing to undo
    }
    try {
      String change = keys.apply(serde.deserialize(record.topic(), record.value()));
      if (change != null) {
        LOG.info(
            "Mesh keys: {} topic={} partition={} offset={}",
            change,
            record.topic(),
            record.partition(),
            record.offset());
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipped event for token checks topic={} partition={} offset={}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage() != null ? e.getMessage() : e.toString());
    }
  }

  /** Stops the feed thread and closes the consumer; waits a bounded time. */
  @Override
  public void close() {
    tail.close();
  }
}
