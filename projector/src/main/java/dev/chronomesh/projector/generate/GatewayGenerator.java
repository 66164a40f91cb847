package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.ProxyView;
import dev.chronomesh.meshmodel.policy.ToItem;
import dev.chronomesh.projector.generate.policies.meshhealthcheck.MeshHealthCheckConfigurer;
import dev.chronomesh.projector.generate.policies.meshhttproute.MeshHTTPRouteConfigurer;
import dev.chronomesh.projector.generate.policies.meshtcproute.MeshTCPRouteConfigurer;
import dev.chronomesh.projector.generate.policies.meshtimeout.MeshTimeoutConfigurer;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.RouteBackend;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Generates the xDS resources of a builtin gateway (a Dataplane with {@code
 * networking.gateway.type: BUILTIN}) as Kuma's gateway plugin does ({@code
 * pkg/plugins/runtime/gateway/} in kumahq/kuma, v2.14.3), from the MeshGateway its selectors bind
 * it to ({@link MeshGateway#boundTo}):
 *
 * <ul>
 *   <li>one listener per port of the MeshGateway's listeners, named {@code <gateway>:<protocol>:
 *       <port>}, on the dataplane's address, with Kuma's gateway listener settings (reuse port, TLS
 *       inspector, 32 KiB buffers, the HTTP connection manager's hardening and the gateway
 *       timeouts, see {@link MeshTimeoutConfigurer#gatewayHttp});
 *   <li>HTTP: one virtual host per hostname the listeners and their routes give, holding the rules
 *       of the MeshHTTPRoutes whose top-level targetRef is the MeshGateway (with {@code tags}, only
 *       listeners having them) merged by {@code matches} as Kuma merges them, and {@code hostnames}
 *       narrowed to the listener's hostname; a request no route matches gets Envoy's 404, and a
 *       listener without routes only 404s, as in Kuma;
 *   <li>TCP: a TCP proxy to the merged MeshTCPRoute's backends; a TCP listener no route attaches to
 *       is not generated (it would have nothing to proxy to);
 *   <li>per backend an EDS cluster as a sidecar's outbound one.
 * </ul>
 *
 * <p>Policies apply where Kuma applies them: {@code to} confs (keyed by backend service) on the
 * route actions per listener and on the clusters (one per service, so with the confs of the
 * policies that select any listener of the gateway), the listener's inbound ({@code from}/{@code
 * rules}) conf on its HTTP connection manager, and the whole-config hooks last. A gateway whose
 * dataplane no MeshGateway selects gets the admin resources only, as Kuma gives it no listener.
 */
final class GatewayGenerator {
  private static final int BUFFER_LIMIT = 32768;

  private GatewayGenerator() {}

  /**
   * One port of the gateway being generated: its listeners, and the config's clusters it adds to.
   */
  private record Port(
      MeshContext mesh,
      DataplaneResource dataplane,
      MeshGateway gateway,
      String name,
      int port,
      List<MeshGateway.Listener> onPort,
      Map<String, String> dpTags,
      PolicyHooks proxyHooks,
      PolicyHooks clusterTlsHooks,
      SortedMap<String, Message> clusters,
      SortedMap<String, EndpointSelector> edsClusters) {}

  static GeneratedConfig generate(MeshContext mesh, DataplaneResource dataplane) {
    mesh.resources().requireMember(dataplane);
    SortedMap<String, Message> clusters = new TreeMap<>();
    SortedMap<String, Message> listeners = new TreeMap<>();
    SortedMap<String, EndpointSelector> edsClusters = new TreeMap<>();
    MeshGateway gateway = MeshGateway.boundTo(dataplane, mesh.resources().gateways()).orElse(null);
    Map<String, String> dpTags = dataplane.getGateway().getTags();
    PolicyHooks proxyHooks =
        gateway == null
            ? PolicyHooks.of(mesh, dataplane)
            : PolicyHooks.of(
                mesh,
                gatewayView(
                    dataplane,
                    gateway,
                    List.of(),
                    gateway.listeners().stream().map(l -> tags(dpTags, l)).toList()));
    if (gateway != null) {
      PolicyHooks clusterTlsHooks = clusterTlsHooks(mesh, dataplane, gateway, dpTags);
      SortedMap<Integer, List<MeshGateway.Listener>> byPort = new TreeMap<>();
      for (MeshGateway.Listener l : gateway.listeners()) {
        byPort.computeIfAbsent(l.port(), p -> new ArrayList<>()).add(l);
      }
      HeaderValueOption tagsHeader = tagsHeader(dpTags);
      byPort.forEach(
          (port, onPort) -> {
            MeshGateway.Protocol protocol = onPort.get(0).protocol();
            String name = gateway.name() + ":" + protocol + ":" + port;
            Port at =
                new Port(
                    mesh,
                    dataplane,
                    gateway,
                    name,
                    port,
                    onPort,
                    dpTags,
                    proxyHooks,
                    clusterTlsHooks,
                    clusters,
                    edsClusters);
            Listener listener = protocol.isHttp() ? httpListener(at, tagsHeader) : tcpListener(at);
            if (listener != null) {
              listeners.put(name, listener);
            }
          });
    }
    // A gateway's clusters read the endpoint sets named like themselves.
    EdsClusters eds = new EdsClusters();
    edsClusters.forEach((name, selector) -> eds.add(name, selector, Cluster.newBuilder()));
    return SidecarGenerator.finish(mesh, dataplane, proxyHooks, clusters, listeners, eds);
  }

  /**
   * The engine's view of the gateway at one listener: its tags, and the listener as its inbound.
   */
  /**
   * The hooks whose own-inbound confs give the TLS of the gateway's clusters into the mesh: those
   * of its first listener, as Kuma's {@code applyToGateways} takes the first gateway rule (MeshTLS
   * sets versions and ciphers from Mesh-wide policies only, so every listener's are the same). Null
   * without mTLS or listeners.
   */
  private static PolicyHooks clusterTlsHooks(
      MeshContext mesh,
      DataplaneResource dataplane,
      MeshGateway gateway,
      Map<String, String> dpTags) {
    if (!MeshMtls.enabled(mesh.resources().mesh()) || gateway.listeners().isEmpty()) {
      return null;
    }
    MeshGateway.Listener first = gateway.listeners().get(0);
    return PolicyHooks.of(
        mesh, listenerView(dataplane, gateway, first.port(), tags(dpTags, first)));
  }

  private static ProxyView listenerView(
      DataplaneResource dataplane, MeshGateway gateway, int port, Map<String, String> tags) {
    return gatewayView(
        dataplane, gateway, List.of(new ProxyView.Inbound(null, port, tags)), List.of(tags));
  }

  /**
   * The engine's view of a gateway bound to {@code gateway}, covering the listeners with {@code
   * listenerTags}: at one listener, or all of them for the whole-config hooks (a policy whose
   * MeshGateway targetRef selects any listener applies to the proxy, as Kuma's {@code
   * DataplanePolicies}).
   */
  private static ProxyView gatewayView(
      DataplaneResource dataplane,
      MeshGateway gateway,
      List<ProxyView.Inbound> inbounds,
      List<Map<String, String>> listenerTags) {
    ProxyView base = ProxyViews.of(dataplane);
    return new ProxyView(
        base.mesh(), base.name(), base.labels(), inbounds, true, gateway.name(), listenerTags);
  }

  /** Kuma's listener tags: the dataplane's gateway tags, the MeshGateway's, the listener's. */
  private static Map<String, String> tags(Map<String, String> dpTags, MeshGateway.Listener l) {
    Map<String, String> tags = new TreeMap<>(dpTags);
    tags.putAll(l.tags());
    return tags;
  }

  private static Listener httpListener(Port at, HeaderValueOption tagsHeader) {
    MeshContext mesh = at.mesh();
    DataplaneResource dataplane = at.dataplane();
    MeshGateway gateway = at.gateway();
    String name = at.name();
    int port = at.port();
    Map<String, String> dpTags = at.dpTags();
    SortedMap<String, Message> clusters = at.clusters();
    SortedMap<String, EndpointSelector> edsClusters = at.edsClusters();
    MeshServices services = mesh.services();
    RouteConfiguration.Builder routes =
        RouteConfiguration.newBuilder()
            .setName(name + ":*")
            .setValidateClusters(BoolValue.of(false))
            .setIgnorePortInHostMatching(true)
            .addRequestHeadersToRemove(KumaTags.TAGS_HEADER)
            .addRequestHeadersToAdd(tagsHeader);
    // hostname -> routes, in the order the listeners give them (each hostname once per port).
    SortedMap<String, VirtualHost.Builder> hosts = new TreeMap<>();
    PolicyHooks firstHooks = null;
    List<String> observed = new ArrayList<>();
    for (MeshGateway.Listener l : byExactness(at.onPort())) {
      Map<String, String> tags = tags(dpTags, l);
      ProxyView view = listenerView(dataplane, gateway, port, tags);
      PolicyHooks hooks = PolicyHooks.of(mesh, view);
      if (firstHooks == null) {
        firstHooks = hooks;
      }
      Map<String, List<ObjectNode>> byHost =
          byHostname(l.hostname(), matchedTo(mesh, MeshHTTPRoute.TYPE, view), observed);
      observed.add(l.hostname());
      if (byHost.isEmpty()) {
        // A listener without routes: its hostname answers 404, as Kuma's does.
        hosts.computeIfAbsent(l.hostname(), GatewayGenerator::virtualHost);
      }
      for (Map.Entry<String, List<ObjectNode>> e : byHost.entrySet()) {
        MeshHTTPRoute.Conf conf =
            MeshHTTPRoute.TYPE.bind(MeshHTTPRoute.TYPE.engine().merge(e.getValue()));
        MeshHTTPRouteConfigurer.HttpRoutes http =
            MeshHTTPRouteConfigurer.gatewayRoutes(
                conf,
                at.mesh().resources(),
                (service, action) ->
                    hooks.outboundRoute(
                        new Place(service, services.placeProtocol(service), false), null, action));
        http.clusters()
            .forEach(
                (cluster, selector) -> {
                  edsClusters.put(cluster, selector);
                  clusters.put(
                      cluster, backendCluster(at, services, cluster, selector, tagsHeader));
                });
        VirtualHost.Builder host = hosts.computeIfAbsent(e.getKey(), GatewayGenerator::virtualHost);
        host.addAllRoutes(http.routes());
      }
    }
    hosts.values().forEach(routes::addVirtualHosts);
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(SidecarGenerator.statName(gateway.name()))
            .setRouteConfig(routes)
            .addHttpFilters(SidecarGenerator.routerFilter())
            .setUseRemoteAddress(BoolValue.of(true))
            .setServerName("Kuma Gateway")
            .setMergeSlashes(true)
            .setNormalizePath(BoolValue.of(true))
            .setPathWithEscapedSlashesAction(
                HttpConnectionManager.PathWithEscapedSlashesAction.UNESCAPE_AND_REDIRECT)
            .setInternalAddressConfig(SidecarGenerator.loopbackIsInternal())
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder()
                    .setHeadersWithUnderscoresAction(
                        HttpProtocolOptions.HeadersWithUnderscoresAction.REJECT_REQUEST)
                    .setIdleTimeout(MeshTimeoutConfigurer.GATEWAY_IDLE_TIMEOUT))
            .setHttp2ProtocolOptions(
                Http2ProtocolOptions.newBuilder()
                    .setAllowConnect(true)
                    .setInitialConnectionWindowSize(UInt32Value.of(1048576))
                    .setInitialStreamWindowSize(UInt32Value.of(65536))
                    .setMaxConcurrentStreams(UInt32Value.of(100)))
            .setRequestHeadersTimeout(MeshTimeoutConfigurer.GATEWAY_REQUEST_HEADERS_TIMEOUT)
            .setStreamIdleTimeout(MeshTimeoutConfigurer.GATEWAY_STREAM_IDLE_TIMEOUT);
    Place place = new Place(gatewayService(dpTags), "http", false);
    firstHooks.gatewayHttp(Integer.toString(port), place, hcm);
    firstHooks.gatewayListenerHttp(place, hcm);
    List<Filter> filters = new ArrayList<>();
    firstHooks.gatewayListenerNetworkFilters(place, filters);
    filters.add(
        Filter.newBuilder()
            .setName(SidecarGenerator.HCM_FILTER)
            .setTypedConfig(Protos.pack(hcm.build()))
            .build());
    return listener(name, dataplane, port, filters);
  }

  private static Listener tcpListener(Port at) {
    MeshServices services = at.mesh().services();
    // One TCP proxy per port: the routes of its first listener (Kuma collapses the TCP listeners of
    // a port, which cannot tell hostnames apart without TLS).
    MeshGateway.Listener l = at.onPort().get(0);
    ProxyView view = listenerView(at.dataplane(), at.gateway(), at.port(), tags(at.dpTags(), l));
    PolicyHooks hooks = PolicyHooks.of(at.mesh(), view);
    List<ObjectNode> confs = new ArrayList<>();
    matchedTo(at.mesh(), MeshTCPRoute.TYPE, view).forEach(i -> confs.add(i.conf()));
    if (confs.isEmpty()) {
      return null;
    }
    MeshTCPRoute.Conf conf = MeshTCPRoute.TYPE.bind(MeshTCPRoute.TYPE.engine().merge(confs));
    List<RouteBackend> backends = MeshTCPRouteConfigurer.backends(conf, at.mesh().resources());
    if (backends == null) {
      return null;
    }
    for (RouteBackend b : backends) {
      String cluster = b.selector().clusterName();
      at.edsClusters().put(cluster, b.selector());
      at.clusters()
          .put(
              cluster,
              backendCluster(at, services, cluster, b.selector(), tagsHeader(at.dpTags())));
    }
    Filter filter =
        SidecarGenerator.tcpProxy(
            SidecarGenerator.statName(at.gateway().name()),
            t -> {
              MeshTCPRouteConfigurer.target(backends, t);
              t.setIdleTimeout(MeshTimeoutConfigurer.GATEWAY_IDLE_TIMEOUT);
              if (!backends.isEmpty()) {
                String backend = backends.get(0).selector().service();
                hooks.gatewayTcp(new Place(backend, services.placeProtocol(backend), false), t);
              }
              hooks.inboundTcp(
                  Integer.toString(at.port()),
                  new Place(gatewayService(at.dpTags()), "tcp", false),
                  t);
            });
    List<Filter> filters = new ArrayList<>();
    hooks.gatewayListenerNetworkFilters(
        new Place(gatewayService(at.dpTags()), "tcp", false), filters);
    filters.add(filter);
    return listener(at.name(), at.dataplane(), at.port(), filters);
  }

  /**
   * The {@code to} items of the policies of {@code type} that select the gateway at this listener,
   * in merge order.
   */
  private static List<ToItem> matchedTo(MeshContext mesh, PolicyType<?> type, ProxyView view) {
    List<Policy> policies = mesh.policies(type.name());
    List<ToItem> out = new ArrayList<>();
    for (Policy p : type.engine().matching(view, policies)) {
      out.addAll(p.to());
    }
    return out;
  }

  /**
   * The route confs of a listener with {@code hostname}, by the hostname of the virtual host they
   * go to, as Kuma's {@code sortRulesToHosts}: a route item without {@code hostnames} is for {@code
   * *}; each route hostname the listener's admits (or that admits the listener's) gives a virtual
   * host named by the more specific of the two, holding, in merge order, the items of every route
   * hostname that matches it, except those of a more specific hostname that has its own; a hostname
   * an earlier (more exact) listener of the port already serves is left to it.
   */
  static Map<String, List<ObjectNode>> byHostname(
      String hostname, List<ToItem> items, List<String> observed) {
    List<String> itemHosts = new ArrayList<>();
    List<ObjectNode> confs = new ArrayList<>();
    List<String> ruleHosts = new ArrayList<>();
    for (ToItem item : items) {
      ObjectNode conf = item.conf().deepCopy();
      List<String> names = new ArrayList<>();
      conf.path("hostnames").forEach(h -> names.add(h.asText()));
      conf.remove("hostnames");
      if (names.isEmpty()) {
        names.add("*");
      }
      for (String name : names) {
        itemHosts.add(name);
        confs.add(conf);
        if (!ruleHosts.contains(name)) {
          ruleHosts.add(name);
        }
      }
    }
    List<String> matches = new ArrayList<>();
    for (String ruleHost : ruleHosts) {
      String match = intersect(hostname, ruleHost);
      if (match != null && !matches.contains(match)) {
        matches.add(match);
      }
    }
    Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
    for (String match : matches) {
      if (observed.stream().anyMatch(o -> admits(o, match))) {
        continue;
      }
      List<ObjectNode> selected = new ArrayList<>();
      for (int i = 0; i < confs.size(); i++) {
        String ruleHost = itemHosts.get(i);
        boolean matching = intersect(match, ruleHost) != null;
        boolean ownHost = matches.contains(ruleHost) && !admits(ruleHost, match);
        if (matching && !ownHost) {
          selected.add(confs.get(i));
        }
      }
      if (!selected.isEmpty()) {
        out.put(match, selected);
      }
    }
    return out;
  }

  /**
   * Kuma's SortHostnamesByExactnessDec: names first, then wildcards, longer first; {@code *} last.
   */
  static List<MeshGateway.Listener> byExactness(List<MeshGateway.Listener> listeners) {
    return listeners.stream()
        .sorted(
            java.util.Comparator.<MeshGateway.Listener>comparingInt(
                    l -> l.hostname().equals("*") ? 2 : l.hostname().startsWith("*.") ? 1 : 0)
                .thenComparing(l -> -l.hostname().length())
                .thenComparing(MeshGateway.Listener::hostname))
        .toList();
  }

  /** The more specific of two gateway hostnames when one admits the other, else null. */
  static String intersect(String listener, String route) {
    if (admits(listener, route)) {
      return route;
    }
    if (admits(route, listener)) {
      return listener;
    }
    return null;
  }

  /**
   * Whether hostname pattern {@code general} ({@code *}, {@code *.domain}, a name) admits {@code
   * specific}.
   */
  private static boolean admits(String general, String specific) {
    if (general.equals("*") || general.equals(specific)) {
      return true;
    }
    if (general.startsWith("*.")) {
      String suffix = general.substring(1);
      return specific.endsWith(suffix) && specific.length() > suffix.length();
    }
    return false;
  }

  private static VirtualHost.Builder virtualHost(String hostname) {
    return VirtualHost.newBuilder().setName(hostname).addDomains(hostname);
  }

  /**
   * A backend's cluster, one per service for the whole gateway, so its {@code to} confs are the
   * proxy's (of the policies that select any of its listeners), not one listener's.
   */
  private static Cluster backendCluster(
      Port at,
      MeshServices services,
      String name,
      EndpointSelector selector,
      HeaderValueOption tagsHeader) {
    Cluster.Builder cluster =
        SidecarGenerator.edsCluster(name).toBuilder()
            .setPerConnectionBufferLimitBytes(UInt32Value.of(BUFFER_LIMIT));
    Place place =
        new Place(selector.policyKey(), services.placeProtocol(selector.service()), false);
    // As Kuma's gateway cluster generator: a mesh service is reached over the mesh's mTLS, with
    // MeshTLS's versions and ciphers (its applyToGateways).
    if (at.clusterTlsHooks() != null) {
      cluster.setTransportSocket(
          SidecarTls.upstream(
              at.dataplane().getMesh(),
              selector,
              at.mesh().identitySans(selector),
              place.protocol(),
              tls -> at.clusterTlsHooks().outboundTls(place, tls)));
    }
    at.proxyHooks().outboundCluster(place, cluster);
    MeshHealthCheckConfigurer.addTagsHeader(cluster, tagsHeader);
    return cluster.build();
  }

  private static Listener listener(
      String name, DataplaneResource dataplane, int port, List<Filter> filters) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(SidecarGenerator.socket(dataplane.getAddress(), port))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .setEnableReusePort(BoolValue.of(true))
        .setPerConnectionBufferLimitBytes(UInt32Value.of(BUFFER_LIMIT))
        .addListenerFilters(SidecarGenerator.tlsInspector())
        .addFilterChains(FilterChain.newBuilder().addAllFilters(filters))
        .build();
  }

  private static String gatewayService(Map<String, String> dpTags) {
    return dpTags.getOrDefault(KumaTags.SERVICE, "");
  }

  /** Kuma's {@code x-kuma-tags} of the gateway's requests: its gateway tags. */
  private static HeaderValueOption tagsHeader(Map<String, String> dpTags) {
    StringBuilder value = new StringBuilder();
    new TreeMap<>(dpTags)
        .forEach((k, v) -> value.append('&').append(k).append('=').append(v).append('&'));
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(KumaTags.TAGS_HEADER).setValue(value.toString()))
        .build();
  }
}
