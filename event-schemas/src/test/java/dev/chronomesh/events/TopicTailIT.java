package dev.chronomesh.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared topic reader against a real KRaft broker on loopback. */
class TopicTailIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
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

  private static String createTopic(int partitions) throws Exception {
    String topic = "it.tail-" + TOPICS.incrementAndGet();
    try (Admin admin = Admin.create(props())) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
    return topic;
  }

  private static void send(String topic, String... values) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props(), new StringSerializer(), new StringSerializer())) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, v, v));
      }
      producer.flush();
    }
  }

  @Test
  void readsEverythingFromTheBeginningThenFollows() throws Exception {
    String topic = createTopic(2);
    send(topic, "a", "b", "c");
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicReference<Map<TopicPartition, Long>> positions = new AtomicReference<>();
    CountDownLatch ready = new CountDownLatch(1);
    try (TopicTail tail =
        TopicTail.reading("test", List.of(topic))
            .kafka(props())
            .onRecord(r -> seen.add(new String(r.value(), UTF_8)))
            .afterPoll(positions::set)
            .onReady(ready::countDown)
            .start()) {
      assertThat(tail.awaitReady(WAIT)).isTrue();
      assertThat(ready.getCount()).isZero();
      assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(tail.awaitAssigned(WAIT)).containsExactly(Map.entry(topic, 2));
      assertThat(positions.get().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);

      send(topic, "d");
      await().atMost(WAIT).untilAsserted(() -> assertThat(seen).contains("d"));
    }
  }

  @Test
  void fromTheEndSeesOnlyWhatIsWrittenOnceReady() throws Exception {
    String topic = createTopic(1);
    send(topic, "old-1", "old-2");
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TopicTail tail =
        TopicTail.reading("test", List.of(topic))
            .kafka(props())
            .from(TopicTail.From.END)
            .onRecord(r -> seen.add(new String(r.value(), UTF_8)))
            .start()) {
      assertThat(tail.awaitReady(WAIT)).isTrue();
      send(topic, "new");
      await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("new"));
    }
  }

  @Test
  void waitsForATopicThatDoesNotExistYet() throws Exception {
    String topic = "it.tail-later-" + TOPICS.incrementAndGet();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TopicTail tail =
        TopicTail.reading("test", List.of(topic))
            .kafka(props())
            .onRecord(r -> seen.add(new String(r.value(), UTF_8)))
            .start()) {
      assertThat(tail.awaitAssigned(Duration.ofMillis(300))).isEmpty();
      assertThat(tail.isReady()).isFalse();
      try (Admin admin = Admin.create(props())) {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      }
      send(topic, "x");
      assertThat(tail.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly("x"));
    }
  }

  @Test
  void aFailingHandlerStopsTheTailAndSaysSo() throws Exception {
    String topic = createTopic(1);
    send(topic, "boom");
    CountDownLatch failed = new CountDownLatch(1);
    try (TopicTail tail =
        TopicTail.reading("test", List.of(topic))
            .kafka(props())
            .onRecord(
                r -> {
                  throw new IllegalStateException("handler bug");
                })
            .onFailure(failed::countDown)
            .start()) {
      assertThat(tail.awaitReady(WAIT)).isFalse();
      assertThat(failed.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(tail.isReady()).isFalse();
    }
  }
}
