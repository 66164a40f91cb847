package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceType;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code GET /events}: the history read straight from the events topic (not from the view), at most
 * {@code size} events per page that match the {@link EventFilter} (mesh, type, name, actor, time
 * range, offset range). With a mesh filter only that mesh's partition is read; without one, every
 * partition, in order, each in log order. {@code next} carries an {@link EventCursor} (the position
 * reached in each partition), so paging returns every event exactly once across partitions; it is
 * null when nothing is left to read.
 */
final class EventQuery {
  private final Map<String, Object> consumerProps;
  private final String topic;
  private final int partitions;
  private final java.util.function.ToIntFunction<String> partitionForMesh;
  private final Deserializer<ResourceEvent> deserializer;
  private final ObjectMapper json;
  private final Duration timeout;

  EventQuery(
      Map<String, Object> kafkaProperties,
      String topic,
      int partitions,
      java.util.function.ToIntFunction<String> partitionForMesh,
      Deserializer<ResourceEvent> deserializer,
      ObjectMapper json,
      Duration timeout) {
    this.consumerProps =
        EventLogReads.consumerProps(kafkaProperties, "chronomesh-command-api-history");
    this.topic = topic;
    this.partitions = partitions;
    this.partitionForMesh = partitionForMesh;
    this.deserializer = deserializer;
    this.json = json;
    this.timeout = timeout;
  }

  ObjectNode run(Context ctx) {
    EventFilter filter = EventFilter.of(ctx);
    int size =
        Requests.intParam(ctx, "size", Requests.DEFAULT_PAGE_SIZE, 1, Requests.MAX_PAGE_SIZE);
    String rawCursor = ctx.queryParam("cursor");
    EventCursor cursor =
        rawCursor == null || rawCursor.isEmpty()
            ? EventCursor.START
            : EventCursor.parse(rawCursor, partitions);
    List<TopicPartition> toRead = new ArrayList<>();
    if (filter.mesh() != null) {
      toRead.add(new TopicPartition(topic, partitionForMesh.applyAsInt(filter.mesh())));
    } else {
      for (int p = 0; p < partitions; p++) {
        toRead.add(new TopicPartition(topic, p));
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    ArrayNode items = json.createArrayNode();
    EventCursor next = cursor;
    boolean more = false;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, Long> ends = consumer.endOffsets(toRead, timeout);
      Map<TopicPartition, Long> starts = starts(consumer, toRead, ends, filter, cursor);
      for (int i = 0; i < toRead.size(); i++) {
        TopicPartition tp = toRead.get(i);
        long end = Math.min(ends.get(tp), filter.endOffset());
        long pos = starts.get(tp);
        if (items.size() >= size) {
          more =
              toRead.subList(i, toRead.size()).stream()
                  .anyMatch(t -> starts.get(t) < Math.min(ends.get(t), filter.endOffset()));
          break;
        }
        if (pos < end) {
          consumer.assign(List.of(tp));
          consumer.seek(tp, pos);
          while (pos < end && items.size() < size) {
            boolean full = false;
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
              if (record.offset() >= end) {
                break;
              }
              if (items.size() >= size) {
                full = true;
                break;
              }
              pos = record.offset() + 1;
              ResourceEvent event = EventLogReads.read(deserializer, record);
              if (event != null && filter.matches(event)) {
                items.add(render(event, record));
              }
            }
            if (!full) {
              // Past every record the poll returned, and past transaction markers.
              pos = Math.max(pos, Math.min(consumer.position(tp), end));
            }
            if (System.nanoTime() > deadline) {
              // A selective filter on a long log: answer what was found (after at least one poll,
              // so every page moves on), and continue from here.
              break;
            }
          }
        }
        next = next.with(tp.partition(), pos);
        if (pos < end) {
          more = true;
          break;
        }
      }
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new ApiProblem(504, "Kafka did not answer within " + timeout);
    }
    ObjectNode page = json.createObjectNode();
    page.set("items", items);
    if (more) {
      StringBuilder q = new StringBuilder();
      filter
          .query()
          .forEach((k, v) -> q.append(k).append('=').append(ResourceRoutes.encode(v)).append('&'));
      q.append("cursor=").append(next.format()).append("&size=").append(size);
      page.put("next", Requests.selfUrl(ctx, q.toString()));
    } else {
      page.putNull("next");
    }
    return page;
  }

  /**
   * Where each partition is read from: the cursor's position, else the filter's {@code offset}
   * moved up to the first record at or after {@code since} (a record's timestamp is never before
   * its event's time), never before the partition's beginning.
   */
  private Map<TopicPartition, Long> starts(
      KafkaConsumer<String, byte[]> consumer,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> ends,
      EventFilter filter,
      EventCursor cursor) {
    Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions, timeout);
    Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> bySince =
        filter.since() == null
            ? Map.of()
            : consumer.offsetsForTimes(
                partitions.stream()
                    .collect(
                        java.util.stream.Collectors.toMap(
                            tp -> tp, tp -> filter.since().toEpochMilli())),
                timeout);
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : partitions) {
      long start;
      Long position = cursor.positions().get(tp.partition());
      if (position != null) {
        start = position;
      } else {
        start = filter.offset();
        if (filter.since() != null) {
          var found = bySince.get(tp);
          start = Math.max(start, found == null ? ends.get(tp) : found.offset());
        }
      }
      out.put(tp, Math.max(start, begins.get(tp)));
    }
    return out;
  }

  private ObjectNode render(ResourceEvent event, ConsumerRecord<String, byte[]> record) {
    ObjectNode o = json.createObjectNode();
    o.put("eventId", event.getEventId());
    o.put("mesh", event.getMesh());
    o.put("resourceType", event.getResourceType());
    o.put("name", event.getName());
    o.put("revision", event.getRevision());
    o.put("occurredAt", event.getOccurredAt().toString());
    o.put("actor", event.getActor());
    o.put("requestId", event.getRequestId());
    o.put("kind", event.getKind().name());
    o.put("partition", record.partition());
    o.put("offset", record.offset());
    ResourceType type = ResourceType.byName(event.getResourceType()).orElse(null);
    if (event.getKind() == EventKind.UPSERTED
        && type != null
        && event.getPayload() instanceof SpecificRecord payload
        && type.accepts(payload)) {
      o.set("resource", type.render(payload, null, null));
    } else {
      o.putNull("resource");
    }
    return o;
  }
}
