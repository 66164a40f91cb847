package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.ResourceEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Appends events to the events topic with an idempotent producer (acks=all), key = mesh. The
 * partition is chosen here with Kafka's default key hash, so the API knows where to wait for it.
 */
final class EventWriter implements AutoCloseable {
  private final String topic;
  private final int partitions;
  private final KafkaProducer<String, ResourceEvent> producer;

  EventWriter(
      Map<String, Object> kafkaProperties,
      String topic,
      int partitions,
      Serializer<ResourceEvent> serializer,
      Duration timeout) {
    this.topic = topic;
    this.partitions = partitions;
    long timeoutMs = Math.max(1000, timeout.toMillis());
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    props.put(
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    // Bounds how long an unanswered send may still land after the API gave up waiting for it.
    props.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api");
    this.producer = new KafkaProducer<>(props, new StringSerializer(), serializer);
  }

  /** The partition that holds every event of {@code mesh}. */
  int partitionFor(String mesh) {
    return Utils.toPositive(Utils.murmur2(mesh.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** Sends one event; may throw (serialization, metadata not available within the timeout). */
  Future<RecordMetadata> send(ResourceEvent event) {
    String mesh = event.getMesh();
    return producer.send(new ProducerRecord<>(topic, partitionFor(mesh), mesh, event));
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
