package dev.chronomesh.commandapi;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.ProxyConfigEnvelope;
import dev.chronomesh.events.ProxyConnection;
import dev.chronomesh.events.ProxyStatusKinds;
import dev.chronomesh.events.TopicTail;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.meshmodel.view.EventView;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
        case ProxyStatusKinds.CONNECTED ->
            new Status(
                true, gw, protocol, e.getAt(), null, e.getStreamId(), acked, lastNack, lastRefusal);
        case ProxyStatusKinds.DISCONNECTED -> {
          // The gateways' rule, in one place: a late end of an older stream does not count.
          boolean current =
              new ProxyConnection(connected, gateway, streamId, connectedAt, disconnectedAt)
                  .closes(e);
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
        case ProxyStatusKinds.ACK -> {
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
        case ProxyStatusKinds.NACK ->
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
        case ProxyStatusKinds.REFUSED ->
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
  private final Map<String, Object> kafkaProperties;
  private final Map<String, Status> statuses = new ConcurrentHashMap<>();
  private final Map<String, String> projected = new ConcurrentHashMap<>();
  private TopicTail tail;

  ProxyStatusView(Map<String, Object> kafkaProperties, Topics topics, SchemaRegistry registry) {
    this.statusTopic = topics.proxyStatus();
    this.configsTopic = topics.proxyConfigs();
    this.statusSerde = AvroSerde.forValues(registry, ProxyStatusEvent.class);
    this.configEnvelopes = new ProxyConfigEnvelope.Reader(registry);
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api");
    this.kafkaProperties = Map.copyOf(props);
  }

  /** Starts reading proxy-status and proxy-configs (each waited for until it exists). */
  void start() {
    tail =
        TopicTail.reading("proxy-status-view", List.of(statusTopic, configsTopic))
            .kafka(kafkaProperties)
            .onRecord(this::apply)
            .start();
  }

  /** What the gateways last said of the proxy ({@link Status#NONE} when nothing). */
  Status status(String mesh, String proxy) {
    return statuses.getOrDefault(Keys.proxy(mesh, proxy), Status.NONE);
  }

  /** The version of the proxy's config in proxy-configs, null when it has none (yet). */
  String projectedVersion(String mesh, String proxy) {
    return projected.get(Keys.proxy(mesh, proxy));
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null) {
      return;
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
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
        // Nothing writes proxy-status tombstones; a fact's absence says nothing of the others.
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
    if (tail != null) {
      tail.close();
    }
  }
}
