package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.ResourceEvent;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the one-off reads of the events topic share ({@link EventQuery}, {@link MeshHistory}): a
 * consumer of committed records without a group, and an event read that skips an unreadable record
 * loudly instead of failing the request.
 */
final class EventLogReads {
  private static final Logger LOG = LoggerFactory.getLogger(EventLogReads.class);

  private EventLogReads() {}

  /** Consumer properties for assigned (group-less) reads of committed events. */
  static Map<String, Object> consumerProps(Map<String, Object> kafkaProperties, String clientId) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    return Map.copyOf(props);
  }

  /** The event of {@code record}, or null (logged) when it cannot be read. */
  static ResourceEvent read(
      Deserializer<ResourceEvent> deserializer, ConsumerRecord<?, byte[]> record) {
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
}
