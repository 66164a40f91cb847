package dev.chronomesh.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.SchemaRegistry;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole proxy-configs topic from the beginning, without a consumer group, and keeps the
 * node snapshots in step with it: a record replaces its node's snapshot, a tombstone removes it. A
 * record that cannot be read or fails validation is logged with its position and skipped; it never
 * stops the feed.
 *
 * <p>Ready once every partition has been read up to the end offset (the last stable offset, since
 * the projector writes transactionally and the feed reads committed records only) seen when the
 * feed started.
 */
final class ProxyConfigFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyConfigFeed.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(250);
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final String topic;
  private final String endpointsTopic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AvroSerde<ProxyConfig> serde;
  private final AvroSerde<ClusterEndpoints> endpointsSerde;
  private final NodeSnapshots snapshots;
  private final Runnable onReady;
  private final Runnable onFailure;
  private final Thread thread;
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean ready;
  private volatile boolean failed;

  private ProxyConfigFeed(
      String topic,
      String endpointsTopic,
      Map<String, Object> kafkaProperties,
      SchemaRegistry registry,
      NodeSnapshots snapshots,
      Runnable onReady,
      Runnable onFailure) {
    this.topic = topic;
    this.endpointsTopic = endpointsTopic;
    this.serde = AvroSerde.forValues(registry, ProxyConfig.class);
    this.endpointsSerde = AvroSerde.forValues(registry, ClusterEndpoints.class);
    this.snapshots = snapshots;
    this.onReady = onReady;
    this.onFailure = onFailure;
    this.consumer = new KafkaConsumer<>(consumerProperties(kafkaProperties));
    this.thread = new Thread(this::run, "xds-gateway-feed");
    this.thread.setDaemon(true);
  }

  /**
   * Starts reading {@code topic}. {@code onReady} runs once when caught up; {@code onFailure} runs
   * if the feed stops for an unexpected error. Both run on the feed thread.
   */
  static ProxyConfigFeed start(
      String topic,
      String endpointsTopic,
      Map<String, Object> kafkaProperties,
      SchemaRegistry registry,
      NodeSnapshots snapshots,
      Runnable onReady,
      Runnable onFailure) {
    ProxyConfigFeed feed =
        new ProxyConfigFeed(
            Objects.requireNonNull(topic, "topic"),
            Objects.requireNonNull(endpointsTopic, "endpointsTopic"),
            kafkaProperties,
            registry,
            snapshots,
            Objects.requireNonNull(onReady, "onReady"),
            Objects.requireNonNull(onFailure, "onFailure"));
    feed.thread.start();
    return feed;
  }

  /** Caught up with the end offsets seen at start, and still running. */
  boolean isReady() {
    return ready && !failed;
  }

  static Map<String, Object> consumerProperties(Map<String, Object> kafkaProperties) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    // Stateless: no group, no committed offsets; every gateway reads the whole compacted topic.
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-xds-gateway");
    return props;
  }

  private void run() {
    try {
      Map<TopicPartition, Long> endOffsets = null;
      while (!isClosing()) {
        try {
          if (endOffsets == null) {
            endOffsets = assignAll();
            if (endOffsets == null) {
              backOff();
              continue;
            }
          }
          ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
          for (ConsumerRecord<byte[], byte[]> record : records) {
            apply(record);
          }
          snapshots.retryRemovals();
          if (!ready && caughtUp(endOffsets)) {
            ready = true;
            LOG.info("Proxy configs read up to the end offsets seen at start topic={}", topic);
            onReady.run();
          }
        } catch (WakeupException | InterruptException e) {
          throw e;
        } catch (KafkaException e) {
          LOG.error(
              "Reading proxy configs failed topic={}, retrying in {}", topic, RETRY_BACKOFF, e);
          backOff();
        }
      }
    } catch (WakeupException | InterruptException e) {
      if (!isClosing()) {
        fail(e);
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      try {
        consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      } catch (RuntimeException e) {
        LOG.warn("Closing the proxy configs consumer failed topic={}", topic, e);
      }
    }
  }

  private void fail(Throwable e) {
    failed = true;
    LOG.error("Proxy configs feed stopped; this gateway serves stale config topic={}", topic, e);
    onFailure.run();
  }

  /**
   * Assigns every partition, from the beginning, and returns their end offsets; null while the
   * topic does not exist yet (the launcher creates it; a gateway may start first).
   */
  private Map<TopicPartition, Long> assignAll() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String t : List.of(topic, endpointsTopic)) {
      List<PartitionInfo> infos = consumer.partitionsFor(t);
      if (infos == null || infos.isEmpty()) {
        LOG.warn("Topic not found yet topic={}, retrying in {}", t, RETRY_BACKOFF);
        return null;
      }
      infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions);
    LOG.info(
        "Reading proxy configs topic={} endpoints={} partitions={} endOffsets={}",
        topic,
        endpointsTopic,
        partitions.size(),
        endOffsets);
    return endOffsets;
  }

  private boolean caughtUp(Map<TopicPartition, Long> endOffsets) {
    for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
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
      ProxyConfig config = serde.deserialize(record.topic(), record.value());
      switch (ProxyConfigDecoder.decode(key, config)) {
        case ProxyConfigDecoder.Rejected rejected ->
            LOG.warn(
                "Skipped invalid proxy config node={} {} violations={}",
                key,
                where,
                rejected.violations());
        case ProxyConfigDecoder.Accepted accepted -> {
          for (String warning : accepted.warnings()) {
            LOG.warn("Proxy config node={} {}: {}", key, where, warning);
          }
          snapshots.put(accepted);
          LOG.info("Updated proxy config node={} version={} {}", key, accepted.version(), where);
        }
      }
    } catch (RuntimeException e) {
      // Undecodable value (not the wire format, unknown schema id, bad Avro): skip, keep going.
      LOG.warn("Skipped undecodable proxy config {}: {}", where, e.toString());
    }
  }

  /** Applies one endpoints record (key {@code <mesh>/<cluster>}), or logs why it was skipped. */
  private void applyEndpoints(ConsumerRecord<byte[], byte[]> record, String where) {
    try {
      String key = utf8(record.key());
      int slash = key == null ? -1 : key.indexOf('/');
      if (slash <= 0 || slash == key.length() - 1) {
        LOG.warn("Skipped endpoints: key is not <mesh>/<cluster> {}", where);
        return;
      }
      String mesh = key.substring(0, slash);
      String cluster = key.substring(slash + 1);
      if (record.value() == null) {
        snapshots.putEndpoints(mesh, cluster, null, null);
        LOG.info("Removed endpoints mesh={} cluster={} {}", mesh, cluster, where);
        return;
      }
      ClusterEndpoints value = endpointsSerde.deserialize(record.topic(), record.value());
      ClusterLoadAssignment cla =
          ClusterLoadAssignment.parseFrom(value.getLoadAssignment().duplicate());
      List<String> problems = new ArrayList<>();
      if (!value.getMesh().equals(mesh) || !value.getCluster().equals(cluster)) {
        problems.add("key: does not match mesh/cluster of the value");
      }
      if (!cla.getClusterName().equals(cluster)) {
        problems.add("loadAssignment.clusterName: must be " + cluster);
      }
      if (value.getVersion().isBlank()) {
        problems.add("version: must not be blank");
      }
      if (!problems.isEmpty()) {
        LOG.warn("Skipped invalid endpoints {} violations={}", where, problems);
        return;
      }
      snapshots.putEndpoints(mesh, cluster, cla, value.getVersion());
      LOG.debug(
          "Updated endpoints mesh={} cluster={} version={} {}",
          mesh,
          cluster,
          value.getVersion(),
          where);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      LOG.warn("Skipped undecodable endpoints {}: {}", where, e.toString());
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

  private boolean isClosing() {
    return closing.getCount() == 0;
  }

  private void backOff() {
    try {
      closing.await(RETRY_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closing.countDown();
    }
  }

  /** Stops the feed thread and closes the consumer; waits a bounded time. */
  @Override
  public void close() {
    closing.countDown();
    try {
      consumer.wakeup();
    } catch (RuntimeException e) {
      LOG.debug("Waking up the proxy configs consumer failed topic={}", topic, e);
    }
    try {
      thread.join(CLOSE_TIMEOUT.plusSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("Proxy configs feed did not stop within {} topic={}", CLOSE_TIMEOUT, topic);
    }
  }
}
