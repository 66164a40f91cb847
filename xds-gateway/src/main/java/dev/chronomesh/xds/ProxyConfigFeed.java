package dev.chronomesh.xds;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.TopicTail;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole proxy-configs topic from the beginning, without a consumer group, and keeps the
 * node snapshots in step with it: a record replaces its node's snapshot, a tombstone removes it. A
 * record that cannot be read or fails validation is logged with its position and skipped; it never
 * stops the feed. Of a record for a node nobody is connected for, only the envelope is read and
 * checked here; its resources are checked when a proxy of the node connects.
 *
 * <p>Ready once every partition has been read up to the end offset (the last stable offset, since
 * the projector writes transactionally and the feed reads committed records only) seen when the
 * feed started.
 */
final class ProxyConfigFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyConfigFeed.class);
  private static final String FEED_NAME = "proxy-configs";

  private final String endpointsTopic;
  private final FeedRecords records;
  private final NodeSnapshots snapshots;
  private TopicTail tail;

  private ProxyConfigFeed(String endpointsTopic, FeedRecords records, NodeSnapshots snapshots) {
    this.endpointsTopic = endpointsTopic;
    this.records = records;
    this.snapshots = snapshots;
  }

  /**
   * Starts reading {@code topic} and {@code endpointsTopic}. {@code onReady} runs once when caught
   * up; {@code onFailure} runs if the feed stops for an unexpected error. Both run on the feed
   * thread.
   */
  static ProxyConfigFeed start(
      String topic,
      String endpointsTopic,
      Map<String, Object> kafkaProperties,
      FeedRecords records,
      NodeSnapshots snapshots,
      Runnable onReady,
      Runnable onFailure) {
    ProxyConfigFeed feed =
        new ProxyConfigFeed(
            Objects.requireNonNull(endpointsTopic, "endpointsTopic"), records, snapshots);
    feed.tail =
        TopicTail.reading(
                FEED_NAME, List.of(Objects.requireNonNull(topic, "topic"), endpointsTopic))
            .kafka(XdsGateway.clientProperties(kafkaProperties))
            .onRecord(feed::apply)
            .afterPoll(positions -> snapshots.retryClears())
            .onReady(onReady)
            .onFailure(onFailure)
            .start();
    return feed;
  }

  /** Caught up with the end offsets seen at start, and still running. */
  boolean isReady() {
    return tail.isReady();
  }

  static Map<String, Object> consumerProperties(Map<String, Object> kafkaProperties) {
    return TopicTail.consumerProperties(XdsGateway.clientProperties(kafkaProperties), FEED_NAME);
  }

  /** Applies one record to the snapshots, or logs why it was skipped. Never throws. */
  void apply(ConsumerRecord<byte[], byte[]> record) {
    String where =
        "topic="
            + record.topic()
            + " partition="
            + record.partition()
            + " offset="
            + record.offset();
    if (record.topic().equals(endpointsTopic)) {
      applyEndpoints(record, where);
      return;
    }
    try {
      String key = nodeId(record.key());
      if (key == null) {
        LOG.warn("Skipped proxy config: key is not a node id <mesh>.<dataplane> {}", where);
        return;
      }
      if (record.value() == null) {
        if (snapshots.remove(key)) {
          LOG.info("Removed proxy node={} {}", key, where);
        } else {
          LOG.info(
              "Removed proxy node={} {}; still connected, its snapshot is cleared once its"
                  + " streams close",
              key,
              where);
        }
        return;
      }
      // A connected node's record is decoded whole here, off the lock; of any other record only
      // the envelope is read: its resources are decoded once, when a proxy of the node connects.
      NodeConfig decoded = null;
      String version;
      if (snapshots.isActive(key)) {
        decoded = records.config(key, record.value());
        version = decoded.version();
        for (String warning : decoded.warnings()) {
          LOG.warn("Proxy config node={} {}: {}", key, where, warning);
        }
      } else {
        version = records.envelope(key, record.value()).version();
      }
      snapshots.put(key, record.value(), decoded);
      LOG.debug("Updated proxy config node={} version={} {}", key, version, where);
    } catch (FeedRecords.Invalid e) {
      LOG.warn("Skipped invalid proxy config {} violations={}", where, e.problems());
    } catch (RuntimeException e) {
      LOG.error("Applying a proxy config failed {}", where, e);
    }
  }

  /** Applies one endpoints record (key {@code <mesh>/<cluster>}), or logs why it was skipped. */
  private void applyEndpoints(ConsumerRecord<byte[], byte[]> record, String where) {
    try {
      String key = utf8(record.key());
      Keys.MeshAnd parsed = Keys.parseMeshScoped(key).orElse(null);
      if (parsed == null) {
        LOG.warn("Skipped endpoints: key is not <mesh>/<cluster> {}", where);
        return;
      }
      String mesh = parsed.mesh();
      String cluster = parsed.rest();
      if (record.value() == null) {
        snapshots.removeEndpoints(mesh, cluster);
        LOG.debug("Removed endpoints mesh={} cluster={} {}", mesh, cluster, where);
        return;
      }
      FeedRecords.Endpoints endpoints = records.endpoints(mesh, cluster, record.value());
      snapshots.putEndpoints(mesh, cluster, endpoints, record.value());
      LOG.debug(
          "Updated endpoints mesh={} cluster={} version={} {}",
          mesh,
          cluster,
          endpoints.version(),
          where);
    } catch (FeedRecords.Invalid e) {
      LOG.warn("Skipped invalid endpoints {} violations={}", where, e.problems());
    } catch (RuntimeException e) {
      LOG.error("Applying endpoints failed {}", where, e);
    }
  }

  /** The record key as a node id, or null when it is missing, not UTF-8 or not a node id. */
  static String nodeId(byte[] key) {
    String text = utf8(key);
    return text != null && ProxyConfigDecoder.isNodeId(text) ? text : null;
  }

  /** The key as strict UTF-8, null when missing or malformed. */
  private static String utf8(byte[] key) {
    if (key == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(key))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Stops the feed thread and closes the consumer; waits a bounded time. */
  @Override
  public void close() {
    tail.close();
  }
}
