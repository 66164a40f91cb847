package dev.chronomesh.events;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends commands to the decider (key: mesh) from a service that writes without waiting for the
 * outcome (the CA service, the gateways' dataplane lifecycle): an idempotent producer, every
 * replica acknowledging; a failed send is logged. The outcome shows in the events topic like any
 * write's.
 */
public final class CommandSender implements Consumer<Command>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CommandSender.class);

  private final String topic;
  private final KafkaProducer<String, Command> producer;

  /**
   * @param clientId the producer's client id, unless {@code kafkaProperties} sets one
   */
  public CommandSender(
      String topic, Map<String, Object> kafkaProperties, SchemaRegistry registry, String clientId) {
    this.topic = topic;
    Map<String, Object> p = new HashMap<>(kafkaProperties);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    this.producer =
        new KafkaProducer<>(
            p, new StringSerializer(), AvroSerde.forValues(registry, Command.class).serializer());
  }

  @Override
  public void accept(Command command) {
    producer.send(
        new ProducerRecord<>(topic, command.getMesh(), command),
        (meta, e) -> {
          if (e != null) {
            LOG.warn(
                "Could not send a command mesh={} type={} name={} kind={}: {}",
                command.getMesh(),
                command.getResourceType(),
                command.getName(),
                command.getKind(),
                e.toString());
          }
        });
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
