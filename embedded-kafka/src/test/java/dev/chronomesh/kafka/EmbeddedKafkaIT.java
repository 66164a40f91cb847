package dev.chronomesh.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

  @Test
  void singleNodeKeepsRecordsAcrossRestart(@TempDir Path dir) throws Exception {
    int port = FreePorts.next();
    int controller = FreePorts.next();
    try (EmbeddedKafka kafka =
        EmbeddedKafka.builder().dataDir(dir).brokerPort(port).controllerPort(controller).start()) {
      createTopic(kafka, "t", 1);
      produce(kafka, "t", "k", "v1");
    }
    assertThat(Files.exists(dir.resolve("node-1/meta.properties"))).isTrue();
    try (EmbeddedKafka kafka =
        EmbeddedKafka.builder().dataDir(dir).brokerPort(port).controllerPort(controller).start()) {
      produce(kafka, "t", "k", "v2");
      assertThat(readAll(kafka, "t")).containsExactly("v1", "v2");
    }
  }

  @Test
  void threeNodeClusterReplicatesWithAcksAll() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().nodes(3).deleteOnClose(true).start()) {
      assertThat(kafka.bootstrapServers().split(",")).hasSize(3);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(
                    new NewTopic("r", 2, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
            .all()
            .get();
        var description = admin.describeTopics(List.of("r")).allTopicNames().get().get("r");
        assertThat(description.partitions()).allSatisfy(p -> assertThat(p.isr()).hasSize(3));
      }
      produce(kafka, "r", "k", "replicated");
      assertThat(readAll(kafka, "r")).containsExactly("replicated");
    }
  }

  private static void createTopic(EmbeddedKafka kafka, String name, int partitions)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  private static void produce(EmbeddedKafka kafka, String topic, String key, String value)
      throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
  }

  private static List<String> readAll(EmbeddedKafka kafka, String topic) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("read to end within 30s").isLessThan(deadline);
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
      return values;
    }
  }
}
