package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why {@link ProxyStatusNackGuard} exists, on a real gRPC server without Kafka: java-control-plane
 * alone sends a NACKed version again and again (a NACK names the version the proxy still runs);
 * with the guard the NACKed version is not sent again and the next one is.
 */
class ProxyStatusNackGuardIT {
  private static final String NODE = "default.web-1";
  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;

  @Test
  void withoutTheGuardANackedVersionIsSentInALoop() throws Exception {
    try (NodeSnapshots snapshots = snapshots();
        Ads ads = Ads.start(snapshots, callbacks(snapshots), snapshots.cache())) {
      put(snapshots, config(7));
      DiscoveryResponse a = ads.first();
      // Each NACK of A is answered with A again at once; NACK three times, expect three more.
      int resent = 0;
      DiscoveryResponse last = a;
      for (int i = 0; i < 3; i++) {
        ads.nack(last, "");
        Object next = ads.received.poll(10, TimeUnit.SECONDS);
        assertThat(next).isInstanceOf(DiscoveryResponse.class);
        last = (DiscoveryResponse) next;
        if (last.getVersionInfo().equals(a.getVersionInfo())) {
          resent++;
        }
      }
      assertThat(resent).as("A re-sent after each NACK").isEqualTo(3);
    }
  }

  @Test
  void withTheGuardANackedVersionIsNotSentAgainAndTheNextOneIs() throws Exception {
    try (NodeSnapshots snapshots = snapshots()) {
      AdsCallbacks callbacks = callbacks(snapshots);
      put(snapshots, config(7));
      try (Ads ads =
          Ads.start(snapshots, callbacks, new ProxyStatusNackGuard(snapshots.cache(), callbacks))) {
        DiscoveryResponse a = ads.first();
        ads.nack(a, "");
        // Bounded wait: without the guard A comes back within milliseconds (see above).
        assertThat(ads.received.poll(2, TimeUnit.SECONDS)).as("a response after the NACK").isNull();

        ProxyConfig b = config(9);
        put(snapshots, b);
        Object next = ads.received.poll(10, TimeUnit.SECONDS);
        assertThat(next).isInstanceOf(DiscoveryResponse.class);
        assertThat(((DiscoveryResponse) next).getVersionInfo()).isEqualTo(b.getVersion());
      }
    }
  }

  @TempDir Path cacheDir;
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final FeedRecords records = new FeedRecords(registry, "proxy-configs", "endpoints");

  private NodeSnapshots snapshots() {
    return new NodeSnapshots(NodeStore.open(cacheDir), records);
  }

  /** The gateway's callbacks. */
  private static AdsCallbacks callbacks(NodeSnapshots snapshots) {
    return new AdsCallbacks(snapshots::causedAt, snapshots::currentVersion, Clock.systemUTC());
  }

  private static ProxyConfig config(int timeoutSeconds) {
    List<dev.chronomesh.events.avro.XdsResource> resources =
        new ArrayList<>(ProxylessConfigs.resources(10001));
    resources.removeIf(r -> r.getTypeUrl().equals(CDS));
    resources.add(
        ProxylessConfigs.resource(
            CDS,
            "backend",
            ProxylessConfigs.cluster().toBuilder()
                .setConnectTimeout(
                    com.google.protobuf.Duration.newBuilder().setSeconds(timeoutSeconds))
                .build()));
    return ProxylessConfigs.proxyConfig("default", "web-1", resources);
  }

  private void put(NodeSnapshots snapshots, ProxyConfig config) throws FeedRecords.Invalid {
    byte[] record =
        AvroSerde.forValues(registry, ProxyConfig.class).serialize("proxy-configs", config);
    snapshots.put(NODE, record, null);
  }

  /** A loopback ADS server and one raw state-of-the-world stream to it. */
  private static final class Ads implements AutoCloseable {
    final Server server;
    final ManagedChannel channel;
    final StreamObserver<DiscoveryRequest> requests;
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final Node node = Node.newBuilder().setId(NODE).build();

    private Ads(Server server) {
      this.server = server;
      this.channel =
          Grpc.newChannelBuilder(
                  "127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create())
              .build();
      this.requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      received.add(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
    }

    /** The gateway's ADS service: the snapshots activate a node when its stream opens. */
    static Ads start(NodeSnapshots snapshots, AdsCallbacks callbacks, ConfigWatcher watcher)
        throws Exception {
      V3DiscoveryServer discovery = new V3DiscoveryServer(List.of(callbacks), watcher);
      Server server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
              .addService(
                  ServerInterceptors.intercept(
                      discovery.getAggregatedDiscoveryServiceImpl(),
                      new NodeStreams(snapshots, callbacks::refused)))
              .build()
              .start();
      return new Ads(server);
    }

    DiscoveryResponse first() throws InterruptedException {
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      Object first = received.poll(10, TimeUnit.SECONDS);
      assertThat(first).isInstanceOf(DiscoveryResponse.class);
      return (DiscoveryResponse) first;
    }

    /** Rejects {@code response}, naming {@code versionInUse} as Envoy and gRPC do. */
    void nack(DiscoveryResponse response, String versionInUse) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(CDS)
              .setVersionInfo(versionInUse)
              .setResponseNonce(response.getNonce())
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage("rejected"))
              .build());
    }

    @Override
    public void close() throws InterruptedException {
      requests.onCompleted();
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
