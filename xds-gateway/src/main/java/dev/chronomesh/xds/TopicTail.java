package dev.chronomesh.xds;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads whole topics from the beginning and then follows them, on a thread of its own, without a
 * consumer group (every gateway reads everything; nothing is committed), committed records only.
 * Each record goes to {@code apply}, which must not throw. Ready once every partition has been read
 * up to the end offsets seen at start; a topic that does not exist yet is waited for. An unexpected
 * error stops the reading and runs {@code onFailure}; a Kafka error is retried after a backoff.
 */
public final class TopicTail implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(250);
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final List<String> topics;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Consumer<ConsumerRecord<byte[], byte[]>> apply;
  private final Runnable afterPoll;
  private final Runnable onReady;
  private final Runnable onFailure;
  private final Thread thread;
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean ready;
  private volatile boolean failed;

  private TopicTail(
      String name,
      List<String> topics,
      Map<String, Object> kafkaProperties,
      Consumer<ConsumerRecord<byte[], byte[]>> apply,
      Runnable afterPoll,
      Runnable onReady,
      Runnable onFailure) {
    this.name = Objects.requireNonNull(name, "name");
    this.topics = List.copyOf(topics);
    this.apply = Objects.requireNonNull(apply, "apply");
    this.afterPoll = Objects.requireNonNull(afterPoll, "afterPoll");
    this.onReady = Objects.requireNonNull(onReady, "onReady");
    this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    this.consumer = new KafkaConsumer<>(consumerProperties(kafkaProperties, name));
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /**
   * Starts reading {@code topics}. {@code afterPoll} runs after each poll, {@code onReady} once
   * when caught up, {@code onFailure} if reading stops; all on the reading thread.
   */
  public static TopicTail start(
      String name,
      List<String> topics,
      Map<String, Object> kafkaProperties,
      Consumer<ConsumerRecord<byte[], byte[]>> apply,
      Runnable afterPoll,
      Runnable onReady,
      Runnable onFailure) {
    TopicTail tail =
        new TopicTail(name, topics, kafkaProperties, apply, afterPoll, onReady, onFailure);
    tail.thread.start();
    return tail;
  }

  /** Caught up with the end offsets seen at start, and still running. */
  public boolean isReady() {
    return ready && !failed;
  }

  /**
   * The client settings: the caller's, without a group, from the earliest, committed only; the
   * client id gets the reader's name, so two readers of one process have distinct ids.
   */
  public static Map<String, Object> consumerProperties(
      Map<String, Object> kafkaProperties, String name) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    // Stateless: no group, no committed offsets; every gateway reads the whole compacted topic.
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    Object clientId = props.get(ConsumerConfig.CLIENT_ID_CONFIG);
    props.put(
        ConsumerConfig.CLIENT_ID_CONFIG,
        (clientId == null ? "chronomesh-xds-gateway" : clientId) + "-" + name);
    return props;
  }

  private void run() {
    try {
      Map<TopicPartition, Long> endOffsets = null;
      while (!isClosing()) {
        try {
          if (endOffsets == null) {
            endOffsets = assignAll();
            if (endOffsets == null) {
              backOff();
              continue;
            }
          }
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
            apply.accept(record);
          }
          afterPoll.run();
          if (!ready && caughtUp(endOffsets)) {
            ready = true;
            LOG.info("Read up to the end offsets seen at start reader={} topics={}", name, topics);
            onReady.run();
          }
        } catch (WakeupException | InterruptException e) {
          throw e;
        } catch (KafkaException e) {
          LOG.error(
              "Reading failed reader={} topics={}, retrying in {}", name, topics, RETRY_BACKOFF, e);
          backOff();
        }
      }
    } catch (WakeupException | InterruptException e) {
      if (!isClosing()) {
        fail(e);
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      try {
        consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      } catch (RuntimeException e) {
        LOG.warn("Closing the consumer failed reader={}", name, e);
      }
    }
  }

  private void fail(Throwable e) {
    failed = true;
    LOG.error(
        "Reading stopped; this gateway serves stale data reader={} topics={}", name, topics, e);
    onFailure.run();
  }

  /**
   * Assigns every partition of every topic, from the beginning, and returns their end offsets; null
   * while a topic does not exist yet (the launcher creates them; a gateway may start first).
   */
  private Map<TopicPartition, Long> assignAll() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String t : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(t);
      if (infos == null || infos.isEmpty()) {
        LOG.warn("Topic not found yet topic={}, retrying in {}", t, RETRY_BACKOFF);
        return null;
      }
      infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions);
    LOG.info(
        "Reading reader={} topics={} partitions={} endOffsets={}",
        name,
        topics,
        partitions.size(),
        endOffsets);
    return endOffsets;
  }

  private boolean caughtUp(Map<TopicPartition, Long> endOffsets) {
    for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private boolean isClosing() {
    return closing.getCount() == 0;
  }

  private void backOff() {
    try {
      closing.await(RETRY_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closing.countDown();
    }
  }

  /** Stops the reading thread and closes the consumer; waits a bounded time. */
  @Override
  public void close() {
    closing.countDown();
    try {
      consumer.wakeup();
    } catch (RuntimeException e) {
      LOG.debug("Waking up the consumer failed reader={}", name, e);
    }
    try {
      thread.join(CLOSE_TIMEOUT.plusSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("Reader did not stop within {} reader={}", CLOSE_TIMEOUT, name);
    }
  }
}
