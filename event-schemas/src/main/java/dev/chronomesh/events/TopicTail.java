package dev.chronomesh.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * The one reader of whole topics that every long-lived view uses (the command API's event and
 * proxy-status views and its command results, the gateway's feeds): on a thread of its own, without
 * a consumer group (each process reads everything; nothing is committed), committed records only,
 * every partition assigned, from the beginning or from the end.
 *
 * <p>Each record goes to {@code onRecord}, which should not throw (a throw stops the reading, as
 * any unexpected error does, and runs {@code onFailure}); {@code afterPoll} then sees the position
 * of every partition. The tail is ready once every partition has been read up to the end offsets
 * seen when it was assigned (at once when it starts from the end). A topic that does not exist yet
 * is waited for; a Kafka error is retried after a backoff. All callbacks run on the reading thread.
 */
public final class TopicTail implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** Where reading starts. */
  public enum From {
    /** Every retained record: a view of the whole topic. */
    BEGINNING,
    /** Only records written after the tail is ready: replies to requests sent from here. */
    END
  }

  private final String name;
  private final List<String> topics;
  private final From from;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Consumer<ConsumerRecord<byte[], byte[]>> onRecord;
  private final Consumer<Map<TopicPartition, Long>> afterPoll;
  private final Runnable onReady;
  private final Runnable onFailure;
  private final Thread thread;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final CountDownLatch readyLatch = new CountDownLatch(1);
  private final CountDownLatch assignedLatch = new CountDownLatch(1);
  private volatile Map<String, Integer> partitionCounts = Map.of();
  private volatile boolean ready;
  private volatile boolean failed;

  private TopicTail(Builder b) {
    this.name = b.name;
    this.topics = b.topics;
    this.from = b.from;
    this.onRecord = Objects.requireNonNull(b.onRecord, "onRecord");
    this.afterPoll = b.afterPoll;
    this.onReady = b.onReady;
    this.onFailure = b.onFailure;
    this.consumer = new KafkaConsumer<>(consumerProperties(b.kafkaProperties, name));
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /** A tail named {@code name} (its thread's name and client id suffix) reading {@code topics}. */
  public static Builder reading(String name, List<String> topics) {
    return new Builder(name, topics);
  }

  /** The settings of a tail; {@link #start} starts it. */
  public static final class Builder {
    private final String name;
    private final List<String> topics;
    private Map<String, Object> kafkaProperties = Map.of();
    private From from = From.BEGINNING;
    private Consumer<ConsumerRecord<byte[], byte[]>> onRecord;
    private Consumer<Map<TopicPartition, Long>> afterPoll = positions -> {};
    private Runnable onReady = () -> {};
    private Runnable onFailure = () -> {};

    private Builder(String name, List<String> topics) {
      this.name = Objects.requireNonNull(name, "name");
      this.topics = List.copyOf(topics);
      if (this.topics.isEmpty()) {
        throw new IllegalArgumentException("a tail reads at least one topic");
      }
    }

    /** The client settings (bootstrap servers, security); group and offsets are the tail's. */
    public Builder kafka(Map<String, Object> kafkaProperties) {
      this.kafkaProperties = Map.copyOf(kafkaProperties);
      return this;
    }

    public Builder from(From from) {
      this.from = Objects.requireNonNull(from, "from");
      return this;
    }

    public Builder onRecord(Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
      this.onRecord = Objects.requireNonNull(onRecord, "onRecord");
      return this;
    }

    /** Runs after each poll with the next offset to read of every partition. */
    public Builder afterPoll(Consumer<Map<TopicPartition, Long>> afterPoll) {
      this.afterPoll = Objects.requireNonNull(afterPoll, "afterPoll");
      return this;
    }

    /** Runs once, when caught up with the end offsets seen at assignment. */
    public Builder onReady(Runnable onReady) {
      this.onReady = Objects.requireNonNull(onReady, "onReady");
      return this;
    }

    /** Runs if reading stops for an unexpected error (the view then serves stale data). */
    public Builder onFailure(Runnable onFailure) {
      this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
      return this;
    }

    public TopicTail start() {
      TopicTail tail = new TopicTail(this);
      tail.thread.start();
      return tail;
    }
  }

  /** Caught up with the end offsets seen at assignment, and still running. */
  public boolean isReady() {
    return ready && !failed;
  }

  /** Waits until {@link #isReady}; false when the wait ran out or the reading stopped. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return readyLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && isReady();
  }

  /**
   * Waits until every topic exists and is assigned; its partition count per topic, empty when the
   * wait ran out or the reading stopped first.
   */
  public Map<String, Integer> awaitAssigned(Duration timeout) throws InterruptedException {
    assignedLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return partitionCounts;
  }

  /**
   * The client settings: the caller's, without a group, committed records only, the client id
   * suffixed with the tail's name so two tails of one process have distinct ids.
   */
  public static Map<String, Object> consumerProperties(
      Map<String, Object> kafkaProperties, String name) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    Object clientId = props.get(ConsumerConfig.CLIENT_ID_CONFIG);
    props.put(
        ConsumerConfig.CLIENT_ID_CONFIG, (clientId == null ? "chronomesh" : clientId) + "-" + name);
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
            if (from == From.END) {
              markReady();
            }
          }
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
            onRecord.accept(record);
          }
          Map<TopicPartition, Long> positions = new LinkedHashMap<>();
          for (TopicPartition tp : endOffsets.keySet()) {
            positions.put(tp, consumer.position(tp));
          }
          afterPoll.accept(Collections.unmodifiableMap(positions));
          if (!ready && caughtUp(positions, endOffsets)) {
            markReady();
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
      assignedLatch.countDown();
      readyLatch.countDown();
      try {
        consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      } catch (RuntimeException e) {
        LOG.warn("Closing the consumer failed reader={}", name, e);
      }
    }
  }

  private void markReady() {
    ready = true;
    LOG.info("Read up to the end offsets seen at start reader={} topics={}", name, topics);
    onReady.run();
    readyLatch.countDown();
  }

  private void fail(Throwable e) {
    failed = true;
    LOG.error("Reading stopped; this view serves stale data reader={} topics={}", name, topics, e);
    onFailure.run();
  }

  /**
   * Assigns every partition of every topic and positions it, and returns the end offsets to catch
   * up with; null while a topic does not exist yet (the launcher creates them; a reader may start
   * first).
   */
  private Map<TopicPartition, Long> assignAll() {
    List<TopicPartition> partitions = new ArrayList<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String t : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(t);
      if (infos == null || infos.isEmpty()) {
        LOG.warn("Topic not found yet topic={}, retrying in {}", t, RETRY_BACKOFF);
        return null;
      }
      infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      counts.put(t, infos.size());
    }
    partitions.sort(
        java.util.Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition));
    consumer.assign(partitions);
    Map<TopicPartition, Long> endOffsets;
    if (from == From.END) {
      consumer.seekToEnd(partitions);
      // Resolve the positions now: a record written once the tail is ready is never missed.
      endOffsets = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        endOffsets.put(tp, consumer.position(tp));
      }
    } else {
      consumer.seekToBeginning(partitions);
      endOffsets = new LinkedHashMap<>(consumer.endOffsets(partitions));
    }
    partitionCounts = Map.copyOf(counts);
    assignedLatch.countDown();
    LOG.info(
        "Reading reader={} topics={} from={} partitions={} endOffsets={}",
        name,
        topics,
        from,
        partitions.size(),
        endOffsets);
    return endOffsets;
  }

  private static boolean caughtUp(
      Map<TopicPartition, Long> positions, Map<TopicPartition, Long> endOffsets) {
    for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
      if (positions.get(end.getKey()) < end.getValue()) {
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
    if (Thread.currentThread() == thread) {
      return;
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
