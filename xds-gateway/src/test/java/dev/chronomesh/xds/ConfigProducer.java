package dev.chronomesh.xds;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes proxy configs the way the projector does: transactionally, key = node id. */
final class ConfigProducer implements AutoCloseable {
  private final String topic;
  private final KafkaProducer<String, ProxyConfig> producer;

  ConfigProducer(EmbeddedKafka kafka, SchemaRegistry registry, Topics topics) {
    this.topic = topics.proxyConfigs();
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "xds-gateway-it-" + topic),
            new StringSerializer(),
            AvroSerde.forValues(registry, ProxyConfig.class));
    producer.initTransactions();
  }

  void send(String key, ProxyConfig value) {
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(topic, key, value));
    producer.commitTransaction();
  }

  @Override
  public void close() {
    producer.close();
  }
}
