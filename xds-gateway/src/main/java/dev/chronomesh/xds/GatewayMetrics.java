package dev.chronomesh.xds;

import dev.chronomesh.servicehttp.ServiceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's Prometheus metrics, fed by ADS stream events: event → ACK convergence per xDS type
 * ({@code chronomesh_xds_convergence_seconds}), ACKs and NACKs per type, refused clients, open
 * streams per mode, and the JVM and process. Thread-safe; never throws from a listener method.
 */
final class GatewayMetrics implements ProxyEventListener, AutoCloseable {
  /** Micrometer name; the Prometheus registry renders it as {@code <name>_seconds_*}. */
  static final String CONVERGENCE = "chronomesh.xds.convergence";

  /** Histogram buckets from 1 ms to 30 s, roughly 1-2.5-5 per decade. */
  static final Duration[] CONVERGENCE_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private static final Map<String, String> SHORT_TYPES =
      Map.of(
          "type.googleapis.com/envoy.config.cluster.v3.Cluster", "cds",
          "type.googleapis.com/envoy.config.listener.v3.Listener", "lds",
          "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "rds",
          "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", "eds",
          "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", "sds");

  private final ServiceMetrics service = new ServiceMetrics();
  private final PrometheusMeterRegistry registry = service.registry();

  /** Open streams by id → delta; a disconnect without a connect is ignored. */
  private final Map<Long, Boolean> openStreams = new ConcurrentHashMap<>();

  private final AtomicInteger openSotw = new AtomicInteger();
  private final AtomicInteger openDelta = new AtomicInteger();

  GatewayMetrics() {
    Gauge.builder("chronomesh.xds.streams.open", openSotw, AtomicInteger::get)
        .description("ADS streams open on this gateway")
        .tag("mode", "sotw")
        .register(registry);
    Gauge.builder("chronomesh.xds.streams.open", openDelta, AtomicInteger::get)
        .description("ADS streams open on this gateway")
        .tag("mode", "delta")
        .register(registry);
  }

  /**
   * Gauges of the nodes this gateway keeps in memory (those with streams here) and of the nodes in
   * its disk cache (RocksDB's estimate).
   */
  void bindNodes(NodeSnapshots snapshots) {
    Gauge.builder("chronomesh.xds.nodes", snapshots, NodeSnapshots::activeNodes)
        .description("Proxy nodes in this gateway's memory (connected, or closing)")
        .tag("where", "memory")
        .register(registry);
    Gauge.builder("chronomesh.xds.nodes", snapshots, NodeSnapshots::storedNodes)
        .description("Proxy nodes in this gateway's disk cache (estimate)")
        .tag("where", "disk")
        .register(registry);
  }

  /** The xDS type's short name (cds, lds, rds, eds, sds) or the type URL's last segment. */
  static String shortType(String typeUrl) {
    if (typeUrl == null || typeUrl.isEmpty()) {
      return "unknown";
    }
    String known = SHORT_TYPES.get(typeUrl);
    if (known != null) {
      return known;
    }
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  @Override
  public void connected(String nodeId, long streamId, boolean delta) {
    if (openStreams.putIfAbsent(streamId, delta) == null) {
      (delta ? openDelta : openSotw).incrementAndGet();
    }
  }

  @Override
  public void disconnected(String nodeId, long streamId) {
    Boolean delta = openStreams.remove(streamId);
    if (delta != null) {
      (delta ? openDelta : openSotw).decrementAndGet();
    }
  }

  @Override
  public void acked(String nodeId, String typeUrl, String version, Duration convergence) {
    String type = shortType(typeUrl);
    Counter.builder("chronomesh.xds.acks")
        .description("Config versions proxies acknowledged")
        .tag("type", type)
        .register(registry)
        .increment();
    if (convergence != null && !convergence.isNegative()) {
      convergence(type).record(convergence);
    }
  }

  @Override
  public void nacked(String nodeId, String typeUrl, String version, String error) {
    Counter.builder("chronomesh.xds.nacks")
        .description("Config versions proxies rejected")
        .tag("type", shortType(typeUrl))
        .register(registry)
        .increment();
  }

  @Override
  public void refused(String nodeId, String reason) {
    Counter.builder("chronomesh.xds.refusals")
        .description("Proxy clients refused because they cannot use their node's config")
        .register(registry)
        .increment();
  }

  private Timer convergence(String type) {
    return Timer.builder(CONVERGENCE)
        .description("Time from the newest event behind a config version to the proxy's ACK of it")
        .tag("type", type)
        .serviceLevelObjectives(CONVERGENCE_BUCKETS)
        .minimumExpectedValue(CONVERGENCE_BUCKETS[0])
        .maximumExpectedValue(CONVERGENCE_BUCKETS[CONVERGENCE_BUCKETS.length - 1])
        .register(registry);
  }

  /** The Prometheus text exposition of every meter. */
  String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    service.close();
  }
}
