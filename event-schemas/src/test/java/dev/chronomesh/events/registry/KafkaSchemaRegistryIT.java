package dev.chronomesh.events.registry;

import static dev.chronomesh.events.registry.TestSchemas.V1;
import static dev.chronomesh.events.registry.TestSchemas.V2_REQUIRED;
import static dev.chronomesh.events.registry.TestSchemas.V2_WITH_DEFAULT;
import static dev.chronomesh.events.registry.TestSchemas.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.kafka.EmbeddedKafka;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka-backed registry against a real KRaft broker on loopback. */
class KafkaSchemaRegistryIT {
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static Map<String, Object> props() {
    return Map.of("bootstrap.servers", kafka.bootstrapServers());
  }

  private static String newTopic() {
    return "it.schemas-" + TOPICS.incrementAndGet();
  }

  @Test
  void createsACompactedSinglePartitionTopicAndRegisters() throws Exception {
    String topic = newTopic();
    try (KafkaSchemaRegistry registry = KafkaSchemaRegistry.start(props(), topic)) {
      int id = registry.register("s-value", parse(V1));

      assertThat(id).isEqualTo(SchemaIds.idOf(SchemaIds.sha256(parse(V1).toString())));
      assertThat(registry.schemaById(id)).isEqualTo(parse(V1));
      assertThat(registry.versions("s-value")).containsExactly(1);
    }
    try (Admin admin = Admin.create(props())) {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      assertThat(description.partitions()).hasSize(1);
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
      assertThat(config.get("min.insync.replicas").value()).isEqualTo("1");
    }
  }

  @Test
  void idsAgreeAcrossInstancesAndARestartReadsEverythingBack() {
    String topic = newTopic();
    int id1;
    int id2;
    try (KafkaSchemaRegistry a = KafkaSchemaRegistry.start(props(), topic);
        KafkaSchemaRegistry b = KafkaSchemaRegistry.start(props(), topic)) {
      id1 = a.register("s-value", parse(V1));
      // b may not have read a's record yet: schemaById catches up with the topic first.
      assertThat(b.schemaById(id1)).isEqualTo(parse(V1));
      assertThat(b.register("s-value", parse(V1))).isEqualTo(id1);
      id2 = b.register("s-value", parse(V2_WITH_DEFAULT));
      a.setCompatibility("s-value", CompatibilityLevel.FULL);
      assertThat(a.schemaById(id2)).isEqualTo(parse(V2_WITH_DEFAULT));
      assertThat(b.latest("s-value").id()).isEqualTo(id2);
    }
    try (KafkaSchemaRegistry restarted = KafkaSchemaRegistry.start(props(), topic)) {
      assertThat(restarted.subjects()).containsExactly("s-value");
      assertThat(restarted.versions("s-value")).containsExactly(1, 2);
      assertThat(restarted.version("s-value", 1).id()).isEqualTo(id1);
      assertThat(restarted.version("s-value", 2).id()).isEqualTo(id2);
      assertThat(restarted.schemaById(id2)).isEqualTo(parse(V2_WITH_DEFAULT));
      assertThat(restarted.compatibility("s-value")).contains(CompatibilityLevel.FULL);
    }
  }

  @Test
  void refusesAnIncompatibleSchemaAndWritesNothing() {
    String topic = newTopic();
    try (KafkaSchemaRegistry registry = KafkaSchemaRegistry.start(props(), topic)) {
      registry.register("s-value", parse(V1));

      assertThatThrownBy(() -> registry.register("s-value", parse(V2_REQUIRED)))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(409))
          .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE");
    }
    try (KafkaSchemaRegistry restarted = KafkaSchemaRegistry.start(props(), topic)) {
      assertThat(restarted.versions("s-value")).containsExactly(1);
    }
  }

  @Test
  void concurrentRegistrationsOfOneSchemaFromTwoInstancesGetOneId() throws Exception {
    String topic = newTopic();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (KafkaSchemaRegistry a = KafkaSchemaRegistry.start(props(), topic);
        KafkaSchemaRegistry b = KafkaSchemaRegistry.start(props(), topic)) {
      CountDownLatch go = new CountDownLatch(1);
      Future<Integer> fromA =
          pool.submit(
              () -> {
                go.await();
                return a.register("s-value", parse(V1));
              });
      Future<Integer> fromB =
          pool.submit(
              () -> {
                go.await();
                return b.register("s-value", parse(V1));
              });
      go.countDown();

      int idA = fromA.get(60, TimeUnit.SECONDS);
      int idB = fromB.get(60, TimeUnit.SECONDS);
      assertThat(idA).isEqualTo(idB);
      assertThat(a.versions("s-value")).containsExactly(1);
      assertThat(b.versions("s-value")).containsExactly(1);
      assertThat(a.version("s-value", 1).id()).isEqualTo(idA);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void skipsMalformedRecordsInTheTopic() throws Exception {
    String topic = newTopic();
    try (KafkaSchemaRegistry registry = KafkaSchemaRegistry.start(props(), topic)) {
      registry.register("s-value", parse(V1));
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props(), new StringSerializer(), new StringSerializer())) {
      for (String[] kv :
          new String[][] {
            {"schema/zz/s-value", "not json"},
            {
              "schema/zz/s-value",
              "{\"subject\":\"s-value\",\"version\":1,\"id\":1,\"schema\":\"{\"}"
            },
            {"garbage", "{}"},
            {"config", "{\"compatibilityLevel\":\"?\"}"},
            {"config/s-value", "[]"}
          }) {
        // a compacted topic refuses keyless records, so every malformed record has a key
        assertThat(producer.send(new ProducerRecord<>(topic, 0, kv[0], kv[1])).get().offset())
            .isPositive();
      }
    }
    try (KafkaSchemaRegistry restarted = KafkaSchemaRegistry.start(props(), topic)) {
      assertThat(restarted.appliedOffset()).isEqualTo(6); // read past all five bad records
      assertThat(restarted.versions("s-value")).containsExactly(1);
      assertThat(restarted.compatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
      assertThat(restarted.compatibility("s-value")).isEmpty();
      assertThat(restarted.register("s-value", parse(V2_WITH_DEFAULT))).isPositive();
    }
  }
}
