package dev.chronomesh.projector.generate;

import com.google.protobuf.UInt32Value;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The services of a mesh as both flavours see them: for every {@code kuma.io/service} of an
 * inbound, its ready endpoints grouped by zone (address inbound → advertised → dataplane) and the
 * protocol its inbounds agree on. One place, so both flavours send a service's traffic to the same
 * endpoints.
 */
final class MeshServices {

  /** service → its ready endpoints with their zone and inbound tags, in dataplane order. */
  private final SortedMap<String, List<Tagged>> endpoints;

  /** service → the common protocol of all its inbounds (ready or not). */
  private final SortedMap<String, Protocol> protocols;

  /** A ready endpoint, the zone it is in ("" when untagged) and its inbound's tags. */
  private record Tagged(String zone, Endpoint endpoint, Map<String, String> tags) {}

  private MeshServices(
      SortedMap<String, List<Tagged>> endpoints, SortedMap<String, Protocol> protocols) {
    this.endpoints = endpoints;
    this.protocols = protocols;
  }

  static MeshServices of(MeshResources mesh) {
    SortedMap<String, List<Tagged>> endpoints = new TreeMap<>();
    SortedMap<String, Protocol> protocols = new TreeMap<>();
    for (DataplaneResource dp : mesh.dataplanes()) {
      for (Inbound inbound : dp.getInbound()) {
        Map<String, String> tags = inbound.getTags();
        String service = tags.get(KumaTags.SERVICE);
        if (service == null || service.isEmpty()) {
          continue;
        }
        Protocol protocol = Protocol.parse(tags.get(KumaTags.PROTOCOL));
        protocols.merge(service, protocol, Protocol::common);
        List<Tagged> ready = endpoints.computeIfAbsent(service, s -> new ArrayList<>());
        if (ProxylessGrpcGenerator.isReady(inbound)) {
          String zone = Objects.requireNonNullElse(tags.get(KumaTags.ZONE), "");
          ready.add(new Tagged(zone, endpoint(dp, inbound), Map.copyOf(tags)));
        }
      }
    }
    return new MeshServices(endpoints, protocols);
  }

