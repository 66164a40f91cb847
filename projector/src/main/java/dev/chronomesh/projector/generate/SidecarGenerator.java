package dev.chronomesh.projector.generate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.OutboundBackendRef;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.MeshMetrics;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS;
import dev.chronomesh.projector.generate.policies.meshhealthcheck.MeshHealthCheckConfigurer;
import dev.chronomesh.projector.generate.policies.meshhttproute.MeshHTTPRouteConfigurer;
import dev.chronomesh.projector.generate.policies.meshtcproute.MeshTCPRouteConfigurer;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.ProxyPlace;
import dev.chronomesh.projector.generate.policy.ProxyResources;
import dev.chronomesh.projector.generate.policy.RouteBackend;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Generates the xDS resources of an Envoy sidecar in Kuma's universal layout (names as Kuma 2.x
 * with its default, non-unified naming; see {@code pkg/xds/envoy/names/resource_names.go} and
 * {@code pkg/xds/generator/{inbound,outbound,admin}_proxy_generator.go} in kumahq/kuma):
 *
 * <ul>
 *   <li>per inbound: a listener {@code inbound:<address>:<port>} (address = inbound address or the
 *       dataplane's) whose one filter chain is an HttpConnectionManager (http, http2, grpc) routing
 *       everything to the local cluster, or a tcp_proxy (any other protocol); and the STATIC local
 *       cluster {@code localhost:<servicePort>} pointing at {@code serviceAddress:servicePort}
 *       (defaults: the inbound's address and port, as Kuma);
 *   <li>per outbound: a listener {@code outbound:<address>:<port>} (address default 127.0.0.1),
 *       HTTP or TCP by the common protocol of the service's inbounds, routing to the EDS cluster
 *       named as the service (or as MeshHTTPRoute/MeshTCPRoute rules say, see {@link
 *       MeshHTTPRouteConfigurer}); per cluster used one EDS cluster (its ClusterLoadAssignment is
 *       shared, see {@link MeshContext#loadAssignment});
 *   <li>readiness and admin as Kuma generates them over xDS: the STATIC clusters {@code
 *       kuma:envoy:admin} (127.0.0.1 and the Dataplane's {@code networking.admin.port}, default
 *       9901) and {@code kuma:readiness} (127.0.0.1:9902, kuma-dp's readiness reporter), and a
 *       listener {@code kuma:envoy:admin} on the dataplane's address and the admin port that
 *       exposes only {@code /ready}, unless that address is the loopback address Envoy's admin
 *       itself binds.
 *   <li>with the Mesh's Prometheus metrics backend enabled, the stats listener {@code
 *       kuma:metrics:prometheus} ({@link PrometheusEndpoint});
 *   <li>with the Dataplane's virtual {@code probes}, the listener {@code probe:listener} ({@link
 *       ProbeListener}).
 * </ul>
 *
 * <p>Policy configurers ({@link dev.chronomesh.projector.generate.policy.PolicyConfigurers})
 * decorate these resources through {@link PolicyHooks}.
 *
 * <p>With the Mesh's mTLS on, every inbound listener requires a client certificate of the mesh and
 * every outbound cluster presents the proxy's identity and verifies the destination's, both by SDS
 * ({@link SidecarTls}); STRICT only.
 *
 * <p>Not generated yet: transparent proxying (its redirect listeners, passthrough clusters and
 * {@code bind_to_port: false}; the admin API refuses {@code transparentProxying} until then). A
 * delegated gateway dataplane has no inbounds, so it gets its outbounds and the admin resources
 * only; a builtin one is {@link GatewayGenerator}'s.
 */
final class SidecarGenerator {
  /** Kuma-dp's default Envoy admin port, when the Dataplane has no {@code networking.admin}. */
  static final int ADMIN_PORT = 9901;

  /** Kuma-dp's default readiness reporter port. */
  static final int READINESS_PORT = 9902;

  static final String ADMIN_ADDRESS = "127.0.0.1";
  static final String ADMIN_NAME = "kuma:envoy:admin";
  static final String READINESS_CLUSTER = "kuma:readiness";

  private static final HttpFilter ROUTER_FILTER =
      HttpFilter.newBuilder()
          .setName(ProxylessGrpcGenerator.ROUTER_FILTER)
          .setTypedConfig(Protos.pack(Router.getDefaultInstance()))
          .build();
  static final String DEFAULT_OUTBOUND_ADDRESS = "127.0.0.1";
  static final String UNIFIED_NAME_TAG = "kuma.io/unified-name";
  static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
  static final String TCP_PROXY_FILTER = "envoy.filters.network.tcp_proxy";
  static final String HTTP_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private static final Duration INBOUND_CONNECT_TIMEOUT = seconds(10);
  private static final Duration OUTBOUND_CONNECT_TIMEOUT = seconds(5);
  private static final Duration ADMIN_CONNECT_TIMEOUT = seconds(5);
  private static final Duration IDLE_TIMEOUT = seconds(7200);
  private static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  private static final Duration NO_TIMEOUT = seconds(0);

  private SidecarGenerator() {}

  /**
   * The config of sidecar {@code dataplane}, with every policy plugin's hooks and its
   * MeshHTTPRoutes and MeshTCPRoutes applied.
   *
   * @throws IllegalArgumentException when the dataplane does not belong to the mesh
   */
  static GeneratedConfig generate(MeshContext mesh, DataplaneResource dataplane) {
    Objects.requireNonNull(mesh, "mesh").resources().requireMember(dataplane);
    PolicyHooks hooks = PolicyHooks.of(mesh, dataplane);
    boolean mtls = MeshMtls.enabled(mesh.resources().mesh());
    String meshName = dataplane.getMesh();
    // name -> resource per type; a later resource of the same name replaces an earlier one, as in
    // Kuma's ResourceSet (two inbounds with one servicePort share the cluster localhost:<port>).
    SortedMap<String, Message> clusters = new TreeMap<>();
    SortedMap<String, Message> listeners = new TreeMap<>();
    SortedMap<String, EndpointSelector> edsClusters = new TreeMap<>();

    for (Inbound inbound : dataplane.getInbound()) {
      String service = inbound.getTags().get(KumaTags.SERVICE);
      if (service == null || service.isEmpty()) {
        continue;
      }
      MeshServices.Protocol protocol =
          MeshServices.Protocol.parse(inbound.getTags().get(KumaTags.PROTOCOL));
      String address = MeshServices.firstPresent(inbound.getAddress(), dataplane.getAddress());
      String workloadAddress = MeshServices.firstPresent(inbound.getServiceAddress(), address);
      int workloadPort =
          inbound.getServicePort() != null && inbound.getServicePort() != 0
              ? inbound.getServicePort()
              : inbound.getPort();
      String localCluster = "localhost:" + workloadPort;
      String key = PolicyHooks.inboundKey(inbound);
      // With the mesh's mTLS the inbound knows its callers' SPIFFE IDs: MeshTrafficPermission.
      Place place = new Place(service, placeProtocol(protocol), false, mtls);
      Cluster.Builder local =
          localCluster(localCluster, workloadAddress, workloadPort, protocol).toBuilder();
      hooks.inboundCluster(key, place, local);
      clusters.put(localCluster, local.build());
      String name = "inbound:" + joinHostPort(address, inbound.getPort());
      Function<Place, List<Filter>> chainFilters =
          at -> {
            Filter filter =
                protocol.isHttp()
                    ? hcm(
                        statName(localCluster),
                        "inbound:" + service,
                        service,
                        List.of(inboundRoute(localCluster, a -> hooks.inboundRoute(key, at, a))),
                        // As Kuma: the caller's tags reach the inbound's filters, not the app.
                        r -> r.addRequestHeadersToRemove(KumaTags.TAGS_HEADER),
                        b -> {
                          if (mtls) {
                            forwardClientCertificate(b);
                          }
                          hooks.inboundHttp(key, at, b);
                        })
                    : tcpProxy(
                        statName(localCluster),
                        t -> {
                          t.setCluster(localCluster);
                          hooks.inboundTcp(key, at, t);
                        });
            List<Filter> filters = new ArrayList<>();
            hooks.inboundNetworkFilters(key, at, filters);
            filters.add(filter);
            return filters;
          };
      Listener.Builder listener = inboundListener(name, address, inbound);
      if (!mtls) {
        listener.addFilterChains(FilterChain.newBuilder().addAllFilters(chainFilters.apply(place)));
      } else {
        FilterChain.Builder meshTls =
            FilterChain.newBuilder()
                .addAllFilters(chainFilters.apply(place))
                .setTransportSocket(
                    SidecarTls.downstream(
                        meshName,
                        mesh.trustedDomains(),
                        place.protocol(),
                        tls -> hooks.inboundTls(key, place, tls)));
        MeshTLS.Conf meshTlsConf = hooks.inboundConf(MeshTLS.TYPE, key);
        if (SidecarTls.permissive(
            mesh.resources().mesh(), meshTlsConf == null ? null : meshTlsConf.mode())) {
          // As Kuma's PERMISSIVE inbound: plaintext and the application's own TLS pass as they
          // are, with no caller identity (so no MeshTrafficPermission); mesh mTLS is verified.
          List<Filter> plain = chainFilters.apply(new Place(service, place.protocol(), false));
          listener
              .addListenerFilters(tlsInspector())
              .addFilterChains(
                  FilterChain.newBuilder()
                      .setFilterChainMatch(SidecarTls.permissiveMatch(SidecarTls.RAW_BUFFER, false))
                      .addAllFilters(plain))
              .addFilterChains(
                  FilterChain.newBuilder()
                      .setFilterChainMatch(SidecarTls.permissiveMatch(SidecarTls.TLS, false))
                      .addAllFilters(plain))
              .addFilterChains(
                  meshTls.setFilterChainMatch(SidecarTls.permissiveMatch(SidecarTls.TLS, true)));
        } else {
          listener.addFilterChains(meshTls);
        }
      }
      listeners.put(name, listener.build());
    }

    // As Kuma: every outbound HTTP request says which proxy sent it (x-kuma-tags), so that a
    // destination's policies can tell callers apart (MeshFaultInjection's source subsets).
    Optional<HeaderValueOption> tagsHeader = tagsHeader(dataplane);
    for (Outbound outbound : dataplane.getOutbound()) {
      Optional<EndpointSelector> destination = destination(mesh, outbound);
      if (destination.isEmpty()) {
        continue;
      }
      EndpointSelector self = destination.get();
      // A kuma.io/service is named as itself, a MeshService port as its cluster (as Kuma).
      String service = self.port() == null ? self.service() : self.clusterName();
      String key = self.policyKey();
      String address = MeshServices.firstPresent(outbound.getAddress(), DEFAULT_OUTBOUND_ADDRESS);
      String name = "outbound:" + joinHostPort(address, outbound.getPort());
      MeshServices.Protocol protocol = protocol(mesh, self);
      Place place = new Place(key, placeProtocol(protocol), false);
      MeshHTTPRoute.Conf httpRoute =
          protocol.isHttp() ? httpRoute(hooks.toConf(MeshHTTPRoute.TYPE, key)) : null;
      // As Kuma: a MeshHTTPRoute wins over a MeshTCPRoute on an HTTP service; a MeshTCPRoute alone
      // makes the outbound a TCP proxy whatever the protocol.
      List<RouteBackend> tcpRoute =
          httpRoute == null
              ? MeshTCPRouteConfigurer.backends(
                  hooks.toConf(MeshTCPRoute.TYPE, key), mesh.resources())
              : null;
      Filter filter;
      if (protocol.isHttp() && tcpRoute == null) {
        MeshHTTPRouteConfigurer.HttpRoutes http =
            MeshHTTPRouteConfigurer.routes(
                self,
                httpRoute,
                mesh.resources(),
                false,
                (m, a) -> hooks.outboundRoute(place, m, a));
        edsClusters.putAll(http.clusters());
        filter =
            hcm(
                statName(service),
                "outbound:" + service,
                service,
                http.routes(),
                r -> tagsHeader.ifPresent(r::addRequestHeadersToAdd),
                b -> hooks.outboundHttp(place, b));
      } else {
        List<RouteBackend> backends =
            tcpRoute != null ? tcpRoute : List.of(new RouteBackend(self, 1));
        backends.forEach(b -> edsClusters.put(b.selector().clusterName(), b.selector()));
        filter =
            tcpProxy(
                statName(service),
                t -> {
                  MeshTCPRouteConfigurer.target(backends, t);
                  hooks.outboundTcp(place, t);
                });
      }
      listeners.put(name, outboundListener(name, address, outbound, self, filter));
    }
    EdsClusters eds = new EdsClusters();
    List<Object> tlsInputs = mtls ? hooks.outboundTlsInputs() : List.of();
    edsClusters.forEach(
        (name, selector) -> {
          Cluster.Builder cluster = edsCluster(name).toBuilder();
          Place place =
              new Place(selector.policyKey(), placeProtocol(protocol(mesh, selector)), false);
          if (mtls) {
            // The same for every proxy with the same inputs: built once per mesh state.
            cluster.setTransportSocket(
                mesh.upstreamTls(
                    Arrays.asList(selector, place, tlsInputs),
                    () ->
                        SidecarTls.upstream(
                            meshName,
                            selector,
                            mesh.identitySans(selector),
                            place.protocol(),
                            tls -> hooks.outboundTls(place, tls))));
          }
          eds.add(name, hooks.endpoints(selector), cluster);
          hooks.outboundCluster(place, cluster);
          tagsHeader.ifPresent(h -> MeshHealthCheckConfigurer.addTagsHeader(cluster, h));
          clusters.put(name, cluster.build());
        });

    return finish(mesh, dataplane, hooks, clusters, listeners, eds);
  }

  /**
   * Adds what every Envoy of Kuma's universal layout has (admin and readiness, probes, the
   * Prometheus endpoint), runs the whole-config hooks last and returns the config.
   */
  static GeneratedConfig finish(
      MeshContext mesh,
      DataplaneResource dataplane,
      PolicyHooks hooks,
      SortedMap<String, Message> clusters,
      SortedMap<String, Message> listeners,
      EdsClusters eds) {
    int adminPort = adminPort(dataplane);
    clusters.put(ADMIN_NAME, staticCluster(ADMIN_NAME, ADMIN_ADDRESS, adminPort));
    clusters.put(
        READINESS_CLUSTER, staticCluster(READINESS_CLUSTER, ADMIN_ADDRESS, READINESS_PORT));
    if (!dataplane.getAddress().equals(ADMIN_ADDRESS)) {
      listeners.put(ADMIN_NAME, adminListener(dataplane.getAddress(), adminPort));
    }
    ProbeListener.of(dataplane).ifPresent(l -> listeners.put(l.getName(), l));
    MeshMetrics.enabledPrometheus(mesh.resources().mesh().getMetrics())
        .map(conf -> MeshMetrics.withOverride(conf, dataplane.getMetrics()))
        .flatMap(conf -> PrometheusEndpoint.listener(dataplane, conf))
        .ifPresent(l -> listeners.put(l.getName(), l));
    // Last, as Kuma: the whole-config hooks (MeshProxyPatch) see every other policy's work.
    hooks.proxy(
        new ProxyPlace(
            dataplane.getMesh(),
            dataplane.getName(),
            false,
            MeshGateway.isBuiltinGateway(dataplane)),
        new ProxyResources(clusters, listeners, new TreeMap<>()));
    List<GeneratedResource> out = new ArrayList<>();
    for (SortedMap<String, Message> byName : List.of(clusters, listeners)) {
      byName.forEach((name, message) -> out.add(Protos.resource(name, message)));
    }
    return new GeneratedConfig(out, eds.read(clusters));
  }

  /**
   * Where an outbound goes: the {@code kuma.io/service} of its tags, or the MeshService port its
   * {@code backendRef} names (by name, or by labels; the port by its number); empty when it names
   * neither or a MeshService or port that does not exist (Kuma then generates no outbound).
   */
  static Optional<EndpointSelector> destination(MeshContext mesh, Outbound outbound) {
    OutboundBackendRef ref = outbound.getBackendRef();
    if (ref == null) {
      String service = outbound.getTags().get(KumaTags.SERVICE);
      return service == null || service.isEmpty()
          ? Optional.empty()
          : Optional.of(EndpointSelector.of(service));
    }
    if (!ref.getKind().equals(MeshService.TYPE)) {
      return Optional.empty();
    }
    return mesh.resources()
        .meshService(ref.getName(), ref.getLabels())
        .flatMap(ms -> ms.port(ref.getPort()).map(p -> EndpointSelector.of(ms, p)));
  }

  /**
   * The protocol of a destination: the common protocol of a service's inbounds; a MeshService
   * port's {@code appProtocol}.
   */
  static MeshServices.Protocol protocol(MeshContext mesh, EndpointSelector destination) {
    if (destination.port() == null) {
      return mesh.services().protocol(destination.service());
    }
    return mesh.resources()
        .meshService(destination.port().name())
        .flatMap(ms -> ms.port(destination.port().port()))
        .map(p -> MeshServices.Protocol.parse(p.appProtocol()))
        .orElse(MeshServices.Protocol.UNKNOWN);
  }

  /** The Place protocol name: http, http2, grpc, or tcp for anything else. */
  static String placeProtocol(MeshServices.Protocol p) {
    return p.isHttp() ? p.name().toLowerCase(java.util.Locale.ROOT) : "tcp";
  }

  /** A merged MeshHTTPRoute conf with at least one rule, or null. */
  static MeshHTTPRoute.Conf httpRoute(MeshHTTPRoute.Conf conf) {
    return conf != null && !conf.rules().isEmpty() ? conf : null;
  }

  /** Go's net.JoinHostPort: IPv6 addresses in brackets. */
  static String joinHostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Kuma's SanitizeMetric: every character but letters, digits, '_' and '-' becomes '_'. */
  static String statName(String name) {
    if (name.chars().allMatch(SidecarGenerator::legalInStatName)) {
      return name;
    }
    StringBuilder out = new StringBuilder(name.length());
    name.codePoints().forEach(c -> out.appendCodePoint(legalInStatName(c) ? c : '_'));
    return out.toString();
  }

  private static boolean legalInStatName(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '-';
  }

  private static Cluster localCluster(
      String name, String address, int port, MeshServices.Protocol protocol) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setAltStatName(statName(name))
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(INBOUND_CONNECT_TIMEOUT)
            .setLoadAssignment(staticAssignment(name, address, port));
    if (protocol == MeshServices.Protocol.HTTP) {
      cluster.putTypedExtensionProtocolOptions(
          HTTP_OPTIONS_KEY,
          Protos.pack(
              io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                  .setCommonHttpProtocolOptions(
                      HttpProtocolOptions.newBuilder().setIdleTimeout(IDLE_TIMEOUT))
                  .setExplicitHttpConfig(
                      io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                          .ExplicitHttpConfig.newBuilder()
                          .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                  .build()));
    } else if (protocol.isHttp2()) {
      cluster.putTypedExtensionProtocolOptions(HTTP_OPTIONS_KEY, http2Options());
    }
    return cluster.build();
  }

  private static com.google.protobuf.Any http2Options() {
    return Protos.pack(
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    .ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build());
  }

  /** An EDS cluster over ADS; HTTP/2 towards the other sidecar, as Kuma for mesh services. */
  static Cluster edsCluster(String service) {
    return Cluster.newBuilder()
        .setName(service)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(Protos.ADS))
        .setConnectTimeout(OUTBOUND_CONNECT_TIMEOUT)
        .putTypedExtensionProtocolOptions(HTTP_OPTIONS_KEY, http2Options())
        .build();
  }

  private static Cluster staticCluster(String name, String address, int port) {
    return Cluster.newBuilder()
        .setName(name)
        .setAltStatName(statName(name))
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(ADMIN_CONNECT_TIMEOUT)
        .setLoadAssignment(staticAssignment(name, address, port))
        .build();
  }

  private static ClusterLoadAssignment staticAssignment(String name, String address, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(name)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder().setAddress(socket(address, port)))))
        .build();
  }

  static Address socket(String address, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))
        .build();
  }

  /** An inbound listener without its filter chains. */
  private static Listener.Builder inboundListener(String name, String address, Inbound inbound) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(socket(address, inbound.getPort()))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .setMetadata(tagsMetadata(inbound.getTags()));
  }

  /** Envoy's TLS inspector: tells TLS from plaintext and reads the SNI and ALPN of a hello. */
  static ListenerFilter tlsInspector() {
    return ListenerFilter.newBuilder()
        .setName(TLS_INSPECTOR)
        .setTypedConfig(Protos.pack(TlsInspector.getDefaultInstance()))
        .build();
  }

  /**
   * As Kuma's inbound connection managers: the application gets the caller's URI SANs (its SPIFFE
   * ID) in {@code x-forwarded-client-cert}, and never a value the caller sent itself.
   */
  private static void forwardClientCertificate(HttpConnectionManager.Builder hcm) {
    hcm.setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.SANITIZE_SET)
        .setSetCurrentClientCertDetails(
            HttpConnectionManager.SetCurrentClientCertDetails.newBuilder().setUri(true));
  }

  /**
   * Kuma's {@code x-kuma-tags} request header of a proxy's outbound requests: the tags of all its
   * inbounds, each key once with its values joined by commas, as {@code &key=v1,v2&} in key order
   * ({@code tags.Serialize} in Kuma); none for a proxy without inbound tags.
   */
  static Optional<HeaderValueOption> tagsHeader(DataplaneResource dataplane) {
    SortedMap<String, SortedSet<String>> tags = new TreeMap<>();
    for (Inbound in : dataplane.getInbound()) {
      in.getTags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    if (tags.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder value = new StringBuilder();
    tags.forEach(
        (k, v) -> value.append('&').append(k).append('=').append(String.join(",", v)).append('&'));
    return Optional.of(
        HeaderValueOption.newBuilder()
            .setHeader(
                HeaderValue.newBuilder().setKey(KumaTags.TAGS_HEADER).setValue(value.toString()))
            .build());
  }

  private static Listener outboundListener(
      String name, String address, Outbound outbound, EndpointSelector destination, Filter filter) {
    // As Kuma (meshroute OutboundListenerTags): the outbound's tags without kuma.io/mesh; for a
    // MeshService port, its KRI under kuma.io/unified-name.
    Map<String, String> tags = new TreeMap<>(outbound.getTags());
    tags.remove(KumaTags.MESH_LABEL);
    if (destination.port() != null) {
      tags = Map.of(UNIFIED_NAME_TAG, destination.port().kri());
    }
    return Listener.newBuilder()
        .setName(name)
        .setAddress(socket(address, outbound.getPort()))
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .setMetadata(tagsMetadata(tags))
        .addFilterChains(FilterChain.newBuilder().addFilters(filter))
        .build();
  }

  /** The dataplane's Envoy admin port: {@code networking.admin.port}, else Kuma's 9901. */
  static int adminPort(DataplaneResource dataplane) {
    Integer port = dataplane.getAdminPort();
    return port != null && port != 0 ? port : ADMIN_PORT;
  }

  /** The admin listener: only {@code /ready}, forwarded to kuma-dp's readiness reporter. */
  private static Listener adminListener(String address, int adminPort) {
    return httpListener(ADMIN_NAME, address, adminPort, ADMIN_HCM);
  }

  /** The admin listener's filter, the same for every proxy: built and packed once. */
  private static final Any ADMIN_HCM = Protos.pack(adminHcm());

  private static HttpConnectionManager adminHcm() {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setValidateClusters(BoolValue.of(false))
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(ADMIN_NAME)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/ready"))
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(READINESS_CLUSTER)
                                    .setPrefixRewrite("/ready"))))
            .build();
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(statName(ADMIN_NAME))
        .setRouteConfig(routes)
        .addHttpFilters(routerFilter())
        .build();
  }

  /** Kuma's HCM default: only loopback callers are internal. */
  static HttpConnectionManager.InternalAddressConfig loopbackIsInternal() {
    return HttpConnectionManager.InternalAddressConfig.newBuilder()
        .addCidrRanges(cidr("127.0.0.1", 32))
        .addCidrRanges(cidr("::1", 128))
        .build();
  }

  private static io.envoyproxy.envoy.config.core.v3.CidrRange cidr(String prefix, int length) {
    return io.envoyproxy.envoy.config.core.v3.CidrRange.newBuilder()
        .setAddressPrefix(prefix)
        .setPrefixLen(com.google.protobuf.UInt32Value.of(length))
        .build();
  }

  /**
   * An inbound-direction listener on {@code address:port} whose one filter is {@code hcm}: the
   * shape of the admin, Prometheus and probe listeners.
   */
  static Listener httpListener(String name, String address, int port, HttpConnectionManager hcm) {
    return httpListener(name, address, port, Protos.pack(hcm));
  }

  /** As {@link #httpListener(String, String, int, HttpConnectionManager)}, the filter packed. */
  private static Listener httpListener(String name, String address, int port, Any hcm) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(socket(address, port))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName(HCM_FILTER).setTypedConfig(hcm)))
        .build();
  }

  /** The inbound route: everything to the local cluster. */
  private static Route inboundRoute(String localCluster, Consumer<RouteAction.Builder> hook) {
    // As Kuma's inbound routes: the application, not the sidecar, decides how long it takes.
    RouteAction.Builder action = RouteAction.newBuilder().setCluster(localCluster);
    action.setTimeout(NO_TIMEOUT);
    hook.accept(action);
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(action)
        .build();
  }

  private static Filter hcm(
      String statPrefix,
      String routeName,
      String virtualHost,
      List<Route> routes,
      Consumer<RouteConfiguration.Builder> routeConfig,
      Consumer<HttpConnectionManager.Builder> hook) {
    RouteConfiguration.Builder config =
        RouteConfiguration.newBuilder()
            .setName(routeName)
            .setValidateClusters(BoolValue.of(false))
            .addVirtualHosts(
                VirtualHost.newBuilder().setName(virtualHost).addDomains("*").addAllRoutes(routes));
    routeConfig.accept(config);
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(statPrefix)
            .setRouteConfig(config)
            .addHttpFilters(routerFilter());
    hook.accept(hcm);
    return Filter.newBuilder().setName(HCM_FILTER).setTypedConfig(Protos.pack(hcm.build())).build();
  }

  /** Envoy's router filter, the last HTTP filter of every HCM. */
  static HttpFilter routerFilter() {
    return ROUTER_FILTER;
  }

  static Filter tcpProxy(String statPrefix, Consumer<TcpProxy.Builder> target) {
    TcpProxy.Builder proxy = TcpProxy.newBuilder().setStatPrefix(statPrefix);
    target.accept(proxy);
    if (!proxy.hasIdleTimeout()) {
      proxy.setIdleTimeout(IDLE_TIMEOUT);
    }
    return Filter.newBuilder()
        .setName(TCP_PROXY_FILTER)
        .setTypedConfig(Protos.pack(proxy.build()))
        .build();
  }

  static Metadata tagsMetadata(Map<String, String> tags) {
    Struct.Builder struct = Struct.newBuilder();
    new TreeMap<>(tags)
        .forEach((k, v) -> struct.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Metadata.newBuilder().putFilterMetadata(KumaTags.TAGS_METADATA, struct.build()).build();
  }

  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }
}
