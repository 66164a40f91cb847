package dev.chronomesh.commandapi;

import dev.chronomesh.events.TopicTail;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's side of the decider: sends commands (idempotent producer, acks=all, key = mesh) and
 * reads command-results from their end at start, completing the waiting request by its id. Keeps
 * the most recent results and the ids still awaited for {@code GET /commands/{id}}.
 */
final class CommandClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CommandClient.class);
  static final int REMEMBERED = 10_000;

  /** Known outcome, or still awaited. */
  sealed interface Status {
    record Decided(CommandResult result) implements Status {}

    record Pending() implements Status {}
  }

  private final String commandsTopic;
  private final KafkaProducer<String, Command> producer;
  private final TopicTail results;
  private final Deserializer<CommandResult> resultDeserializer;

  /** Guarded by itself; oldest first. */
  private final Map<String, CompletableFuture<CommandResult>> pending = bounded();

  /** Guarded by itself; oldest first. */
  private final Map<String, CommandResult> decided = bounded();

  CommandClient(
      Map<String, Object> kafkaProperties,
      String commandsTopic,
      String resultsTopic,
      Serializer<Command> commandSerializer,
      Deserializer<CommandResult> resultDeserializer,
      Duration timeout) {
    this.commandsTopic = commandsTopic;
    this.resultDeserializer = resultDeserializer;
    long timeoutMs = Math.max(1000, timeout.toMillis());
    Map<String, Object> p = new HashMap<>(kafkaProperties);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api-commands");
    this.producer = new KafkaProducer<>(p, new StringSerializer(), commandSerializer);

    Map<String, Object> c = new HashMap<>(kafkaProperties);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api");
    this.results =
        TopicTail.reading("results", List.of(resultsTopic))
            .kafka(c)
            .from(TopicTail.From.END)
            .onRecord(this::accept)
            .start();
    boolean ready;
    try {
      // Positioned at the end before any command is sent: no result of one is ever missed.
      ready = results.awaitReady(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ready = false;
    }
    if (!ready) {
      results.close();
      producer.close(Duration.ZERO);
      throw new IllegalStateException("topic " + resultsTopic + " does not exist");
    }
  }

  private static <V> Map<String, V> bounded() {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > REMEMBERED;
      }
    };
  }

  /**
   * Registers the command as awaited, then sends it.
   *
   * @return the send (its acknowledgement) and the outcome to come
   */
  Submission submit(Command command) {
    CompletableFuture<CommandResult> outcome;
    synchronized (pending) {
      outcome = pending.computeIfAbsent(command.getRequestId(), id -> new CompletableFuture<>());
    }
    try {
      Future<RecordMetadata> sent =
          producer.send(new ProducerRecord<>(commandsTopic, command.getMesh(), command));
      return new Submission(sent, outcome);
    } catch (RuntimeException e) {
      forget(command.getRequestId());
      throw e;
    }
  }

  /** Stops awaiting a command that was never written (its send failed). */
  void forget(String requestId) {
    synchronized (pending) {
      pending.remove(requestId);
    }
  }

  record Submission(Future<RecordMetadata> sent, CompletableFuture<CommandResult> outcome) {}

  /** The outcome of a request id, whether it is still awaited, or empty when unknown. */
  Optional<Status> status(String requestId) {
    synchronized (decided) {
      CommandResult r = decided.get(requestId);
      if (r != null) {
        return Optional.of(new Status.Decided(r));
      }
    }
    synchronized (pending) {
      return pending.containsKey(requestId) ? Optional.of(new Status.Pending()) : Optional.empty();
    }
  }

  private void accept(ConsumerRecord<byte[], byte[]> record) {
    CommandResult result;
    try {
      result = resultDeserializer.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      LOG.error(
          "Skipping unreadable command result partition={} offset={}",
          record.partition(),
          record.offset(),
          e);
      return;
    }
    if (result == null) {
      return;
    }
    synchronized (decided) {
      decided.put(result.getRequestId(), result);
    }
    CompletableFuture<CommandResult> waiting;
    synchronized (pending) {
      waiting = pending.remove(result.getRequestId());
    }
    if (waiting != null) {
      waiting.complete(result);
    }
  }

  @Override
  public void close() {
    results.close();
    producer.close(Duration.ofSeconds(5));
  }
}
