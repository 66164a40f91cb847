package dev.chronomesh.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stateless xDS gateway: an ADS server (state of the world and delta, java-control-plane on
 * grpc-java) whose per-proxy snapshots are fed from the proxy-configs topic. It holds no config
 * logic and no durable state; any instance serves any proxy with what the projector wrote.
 *
 * <p>The gRPC health service reports NOT_SERVING until the feed has caught up with the topic.
 */
public final class XdsGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(XdsGateway.class);
  private static final long SHUTDOWN_GRACE_SECONDS = 5;

  private final Server server;
  private final int port;
  private final ProxyConfigFeed feed;
  private final NodeSnapshots snapshots;
  private final HealthStatusManager health;
  private final AtomicBoolean closed = new AtomicBoolean();

  private XdsGateway(
      Server server, ProxyConfigFeed feed, NodeSnapshots snapshots, HealthStatusManager health) {
    this.server = server;
    this.port = server.getPort();
    this.feed = feed;
    this.snapshots = snapshots;
    this.health = health;
  }

  /**
   * Binds the gRPC port (0 picks a free one) and starts reading the proxy-configs topic. Returns
   * without waiting for the feed; see {@link #isReady()}.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static XdsGateway start(XdsGatewayConfig config) {
    Objects.requireNonNull(config, "config");
    NodeSnapshots snapshots = new NodeSnapshots();
    HealthStatusManager health = new HealthStatusManager();
    String adsService = AggregatedDiscoveryServiceGrpc.SERVICE_NAME;
    setHealth(health, adsService, ServingStatus.NOT_SERVING);

    V3DiscoveryServer discovery =
        new V3DiscoveryServer(List.of(new StreamLogging()), snapshots.cache());
    InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
    // Plaintext for now. TLS and dataplane-token authentication come in a later issue: the
    // credentials become TlsServerCredentials, and a ServerInterceptor that checks the token in
    // the `authorization` metadata against the node id wraps the ADS service
    // (ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(), auth)).
    Server server =
        NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
            // One service carries both StreamAggregatedResources (SotW) and
            // DeltaAggregatedResources (delta) in java-control-plane 1.0.49.
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .addService(health.getHealthService())
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the xDS gRPC server to " + address, e);
    }
    ProxyConfigFeed feed;
    try {
      feed =
          ProxyConfigFeed.start(
              config.topics().proxyConfigs(),
              config.topics().endpoints(),
              config.kafkaProperties(),
              config.registry(),
              snapshots,
              () -> setHealth(health, adsService, ServingStatus.SERVING),
              () -> setHealth(health, adsService, ServingStatus.NOT_SERVING));
    } catch (RuntimeException e) {
      server.shutdownNow();
      throw e;
    }
    LOG.info(
        "xDS gateway listening host={} port={} topic={}",
        config.host(),
        server.getPort(),
        config.topics().proxyConfigs());
    return new XdsGateway(server, feed, snapshots, health);
  }

  private static void setHealth(
      HealthStatusManager health, String adsService, ServingStatus status) {
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    health.setStatus(adsService, status);
  }

  /** The bound gRPC port. */
  public int port() {
    return port;
  }

  /** Whether the feed has read proxy-configs up to the end offsets seen at start. */
  public boolean isReady() {
    return feed.isReady();
  }

  /** The per-node snapshots this gateway serves (for tests in this package). */
  NodeSnapshots snapshots() {
    return snapshots;
  }

  /**
   * Stops the gRPC server (graceful shutdown, then shutdownNow after a bound) and the feed.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      feed.close();
    }
    LOG.info("xDS gateway stopped port={}", port);
  }
}
