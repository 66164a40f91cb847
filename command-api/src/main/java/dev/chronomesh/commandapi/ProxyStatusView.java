package dev.chronomesh.commandapi;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.ProxyConfigEnvelope;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the xDS gateways report of each proxy, and the version the projection has for it: one thread
 * reads the proxy-status topic (connect, disconnect, ACK, NACK, refusal; key {@code
 * <mesh>.<proxy>/<fact>}) and the proxy-configs topic (only each record's envelope is read, for its
 * version) from the beginning, without a group, as {@link EventView} reads the events topic. Keeps
 * per proxy the last connection, the last ACK of each type, the last NACK and the last refusal. A
 * topic that does not exist yet is looked for again every second.
 */
final class ProxyStatusView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyStatusView.class);

  /** A proxy's last acknowledged version of one type. */
  record Ack(String version, Instant at, Long convergenceMillis) {}

  /** A proxy's last rejection. */
  record Nack(String typeUrl, String version, String error, Instant at) {}

  /**
   * The gateway's last refusal of the proxy's client: it cannot use the config (a proxyless gRPC
   * client for a sidecar's config, or the reverse); {@code error} says what to change.
   */
  record Refusal(String gateway, String error, Instant at) {}

  /**
   * What the gateways last said of one proxy.
   *
   * @param streamId the stream of the last connect (a disconnect of another stream is an older
   *     one's)
   * @param acked type URL → last ACK, sorted by type URL
   * @param lastRefusal the gateway's last refusal of the proxy's client, kept like the last NACK
   */
  record Status(
      boolean connected,
      String gateway,
      String protocol,
      Instant connectedAt,
      Instant disconnectedAt,
      Long streamId,
      Map<String, Ack> acked,
      Nack lastNack,
      Refusal lastRefusal) {
    static final Status NONE =
        new Status(false, null, null, null, null, null, Map.of(), null, null);

    Status apply(ProxyStatusEvent e) {
      String gw = e.getGateway();
      String protocol = e.getProtocol() != null ? e.getProtocol() : this.protocol;
      return switch (e.getKind()) {
        case "CONNECTED" ->
            new Status(
                true, gw, protocol, e.getAt(), null, e.getStreamId(), acked, lastNack, lastRefusal);
        case "DISCONNECTED" -> {
          boolean current =
              Objects.equals(gw, gateway)
                  && (e.getStreamId() == null || Objects.equals(e.getStreamId(), streamId));
          yield current
              ? new Status(
                  false,
                  gateway,
                  this.protocol,
                  connectedAt,
                  e.getAt(),
                  streamId,
                  acked,
                  lastNack,
                  lastRefusal)
              : this;
        }
        case "ACK" -> {
          if (e.getTypeUrl() == null || e.getVersion() == null) {
            yield this;
          }
          Map<String, Ack> next = new TreeMap<>(acked);
          next.put(e.getTypeUrl(), new Ack(e.getVersion(), e.getAt(), e.getConvergenceMillis()));
          yield new Status(
              connected || gateway == null,
              gateway == null ? gw : gateway,
              protocol,
              connectedAt,
              disconnectedAt,
              streamId,
              Map.copyOf(next),
              lastNack,
              lastRefusal);
        }
        case "NACK" ->
            new Status(
                connected || gateway == null,
                gateway == null ? gw : gateway,
                protocol,
                connectedAt,
                disconnectedAt,
                streamId,
                acked,
                new Nack(e.getTypeUrl(), e.getVersion(), e.getError(), e.getAt()),
                lastRefusal);
        // A refused client never connected: the connection state stays as it was.
        case "REFUSED" ->
            new Status(
                connected,
                gateway,
                this.protocol,
                connectedAt,
                disconnectedAt,
                streamId,
                acked,
                lastNack,
                new Refusal(gw, e.getError(), e.getAt()));
        default -> this;
      };
    }
  }

  private final String statusTopic;
  private final String configsTopic;
  private final AvroSerde<ProxyStatusEvent> statusSerde;
  private final ProxyConfigEnvelope.Reader configEnvelopes;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, Status> statuses = new ConcurrentHashMap<>();
  private final Map<String, String> projected = new ConcurrentHashMap<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
  private boolean assigned;

  ProxyStatusView(Map<String, Object> kafkaProperties, Topics topics, SchemaRegistry registry) {
    this.statusTopic = topics.proxyStatus();
    this.configsTopic = topics.proxyConfigs();
    this.statusSerde = AvroSerde.forValues(registry, ProxyStatusEvent.class);
    this.configEnvelopes = new ProxyConfigEnvelope.Reader(registry);
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api-proxy-status");
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "chronomesh-proxy-status-view");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** What the gateways last said of the proxy ({@link Status#NONE} when nothing). */
  Status status(String mesh, String proxy) {
    return statuses.getOrDefault(Keys.proxy(mesh, proxy), Status.NONE);
  }

  /** The version of the proxy's config in proxy-configs, null when it has none (yet). */
  String projectedVersion(String mesh, String proxy) {
    return projected.get(Keys.proxy(mesh, proxy));
  }

  private void run() {
    try {
      PollLoop.run(LOG, "Proxy status view", () -> running, stopped, this::pollOnce);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void pollOnce() {
    if (!assigned && !assign()) {
      try {
        stopped.await(1, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
      return;
    }
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      apply(record);
    }
  }

  private boolean assign() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(statusTopic, configsTopic)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      if (infos == null || infos.isEmpty()) {
        LOG.debug("Topic not found yet topic={}, retrying in 1s", topic);
        return false;
      }
      infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    assigned = true;
    LOG.info("Proxy status view reading status={} configs={}", statusTopic, configsTopic);
    return true;
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    String key = record.key();
    if (key == null) {
      return;
    }
    try {
      if (record.topic().equals(configsTopic)) {
        if (record.value() == null) {
          projected.remove(key);
        } else {
          projected.put(key, configEnvelopes.read(record.topic(), record.value()).version());
        }
        return;
      }
      if (record.value() == null) {
        statuses.remove(key);
        return;
      }
      ProxyStatusEvent event = statusSerde.deserialize(record.topic(), record.value());
      statuses.compute(
          Keys.proxy(event.getMesh(), event.getProxy()),
          (k, old) -> (old == null ? Status.NONE : old).apply(event));
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipping unreadable record topic={} partition={} offset={}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.toString());
    }
  }

  @Override
  public void close() {
    running = false;
    stopped.countDown();
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.getState() == Thread.State.NEW) {
      consumer.close();
    }
  }
}
