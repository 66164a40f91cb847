package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectorIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void projectsEventsExactlyOnceAndDoesNotReEmitAfterRestart(@TempDir Path stateDir)
      throws Exception {
    Topics topics = new Topics("it.");
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(client, topics, 2, (short) 1);
      ProjectorConfig config =
          new ProjectorConfig(client, topics, registry, "it-projector", stateDir);

      try (KafkaProducer<String, ResourceEvent> producer = TestClients.producer(kafka, registry);
          KafkaConsumer<String, ProxyConfig> consumer =
              TestClients.consumer(kafka, registry, topics, "it-reader")) {
        List<ConsumerRecord<String, ProxyConfig>> seen = new ArrayList<>();

        TestClients.send(producer, topics, upserted(1, mesh("default")));
        TestClients.send(
            producer, topics, upserted(1, ProjectorTopologyTest.backend("backend-1", "10.0.0.1")));
        long web1 = TestClients.send(producer, topics, upserted(1, ProjectorTopologyTest.web1()));

        try (Projector projector = Projector.start(config)) {
          await().atMost(WAIT).until(projector::isRunning);
          // All three events share a coalescing window: one config per proxy.
          awaitRecords(consumer, seen, 2);
          assertThat(seen)
              .extracting(ConsumerRecord::key)
              .containsExactlyInAnyOrder("default.backend-1", "default.web-1");
          ConsumerRecord<String, ProxyConfig> last = lastOf(seen, "default.web-1");
          assertThat(last.value().getCauses())
              .extracting(EventRef::getOffset)
              .containsExactly(web1);
          assertThat(ProjectorTopologyTest.listeners(last.value()))
              .contains("outbound:127.0.0.1:10001");
        }

        // Same state dir: the restored stores suppress unchanged configs, and an identical
        // re-apply emits nothing; only backend-2's own config is new (its endpoint goes to the
        // shared endpoint set of cluster backend, not into web-1's config).
        try (Projector projector = Projector.start(config)) {
          TestClients.send(producer, topics, upserted(2, ProjectorTopologyTest.web1()));
          long backend2 =
              TestClients.send(
                  producer,
                  topics,
                  upserted(1, ProjectorTopologyTest.backend("backend-2", "10.0.0.2")));
          await().atMost(WAIT).until(projector::isRunning);
          awaitRecords(consumer, seen, 3);
          ConsumerRecord<String, ProxyConfig> added = seen.get(2);
          assertThat(added.key()).isEqualTo("default.backend-2");
          assertThat(added.value().getCauses())
              .extracting(EventRef::getOffset)
              .containsExactly(backend2);
          // Nothing else arrives: poll once more past the commit of the last transaction.
          seen.addAll(poll(consumer, Duration.ofSeconds(2)));
          assertThat(seen).hasSize(3);
        }
      }
    }
  }

  @Test
  void sendsUnreadableEventsToTheDeadLetterTopicAndGoesOn(@TempDir Path stateDir) throws Exception {
    Topics topics = new Topics("dlq.");
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(client, topics, 1, (short) 1);
      try (KafkaProducer<String, byte[]> raw =
              new KafkaProducer<>(
                  client,
                  new org.apache.kafka.common.serialization.StringSerializer(),
                  new org.apache.kafka.common.serialization.ByteArraySerializer());
          KafkaProducer<String, ResourceEvent> producer = TestClients.producer(kafka, registry);
          KafkaConsumer<String, ProxyConfig> configs =
              TestClients.consumer(kafka, registry, topics, "it-reader");
          KafkaConsumer<byte[], byte[]> deadLetters =
              new KafkaConsumer<>(
                  Map.of(
                      "bootstrap.servers", kafka.bootstrapServers(),
                      "isolation.level", "read_committed",
                      "auto.offset.reset", "earliest"),
                  new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                  new org.apache.kafka.common.serialization.ByteArrayDeserializer());
          Projector projector =
              Projector.start(
                  new ProjectorConfig(client, topics, registry, "dlq-projector", stateDir))) {
        TestClients.send(producer, topics, upserted(1, mesh("default")));
        raw.send(new ProducerRecord<>(topics.events(), "default", new byte[] {1, 2, 3})).get();
        TestClients.send(
            producer,
            topics,
            upserted(1, dataplane("default", "backend-1", "10.0.0.1", inbound("backend", 8080))));

        List<ConsumerRecord<String, ProxyConfig>> seen = new ArrayList<>();
        awaitRecords(configs, seen, 1);
        assertThat(seen).extracting(ConsumerRecord::key).containsExactly("default.backend-1");

        deadLetters.assign(
            List.of(new org.apache.kafka.common.TopicPartition(topics.deadLetters(), 0)));
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  deadLetters.poll(Duration.ofMillis(200)).forEach(dead::add);
                  return !dead.isEmpty();
                });
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).containsExactly(1, 2, 3);
        assertThat(
                new String(
                    dead.get(0).headers().lastHeader("__streams.errors.topic").value(),
                    java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo(topics.events());
      }
    }
  }

  private static void awaitRecords(
      KafkaConsumer<String, ProxyConfig> consumer,
      List<ConsumerRecord<String, ProxyConfig>> seen,
      int count) {
    await()
        .atMost(WAIT)
        .pollDelay(Duration.ZERO)
        .until(
            () -> {
              seen.addAll(poll(consumer, Duration.ofMillis(200)));
              return seen.size() >= count;
            });
    assertThat(seen).hasSize(count);
  }

  private static List<ConsumerRecord<String, ProxyConfig>> poll(
      KafkaConsumer<String, ProxyConfig> consumer, Duration timeout) {
    List<ConsumerRecord<String, ProxyConfig>> out = new ArrayList<>();
    consumer.poll(timeout).forEach(out::add);
    return out;
  }

  private static ConsumerRecord<String, ProxyConfig> lastOf(
      List<ConsumerRecord<String, ProxyConfig>> records, String key) {
    ConsumerRecord<String, ProxyConfig> last = null;
    for (ConsumerRecord<String, ProxyConfig> r : records) {
      if (r.key().equals(key)) {
        last = r;
      }
    }
    assertThat(last).as("a record for " + key).isNotNull();
    return last;
  }
}
