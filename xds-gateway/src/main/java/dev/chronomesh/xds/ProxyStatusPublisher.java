package dev.chronomesh.xds;

import static dev.chronomesh.events.ProxyStatusKinds.ACK;
import static dev.chronomesh.events.ProxyStatusKinds.CONNECTED;
import static dev.chronomesh.events.ProxyStatusKinds.DISCONNECTED;
import static dev.chronomesh.events.ProxyStatusKinds.NACK;
import static dev.chronomesh.events.ProxyStatusKinds.REFUSED;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what happens on ADS streams to the proxy-status topic (key {@code <mesh>.<proxy>/<fact>},
 * partitioned by node, value {@link ProxyStatusEvent}).
 *
 * <p>Never blocks a gRPC thread: events are handed to one publishing thread through a bounded queue
 * (when it is full the event is dropped and counted), which serializes them and sends them with an
 * idempotent producer; send errors are logged. One thread and one producer keep a node's events in
 * order.
 */
final class ProxyStatusPublisher implements ProxyEventListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyStatusPublisher.class);
  private static final int QUEUE_CAPACITY = 10_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final String topic;
  private final Supplier<String> gateway;
  private final Clock clock;
  private final AvroSerde<ProxyStatusEvent> serde;
  private final KafkaProducer<String, byte[]> producer;
  private final ThreadPoolExecutor executor;
  private final Map<String, String> protocols = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /** The topic's partition count, read on the sending thread at first use. */
  private int partitions;

  /**
   * @param topic the proxy-status topic
   * @param gateway this gateway's name in the events (asked for at each event)
   * @param kafkaProperties Kafka client properties (bootstrap.servers and any security settings)
   */
  ProxyStatusPublisher(
      String topic,
      Supplier<String> gateway,
      Map<String, Object> kafkaProperties,
      SchemaRegistry registry,
      Clock clock) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.gateway = Objects.requireNonNull(gateway, "gateway");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.serde = AvroSerde.forValues(registry, ProxyStatusEvent.class);
    this.producer = new KafkaProducer<>(producerProperties(kafkaProperties));
    this.executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY),
            r -> {
              Thread t = new Thread(r, "xds-gateway-status");
              t.setDaemon(true);
              return t;
            },
            (r, e) -> {
              if (dropped.incrementAndGet() % 1000 == 1) {
                LOG.warn(
                    "Proxy status queue full, dropping events topic={} dropped={}",
                    topic,
                    dropped.get());
              }
            });
  }

  static Map<String, Object> producerProperties(Map<String, Object> kafkaProperties) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    props.remove(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
    props.remove(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
    props.remove(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
    props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "chronomesh-xds-gateway-status");
    return props;
  }

  /** Events dropped because the queue was full (for tests and metrics). */
  long dropped() {
    return dropped.get();
  }

  /** Events the broker did not take (for tests and metrics). */
  long failed() {
    return failed.get();
  }

  @Override
  public void connected(String nodeId, long streamId, boolean delta) {
    String protocol = delta ? "delta" : "sotw";
    protocols.put(nodeId, protocol);
    publish(nodeId, CONNECTED, null, null, null, null, streamId, protocol);
  }

  @Override
  public void disconnected(String nodeId, long streamId) {
    publish(nodeId, DISCONNECTED, null, null, null, null, streamId, protocols.get(nodeId));
  }

  @Override
  public void acked(String nodeId, String typeUrl, String version, Duration convergence) {
    Long millis = convergence == null ? null : convergence.toMillis();
    publish(nodeId, ACK, typeUrl, version, null, millis, null, protocols.get(nodeId));
  }

  @Override
  public void nacked(String nodeId, String typeUrl, String version, String error) {
    publish(nodeId, NACK, typeUrl, version, error, null, null, protocols.get(nodeId));
  }

  @Override
  public void refused(String nodeId, String reason) {
    publish(nodeId, REFUSED, null, null, reason, null, null, null);
  }

  private void publish(
      String nodeId,
      String kind,
      String typeUrl,
      String version,
      String error,
      Long convergenceMillis,
      Long streamId,
      String protocol) {
    Keys.MeshAnd proxy = Keys.parseProxy(nodeId).orElse(null);
    if (proxy == null) {
      LOG.debug("No proxy status for a node id that is not <mesh>.<proxy> node={}", nodeId);
      return;
    }
    ProxyStatusEvent event =
        ProxyStatusEvent.newBuilder()
            .setMesh(proxy.mesh())
            .setProxy(proxy.rest())
            .setGateway(gateway.get())
            .setKind(kind)
            .setTypeUrl(typeUrl)
            .setVersion(version)
            .setError(error)
            .setConvergenceMillis(convergenceMillis)
            .setAt(clock.instant())
            .setProtocol(protocol)
            .setStreamId(streamId)
            .build();
    try {
      executor.execute(() -> send(nodeId, event));
    } catch (RejectedExecutionException e) {
      LOG.debug("Proxy status publisher closed, event dropped node={} kind={}", nodeId, kind);
    }
  }

  /** All of a node's records go to one partition (by its node id), so readers see them in order. */
  private Integer partition(String nodeId) {
    if (partitions == 0) {
      partitions = producer.partitionsFor(topic).size();
    }
    return Utils.toPositive(Utils.murmur2(nodeId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  private void send(String nodeId, ProxyStatusEvent event) {
    try {
      byte[] value = serde.serialize(topic, event);
      producer.send(
          new ProducerRecord<>(topic, partition(nodeId), Keys.proxyStatus(nodeId, event), value),
          (metadata, e) -> {
            if (e != null) {
              failed.incrementAndGet();
              LOG.warn(
                  "Writing proxy status failed topic={} node={} kind={}: {}",
                  topic,
                  nodeId,
                  event.getKind(),
                  e.toString());
            }
          });
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      LOG.warn(
          "Writing proxy status failed topic={} node={} kind={}",
          topic,
          nodeId,
          event.getKind(),
          e);
    }
  }

  /** Sends what is queued (bounded wait), then closes the producer. Idempotent. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    try {
      producer.close(CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      LOG.warn("Closing the proxy status producer failed topic={}", topic, e);
    }
  }
}
