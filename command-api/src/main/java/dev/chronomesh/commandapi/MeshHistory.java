package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Violation;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meshes as the events topic said they were at a moment ({@code GET ...?at=}): the mesh's
 * partition folded from its start with the decider's own fold ({@link MeshState#evolve}) up to the
 * moment: a position (the events at or below an offset of the mesh's partition, as {@code /events}
 * gives them), or a time (the partition's events up to the first one that occurred after it: events
 * are stamped by their senders, so a partition's times are nearly, not strictly, in log order, and
 * the fold must stay in log order). It reads the log each time; the checkpoints that bound the read
 * on a long log are a later step of the same issue.
 */
final class MeshHistory {
  private static final Logger LOG = LoggerFactory.getLogger(MeshHistory.class);

  /** A moment: a time, or an offset of the mesh's partition (exactly one is set). */
  record At(Instant time, Long offset) {
    /** The {@code at} parameter: an RFC 3339 time, or an event's offset; a 400 otherwise. */
    static At parse(String raw) {
      if (raw.matches("\\d{1,19}")) {
        try {
          return new At(null, Long.parseLong(raw));
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      try {
        return new At(OffsetDateTime.parse(raw).toInstant(), null);
      } catch (DateTimeParseException e) {
        throw invalidAt(
            "must be an RFC 3339 time (2026-12-07T03:12:00Z) or an event's offset in the mesh's"
                + " partition (as /events gives it), got "
                + (raw.length() > 64 ? raw.substring(0, 64) + "…" : raw));
      }
    }

    /** Whether the event at {@code offset} is after the moment (reading stops there). */
    boolean after(ResourceEvent event, long offset) {
      return this.offset != null ? offset > this.offset : event.getOccurredAt().isAfter(time);
    }
  }

  private static ApiProblem invalidAt(String reason) {
    return new ApiProblem(400, "invalid query parameter at", List.of(new Violation("at", reason)));
  }

  private final Map<String, Object> consumerProps;
  private final String topic;
  private final int partitions;
  private final ToIntFunction<String> partitionForMesh;
  private final Deserializer<ResourceEvent> deserializer;
  private final Duration timeout;

  MeshHistory(
      Map<String, Object> kafkaProperties,
      String topic,
      int partitions,
      ToIntFunction<String> partitionForMesh,
      Deserializer<ResourceEvent> deserializer,
      Duration timeout) {
    this.consumerProps =
        EventLogReads.consumerProps(kafkaProperties, "chronomesh-command-api-past");
    this.topic = topic;
    this.partitions = partitions;
    this.partitionForMesh = partitionForMesh;
    this.deserializer = deserializer;
    this.timeout = timeout;
  }

  /** {@code mesh} as it was at {@code at} (empty when it had no events then). */
  MeshState mesh(String mesh, At at) {
    Map<String, MeshState> states =
        fold(List.of(new TopicPartition(topic, partitionForMesh.applyAsInt(mesh))), at, mesh);
    return states.getOrDefault(mesh, MeshState.empty(mesh));
  }

  /** Every mesh with events at {@code at} (a time: positions belong to one partition). */
  List<MeshState> meshes(At at) {
    if (at.time() == null) {
      throw invalidAt(
          "an event's offset names a position in one mesh's partition: give a time to list every"
              + " mesh");
    }
    List<TopicPartition> all = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      all.add(new TopicPartition(topic, p));
    }
    List<MeshState> out = new ArrayList<>(fold(all, at, null).values());
    out.sort(Comparator.comparing(MeshState::mesh));
    return out;
  }

  private Map<String, MeshState> fold(List<TopicPartition> toRead, At at, String onlyMesh) {
    Map<String, MeshState> states = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, Long> ends = consumer.endOffsets(toRead, timeout);
      for (TopicPartition tp : toRead) {
        long end = ends.get(tp);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        boolean done = consumer.position(tp, timeout) >= end;
        while (!done) {
          if (System.nanoTime() > deadline) {
            throw new ApiProblem(504, "reading the event log took longer than " + timeout);
          }
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            if (record.offset() >= end) {
              done = true;
              break;
            }
            ResourceEvent event = EventLogReads.read(deserializer, record);
            if (event == null) {
              continue;
            }
            if (at.after(event, record.offset())) {
              done = true;
              break;
            }
            if (onlyMesh == null || onlyMesh.equals(event.getMesh())) {
              try {
                states.compute(
                    event.getMesh(), (m, s) -> (s == null ? MeshState.empty(m) : s).evolve(event));
              } catch (RuntimeException e) {
                // As the live view: an event the fold refuses stays in the log, skipped loudly.
                LOG.warn(
                    "Skipping an event the fold refuses partition={} offset={}: {}",
                    record.partition(),
                    record.offset(),
                    e.toString());
              }
            }
          }
          done |= consumer.position(tp, timeout) >= end;
        }
      }
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new ApiProblem(504, "Kafka did not answer within " + timeout);
    }
    return states;
  }
}
