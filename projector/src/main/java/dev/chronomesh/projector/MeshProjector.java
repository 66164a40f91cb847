package dev.chronomesh.projector;

import dev.chronomesh.events.DeadLetters;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceIdentity;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The incremental projection of one task's meshes, as Kafka Streams runs it: this processor only
 * decides when batches begin and end, and wires the task's stores to the {@link MeshLoader} (events
 * → one {@link dev.chronomesh.meshmodel.MeshDelta} per mesh per batch, the images, the resources
 * store), the {@link ConfigPublisher} (a batch → the endpoint sets it changes, at once, and the
 * proxies it concerns, through {@link AffectedProxies}; regeneration → configs, endpoint sets, what
 * each config read) and the {@link DirtyProxies} of the open window; invalid events go to the
 * dead-letter topic.
 *
 * <p><b>Live</b>, each event is a batch of its own: its endpoint sets are written when it is
 * processed, and the proxies it concerns are marked dirty with it as their cause. Dirty proxies are
 * regenerated once per coalescing window. Windows are slices of event time ({@code occurredAt /
 * window}), so which events share a window depends on the log alone: a window is flushed when the
 * first event of a later window arrives, or, when no event has arrived for one window of wall-clock
 * time, by a punctuator. A config is sent only when its version (a content hash) changed; its
 * causes are the events of the window that marked the proxy dirty. (Why not one delta per window:
 * the endpoint sets must not wait for the window's end, and Kafka Streams may commit the offsets of
 * a window's first events before it ends, so each event's dirty proxies are stored as it is
 * processed; with persistent maps a delta of one event costs O(log n).)
 *
 * <p>Events that happened more than the catch-up lag ago (a replay with a fresh application id, a
 * restart after downtime, a backlog) are projected in <em>catch-up batches</em> instead: one delta
 * per mesh for the whole batch (the resources store is still written per event), flushed once — its
 * endpoint sets rewritten, the proxies it concerns regenerated — when an event within the lag
 * arrives, when no event arrived for one window, or when it has been open for {@link
 * #CATCH_UP_BATCH_MS}. The final configs equal those of window by window projection; the
 * intermediate versions are skipped, and a config's causes are the first and last event of its mesh
 * in the batch. An open batch is remembered by one entry in the dirty store; a task that restarts
 * with it regenerates every proxy of its meshes.
 */
final class MeshProjector extends ContextualProcessor<String, ResourceEvent, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(MeshProjector.class);

  /**
   * How often per window the idle flush checks for a window of silence: the window's configs then
   * wait at most a fifth of a window beyond it (5 ms at the default 25 ms).
   */
  static final long IDLE_CHECKS_PER_WINDOW = 5;

  /**
   * How many dirty proxies an idle flush regenerates before it commits: a window that dirtied many
   * (a mesh-wide policy) reaches gateways in parts, so they push the first configs while the
   * projector generates the rest, instead of after all of them.
   */
  static final int IDLE_FLUSH_CHUNK = 200;

  /** How long a catch-up batch stays open at most (wall-clock), so progress stays visible. */
  static final long CATCH_UP_BATCH_MS = 5_000;

  private final long windowMs;

  /** Events older than this are projected in catch-up batches; 0: never. */
  private final long catchUpLagMs;

  private MeshLoader loader;
  private ConfigPublisher publisher;
  private DirtyProxies dirty;

  /** Wall-clock time of the last processed event, for the idle flush. */
  private long lastEventWallClock;

  /** Wall-clock time the open catch-up batch was opened. */
  private long catchUpOpenedAt;

  MeshProjector(Duration window, Duration catchUpLag) {
    this.windowMs = Math.max(1, window.toMillis());
    this.catchUpLagMs = Math.max(0, catchUpLag.toMillis());
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    super.init(context);
    loader = new MeshLoader(context.getStateStore(ProjectorTopology.RESOURCES_STORE));
    publisher =
        new ConfigPublisher(
            context.getStateStore(ProjectorTopology.PROXY_CONFIGS_STORE),
            context.getStateStore(ProjectorTopology.ENDPOINTS_STORE),
            context.getStateStore(ProjectorTopology.PROXY_DEPS_STORE),
            this::forward);
    dirty = new DirtyProxies(context.getStateStore(ProjectorTopology.DIRTY_STORE));
    lastEventWallClock = context.currentSystemTimeMs();
    context.schedule(
        Duration.ofMillis(Math.max(1, windowMs / IDLE_CHECKS_PER_WINDOW)),
        PunctuationType.WALL_CLOCK_TIME,
        this::flushIfIdle);
  }

  @Override
  public void process(Record<String, ResourceEvent> record) {
    RecordMetadata position =
        context()
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("events are processed from a topic"));
    long now = context().currentSystemTimeMs();
    lastEventWallClock = now;
    regenerateAfterInterruptedCatchUp();
    ResourceEvent event = record.value();
    List<String> problems = ResourceIdentity.ofEventRecord(record.key(), event);
    if (!problems.isEmpty()) {
      LOG.warn(
          "Dead-lettering invalid event topic={} partition={} offset={} problems={}",
          position.topic(),
          position.partition(),
          position.offset(),
          problems);
      if (event != null) {
        var headers =
            DeadLetters.headers(
                position.topic(),
                position.partition(),
                position.offset(),
                "InvalidEvent",
                String.join("; ", problems));
        context()
            .forward(
                new Record<String, Object>(record.key(), event, record.timestamp(), headers),
                ProjectorTopology.DEAD_LETTERS_SINK);
      }
      return;
    }
    if (!MeshLoader.reads(event.getResourceType())) {
      LOG.debug(
          "Ignoring event of a type no config reads mesh={} type={} offset={}",
          event.getMesh(),
          event.getResourceType(),
          position.offset());
      return;
    }
    EventRef cause =
        EventRef.newBuilder()
            .setPartition(position.partition())
            .setOffset(position.offset())
            .setOccurredAt(event.getOccurredAt())
            .build();
    boolean behind = catchUpLagMs > 0 && now - event.getOccurredAt().toEpochMilli() > catchUpLagMs;
    if (loader.isOpen() && (!behind || now - catchUpOpenedAt >= CATCH_UP_BATCH_MS)) {
      flushCatchUp();
    }
    long window = Math.max(event.getOccurredAt().toEpochMilli() / windowMs, dirty.openWindow());
    if (behind) {
      if (!loader.isOpen()) {
        flush();
        catchUpOpenedAt = now;
        dirty.openWindow(window);
        dirty.catchUpOpened(cause);
      }
      dirty.openWindow(window);
      loader.add(event, cause);
      return;
    }
    if (window > dirty.openWindow()) {
      flush();
      dirty.openWindow(window);
    }
    // Live: the event is a batch of its own.
    loader.add(event, cause);
    for (MeshBatch batch : loader.close()) {
      dirty.mark(batch.mesh(), publisher.publish(batch));
    }
  }

  private void flushIfIdle(long now) {
    regenerateAfterInterruptedCatchUp();
    if (now - lastEventWallClock >= windowMs) {
      flushCatchUp();
      if (flush(IDLE_FLUSH_CHUNK) > 0) {
        // Commit now rather than at the next commit interval, so that gateways (read_committed)
        // see these configs at once; the rest of a large window follows in the next check.
        context().commit();
      }
    }
  }

  /**
   * Closes the open catch-up batch: per mesh, rewrites the endpoint sets it changed, then
   * regenerates the proxies the batch as a whole concerns (as one event with all of its changes
   * would).
   */
  private void flushCatchUp() {
    if (!loader.isOpen()) {
      return;
    }
    int events = 0;
    int regenerated = 0;
    for (MeshBatch batch : loader.close()) {
      events += batch.delta().events();
      SortedMap<String, List<EventRef>> affected = publisher.publish(batch);
      publisher.regenerate(batch.after(), affected);
      regenerated += affected.size();
    }
    dirty.catchUpClosed();
    LOG.info("Caught up events={} regenerated={}", events, regenerated);
  }

  /**
   * When a catch-up batch was open as this task stopped, its events are in the resources store but
   * which proxies they concern is not: regenerates every proxy and endpoint set of the task's
   * meshes (unchanged ones are not sent). Once, before anything else.
   */
  private void regenerateAfterInterruptedCatchUp() {
    List<EventRef> causes = dirty.takeInterruptedCatchUp();
    if (causes == null) {
      return;
    }
    SortedSet<String> meshes = new TreeSet<>(publisher.meshes());
    meshes.addAll(loader.storedMeshes());
    for (String mesh : meshes) {
      publisher.regenerateAll(loader.image(mesh), causes);
    }
    dirty.catchUpClosed();
    LOG.info("Regenerated the meshes of an interrupted catch-up batch meshes={}", meshes.size());
  }

  /** Regenerates every dirty proxy, sends the changed configs, and clears the dirty set. */
  private void flush() {
    flush(Integer.MAX_VALUE);
  }

  /**
   * Regenerates up to {@code limit} dirty proxies (in mesh and proxy order), sends the changed
   * configs, and removes them from the dirty set.
   *
   * @return how many configs were sent
   */
  private int flush(int limit) {
    DirtyProxies.Drained drained =
        dirty.drain(
            limit,
            (mesh, proxy, causes) -> publisher.regenerate(loader.image(mesh), proxy, causes));
    if (drained.regenerated() > 0) {
      LOG.debug(
          "Flushed window={} regenerated={} emitted={} meshesLeft={}",
          dirty.openWindow(),
          drained.regenerated(),
          drained.sent(),
          dirty.meshes());
    }
    return drained.sent();
  }

  private void forward(String sink, String key, Object value, List<EventRef> causes) {
    long timestamp =
        causes.stream().mapToLong(c -> c.getOccurredAt().toEpochMilli()).max().orElse(0L);
    context().forward(new Record<String, Object>(key, value, timestamp, new RecordHeaders()), sink);
  }
}
