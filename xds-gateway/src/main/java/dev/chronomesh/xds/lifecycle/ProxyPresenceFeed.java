package dev.chronomesh.xds.lifecycle;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.ProxyConnection;
import dev.chronomesh.events.ProxyStatusKinds;
import dev.chronomesh.events.TopicTail;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.xds.XdsGateway;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which proxies have a stream open on any gateway, read from the proxy-status topic (every
 * gateway's connect and disconnect events, this one's included), without a consumer group. A record
 * that cannot be read is logged and skipped.
 */
final class ProxyPresenceFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyPresenceFeed.class);

  private final AvroSerde<ProxyStatusEvent> serde;
  private final Map<String, ProxyConnection> connections = new ConcurrentHashMap<>();
  private TopicTail tail;

  private ProxyPresenceFeed(SchemaRegistry registry) {
    this.serde = AvroSerde.forValues(registry, ProxyStatusEvent.class);
  }

  static ProxyPresenceFeed start(
      String proxyStatusTopic, Map<String, Object> kafkaProperties, SchemaRegistry registry) {
    ProxyPresenceFeed feed = new ProxyPresenceFeed(Objects.requireNonNull(registry, "registry"));
    feed.tail =
        TopicTail.reading("proxy-presence", List.of(proxyStatusTopic))
            .kafka(XdsGateway.clientProperties(kafkaProperties))
            .onRecord(feed::apply)
            .start();
    return feed;
  }

  /** What the gateways last said of {@code nodeId}'s stream. */
  ProxyConnection connection(String nodeId) {
    return connections.getOrDefault(nodeId, ProxyConnection.NONE);
  }

  /** Caught up with the topic's end as it was at start. */
  boolean isReady() {
    return tail.isReady();
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null
        || record.key() == null
        || !Keys.isStreamFact(new String(record.key(), StandardCharsets.UTF_8))) {
      return; // ACKs, NACKs and refusals, most of the topic, are not decoded
    }
    try {
      ProxyStatusEvent event = serde.deserialize(record.topic(), record.value());
      String kind = event.getKind();
      if (!kind.equals(ProxyStatusKinds.CONNECTED) && !kind.equals(ProxyStatusKinds.DISCONNECTED)) {
        return;
      }
      connections.compute(
          Keys.proxy(event.getMesh(), event.getProxy()),
          (node, known) -> (known == null ? ProxyConnection.NONE : known).apply(event));
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipped proxy-status record partition={} offset={}: {}",
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  @Override
  public void close() {
    tail.close();
  }
}