  /** Every service of the mesh (the tag of at least one inbound, ready or not), sorted. */
  java.util.SortedSet<String> names() {
    return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(endpoints.keySet()));
  }

  /** The protocol of {@code service}; {@link Protocol#UNKNOWN} for a service without inbounds. */
  Protocol protocol(String service) {
    return protocols.getOrDefault(service, Protocol.UNKNOWN);
  }

  /**
   * The load assignment of cluster {@code clusterName}: the ready endpoints of the selector's
   * service whose inbound tags contain all the selector's tags, by zone; no endpoints when none is.
   */
  ClusterLoadAssignment loadAssignment(String clusterName, EndpointSelector selector) {
    SortedMap<String, List<Endpoint>> zones = new TreeMap<>();
    // With an affinity: (zone, sub-zone) → the endpoints and the group's weight.
    SortedMap<List<String>, List<Endpoint>> groups = new TreeMap<>(LOCALITY_ORDER);
    Map<List<String>, Integer> weights = new java.util.HashMap<>();
    for (Tagged t : endpoints.getOrDefault(selector.service(), List.of())) {
      boolean selected =
          selector.tags().entrySet().stream()
              .allMatch(e -> e.getValue().equals(t.tags().get(e.getKey())));
      if (!selected) {
        continue;
      }
      zones.computeIfAbsent(t.zone(), z -> new ArrayList<>()).add(t.endpoint());
      List<String> locality = List.of(t.zone(), "");
      int weight = 1;
      for (EndpointSelector.Affinity a : selector.affinity()) {
        if (a.value().equals(t.tags().get(a.key()))) {
          locality = List.of(t.zone(), a.subZone());
          weight = a.weight();
          break;
        }
      }
      groups.computeIfAbsent(locality, l -> new ArrayList<>()).add(t.endpoint());
      weights.put(locality, weight);
    }
    if (selector.affinity().isEmpty()) {
      return ProxylessGrpcGenerator.loadAssignment(clusterName, zones);
    }
    // Kuma's local-zone affinity (meshloadbalancingstrategy locality_aware.go): one locality per
    // group, weighted by the group's weight, with Envoy's locality-weighted balancing.
    ClusterLoadAssignment.Builder cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName(clusterName)
            .setPolicy(
                ClusterLoadAssignment.Policy.newBuilder()
                    .setOverprovisioningFactor(UInt32Value.of(AFFINITY_OVERPROVISIONING)));
    groups.forEach(
        (locality, endpoints) -> {
          Locality.Builder l = Locality.newBuilder().setZone(locality.get(0));
          if (!locality.get(1).isEmpty()) {
            l.setSubZone(locality.get(1));
          }
          LocalityLbEndpoints.Builder group =
              LocalityLbEndpoints.newBuilder()
                  .setLocality(l)
                  .setLoadBalancingWeight(UInt32Value.of(weights.get(locality)));
          endpoints.stream()
              .sorted(ProxylessGrpcGenerator.ENDPOINT_ORDER)
              .forEach(e -> group.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(e)));
          cla.addEndpoints(group);
        });
    return cla.build();
  }

  /**
   * Kuma's overprovisioning factor of a locality-aware load assignment
   * (defaultOverprovisioningFactor).
   */
  static final int AFFINITY_OVERPROVISIONING = 200;

  private static final java.util.Comparator<List<String>> LOCALITY_ORDER =
      java.util.Comparator.<List<String>, String>comparing(l -> l.get(0))
          .thenComparing(l -> l.get(1));

  /** The Place protocol name of {@code service}: http, http2, grpc, or tcp for anything else. */
  String placeProtocol(String service) {
    Protocol p = protocol(service);
    return p.isHttp() ? p.name().toLowerCase(Locale.ROOT) : "tcp";
  }

  /** The endpoint of a dataplane's inbound: its address (else advertised, else the dataplane's). */
  static Endpoint endpoint(DataplaneResource dp, Inbound inbound) {
    String address = firstPresent(inbound.getAddress(), dp.getAdvertisedAddress(), dp.getAddress());
    return Endpoint.newBuilder()
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress(address).setPortValue(inbound.getPort())))
        .build();
  }

  static String firstPresent(String... candidates) {
    for (String c : candidates) {
      if (c != null && !c.isEmpty()) {
        return c;
      }
    }
    return "";
  }

  /**
   * Kuma's protocols ({@code kuma.io/protocol}); anything else, or no tag, is {@link #UNKNOWN},
   * which is proxied as TCP.
   */
  enum Protocol {
    UNKNOWN,
    TCP,
    TLS,
    HTTP,
    HTTP2,
    GRPC,
    KAFKA,
    MYSQL;

    static Protocol parse(String tag) {
      if (tag == null) {
        return UNKNOWN;
      }
      return switch (tag.toLowerCase(Locale.ROOT)) {
        case "tcp" -> TCP;
        case "tls" -> TLS;
        case "http" -> HTTP;
        case "http2" -> HTTP2;
        case "grpc" -> GRPC;
        case "kafka" -> KAFKA;
        case "mysql" -> MYSQL;
        default -> UNKNOWN;
      };
    }

    /** Served by an HttpConnectionManager (Kuma: http, http2, grpc). */
    boolean isHttp() {
      return this == HTTP || this == HTTP2 || this == GRPC;
    }

    /** Needs HTTP/2 towards the application (Kuma: http2, grpc). */
    boolean isHttp2() {
      return this == HTTP2 || this == GRPC;
    }

    /**
     * Kuma's common protocol of two inbounds of one service: the most specific protocol both stacks
     * share (grpc ⊂ http2 ⊂ tcp, http ⊂ tcp, kafka ⊂ tcp, tls ⊂ tcp), unknown if either is.
     */
    static Protocol common(Protocol a, Protocol b) {
      if (a == b) {
        return a;
      }
      if (a == UNKNOWN || b == UNKNOWN || a == MYSQL || b == MYSQL) {
        return UNKNOWN;
      }
      List<Protocol> stackB = b.stack();
      for (Protocol p : a.stack()) {
        if (stackB.contains(p)) {
          return p;
        }
      }
      return UNKNOWN;
    }

    private List<Protocol> stack() {
      return switch (this) {
        case GRPC -> List.of(GRPC, HTTP2, TCP);
        case HTTP2 -> List.of(HTTP2, TCP);
        case HTTP -> List.of(HTTP, TCP);
        case KAFKA -> List.of(KAFKA, TCP);
        case TLS, TCP -> List.of(TCP);
        case UNKNOWN, MYSQL -> List.of();
      };
    }
  }
}
