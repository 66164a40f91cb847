package dev.chronomesh.it;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A proxy as a gateway sees it, without Envoy: one ADS stream (state of the world or delta) that
 * subscribes to all clusters, acknowledges every response as Envoy does, and, when the stream
 * breaks, reconnects to the next gateway of its list, telling it what it already has (the acked
 * version, or the resource versions for delta).
 *
 * <p>The test configs carry their generation in the one cluster's connect timeout (seconds); the
 * proxy records the generation it holds and whether it was ever sent an older one than it had
 * acknowledged.
 */
final class SimulatedProxy {
  static final String CLUSTERS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  private final String nodeId;
  private final List<ManagedChannel> gateways;
  private final boolean delta;
  private final ScheduledExecutorService reconnects;
  private final AtomicInteger gateway;
  private final AtomicInteger generation = new AtomicInteger();
  private final AtomicInteger reconnectCount = new AtomicInteger();
  private final AtomicBoolean wentBack = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile String ackedVersion = "";
  private volatile String resourceVersion;
  private volatile StreamObserver<?> requests;

  SimulatedProxy(
      String nodeId,
      List<ManagedChannel> gateways,
      int firstGateway,
      boolean delta,
      ScheduledExecutorService reconnects) {
    this.nodeId = nodeId;
    this.gateways = gateways;
    this.delta = delta;
    this.reconnects = reconnects;
    this.gateway = new AtomicInteger(firstGateway);
  }

  String nodeId() {
    return nodeId;
  }

  /** The generation of the config this proxy holds (0: none yet). */
  int generation() {
    return generation.get();
  }

  /** Which gateway (index in the list) the proxy is on now. */
  int gateway() {
    return gateway.get();
  }

  int reconnects() {
    return reconnectCount.get();
  }

  /** Whether a gateway ever sent this proxy an older generation than one it had acknowledged. */
  boolean wentBack() {
    return wentBack.get();
  }

  void connect() {
    if (stopped.get()) {
      return;
    }
    var stub = AggregatedDiscoveryServiceGrpc.newStub(gateways.get(gateway.get()));
    Node node = Node.newBuilder().setId(nodeId).build();
    if (delta) {
      StreamObserver<DeltaDiscoveryRequest>[] out = new StreamObserver[1];
      out[0] =
          stub.deltaAggregatedResources(
              new Observer<>() {
                @Override
                public void onNext(DeltaDiscoveryResponse r) {
                  for (Resource res : r.getResourcesList()) {
                    hold(res.getResource());
                    resourceVersion = res.getVersion();
                  }
                  out[0].onNext(
                      DeltaDiscoveryRequest.newBuilder()
                          .setNode(node)
                          .setTypeUrl(CLUSTERS)
                          .setResponseNonce(r.getNonce())
                          .build());
                }
              });
      DeltaDiscoveryRequest.Builder first =
          DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTERS);
      if (resourceVersion != null) {
        first.putInitialResourceVersions("c", resourceVersion);
      }
      out[0].onNext(first.build());
      requests = out[0];
    } else {
      StreamObserver<DiscoveryRequest>[] out = new StreamObserver[1];
      out[0] =
          stub.streamAggregatedResources(
              new Observer<>() {
                @Override
                public void onNext(DiscoveryResponse r) {
                  for (Any any : r.getResourcesList()) {
                    hold(any);
                  }
                  ackedVersion = r.getVersionInfo();
                  out[0].onNext(
                      DiscoveryRequest.newBuilder()
                          .setNode(node)
                          .setTypeUrl(CLUSTERS)
                          .setVersionInfo(r.getVersionInfo())
                          .setResponseNonce(r.getNonce())
                          .build());
                }
              });
      out[0].onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(CLUSTERS)
              .setVersionInfo(ackedVersion)
              .build());
      requests = out[0];
    }
  }

  private void hold(Any any) {
    try {
      int g = (int) any.unpack(Cluster.class).getConnectTimeout().getSeconds();
      int before = generation.getAndSet(g);
      if (g < before) {
        wentBack.set(true);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  void stop() {
    stopped.set(true);
    StreamObserver<?> r = requests;
    if (r != null) {
      try {
        r.onCompleted();
      } catch (RuntimeException e) {
        // already broken
      }
    }
  }

  /** Reconnects to the next gateway after a short backoff when the stream breaks. */
  private abstract class Observer<T> implements StreamObserver<T> {
    @Override
    public void onError(Throwable t) {
      if (stopped.get()) {
        return;
      }
      reconnectCount.incrementAndGet();
      gateway.updateAndGet(g -> (g + 1) % gateways.size());
      reconnects.schedule(SimulatedProxy.this::connect, 200, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onCompleted() {
      onError(new IllegalStateException("stream completed by the gateway"));
    }
  }
}
