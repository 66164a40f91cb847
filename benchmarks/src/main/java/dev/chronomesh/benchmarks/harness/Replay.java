package dev.chronomesh.benchmarks.harness;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.launcher.ServiceRunner;
import dev.chronomesh.projector.ProjectorTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Projector throughput: the benchmark mesh's creation events, copied as many meshes (one after
 * another, at the original pace in event time) into a topic of their own, replayed by a projector
 * with a fresh application id (new consumer group, empty state); timed from start until its
 * committed offsets reach the end of the topic and its committed dirty-proxies store is empty again
 * (nothing read is still waiting to be regenerated).
 */
final class Replay {
  private Replay() {}

  /**
   * Copies the benchmark mesh's events up to {@code historyEnd} (the end offsets of the events
   * topic after the mesh was built) into a topic of their own, as many meshes as it takes to reach
   * {@code targetEvents}, then replays that topic with a fresh projector.
   */
  static Map<String, Object> measure(
      Stack stack,
      String mesh,
      Map<TopicPartition, Long> historyEnd,
      long targetEvents,
      long churnEvents,
      Integer commitIntervalMs,
      Progress progress)
      throws Exception {
    Topics replay = new Topics("replay-" + System.currentTimeMillis() + ".");
    TopicSetup.ensureTopics(stack.kafkaProperties(), replay, 3, (short) stack.replication());
    progress.status("replay: writing about " + targetEvents + " events to " + replay.events());
    Copied copied = copyMeshEvents(stack, mesh, historyEnd, replay, targetEvents, churnEvents);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("replay_events", copied.events());
    m.put("replay_churn_events", copied.churn());
    m.put("replay_commit_interval_ms", commitIntervalMs == null ? "default" : commitIntervalMs);
    m.put("replay_meshes", copied.meshes());
    // As deployed (window by window: a rebuild's output is byte-identical to the live run's),
    // then with catch-up batches (the events are minutes old).
    for (Duration lag : List.of(Duration.ZERO, CATCH_UP_LAG)) {
      String prefix = lag.isZero() ? "replay_" : "replay_catch_up_";
      replayOnce(stack, replay, copied.events(), commitIntervalMs, lag, progress)
          .forEach((k, v) -> m.put(prefix + k, v));
    }
    return m;
  }

  /** The catch-up lag of the second replay. */
  static final Duration CATCH_UP_LAG = Duration.ofSeconds(10);

