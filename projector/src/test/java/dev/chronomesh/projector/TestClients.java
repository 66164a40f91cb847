package dev.chronomesh.projector;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka clients of the projector's ITs: an events writer and a proxy-configs reader. */
final class TestClients {
  private TestClients() {}

  static KafkaProducer<String, ResourceEvent> producer(
      EmbeddedKafka kafka, InMemorySchemaRegistry registry) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        AvroSerde.forValues(registry, ResourceEvent.class));
  }

  /** Sends one event keyed by its mesh; returns its offset. */
  static long send(
      KafkaProducer<String, ResourceEvent> producer, Topics topics, ResourceEvent event)
      throws Exception {
    return producer
        .send(new ProducerRecord<>(topics.events(), event.getMesh(), event))
        .get()
        .offset();
  }

  /** A read_committed reader of the proxy-configs topic from its beginning. */
  static KafkaConsumer<String, ProxyConfig> consumer(
      EmbeddedKafka kafka, InMemorySchemaRegistry registry, Topics topics, String group) {
    KafkaConsumer<String, ProxyConfig> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            AvroSerde.forValues(registry, ProxyConfig.class));
    consumer.subscribe(List.of(topics.proxyConfigs()));
    return consumer;
  }
}
