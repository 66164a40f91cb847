package dev.chronomesh.benchmarks.harness;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated Envoy on one ADS stream, state of the world or delta, for the harness: it subscribes
 * as Envoy does (CDS and LDS wildcard; EDS for the EDS clusters CDS gave it; RDS for the route
 * configurations its listeners name), keeps the resources it was given, and acknowledges every
 * response at once (an invalid resource is never sent by the control planes under test; the
 * simulated proxy does not NACK).
 *
 * <p>Every request carries the node, as Envoy's do by default.
 *
 * <p>Identical resources are parsed once for the whole fleet ({@link #unpack}): a real Envoy parses
 * on its own machine, but here thousands of simulated proxies share the control plane's two cores
 * and one heap, and parsing every cluster's endpoint set once per reader made the harness's heap
 * 2–3 GB at 10,000 proxies, with young-collection pauses of 0.2–1 s (7.5 s of pauses in one
 * reconnect storm, during which no simulated proxy acknowledged anything).
 *
 * <p>After each acknowledgement it tells its {@link Observer}, on the gRPC thread, so the harness
 * can check a condition against what the proxy now holds. Responses of one stream arrive in order;
 * the state is read by the observer on that same thread, or after the stream went quiet.
 */
final class SimEnvoy {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  /** Told after each acknowledgement. */
  interface Observer {
    void acked(SimEnvoy proxy, String typeUrl, long atNanos);
  }

  /** Parsed resources by type and bytes, shared by every simulated proxy in this JVM. */
  private static final Map<Interned, Message> INTERNED = new ConcurrentHashMap<>();

  /** Bound of {@link #INTERNED}; it is cleared when full (what is held elsewhere stays valid). */
  private static final int INTERNED_MAX = 100_000;

  private record Interned(Class<?> type, ByteString bytes) {}

  private final String nodeId;
  private final boolean delta;
  private final Observer observer;

  /** Sent on every request, as Envoy does by default (set_node_on_first_message_only: false). */
  private final Node node;

  private volatile Map<String, Cluster> clusters = Map.of();
  private volatile Map<String, ClusterLoadAssignment> endpoints = Map.of();
  private volatile Map<String, Listener> listeners = Map.of();
  private final Set<String> edsNames = new TreeSet<>();
  private final Set<String> rdsNames = new TreeSet<>();
  private final Map<String, String> versions = new HashMap<>();
  private final Map<String, String> nonces = new HashMap<>();

  /** Types acknowledged since the stream opened. */
  private final Set<String> ackedTypes = new HashSet<>();

  private final AtomicLong responses = new AtomicLong();
  private volatile ClientCallStreamObserver<?> stream;
  private volatile boolean failed;

  /** Why the current stream failed, for the report; null while it has not. */
  private volatile String failure;

  SimEnvoy(String nodeId, boolean delta, Observer observer) {
    this.nodeId = nodeId;
    this.delta = delta;
    this.observer = observer;
    this.node = Node.newBuilder().setId(nodeId).setCluster(nodeId).build();
  }

  String nodeId() {
    return nodeId;
  }

  Map<String, Cluster> clusters() {
    return clusters;
  }

  Map<String, ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  /** Responses received since creation (every push counts once). */
  long responses() {
    return responses.get();
  }

  /** Whether the stream broke (the harness reports it). */
  boolean failed() {
    return failed;
  }

  /**
   * Whether, since the stream opened, the proxy acknowledged CDS and LDS, and EDS and RDS when it
   * subscribes to any: it holds a complete config.
   */
  synchronized boolean isComplete() {
    return ackedTypes.contains(CDS)
        && ackedTypes.contains(LDS)
        && (edsNames.isEmpty() || ackedTypes.contains(EDS))
        && (rdsNames.isEmpty() || ackedTypes.contains(RDS));
  }

  /** What the proxy holds and has acknowledged, for diagnostics. */
  synchronized String describe() {
    return nodeId
        + (delta ? " delta" : " sotw")
        + " acked="
        + ackedTypes.stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).sorted().toList()
        + " clusters="
        + clusters.size()
        + " eds="
        + edsNames
        + " endpoints="
        + endpoints.keySet()
        + " failed="
        + failed
        + (failure == null ? "" : " (" + failure + ")");
  }

  /** Opens the stream with nothing known, as a starting (or restarted) Envoy does. */
  synchronized void connect(ManagedChannel channel) {
    clusters = Map.of();
    endpoints = Map.of();
    listeners = Map.of();
    edsNames.clear();
    rdsNames.clear();
    versions.clear();
    nonces.clear();
    ackedTypes.clear();
    failed = false;
    failure = null;
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (delta) {
      stub.deltaAggregatedResources(new DeltaStream());
    } else {
      stub.streamAggregatedResources(new SotwStream());
    }
    subscribeInitial();
  }

  /** Cancels the stream. */
  void disconnect() {
    ClientCallStreamObserver<?> s = stream;
    if (s != null) {
      s.cancel("simulated proxy stops", null);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> void send(T request) {
    ClientCallStreamObserver<T> s = (ClientCallStreamObserver<T>) stream;
    synchronized (s) {
      s.onNext(request);
    }
  }

  // ---- state of the world ----

  private final class SotwStream
      implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    private ClientCallStreamObserver<DiscoveryRequest> mine;

    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requests) {
      mine = requests;
      stream = requests;
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      if (stream != mine) {
        return;
      }
      responses.incrementAndGet();
      String type = response.getTypeUrl();
      synchronized (SimEnvoy.this) {
        try {
          switch (type) {
            case CDS -> clusters = byName(response.getResourcesList(), Cluster.class);
            case EDS ->
                endpoints = byName(response.getResourcesList(), ClusterLoadAssignment.class);
            case LDS -> listeners = byName(response.getResourcesList(), Listener.class);
            default -> {}
          }
        } catch (InvalidProtocolBufferException e) {
          failed = true;
          return;
        }
        versions.put(type, response.getVersionInfo());
        nonces.put(type, response.getNonce());
        send(sotwRequest(type));
        ackedTypes.add(type);
        if (type.equals(CDS) && replace(edsNames, edsNamesOf(clusters))) {
          send(sotwRequest(EDS));
        }
        if (type.equals(LDS) && replace(rdsNames, rdsNamesOf(listeners))) {
          send(sotwRequest(RDS));
        }
      }
      observer.acked(SimEnvoy.this, type, System.nanoTime());
    }

    @Override
    public void onError(Throwable t) {
      streamEnded(mine, t.toString());
    }

    @Override
    public void onCompleted() {
      streamEnded(mine, "completed by the server");
    }
  }

  /** A request for {@code type}: ACK of the last response of that type, with its names. */
  private DiscoveryRequest sotwRequest(String type) {
    DiscoveryRequest.Builder r =
        DiscoveryRequest.newBuilder()
            .setTypeUrl(type)
            .setVersionInfo(versions.getOrDefault(type, ""))
            .setResponseNonce(nonces.getOrDefault(type, ""));
    if (type.equals(EDS)) {
      r.addAllResourceNames(edsNames);
    } else if (type.equals(RDS)) {
      r.addAllResourceNames(rdsNames);
    }
    return r.setNode(node).build();
  }

  // ---- delta ----

  private final class DeltaStream
      implements ClientResponseObserver<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    private ClientCallStreamObserver<DeltaDiscoveryRequest> mine;

    @Override
    public void beforeStart(ClientCallStreamObserver<DeltaDiscoveryRequest> requests) {
      mine = requests;
      stream = requests;
    }

    @Override
    public void onNext(DeltaDiscoveryResponse response) {
      if (stream != mine) {
        return;
      }
      responses.incrementAndGet();
      String type = response.getTypeUrl();
      synchronized (SimEnvoy.this) {
        try {
          switch (type) {
            case CDS -> clusters = apply(clusters, response, Cluster.class);
            case EDS -> endpoints = apply(endpoints, response, ClusterLoadAssignment.class);
            case LDS -> listeners = apply(listeners, response, Listener.class);
            default -> {}
          }
        } catch (InvalidProtocolBufferException e) {
          failed = true;
          return;
        }
        send(
            DeltaDiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(type)
                .setResponseNonce(response.getNonce())
                .build());
        ackedTypes.add(type);
        if (type.equals(CDS)) {
          resubscribe(EDS, edsNames, edsNamesOf(clusters));
        } else if (type.equals(LDS)) {
          resubscribe(RDS, rdsNames, rdsNamesOf(listeners));
        }
      }
      observer.acked(SimEnvoy.this, type, System.nanoTime());
    }

    @Override
    public void onError(Throwable t) {
      streamEnded(mine, t.toString());
    }

    @Override
    public void onCompleted() {
      streamEnded(mine, "completed by the server");
    }
  }

  /**
   * A stream ended: a failure if it is still the current one. Under the monitor, as {@link
   * #connect} is, so the end of a stream cancelled by a reconnect is never taken for a failure of
   * the stream that replaced it.
   */
  private synchronized void streamEnded(ClientCallStreamObserver<?> which, String why) {
    if (stream == which) {
      failed = true;
      failure = why;
    }
  }

  private void resubscribe(String type, Set<String> current, Set<String> wanted) {
    Set<String> added = new TreeSet<>(wanted);
    added.removeAll(current);
    Set<String> removed = new TreeSet<>(current);
    removed.removeAll(wanted);
    if (added.isEmpty() && removed.isEmpty()) {
      return;
    }
    current.clear();
    current.addAll(wanted);
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .addAllResourceNamesSubscribe(added)
            .addAllResourceNamesUnsubscribe(removed)
            .build());
  }

  /** The first request of each wildcard type, naming the node. */
  private void subscribeInitial() {
    if (delta) {
      for (String type : List.of(CDS, LDS)) {
        send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).build());
      }
    } else {
      send(sotwRequest(CDS));
      send(sotwRequest(LDS));
    }
  }

  private static <M extends com.google.protobuf.Message> Map<String, M> apply(
      Map<String, M> old, DeltaDiscoveryResponse response, Class<M> type)
      throws InvalidProtocolBufferException {
    Map<String, M> next = new HashMap<>(old);
    for (Resource r : response.getResourcesList()) {
      next.put(r.getName(), unpack(r.getResource(), type));
    }
    response.getRemovedResourcesList().forEach(next::remove);
    return Map.copyOf(next);
  }

  private static <M extends com.google.protobuf.Message> Map<String, M> byName(
      List<Any> resources, Class<M> type) throws InvalidProtocolBufferException {
    Map<String, M> out = new HashMap<>();
    for (Any any : resources) {
      M m = unpack(any, type);
      out.put(nameOf(m), m);
    }
    return Map.copyOf(out);
  }

  /**
   * {@code any} parsed as {@code type} (checking its type URL as {@link Any#unpack} does), the same
   * instance for the same bytes as long as they stay interned.
   */
  static <M extends Message> M unpack(Any any, Class<M> type)
      throws InvalidProtocolBufferException {
    if (!any.is(type)) {
      return any.unpack(type); // throws, naming the type URL
    }
    Interned key = new Interned(type, any.getValue());
    Message known = INTERNED.get(key);
    if (known != null) {
      return type.cast(known);
    }
    M parsed = any.unpack(type);
    if (INTERNED.size() >= INTERNED_MAX) {
      INTERNED.clear();
    }
    Message raced = INTERNED.putIfAbsent(key, parsed);
    return raced == null ? parsed : type.cast(raced);
  }

  private static String nameOf(com.google.protobuf.Message m) {
    return switch (m) {
      case Cluster c -> c.getName();
      case ClusterLoadAssignment c -> c.getClusterName();
      case Listener l -> l.getName();
      default -> m.toString();
    };
  }

  private static Set<String> edsNamesOf(Map<String, Cluster> clusters) {
    Set<String> out = new TreeSet<>();
    for (Cluster c : clusters.values()) {
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        String service = c.getEdsClusterConfig().getServiceName();
        out.add(service.isEmpty() ? c.getName() : service);
      }
    }
    return out;
  }

  private static Set<String> rdsNamesOf(Map<String, Listener> listeners) {
    Set<String> out = new TreeSet<>();
    for (Listener l : listeners.values()) {
      for (FilterChain chain : l.getFilterChainsList()) {
        for (Filter f : chain.getFiltersList()) {
          if (f.getTypedConfig().is(HttpConnectionManager.class)) {
            try {
              HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
              if (hcm.hasRds()) {
                out.add(hcm.getRds().getRouteConfigName());
              }
            } catch (InvalidProtocolBufferException e) {
              // Not a valid HCM: no route configuration to ask for.
            }
          }
        }
      }
    }
    return out;
  }

  /** Makes {@code set} equal {@code wanted}; true when it changed. */
  private static boolean replace(Set<String> set, Set<String> wanted) {
    if (set.equals(wanted)) {
      return false;
    }
    set.clear();
    set.addAll(wanted);
    return true;
  }
}
