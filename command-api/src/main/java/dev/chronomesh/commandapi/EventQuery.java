package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Violation;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /events}: the history read straight from the events topic (not from the view),
 * filtered by mesh, type and name, at most {@code size} events from Kafka offset {@code offset} of
 * each partition read. With a mesh filter only that mesh's partition is read and {@code next}
 * continues it; without one, partitions are read in order and {@code next} is null when the topic
 * has more than one partition.
 */
final class EventQuery {
  private static final Logger LOG = LoggerFactory.getLogger(EventQuery.class);

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
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api-history");
    this.consumerProps = Map.copyOf(props);
    this.topic = topic;
    this.partitions = partitions;
    this.partitionForMesh = partitionForMesh;
    this.deserializer = deserializer;
    this.json = json;
    this.timeout = timeout;
  }

  ObjectNode run(Context ctx) {
    String mesh = emptyToNull(ctx.queryParam("mesh"));
    String type = emptyToNull(ctx.queryParam("type"));
    String name = emptyToNull(ctx.queryParam("name"));
    if (type != null && ResourceType.byName(type).isEmpty()) {
      throw new ApiProblem(
          400,
          "invalid query parameter type",
          List.of(
              new Violation(
                  "type",
                  "must be one of "
                      + ResourceType.all().stream().map(ResourceType::name).toList()
                      + ", got "
                      + type)));
    }
    int size =
        Requests.intParam(ctx, "size", Requests.DEFAULT_PAGE_SIZE, 1, Requests.MAX_PAGE_SIZE);
    int offset = Requests.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    List<Integer> toRead = new ArrayList<>();
    if (mesh != null) {
      toRead.add(partitionForMesh.applyAsInt(mesh));
    } else {
      for (int p = 0; p < partitions; p++) {
        toRead.add(p);
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    ArrayNode items = json.createArrayNode();
    long continueAt = -1;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
      for (int partition : toRead) {
        TopicPartition tp = new TopicPartition(topic, partition);
        consumer.assign(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
        long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
        long start = Math.max(offset, begin);
        if (start >= end) {
          continue;
        }
        consumer.seek(tp, start);
        while (consumer.position(tp) < end && items.size() < size) {
          if (System.nanoTime() > deadline) {
            throw new ApiProblem(504, "reading the event log took longer than " + timeout);
          }
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            if (record.offset() >= end || items.size() >= size) {
              break;
            }
            ResourceEvent event = read(record);
            if (event != null && matches(event, mesh, type, name)) {
              items.add(render(event, record));
              if (items.size() == size) {
                continueAt = record.offset() + 1 < end ? record.offset() + 1 : -1;
              }
            }
          }
        }
        if (items.size() >= size) {
          break;
        }
      }
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new ApiProblem(504, "Kafka did not answer within " + timeout);
    }
    ObjectNode page = json.createObjectNode();
    page.set("items", items);
    if (continueAt >= 0 && toRead.size() == 1) {
      StringBuilder q = new StringBuilder();
      if (mesh != null) {
        q.append("mesh=").append(ResourceRoutes.encode(mesh)).append('&');
      }
      if (type != null) {
        q.append("type=").append(ResourceRoutes.encode(type)).append('&');
      }
      if (name != null) {
        q.append("name=").append(ResourceRoutes.encode(name)).append('&');
      }
      q.append("offset=").append(continueAt).append("&size=").append(size);
      page.put("next", Requests.selfUrl(ctx, q.toString()));
    } else {
      page.putNull("next");
    }
    return page;
  }

  private ResourceEvent read(ConsumerRecord<String, byte[]> record) {
    try {
      return deserializer.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipping unreadable event partition={} offset={}: {}",
          record.partition(),
          record.offset(),
          e.toString());
      return null;
    }
  }

  private static boolean matches(ResourceEvent e, String mesh, String type, String name) {
    return (mesh == null || mesh.equals(e.getMesh()))
        && (type == null || type.equals(e.getResourceType()))
        && (name == null || name.equals(e.getName()));
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

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
