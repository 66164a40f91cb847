package dev.chronomesh.projector.generate;

import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.events.Spiffe;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.projector.generate.policies.meshhttproute.MeshHTTPRouteConfigurer;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.ProxyPlace;
import dev.chronomesh.projector.generate.policy.ProxyResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Generates the xDS resources of a proxyless gRPC client (grpc-xds): for every service of the mesh
 * a Listener (with an api_listener, named as the service so {@code xds:///<service>} finds it), a
 * RouteConfiguration and an EDS Cluster (its ClusterLoadAssignment is shared, see {@link
 * MeshContext#loadAssignment}). In this flavour every proxy of the mesh reaches every service; the
 * proxy itself only has to belong to the mesh.
 */
final class ProxylessGrpcGenerator {

  static final String ROUTER_FILTER = "envoy.filters.http.router";
  static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();

  static final Comparator<Endpoint> ENDPOINT_ORDER =
      Comparator.comparing((Endpoint e) -> e.getAddress().getSocketAddress().getAddress())
          .thenComparingInt(e -> e.getAddress().getSocketAddress().getPortValue());

  private ProxylessGrpcGenerator() {}

  /**
   * The config of proxyless {@code dataplane}: per service of the mesh its listener, route
   * configuration and EDS cluster, plus the subset clusters its MeshHTTPRoutes split to. Only the
   * outboundCluster and outboundRoute policy hooks apply here ({@link Place#proxyless()}).
   *
   * @throws IllegalArgumentException when the dataplane does not belong to the mesh
   */
  static GeneratedConfig generate(MeshContext mesh, DataplaneResource dataplane) {
    Objects.requireNonNull(mesh, "mesh").resources().requireMember(dataplane);
    MeshServices services = mesh.services();
    PolicyHooks hooks = PolicyHooks.of(mesh, dataplane);
    SortedMap<String, Message> clusters = new TreeMap<>();
    SortedMap<String, Message> listeners = new TreeMap<>();
    SortedMap<String, Message> routes = new TreeMap<>();
    SortedMap<String, EndpointSelector> edsClusters = new TreeMap<>();
    for (String service : services.names()) {
      Place place = new Place(service, "grpc", true);
      MeshHTTPRouteConfigurer.HttpRoutes http =
          MeshHTTPRouteConfigurer.routes(
              EndpointSelector.of(service),
              SidecarGenerator.httpRoute(hooks.toConf(MeshHTTPRoute.TYPE, service)),
              mesh.resources(),
              true,
              (m, a) -> hooks.outboundRoute(place, m, a));
      listeners.put(service, listener(service, hcm -> hooks.callerHttp(place, hcm)));
      routes.put(service, routeConfiguration(service, http.routes()));
      edsClusters.put(service, EndpointSelector.of(service));
      edsClusters.putAll(http.clusters());
    }
    boolean mtls = MeshMtls.enabled(mesh.resources().mesh());
    String meshName = dataplane.getMesh();
    for (Inbound inbound : dataplane.getInbound()) {
      String service = inbound.getTags().get(KumaTags.SERVICE);
      if (service != null && !service.isEmpty()) {
        String key = PolicyHooks.inboundKey(inbound);
        // With the mesh's mTLS the server knows its callers' SPIFFE IDs: MeshTrafficPermission.
        Place place = new Place(service, "grpc", true, mtls);
        String name = ProxylessBootstrap.serverListenerName(inbound.getPort());
        listeners.put(
            name,
            serverListener(
                name, inbound.getPort(), mtls, hcm -> hooks.inboundHttp(key, place, hcm)));
      }
    }
    EdsClusters eds = new EdsClusters();
    edsClusters.forEach(
        (name, selector) -> {
          Cluster.Builder cluster = cluster(name).toBuilder();
          if (mtls) {
            List<String> sans = new ArrayList<>(List.of(san(meshName, selector)));
            sans.addAll(mesh.identitySans(selector));
            cluster.setTransportSocket(ProxylessTls.upstream(sans));
          }
          eds.add(name, hooks.endpoints(selector), cluster);
          hooks.outboundCluster(new Place(selector.policyKey(), "grpc", true), cluster);
          clusters.put(name, cluster.build());
        });
    // Last, as Kuma: the whole-config hooks (MeshProxyPatch) see every other policy's work.
    hooks.proxy(
        new ProxyPlace(dataplane.getMesh(), dataplane.getName(), true),
        new ProxyResources(clusters, listeners, routes));
    List<GeneratedResource> out = new ArrayList<>(services.names().size() * 3);
    for (SortedMap<String, Message> byName : List.of(clusters, listeners, routes)) {
      byName.forEach((name, message) -> out.add(Protos.resource(name, message)));
    }
    return new GeneratedConfig(out, eds.read(clusters));
  }

  /** Ready: state absent or Ready, and health absent or ready. NotReady and Ignored are not. */
  static boolean isReady(Inbound inbound) {
    String state = inbound.getState();
    boolean stateReady = state == null || state.equals("Ready");
    boolean healthReady = inbound.getHealth() == null || inbound.getHealth().getReady();
    return stateReady && healthReady;
  }

  static Listener listener(String service) {
    return listener(service, hcm -> {});
  }

  /** The api_listener of {@code service}; {@code hook} decorates its connection manager. */
  static Listener listener(String service, Consumer<HttpConnectionManager.Builder> hook) {
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(service)
            .setRds(Rds.newBuilder().setConfigSource(Protos.ADS).setRouteConfigName(service))
            // grpc-xds rejects a manager whose filter chain does not end with the router.
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName(ROUTER_FILTER)
                    .setTypedConfig(Protos.pack(Router.getDefaultInstance())));
    hook.accept(hcm);
    return Listener.newBuilder()
        .setName(service)
        .setApiListener(ApiListener.newBuilder().setApiListener(Protos.pack(hcm.build())))
        .build();
  }

  /**
   * The SPIFFE ID a client verifies on the endpoints of {@code selector}: its service's; for a port
   * of a MeshService resource, whose endpoints may be of any service, any identity of the mesh.
   */
  private static String san(String mesh, EndpointSelector selector) {
    return selector.port() == null
        ? Spiffe.workloadId(mesh, selector.service())
        : Spiffe.anyWorkload(mesh);
  }

  /**
   * The Listener of an xDS-enabled gRPC server ({@code XdsServerBuilder}) on {@code port}:
   * grpc-java asks for it by {@link ProxylessBootstrap#serverListenerName} and requires its address
   * to be the wildcard it listens on. One filter chain: with the mesh's mTLS, TLS requiring a
   * client certificate; a connection manager whose only route lets every call through to the
   * server's own handlers (non-forwarding), after the inbound HTTP hooks' filters (the router last,
   * as grpc-xds requires).
   */
  static Listener serverListener(
      String name, int port, boolean mtls, Consumer<HttpConnectionManager.Builder> hook) {
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("inbound_" + port)
            .setRouteConfig(
                RouteConfiguration.newBuilder()
                    .setName(name)
                    .addVirtualHosts(
                        VirtualHost.newBuilder()
                            .setName(name)
                            .addDomains("*")
                            .addRoutes(
                                Route.newBuilder()
                                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                    .setNonForwardingAction(
                                        NonForwardingAction.getDefaultInstance()))));
    hook.accept(hcm);
    hcm.addHttpFilters(
        HttpFilter.newBuilder()
            .setName(ROUTER_FILTER)
            .setTypedConfig(Protos.pack(Router.getDefaultInstance())));
    FilterChain.Builder chain =
        FilterChain.newBuilder()
            .setName(name)
            .addFilters(
                Filter.newBuilder()
                    .setName(SidecarGenerator.HCM_FILTER)
                    .setTypedConfig(Protos.pack(hcm.build())));
    if (mtls) {
      chain.setTransportSocket(ProxylessTls.downstream());
    }
    return Listener.newBuilder()
        .setName(name)
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder()
                        .setAddress(ProxylessBootstrap.SERVER_ADDRESS)
                        .setPortValue(port)))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .addFilterChains(chain)
        .build();
  }

  static RouteConfiguration routeConfiguration(String service, List<Route> routes) {
    return RouteConfiguration.newBuilder()
        .setName(service)
        .addVirtualHosts(
            VirtualHost.newBuilder().setName(service).addDomains("*").addAllRoutes(routes))
        .build();
  }

  static Cluster cluster(String service) {
    return Cluster.newBuilder()
        .setName(service)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(Protos.ADS))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(CONNECT_TIMEOUT)
        .build();
  }

  static ClusterLoadAssignment loadAssignment(
      String service, SortedMap<String, List<Endpoint>> zones) {
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(service);
    zones.forEach(
        (zone, endpoints) -> {
          LocalityLbEndpoints.Builder locality =
              LocalityLbEndpoints.newBuilder()
                  .setLocality(Locality.newBuilder().setZone(zone))
                  // grpc-xds silently ignores a locality without a weight.
                  .setLoadBalancingWeight(UInt32Value.of(endpoints.size()));
          endpoints.stream()
              .sorted(ENDPOINT_ORDER)
              .forEach(e -> locality.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(e)));
          cla.addEndpoints(locality);
        });
    return cla.build();
  }
}
