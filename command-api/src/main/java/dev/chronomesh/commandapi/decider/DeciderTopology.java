package dev.chronomesh.commandapi.decider;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Duration;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The single-writer decider as a topology: commands (key = mesh) are decided one at a time per
 * partition against the state stores; events go to the events topic (key = mesh) and outcomes to
 * command-results (key = request id). Pure wiring, so tests feed it to {@code TopologyTestDriver}.
 */
public final class DeciderTopology {
  /** Last event of every resource ever written, key {@code <mesh>/<Type>/<name>}. */
  public static final String RESOURCES_STORE = "decider-resources";

  /** First outcome per idempotency key, key {@code <mesh>/<idempotencyKey>}. */
  public static final String IDEMPOTENCY_STORE = "decider-idempotency";

  /** How long an idempotency key is remembered: as long as the commands topic keeps commands. */
  public static final Duration IDEMPOTENCY_RETENTION = Duration.ofDays(7);

  /** How often forgotten keys are swept (wall-clock time). */
  static final Duration IDEMPOTENCY_SWEEP = Duration.ofMinutes(10);

  static final String SOURCE = "commands";
  static final String PROCESSOR = "decide";
  static final String EVENTS_SINK = "events";
  static final String RESULTS_SINK = "command-results";
  static final String DEAD_LETTERS_SINK = "dead-letters";

  private DeciderTopology() {}

  /**
   * The topology over {@code topics}; values use the given serdes (Confluent wire format with the
   * schema registry in production).
   */
  public static Topology build(
      Topics topics,
      Serde<Command> commands,
      Serde<ResourceEvent> events,
      Serde<CommandResult> results) {
    Topology topology = new Topology();
    // Bytes in, so an unreadable record is skipped by the processor rather than failing the task.
    topology.addSource(
        SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.commands());
    topology.addProcessor(
        PROCESSOR, () -> new DecideProcessor(commands.deserializer(), topics.commands()), SOURCE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(RESOURCES_STORE), Serdes.String(), events),
        PROCESSOR);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(IDEMPOTENCY_STORE), Serdes.String(), results),
        PROCESSOR);
    topology.addSink(
        EVENTS_SINK, topics.events(), new StringSerializer(), events.serializer(), PROCESSOR);
    topology.addSink(
        DEAD_LETTERS_SINK,
        topics.deadLetters(),
        new StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer(),
        PROCESSOR);
    topology.addSink(
        RESULTS_SINK,
        topics.commandResults(),
        new StringSerializer(),
        results.serializer(),
        PROCESSOR);
    return topology;
  }
}
