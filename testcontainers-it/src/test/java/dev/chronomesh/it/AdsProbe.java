package dev.chronomesh.it;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw state-of-the-world ADS stream, as an Envoy would open it, to read what a proxy gets. */
final class AdsProbe {
  static final String CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  /** Where Envoy puts the dataplane token (Kuma's bootstrap: the ADS initial_metadata), raw. */
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private AdsProbe() {}

  /**
   * The first clusters response the gateway sends to {@code nodeId}, whose stream presents no
   * dataplane token, that names at least one cluster; null when none arrives within the timeout.
   */
  static DiscoveryResponse firstClusters(String host, int port, String nodeId, long timeoutSeconds)
      throws InterruptedException {
    return firstClusters(host, port, nodeId, null, timeoutSeconds);
  }

  /**
   * The first clusters response that names at least one cluster, on a stream presenting {@code
   * token} (null: none) in its {@code authorization} metadata; null when none arrives in time.
   */
  static DiscoveryResponse firstClusters(
      String host, int port, String nodeId, String token, long timeoutSeconds)
      throws InterruptedException {
    return firstClusters(host, port, null, nodeId, token, timeoutSeconds);
  }

  /** As above, over TLS verified against {@code trustedCa} (PEM; null: plaintext). */
  static DiscoveryResponse firstClusters(
      String host, int port, Path trustedCa, String nodeId, String token, long timeoutSeconds)
      throws InterruptedException {
    Object outcome = probe(host, port, trustedCa, nodeId, token, timeoutSeconds);
    return outcome instanceof DiscoveryResponse r ? r : null;
  }

  /**
   * The status the gateway closes a stream of {@code nodeId} presenting {@code token} (null: none)
   * with, before sending any clusters; null when it sends clusters or nothing within the timeout.
   */
  static Status refusal(String host, int port, String nodeId, String token, long timeoutSeconds)
      throws InterruptedException {
    return refusal(host, port, null, nodeId, token, timeoutSeconds);
  }

  /** As above, over TLS verified against {@code trustedCa} (PEM; null: plaintext). */
  static Status refusal(
      String host, int port, Path trustedCa, String nodeId, String token, long timeoutSeconds)
      throws InterruptedException {
    Object outcome = probe(host, port, trustedCa, nodeId, token, timeoutSeconds);
    return outcome instanceof Status s ? s : null;
  }

  /** A clusters response naming a cluster, the status that ended the stream, or null. */
  private static Object probe(
      String host, int port, Path trustedCa, String nodeId, String token, long timeoutSeconds)
      throws InterruptedException {
    ManagedChannel channel;
    if (trustedCa == null) {
      channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    } else {
      try {
        channel =
            Grpc.newChannelBuilderForAddress(
                    host,
                    port,
                    TlsChannelCredentials.newBuilder().trustManager(trustedCa.toFile()).build())
                .build();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
    try {
      AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub =
          AggregatedDiscoveryServiceGrpc.newStub(channel);
      if (token != null) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, token);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      StreamObserver<DiscoveryRequest> requests =
          stub.streamAggregatedResources(
              new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse value) {
                  outcomes.add(value);
                }

                @Override
                public void onError(Throwable t) {
                  outcomes.add(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  outcomes.add(Status.OK);
                }
              });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId(nodeId))
              .setTypeUrl(CLUSTER_TYPE)
              .build());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (System.nanoTime() < deadline) {
        Object o = outcomes.poll(1, TimeUnit.SECONDS);
        if (o instanceof Status) {
          return o;
        }
        if (o instanceof DiscoveryResponse r && r.getResourcesCount() > 0) {
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
