package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side: a projection of the events topic held in memory. One thread owns a consumer
 * assigned to every partition (no group, from the beginning, read_committed) and replays each event
 * onto its mesh's {@link MeshState}. Reads never come from what this process wrote, only from here.
 */
final class EventView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventView.class);

  private final String topic;
  private final Deserializer<ResourceEvent> deserializer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<TopicPartition> partitions;

  /** End offsets seen at start: the view is ready once it has read up to them. */
  private final Map<TopicPartition, Long> startEnd;

  private final ConcurrentHashMap<String, MeshState> meshes = new ConcurrentHashMap<>();

  /** Next offset to read per partition; guarded by this. */
  private final long[] positions;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean ready;

  EventView(
      Map<String, Object> kafkaProperties,
      String topic,
      Deserializer<ResourceEvent> deserializer,
      Duration startTimeout) {
    this.topic = topic;
    this.deserializer = deserializer;
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-command-api-view");
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    try {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, startTimeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo info : infos) {
        tps.add(new TopicPartition(topic, info.partition()));
      }
      tps.sort(Comparator.comparingInt(TopicPartition::partition));
      this.partitions = List.copyOf(tps);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      this.startEnd = Map.copyOf(consumer.endOffsets(partitions, startTimeout));
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    this.positions = new long[partitions.size()];
    this.thread = new Thread(this::run, "chronomesh-event-view");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  int partitionCount() {
    return partitions.size();
  }

  boolean isReady() {
    return ready;
  }

  /** The mesh's current image (empty when the mesh has no events). */
  MeshState mesh(String mesh) {
    MeshState state = meshes.get(mesh);
    return state == null ? MeshState.empty(mesh) : state;
  }

  /** Every mesh with events, sorted by name. */
  List<MeshState> meshes() {
    List<MeshState> out = new ArrayList<>(meshes.values());
    out.sort(Comparator.comparing(MeshState::mesh));
    return out;
  }

  /** Waits until the view has read every offset below {@code offset} in {@code partition}. */
  synchronized boolean awaitPosition(int partition, long offset, long deadlineNanos)
      throws InterruptedException {
    while (positions[partition] < offset) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0 || !running) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  private void run() {
    try {
      PollLoop.run(LOG, "Event view of " + topic, () -> running, stopped, this::pollOnce);
    } finally {
      consumer.close(Duration.ofSeconds(5));
      synchronized (this) {
        notifyAll();
      }
    }
  }

  private void pollOnce() {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      apply(record);
    }
    long[] next = new long[partitions.size()];
    for (TopicPartition tp : partitions) {
      next[tp.partition()] = consumer.position(tp);
    }
    synchronized (this) {
      System.arraycopy(next, 0, positions, 0, next.length);
      notifyAll();
    }
    if (!ready) {
      boolean caughtUp = true;
      for (TopicPartition tp : partitions) {
        caughtUp &= next[tp.partition()] >= startEnd.get(tp);
      }
      if (caughtUp) {
        ready = true;
        LOG.info("Event view ready topic={} meshes={}", topic, meshes.size());
      }
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    ResourceEvent event;
    try {
      event = deserializer.deserialize(record.topic(), record.value());
      if (event == null) {
        LOG.warn(
            "Skipping empty event partition={} offset={}", record.partition(), record.offset());
        return;
      }
      meshes.compute(
          event.getMesh(),
          (mesh, state) -> (state == null ? MeshState.empty(mesh) : state).evolve(event));
    } catch (RuntimeException e) {
      // No dead-letter topic yet: the record stays in the log; the view skips it loudly.
      LOG.error(
          "Skipping unreadable event topic={} partition={} offset={}",
          record.topic(),
          record.partition(),
          record.offset(),
          e);
      return;
    }
    LOG.debug(
        "Applied event mesh={} type={} name={} revision={} kind={} partition={} offset={}",
        event.getMesh(),
        event.getResourceType(),
        event.getName(),
        event.getRevision(),
        event.getKind(),
        record.partition(),
        record.offset());
  }

  @Override
  public void close() {
    running = false;
    stopped.countDown();
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
      consumer.close();
    }
  }
}
