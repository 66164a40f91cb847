package dev.chronomesh.benchmarks.baseline;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicTail;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceIdentity;
import dev.chronomesh.servicehttp.ServiceHttp;
import dev.chronomesh.servicehttp.ServiceMetrics;
import dev.chronomesh.xds.NodeCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A conventional xDS control plane on java-control-plane, the benchmarks' baseline: it reads
 * Chronomesh's events topic (every partition, from the beginning, no consumer group), keeps the
 * current resources in memory, and after each poll that changed a mesh regenerates <em>every</em>
 * proxy of that mesh in full with the projector's generator, setting one {@code SimpleCache}
 * snapshot per proxy (node id {@code <mesh>.<dataplane>}). It serves ADS, state of the world and
 * delta, in plaintext on loopback.
 *
 * <p>There is no fan-out index, no coalescing window beyond the poll, no shared endpoint records,
 * no disk cache: the regeneration of a mesh costs one generation per proxy of the mesh, whatever
 * the change. Until the topic has been read up to the end offsets seen at start, events are only
 * folded into the state; the first regeneration runs once, when it is caught up.
 */
public final class BaselineControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BaselineControlPlane.class);
  private static final long SHUTDOWN_GRACE_SECONDS = 5;

  private final BaselineConfig config;
  private final AvroSerde<ResourceEvent> serde;
  private final MeshStates states = new MeshStates();
  private final NodeCache cache = new NodeCache();
  private final ProxySnapshots snapshots = new ProxySnapshots(cache);

  /** Meshes changed by the records of the current poll (reader thread only). */
  private final Set<String> dirty = new LinkedHashSet<>();

  private final AtomicLong regenerations = new AtomicLong();
  private final AtomicLong generatedConfigs = new AtomicLong();
  private final AtomicLong skippedEvents = new AtomicLong();
  private final AtomicInteger proxies = new AtomicInteger();
  private final CountDownLatch readyOrStopped = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean ready;
  private volatile boolean failed;

  private Server server;
  private TopicTail tail;
  private ServiceMetrics metrics;
  private ServiceHttp http;
  private Timer regenerationTimer;
  private Counter regenerationCounter;
  private Counter generatedCounter;

  private BaselineControlPlane(BaselineConfig config) {
    this.config = config;
    this.serde = AvroSerde.forValues(config.registry(), ResourceEvent.class);
  }

  /**
   * Binds the ADS server and starts reading the events topic; returns at once. Ready ({@link
   * #isReady()}) once the topic has been read up to its end offsets at start and every mesh has
   * been generated.
   *
   * @throws UncheckedIOException when a port cannot be bound
   */
  public static BaselineControlPlane start(BaselineConfig config) {
    BaselineControlPlane plane = new BaselineControlPlane(config);
    try {
      plane.startAll();
    } catch (RuntimeException | Error e) {
      plane.close();
      throw e;
    }
    return plane;
  }

  private void startAll() {
    if (config.httpPort() != null) {
      metrics = new ServiceMetrics();
      regenerationTimer =
          Timer.builder("chronomesh_baseline_regeneration")
              .description("Time to regenerate every proxy of a mesh after a change")
              .register(metrics.registry());
      regenerationCounter =
          Counter.builder("chronomesh_baseline_regenerations")
              .description("Full regenerations of a mesh")
              .register(metrics.registry());
      generatedCounter =
          Counter.builder("chronomesh_baseline_generated_configs")
              .description("Proxy configs generated")
              .register(metrics.registry());
      Gauge.builder("chronomesh_baseline_proxies", proxies, AtomicInteger::get)
          .description("Proxies with a snapshot")
          .register(metrics.registry());
      http =
          ServiceHttp.start(
              "baseline", config.host(), config.httpPort(), this::isReady, metrics::scrape, null);
    }
    V3DiscoveryServer discovery = new V3DiscoveryServer(cache);
    InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
    server =
        NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
            // One service carries both SotW and delta ADS in java-control-plane 1.0.49.
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the baseline ADS server to " + address, e);
    }
    Map<String, Object> kafka = new HashMap<>(config.kafkaProperties());
    kafka.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-baseline");
    tail =
        TopicTail.reading("baseline-events", List.of(config.eventsTopic()))
            .kafka(kafka)
            .onRecord(this::apply)
            .afterPoll(positions -> afterPoll())
            .onReady(this::caughtUp)
            .onFailure(this::readingFailed)
            .start();
    LOG.info(
        "Baseline control plane listening host={} port={} topic={}",
        config.host(),
        server.getPort(),
        config.eventsTopic());
  }

  /** The bound ADS port. */
  public int port() {
    return server.getPort();
  }

  /** The bound HTTP port, -1 without an HTTP listener. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** Caught up with the events topic (every mesh generated), still reading, not closed. */
  public boolean isReady() {
    return ready && !failed && !closed.get();
  }

  /**
   * Waits until ready, failed or closed.
   *
   * @return {@link #isReady()} at the end of the wait
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    readyOrStopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return isReady();
  }

  /** Waits until the reading fails or the control plane is closed; true when it failed. */
  boolean awaitStopped() throws InterruptedException {
    stopped.await();
    return failed;
  }

  /** Whether the reading failed or the control plane was closed, without waiting. */
  boolean isStopped() {
    return stopped.getCount() == 0;
  }

  /** How many times a mesh was regenerated in full (every proxy of it). */
  public long regenerations() {
    return regenerations.get();
  }

  /** How many proxy configs were generated, over all regenerations. */
  public long generatedConfigs() {
    return generatedConfigs.get();
  }

  /** Records of the events topic that could not be read or failed the projector's checks. */
  public long skippedEvents() {
    return skippedEvents.get();
  }

  /** Decodes and folds one record; never throws. Reader thread. */
  private void apply(ConsumerRecord<byte[], byte[]> record) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    ResourceEvent event;
    try {
      event = record.value() == null ? null : serde.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      skip(record, List.of("value: unreadable: " + e.getMessage()));
      return;
    }
    List<String> problems = ResourceIdentity.ofEventRecord(key, event);
    if (!problems.isEmpty()) {
      skip(record, problems);
      return;
    }
    if (states.apply(event)) {
      dirty.add(event.getMesh());
    }
  }

  private void skip(ConsumerRecord<byte[], byte[]> record, List<String> problems) {
    skippedEvents.incrementAndGet();
    LOG.warn(
        "Skipping invalid event topic={} partition={} offset={} problems={}",
        record.topic(),
        record.partition(),
        record.offset(),
        problems);
  }

  /** After each poll: one change set, regenerated in full per mesh it touched. Reader thread. */
  private void afterPoll() {
    if (ready) {
      regenerateDirty();
    }
    snapshots.retryClears();
  }

  /** Caught up: generates every mesh read so far, then serves. Reader thread. */
  private void caughtUp() {
    dirty.addAll(states.meshes());
    regenerateDirty();
    ready = true;
    readyOrStopped.countDown();
    LOG.info(
        "Baseline caught up with the events topic meshes={} proxies={} regenerations={}",
        states.meshes().size(),
        snapshots.proxies(),
        regenerations.get());
  }

  private void readingFailed() {
    failed = true;
    LOG.error("Baseline stopped reading the events topic; its snapshots are stale");
    readyOrStopped.countDown();
    stopped.countDown();
  }

  private void regenerateDirty() {
    if (dirty.isEmpty() || closed.get()) {
      return;
    }
    for (String mesh : dirty) {
      ProxySnapshots.Pass pass = snapshots.regenerate(mesh, states.resources(mesh));
      regenerations.incrementAndGet();
      generatedConfigs.addAndGet(pass.proxies());
      if (metrics != null) {
        regenerationTimer.record(pass.nanos(), TimeUnit.NANOSECONDS);
        regenerationCounter.increment();
        generatedCounter.increment(pass.proxies());
      }
      LOG.info(
          "Regenerated mesh={} proxies={} changed={} cleared={} millis={}",
          mesh,
          pass.proxies(),
          pass.changed(),
          pass.cleared(),
          pass.nanos() / 1_000_000);
    }
    dirty.clear();
    proxies.set(snapshots.proxies());
  }

  /** Stops the ADS server (graceful, then forced after a bound) and the reader. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (http != null) {
        http.close();
      }
      if (server != null) {
        server.shutdown();
        try {
          if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
            server.shutdownNow();
            server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          server.shutdownNow();
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      if (tail != null) {
        tail.close();
      }
      if (metrics != null) {
        metrics.close();
      }
      readyOrStopped.countDown();
      stopped.countDown();
      LOG.info("Baseline control plane stopped");
    }
  }
}