  /** Replays {@code replay}'s events topic with a fresh projector; its time and throughput. */
  private static Map<String, Object> replayOnce(
      Stack stack,
      Topics replay,
      long events,
      Integer commitIntervalMs,
      Duration catchUpLag,
      Progress progress)
      throws Exception {
    String topic = replay.events();
    String mode = catchUpLag.isZero() ? "window by window" : "catch-up batches";
    try (Admin admin = Admin.create(stack.kafkaProperties())) {
      Map<TopicPartition, Long> end = endOffsets(stack, topic);
      progress.status("replay (" + mode + "): a fresh projector reads " + events + " events");
      String applicationId = "bench-replay-" + System.currentTimeMillis();
      long t0 = System.nanoTime();
      ServiceRunner.Running projector =
          stack.startReplayProjector(
              applicationId,
              replay,
              commitIntervalMs == null ? Map.of() : Map.of("commit.interval.ms", commitIntervalMs),
              catchUpLag);
      try (PendingWork pending =
          new PendingWork(
              stack.kafkaProperties(),
              applicationId + "-" + ProjectorTopology.DIRTY_STORE + "-changelog")) {
        long running = -1;
        long deadline = t0 + Duration.ofMinutes(30).toNanos();
        long lastPrint = t0;
        while (true) {
          boolean ready = projector.ready().getAsBoolean();
          if (running < 0 && ready) {
            running = System.nanoTime();
          } else if (running >= 0 && !ready) {
            throw new IllegalStateException(
                "the replaying projector stopped (see the errors above) after "
                    + (System.nanoTime() - t0) / 1_000_000_000
                    + " s");
          }
          // Its offsets at the end, and nothing it read still waiting to be regenerated (an open
          // window or catch-up batch is committed as dirty-store entries before its output is).
          if (caughtUp(admin, applicationId, end) && pending.none()) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("replay did not finish within 30 minutes");
          }
          if (System.nanoTime() - lastPrint > 2_000_000_000L) {
            progress.status(
                "replay ("
                    + mode
                    + "): running for "
                    + (System.nanoTime() - t0) / 1_000_000_000
                    + " s");
            lastPrint = System.nanoTime();
          }
          Thread.sleep(20);
        }
        long done = System.nanoTime();
        double total = (done - t0) / 1e9;
        double processing = (done - (running < 0 ? t0 : running)) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", Math.round(total * 1000) / 1000.0);
        m.put("after_running_s", Math.round(processing * 1000) / 1000.0);
        m.put("events_per_s", Math.round(events / processing));
        return m;
      } finally {
        projector.stop().close();
      }
    }
  }

  /** Events written (churn included), the meshes they were written as, the churn events. */
  private record Copied(long events, long meshes, long churn) {}

  /**
   * Writes the events of {@code mesh} again under {@code replay}, as mesh {@code replay-<n>} for n
   * = 0, 1, ... until at least {@code target} events are written, then {@code churn} updates of the
   * last copy's dataplanes, one after another, each turning all inbounds of one dataplane unhealthy
   * or healthy again (endpoint churn: many events per proxy, as in a long-lived mesh).
   */
  private static Copied copyMeshEvents(
      Stack stack,
      String mesh,
      Map<TopicPartition, Long> end,
      Topics replay,
      long target,
      long churn)
      throws Exception {
    List<ResourceEvent> history = new ArrayList<>();
    try (KafkaSchemaRegistry source =
            KafkaSchemaRegistry.start(stack.kafkaProperties(), stack.topics().schemas());
        KafkaSchemaRegistry sink =
            KafkaSchemaRegistry.start(stack.kafkaProperties(), replay.schemas())) {
      AvroSerde<ResourceEvent> in = AvroSerde.forValues(source, ResourceEvent.class);
      AvroSerde<ResourceEvent> out = AvroSerde.forValues(sink, ResourceEvent.class);
      String topic = stack.topics().events();
      forEachRecord(
          stack,
          end,
          value -> {
            ResourceEvent e = in.deserialize(topic, value);
            if (e.getMesh().equals(mesh)) {
              history.add(e);
            }
          });
      if (history.isEmpty()) {
        return new Copied(0, 0, 0);
      }
      long copies = (target + history.size() - 1) / history.size();
      // Copy c happens span + 1 s after copy c - 1, the last one when the original did: event time
      // grows through the topic as in a real log (the projector's coalescing windows see each copy
      // at the original pace), and no output record is stamped in the future (brokers refuse
      // timestamps more than message.timestamp.after.max.ms ahead).
      long first = history.get(0).getOccurredAt().toEpochMilli();
      long span = history.get(history.size() - 1).getOccurredAt().toEpochMilli() - first + 1000;
      // ... unless that is so recent that the catch-up replay would see live events: then all
      // copies move back until the last ends well beyond the catch-up lag.
      // Churn follows the last copy, 1 ms apart.
      long newest =
          history.get(history.size() - 1).getOccurredAt().toEpochMilli()
              + (churn > 0 ? 1000 + churn : 0);
      long latestAllowed = System.currentTimeMillis() - CATCH_UP_LAG.toMillis() - 5_000;
      long extra = Math.max(0, newest - latestAllowed);
      Map<String, Object> props = new HashMap<>(stack.kafkaProperties());
      props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
      long written = 0;
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
        for (long c = 0; c < copies; c++) {
          String copy = "replay-" + c;
          for (ResourceEvent e : history) {
            ResourceEvent moved = ResourceEvent.newBuilder(e).build();
            moved.setMesh(copy);
            moved.setEventId(UUID.randomUUID().toString());
            moved.setOccurredAt(e.getOccurredAt().minusMillis((copies - 1 - c) * span + extra));
            if (moved.getResourceType().equals("Mesh")) {
              moved.setName(copy);
            }
            if (moved.getPayload() instanceof SpecificRecord payload) {
              SpecificRecord p = SpecificData.get().deepCopy(payload.getSchema(), payload);
              setIfPresent(p, "mesh", copy);
              if (moved.getResourceType().equals("Mesh")) {
                setIfPresent(p, "name", copy);
              }
              moved.setPayload(p);
            }
            producer.send(
                new ProducerRecord<>(replay.events(), copy, out.serialize(replay.events(), moved)));
            written++;
          }
        }
        List<ResourceEvent> dataplanes =
            history.stream()
                .filter(e -> e.getPayload() instanceof DataplaneResource)
                .filter(e -> !((DataplaneResource) e.getPayload()).getInbound().isEmpty())
                .toList();
        String last = "replay-" + (copies - 1);
        long churnStart = history.get(history.size() - 1).getOccurredAt().toEpochMilli() + 1000;
        for (long i = 0; i < churn && !dataplanes.isEmpty(); i++) {
          ResourceEvent e = dataplanes.get((int) (i % dataplanes.size()));
          DataplaneResource dp =
              DataplaneResource.newBuilder((DataplaneResource) e.getPayload()).build();
          dp.setMesh(last);
          boolean ready = (i / dataplanes.size()) % 2 == 1;
          List<Inbound> inbounds = new ArrayList<>();
          for (Inbound inbound : dp.getInbound()) {
            inbounds.add(
                Inbound.newBuilder(inbound)
                    .setHealth(InboundHealth.newBuilder().setReady(ready).build())
                    .build());
          }
          dp.setInbound(inbounds);
          ResourceEvent update =
              ResourceEvent.newBuilder(e)
                  .setMesh(last)
                  .setEventId(UUID.randomUUID().toString())
                  .setRevision(e.getRevision() + 1 + i / dataplanes.size())
                  .setOccurredAt(java.time.Instant.ofEpochMilli(churnStart + i - extra))
                  .setPayload(dp)
                  .build();
          producer.send(
              new ProducerRecord<>(replay.events(), last, out.serialize(replay.events(), update)));
          written++;
        }
        producer.flush();
        return new Copied(written, copies, dataplanes.isEmpty() ? 0 : churn);
      }
    }
  }

  private static void setIfPresent(SpecificRecord record, String field, String value) {
    Schema.Field f = record.getSchema().getField(field);
    if (f != null) {
      record.put(f.pos(), value);
    }
  }

  /** The end offsets of {@code topic} now. */
  static Map<TopicPartition, Long> endOffsets(Stack stack, String topic) throws Exception {
    try (Admin admin = Admin.create(stack.kafkaProperties())) {
      var partitions =
          admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      partitions.forEach(
          p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, Long> end = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
      return end;
    }
  }

  private static boolean caughtUp(Admin admin, String group, Map<TopicPartition, Long> end)
      throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    for (var e : end.entrySet()) {
      if (e.getValue() == 0) {
        continue;
      }
      OffsetAndMetadata c = committed.get(e.getKey());
      // A transactional topic ends with a commit marker: the last record is at end - 2 or later.
      if (c == null || c.offset() < e.getValue() - 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * The committed content of a projector's dirty-proxies changelog, read as it grows: which proxies
   * (and whether a catch-up batch) it has read events for but not yet regenerated.
   */
  private static final class PendingWork implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Set<String> keys = new HashSet<>();
    private final Set<TopicPartition> assigned = new HashSet<>();

    PendingWork(Map<String, Object> kafkaProperties, String topic) {
      Map<String, Object> props = new HashMap<>(kafkaProperties);
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
      this.consumer = new KafkaConsumer<>(props);
      this.topic = topic;
    }

    /** True when every committed entry has been deleted again (false until the topic exists). */
    boolean none() {
      if (assigned.isEmpty()) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        if (partitions == null || partitions.isEmpty()) {
          return false;
        }
        partitions.forEach(p -> assigned.add(new TopicPartition(topic, p.partition())));
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
      while (assigned.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
          if (r.value() == null) {
            keys.remove(r.key());
          } else {
            keys.add(r.key());
          }
        }
      }
      return keys.isEmpty();
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Calls {@code action} with each committed record value in the topic up to {@code end}. */
  private static void forEachRecord(
      Stack stack, Map<TopicPartition, Long> end, java.util.function.Consumer<byte[]> action) {
    Map<String, Object> props = new HashMap<>(stack.kafkaProperties());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.assign(end.keySet());
      consumer.seekToBeginning(end.keySet());
      while (true) {
        boolean done = true;
        for (var e : end.entrySet()) {
          if (consumer.position(e.getKey()) < e.getValue()) {
            done = false;
          }
        }
        if (done) {
          return;
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        for (var r : records) {
          if (r.value() != null) {
            action.accept(r.value());
          }
        }
      }
    }
  }
}
