package dev.chronomesh.xds;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the whole proxy-status topic in tests; each call polls what has arrived since. */
final class ProxyStatusReader implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final AvroSerde<ProxyStatusEvent> serde;
  private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
  private final String topic;

  ProxyStatusReader(String bootstrapServers, SchemaRegistry registry, String topic) {
    this.topic = topic;
    this.serde = AvroSerde.forValues(registry, ProxyStatusEvent.class);
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Every event so far; a node's events are on one partition, so in order per node. */
  synchronized List<ProxyStatusEvent> events() {
    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    return records.stream().map(r -> serde.deserialize(topic, r.value())).toList();
  }

  List<String> kinds() {
    return events().stream().map(ProxyStatusEvent::getKind).toList();
  }

  synchronized List<String> keys() {
    return records.stream().map(ConsumerRecord::key).toList();
  }

  /** The first event of {@code proxy} of this kind, type and version. */
  Optional<ProxyStatusEvent> find(String proxy, String kind, String typeUrl, String version) {
    return events().stream()
        .filter(e -> e.getProxy().equals(proxy))
        .filter(e -> e.getKind().equals(kind))
        .filter(e -> typeUrl.equals(e.getTypeUrl()))
        .filter(e -> version.equals(e.getVersion()))
        .findFirst();
  }

  boolean has(String proxy, String kind, String typeUrl, String version) {
    return find(proxy, kind, typeUrl, version).isPresent();
  }

  @Override
  public void close() {
    consumer.close();
  }
}
