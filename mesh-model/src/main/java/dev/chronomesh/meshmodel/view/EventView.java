package dev.chronomesh.meshmodel.view;

import dev.chronomesh.events.TopicTail;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projection of the events topic held in memory, shared by the services that read the mesh's
 * current state (the command-api's read side, the CA service). A {@link TopicTail} reads every
 * partition from the beginning (no group, read_committed) and each event is replayed onto its
 * mesh's {@link MeshState}. Reads never come from what this process wrote, only from here.
 */
public final class EventView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventView.class);

  private final String topic;
  private final Deserializer<ResourceEvent> deserializer;
  private final TopicTail tail;
  private final int partitionCount;

  private final ConcurrentHashMap<String, MeshState> meshes = new ConcurrentHashMap<>();

  /** Next offset to read per partition; guarded by this. */
  private final long[] positions;

  private volatile boolean running = true;

  /**
   * Starts reading {@code topic}.
   *
   * @param clientId the consumer's client id unless the properties name one
   * @throws IllegalStateException when the topic does not exist within {@code startTimeout}
   */
  public EventView(
      String clientId,
      Map<String, Object> kafkaProperties,
      String topic,
      Deserializer<ResourceEvent> deserializer,
      Duration startTimeout) {
    this.topic = topic;
    this.deserializer = deserializer;
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    this.tail =
        TopicTail.reading("event-view", List.of(topic))
            .kafka(props)
            .onRecord(this::apply)
            .afterPoll(this::advance)
            .onReady(() -> LOG.info("Event view ready topic={} meshes={}", topic, meshes.size()))
            .onFailure(this::stopped)
            .start();
    Integer partitions;
    try {
      partitions = tail.awaitAssigned(startTimeout).get(topic);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      partitions = null;
    }
    if (partitions == null) {
      tail.close();
      throw new IllegalStateException("topic " + topic + " does not exist");
    }
    this.partitionCount = partitions;
    this.positions = new long[partitionCount];
  }

  public int partitionCount() {
    return partitionCount;
  }

  public boolean isReady() {
    return tail.isReady();
  }

  /** The mesh's current image (empty when the mesh has no events). */
  public MeshState mesh(String mesh) {
    MeshState state = meshes.get(mesh);
    return state == null ? MeshState.empty(mesh) : state;
  }

  /** Every mesh with events, sorted by name. */
  public List<MeshState> meshes() {
    List<MeshState> out = new ArrayList<>(meshes.values());
    out.sort(Comparator.comparing(MeshState::mesh));
    return out;
  }

  /** Waits until the view has read every offset below {@code offset} in {@code partition}. */
  public synchronized boolean awaitPosition(int partition, long offset, long deadlineNanos)
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

  private synchronized void advance(Map<TopicPartition, Long> next) {
    next.forEach((tp, position) -> positions[tp.partition()] = position);
    notifyAll();
  }

  private synchronized void stopped() {
    running = false;
    notifyAll();
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
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
    tail.close();
    stopped();
  }
}
