package dev.chronomesh.it;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One ADS stream as an Envoy sidecar opens it (node user agent {@code envoy}, the dataplane token
 * raw in {@code authorization}): state of the world or delta, subscribing to every cluster and
 * listener and to the named secrets, acknowledging every response. Keeps the latest resource of
 * each type and name, every secret it was ever sent, and whether the stream ever ended.
 */
final class EnvoyAdsClient implements AutoCloseable {
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel channel;
  private final Map<String, Map<String, Any>> latest = new ConcurrentHashMap<>();
  private final List<Any> secretsReceived = new CopyOnWriteArrayList<>();
  private volatile Throwable ended;

  private EnvoyAdsClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** Opens the stream to {@code host:port} for {@code nodeId}, asking for {@code secretNames}. */
  static EnvoyAdsClient open(
      String host, int port, String nodeId, String token, boolean delta, List<String> secretNames) {
    return open(
        NettyChannelBuilder.forAddress(host, port).usePlaintext().build(),
        Node.newBuilder().setId(nodeId).setUserAgentName("envoy").build(),
        token,
        delta,
        secretNames);
  }

  /**
   * Opens the stream on {@code channel} (closed with the client) as {@code node}: the node of an
   * Envoy bootstrap, its metadata included.
   */
  static EnvoyAdsClient open(
      ManagedChannel channel, Node node, String token, boolean delta, List<String> secretNames) {
    EnvoyAdsClient client = new EnvoyAdsClient(channel);
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, token);
    var stub =
        AggregatedDiscoveryServiceGrpc.newStub(client.channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    if (delta) {
      client.delta(stub, node, secretNames);
    } else {
      client.stateOfTheWorld(stub, node, secretNames);
    }
    return client;
  }

  private void stateOfTheWorld(
      AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub,
      Node node,
      List<String> secretNames) {
    @SuppressWarnings("unchecked")
    StreamObserver<DiscoveryRequest>[] out = new StreamObserver[1];
    out[0] =
        stub.streamAggregatedResources(
            new Ending<>() {
              @Override
              public void onNext(DiscoveryResponse r) {
                Map<String, Any> byName = new ConcurrentHashMap<>();
                for (Any any : r.getResourcesList()) {
                  byName.put(name(r.getTypeUrl(), any), any);
                  if (r.getTypeUrl().equals(SECRET)) {
                    secretsReceived.add(any);
                  }
                }
                latest.put(r.getTypeUrl(), byName);
                DiscoveryRequest.Builder ack =
                    DiscoveryRequest.newBuilder()
                        .setNode(node)
                        .setTypeUrl(r.getTypeUrl())
                        .setVersionInfo(r.getVersionInfo())
                        .setResponseNonce(r.getNonce());
                if (r.getTypeUrl().equals(SECRET)) {
                  ack.addAllResourceNames(secretNames);
                }
                synchronized (out) {
                  out[0].onNext(ack.build());
                }
              }
            });
    synchronized (out) {
      for (String type : List.of(CLUSTER, LISTENER)) {
        out[0].onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).build());
      }
      out[0].onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(SECRET)
              .addAllResourceNames(secretNames)
              .build());
    }
  }

  private void delta(
      AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub,
      Node node,
      List<String> secretNames) {
    @SuppressWarnings("unchecked")
    StreamObserver<DeltaDiscoveryRequest>[] out = new StreamObserver[1];
    out[0] =
        stub.deltaAggregatedResources(
            new Ending<>() {
              @Override
              public void onNext(DeltaDiscoveryResponse r) {
                Map<String, Any> byName =
                    latest.computeIfAbsent(r.getTypeUrl(), t -> new ConcurrentHashMap<>());
                for (Resource res : r.getResourcesList()) {
                  byName.put(res.getName(), res.getResource());
                  if (r.getTypeUrl().equals(SECRET)) {
                    secretsReceived.add(res.getResource());
                  }
                }
                r.getRemovedResourcesList().forEach(byName::remove);
                synchronized (out) {
                  out[0].onNext(
                      DeltaDiscoveryRequest.newBuilder()
                          .setNode(node)
                          .setTypeUrl(r.getTypeUrl())
                          .setResponseNonce(r.getNonce())
                          .build());
                }
              }
            });
    synchronized (out) {
      for (String type : List.of(CLUSTER, LISTENER)) {
        out[0].onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).build());
      }
      out[0].onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(SECRET)
              .addAllResourceNamesSubscribe(secretNames)
              .build());
    }
  }

  /** The latest resources of {@code typeUrl}, by name. */
  Map<String, Any> latest(String typeUrl) {
    return latest.getOrDefault(typeUrl, Map.of());
  }

  /** Every secret the stream delivered, in order (a renewal adds to it). */
  List<Any> secretsReceived() {
    return secretsReceived;
  }

  /** Why the stream ended; null while it is open. */
  Throwable ended() {
    return ended;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static String name(String typeUrl, Any any) {
    try {
      return switch (typeUrl) {
        case CLUSTER -> any.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class).getName();
        case LISTENER ->
            any.unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class).getName();
        case SECRET ->
            any.unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.class)
                .getName();
        default -> String.valueOf(any.hashCode());
      };
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private abstract class Ending<T> implements StreamObserver<T> {
    @Override
    public void onError(Throwable t) {
      ended = t;
    }

    @Override
    public void onCompleted() {
      ended = new IllegalStateException("stream completed by the gateway");
    }
  }
}
