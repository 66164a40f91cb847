package dev.chronomesh.it;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw state-of-the-world ADS stream, as an Envoy would open it, to read what a proxy gets. */
final class AdsProbe {
  static final String CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  private AdsProbe() {}

  /**
   * The first clusters response the gateway sends to {@code nodeId} that names at least one
   * cluster, or null when none arrives within the timeout.
   */
  static DiscoveryResponse firstClusters(String host, int port, String nodeId, long timeoutSeconds)
      throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    try {
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      responses.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId(nodeId))
              .setTypeUrl(CLUSTER_TYPE)
              .build());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (System.nanoTime() < deadline) {
        DiscoveryResponse r = responses.poll(1, TimeUnit.SECONDS);
        if (r != null && r.getResourcesCount() > 0) {
          requests.onCompleted();
          return r;
        }
      }
      requests.onCompleted();
      return null;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
