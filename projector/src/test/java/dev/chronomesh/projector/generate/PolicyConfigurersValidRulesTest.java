package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.envoy.EnvoyValidateRules;
import dev.chronomesh.meshmodel.policy.JsonBinding;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import dev.chronomesh.projector.generate.policy.PolicyConfigurers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every hook of every registered policy configurer, on baseline builders shaped as the generators
 * build them, with rich and edge-case confs, in every flavour and protocol, gives messages that
 * satisfy Envoy's validate.rules. Confs that do not bind to the type's record (the admin API
 * refuses them) never reach a configurer and are skipped here.
 */
class PolicyConfigurersValidRulesTest {

  private static final YAMLMapper YAML = new YAMLMapper();

  /** Per type: rich confs (every field) and edge cases (zeros, out-of-range, odd types). */
  private static final Map<String, List<String>> CONFS =
      Map.of(
          "MeshTimeout",
          List.of(
              """
              connectionTimeout: 2s
              idleTimeout: 20m
              http: {requestTimeout: 3s, streamIdleTimeout: 40s, maxStreamDuration: 1m30s,
                     maxConnectionDuration: 1h, requestHeadersTimeout: 500ms}
              """,
              """
              connectionTimeout: 0s
              idleTimeout: "0"
              http: {requestTimeout: 0s, streamIdleTimeout: 0s, maxStreamDuration: 0s,
                     maxConnectionDuration: 0s, requestHeadersTimeout: 0s}
              """,
              "connectionTimeout: bogus\nhttp: 3"),
          "MeshRetry",
          List.of(
              """
              tcp: {maxConnectAttempt: 3}
              http:
                numRetries: 4
                perTryTimeout: 2s
                backOff: {baseInterval: 50ms, maxInterval: 1s}
                retryOn: [5xx, GatewayError, Reset, Retriable4xx, ConnectFailure, EnvoyRatelimited,
                          RefusedStream, Http3PostConnectFailure, HttpMethodConnect, HttpMethodDelete,
                          HttpMethodGet, HttpMethodHead, HttpMethodOptions, HttpMethodPatch,
                          HttpMethodPost, HttpMethodPut, HttpMethodTrace, "500", "503"]
                retriableRequestHeaders:
                  - {name: x-e, value: v}
                  - {name: x-p, value: "", type: Prefix}
                  - {name: x-r, value: "", type: RegularExpression}
                retriableResponseHeaders:
                  - {name: x-r, value: "a.*", type: RegularExpression}
                  - {name: x-present, type: Present}
                  - {name: x-absent, type: Absent}
                  - {name: "", value: v}
                rateLimitedBackOff:
                  resetHeaders: [{name: retry-after, format: Seconds},
                                 {name: x-reset, format: UnixTimestamp}]
                  maxInterval: 0s
                hostSelection:
                  - {predicate: OmitPreviousHosts}
                  - {predicate: OmitPreviousPriorities}
                hostSelectionMaxAttempts: 3
              grpc:
                numRetries: 2
                perTryTimeout: 1s
                backOff: {baseInterval: 0s, maxInterval: 0s}
                rateLimitedBackOff: {resetHeaders: [{name: retry-after, format: Seconds}]}
                retryOn: [Canceled, DeadlineExceeded, Internal, ResourceExhausted, Unavailable]
              """,
              "http: {backOff: {maxInterval: 1ms}}\ngrpc: {backOff: {}}\ntcp: {maxConnectAttempt: 0}"),
          "MeshCircuitBreaker",
          List.of(
              """
              connectionLimits: {maxConnections: 2, maxPendingRequests: 8, maxRequests: 16,
                                 maxRetries: 3, maxConnectionPools: 4}
              outlierDetection:
                interval: 5s
                baseEjectionTime: 30s
                maxEjectionPercent: 20
                splitExternalAndLocalErrors: true
                detectors:
                  totalFailures: {consecutive: 10}
                  gatewayFailures: {consecutive: 11}
                  localOriginFailures: {consecutive: 12}
                  successRate: {minimumHosts: 5, requestVolume: 10, standardDeviationFactor: 1900}
                  failurePercentage: {requestVolume: 10, minimumHosts: 5, threshold: 85}
                healthyPanicThreshold: "30.2"
              """,
              "outlierDetection: {healthyPanicThreshold: 0, disabled: true}",
              """
              connectionLimits: {maxConnections: 99999999999}
              outlierDetection: {interval: 0s, baseEjectionTime: 0s, maxEjectionPercent: 900,
                                 detectors: {failurePercentage: {threshold: 900}}}
              """),
          "MeshHealthCheck",
          List.of(
              """
              interval: 10s
              timeout: 2s
              unhealthyThreshold: 3
              healthyThreshold: 2
              initialJitter: 1s
              intervalJitter: 500ms
              intervalJitterPercent: 10
              healthyPanicThreshold: "60.5"
              failTrafficOnPanic: true
              noTrafficInterval: 30s
              eventLogPath: /tmp/hc.log
              alwaysLogHealthCheckFailures: true
              reuseConnection: false
              tcp: {send: ping, receive: [pong, ""]}
              http:
                path: /health
                expectedStatuses: [200, 99, 600]
                requestHeadersToAdd:
                  add: [{name: x-a, value: "1,2"}, {name: "", value: v}]
                  set: [{name: x-s, value: v}]
              grpc: {serviceName: grpc.health.v1.Health, authority: backend.mesh}
              """,
              """
              interval: 0s
              timeout: 0s
              noTrafficInterval: 0s
              healthyPanicThreshold: 500
              tcp: {send: ""}
              http: {path: "", disabled: true}
              grpc: {disabled: true}
              """),
          "MeshLoadBalancingStrategy",
          List.of(
              """
              loadBalancer:
                type: RingHash
                ringHash:
                  hashFunction: MurmurHash2
                  minRingSize: 99999999
                  maxRingSize: 16
                  hashPolicies:
                    - {type: Header, header: {name: x-user}, terminal: true}
                    - {type: Header, header: {name: ""}}
                    - {type: Cookie, cookie: {name: session, ttl: 1h, path: /}}
                    - {type: Cookie, cookie: {name: ""}}
                    - {type: Connection, connection: {sourceIP: true}}
                    - {type: Connection, connection: {sourceIP: true}}
                    - {type: QueryParameter, queryParameter: {name: q}}
                    - {type: QueryParameter, queryParameter: {}}
                    - {type: FilterState, filterState: {key: io.grpc.channel_id}}
                    - {type: FilterState, filterState: {key: ""}}
              """,
              "loadBalancer: {type: LeastRequest, leastRequest: {choiceCount: 1,"
                  + " activeRequestBias: 1}}",
              "loadBalancer: {type: LeastRequest, leastRequest: {choiceCount: 5}}",
              "loadBalancer: {type: Maglev, maglev: {tableSize: 99999999, hashPolicies:"
                  + " [{type: Connection, connection: {sourceIP: true}}]}}",
              "loadBalancer: {type: Random, random: {}}",
              "loadBalancer: {type: RoundRobin, roundRobin: {}}\nlocalityAwareness: {disabled: true}",
              """
              loadBalancer: {type: Maglev}
              hashPolicies:
                - {type: Cookie, cookie: {name: session, ttl: 0s, path: /}}
                - {type: Header, header: {name: x-user}}
              """),
          "MeshRateLimit",
          List.of(
              """
              local:
                http:
                  requestRate: {num: 5, interval: 10s}
                  onRateLimit:
                    status: 429
                    headers:
                      set: [{name: x-limited, value: "a,b"}]
                      add: [{name: x-more, value: "1"}]
                tcp:
                  connectionRate: {num: 4294967295, interval: 51ms}
              """,
              "local: {http: {disabled: true}, tcp: {disabled: true}}",
              "local: {http: {onRateLimit: {status: 503}}}"),
          "MeshFaultInjection",
          List.of(
              """
              http:
                - abort: {httpStatus: 503, percentage: "2.5"}
                  delay: {value: 1m30s, percentage: "0.0001"}
                  responseBandwidth: {limit: 100 Gbps, percentage: 100}
                - abort: {httpStatus: 200, percentage: 0}
              """,
              "http: [{}]",
              "http: []"),
          "MeshTrafficPermission",
          List.of(
              "action: Allow",
              "action: AllowWithShadowDeny",
              "action: Deny",
              """
              deny: [{spiffeID: {type: Exact, value: "spiffe://default/bad"}}]
              allowWithShadowDeny: [{spiffeID: {type: Prefix, value: "spiffe://default/new-"}}]
              allow: [{spiffeID: {type: Prefix, value: "spiffe://default"}},
                      {spiffeID: {type: Exact, value: "spiffe://default/web"}}]
              """,
              "allow: [{spiffeID: {type: Exact, value: \"spiffe://default/web\"}}]",
              "deny: [{spiffeID: {type: Exact, value: \"spiffe://default/web\"}}]"),
          "MeshTLS",
          List.of(
              """
              tlsVersion: {min: TLS10, max: TLS13}
              tlsCiphers: [ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384,
                           ECDHE-ECDSA-CHACHA20-POLY1305, ECDHE-RSA-AES128-GCM-SHA256,
                           ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-CHACHA20-POLY1305]
              mode: Strict
              """,
              "tlsVersion: {min: TLSAuto, max: TLSAuto}",
              "tlsVersion: {max: TLS12}",
              "tlsCiphers: []",
              "mode: Strict"),
          "MeshProxyPatch",
          List.of(
              """
              appendModifications:
                - cluster:
                    operation: Patch
                    jsonPatches: [{op: replace, path: /connectTimeout, value: 2s}]
                - networkFilter:
                    operation: AddLast
                    value: |
                      name: envoy.filters.network.local_ratelimit
                      typedConfig:
                        '@type': type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                        statPrefix: x
                        tokenBucket: {maxTokens: 1, fillInterval: 1s}
                - httpFilter:
                    operation: AddBefore
                    match: {name: envoy.filters.http.router}
                    value: |
                      name: envoy.filters.http.buffer
                      typedConfig:
                        '@type': type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                        maxRequestBytes: 1024
                - virtualHost:
                    operation: Remove
                    match: {name: nothing}
              """));

  private static final List<Place> PLACES =
      List.of(
          new Place("backend", "http", false),
          new Place("backend", "http2", false),
          new Place("backend", "grpc", false),
          new Place("backend", "tcp", false),
          new Place("backend", "grpc", true),
          // Inbounds that terminate the mesh's mTLS: a sidecar's, a proxyless gRPC server's.
          new Place("backend", "http", false, true, "default"),
          new Place("backend", "tcp", false, true, "default"),
          new Place("backend", "grpc", true, true, "default"));

  @Test
  void everyHookKeepsEnvoysFieldRules() throws Exception {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (PolicyConfigurer<?> configurer : PolicyConfigurers.all()) {
      checked += check(configurer, problems);
    }
    assertThat(checked).isGreaterThan(100);
    assertThat(problems).isEmpty();
  }

  private static <C extends Record> int check(PolicyConfigurer<C> configurer, List<String> problems)
      throws Exception {
    int checked = 0;
    if (!CONFS.containsKey(configurer.type().name())) {
      return 0;
    }
    for (String yaml : CONFS.get(configurer.type().name())) {
      Violations v = new Violations();
      C conf =
          JsonBinding.read(configurer.type().confClass(), (ObjectNode) YAML.readTree(yaml), "", v);
      if (!v.isEmpty()) {
        continue;
      }
      for (Place place : PLACES) {
        for (Message message : apply(configurer, place, conf)) {
          checked++;
          for (EnvoyValidateRules.Violation violation :
              EnvoyValidateRules.check(message, Protos.jsonTypes(message))) {
            problems.add(
                configurer.type()
                    + " "
                    + place
                    + " "
                    + yaml.lines().findFirst().orElse("")
                    + ": "
                    + violation);
          }
        }
      }
    }
    return checked;
  }

  /** Runs every hook of {@code plugin} that applies at {@code place} on fresh baselines. */
  private static <C extends Record> List<Message> apply(
      PolicyConfigurer<C> plugin, Place place, C conf) {
    List<Message> out = new ArrayList<>();
    if (place.proxyless() && place.mtls()) {
      // A proxyless gRPC server's listener: its inbound hooks.
      for (List<PolicyConfigurer.Source<C>> sources : sourceVariants(plugin, place, conf)) {
        HttpConnectionManager.Builder hcm =
            hcm(RouteAction.newBuilder().setCluster(place.service()));
        plugin.inboundHttp(place, conf, hcm);
        plugin.inboundHttpBySource(place, sources, hcm);
        out.add(hcm.build());
      }
      return out;
    }
    if (place.proxyless()) {
      Cluster.Builder cluster = ProxylessGrpcGenerator.cluster(place.service()).toBuilder();
      plugin.outboundCluster(place, conf, cluster);
      out.add(cluster.build());
      RouteAction.Builder route = RouteAction.newBuilder().setCluster(place.service());
      plugin.outboundRoute(place, conf, route);
      out.add(routeConfiguration(route));
      out.add(
          ProxylessGrpcGenerator.listener(place.service(), h -> plugin.callerHttp(place, conf, h)));
      proxy(plugin, place, conf, out);
      return out;
    }
    List<Filter> filters = new ArrayList<>();
    plugin.inboundNetworkFilters(place, conf, filters);
    out.addAll(filters);
    for (List<PolicyConfigurer.Source<C>> sources : sourceVariants(plugin, place, conf)) {
      List<Filter> bySource = new ArrayList<>();
      plugin.inboundNetworkFiltersBySource(place, sources, bySource);
      out.addAll(bySource);
    }
    Cluster.Builder outbound = sidecarEdsCluster(place.service());
    // In a mesh with mTLS: the cluster's and the inbound's TLS contexts, as SidecarTls makes them.
    EndpointSelector selector = EndpointSelector.of(place.service());
    UpstreamTlsContext.Builder upstream =
        unpack(SidecarTls.upstream("default", selector), UpstreamTlsContext.class).toBuilder();
    plugin.outboundTls(place, conf, upstream);
    out.add(upstream.build());
    if (place.mtls()) {
      DownstreamTlsContext.Builder downstream =
          unpack(
              SidecarTls.downstream("default", java.util.Collections.emptySortedSet()),
              DownstreamTlsContext.class)
              .toBuilder();
      plugin.inboundTls(place, conf, downstream);
      out.add(downstream.build());
    }
    plugin.outboundCluster(place, conf, outbound);
    out.add(outbound.build());
    Cluster.Builder local = localCluster(place.protocol());
    plugin.inboundCluster(place, conf, local);
    out.add(local.build());
    if (place.isHttp()) {
      RouteAction.Builder route = RouteAction.newBuilder().setCluster(place.service());
      plugin.outboundRoute(place, conf, route);
      HttpConnectionManager.Builder hcm = hcm(route);
      plugin.outboundHttp(place, conf, hcm);
      out.add(hcm.build());
      RouteAction.Builder inboundRoute =
          RouteAction.newBuilder().setCluster("localhost:8080").setTimeout(Duration.newBuilder());
      plugin.inboundRoute(place, conf, inboundRoute);
      HttpConnectionManager.Builder inboundHcm = hcm(inboundRoute);
      plugin.inboundHttp(place, conf, inboundHcm);
      out.add(inboundHcm.build());
      for (List<PolicyConfigurer.Source<C>> sources : sourceVariants(plugin, place, conf)) {
        HttpConnectionManager.Builder bySource = hcm(inboundRoute.clone());
        plugin.inboundHttpBySource(place, sources, bySource);
        out.add(bySource.build());
      }
    } else {
      TcpProxy.Builder tcp = tcpProxy(place.service());
      plugin.outboundTcp(place, conf, tcp);
      out.add(tcp.build());
      TcpProxy.Builder inboundTcp = tcpProxy("localhost:8080");
      plugin.inboundTcp(place, conf, inboundTcp);
      out.add(inboundTcp.build());
    }
    proxy(plugin, place, conf, out);
    return out;
  }

  /**
   * The sources a by-source configurer is called with: a Mesh source, a subset and a service with
   * {@code conf}; and none where the configurer acts without a policy.
   */
  private static <C extends Record> List<List<PolicyConfigurer.Source<C>>> sourceVariants(
      PolicyConfigurer<C> plugin, Place place, C conf) {
    List<List<PolicyConfigurer.Source<C>>> out = new ArrayList<>();
    if (!plugin.bySource()) {
      return out;
    }
    out.add(
        List.of(
            new PolicyConfigurer.Source<>(TargetRef.mesh(), conf),
            new PolicyConfigurer.Source<>(
                TargetRef.meshSubset(Map.of("kuma.io/service", "web", "version", "v1.2")), conf),
            new PolicyConfigurer.Source<>(TargetRef.meshService("web"), conf)));
    if (plugin.actsWithoutPolicy(place)) {
      out.add(List.of());
    }
    return out;
  }

  /** The whole-config hook over a proxy made of the resources built so far. */
  private static <C extends Record> void proxy(
      PolicyConfigurer<C> plugin, Place place, C conf, List<Message> out) {
    var clusters = new java.util.TreeMap<String, Message>();
    var listeners = new java.util.TreeMap<String, Message>();
    var routes = new java.util.TreeMap<String, Message>();
    for (Message m : out) {
      if (m instanceof Cluster c) {
        clusters.put(c.getName(), c);
      } else if (m instanceof io.envoyproxy.envoy.config.listener.v3.Listener l) {
        listeners.put(l.getName(), l);
      } else if (m instanceof RouteConfiguration r) {
        routes.put(r.getName(), r);
      }
    }
    plugin.proxy(
        new dev.chronomesh.projector.generate.policy.ProxyPlace("default", "p", place.proxyless()),
        conf,
        new dev.chronomesh.projector.generate.policy.ProxyResources(clusters, listeners, routes));
    out.clear();
    out.addAll(clusters.values());
    out.addAll(listeners.values());
    out.addAll(routes.values());
  }

  private static <M extends Message> M unpack(
      io.envoyproxy.envoy.config.core.v3.TransportSocket socket, Class<M> type) {
    try {
      return socket.getTypedConfig().unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Cluster.Builder sidecarEdsCluster(String service) {
    return Cluster.newBuilder()
        .setName(service)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(Protos.ADS))
        .setConnectTimeout(Duration.newBuilder().setSeconds(5))
        .putTypedExtensionProtocolOptions(
            SidecarGenerator.HTTP_OPTIONS_KEY, upstreamHttp(new Place(service, "http2", false)));
  }

  private static Cluster.Builder localCluster(String protocol) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName("localhost:8080")
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(Duration.newBuilder().setSeconds(10));
    if (!protocol.equals("tcp")) {
      cluster.putTypedExtensionProtocolOptions(
          SidecarGenerator.HTTP_OPTIONS_KEY, upstreamHttp(new Place("x", protocol, false)));
    }
    return cluster;
  }

  private static com.google.protobuf.Any upstreamHttp(Place place) {
    var explicit =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig
            .newBuilder();
    if (place.protocol().equals("http")) {
      explicit.setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance());
    } else {
      explicit.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
    }
    return Protos.pack(
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder()
                    .setIdleTimeout(Duration.newBuilder().setSeconds(7200)))
            .setExplicitHttpConfig(explicit)
            .build());
  }

  private static RouteConfiguration routeConfiguration(RouteAction.Builder route) {
    return RouteConfiguration.newBuilder()
        .setName("r")
        .setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("vh")
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(route)))
        .build();
  }

  private static HttpConnectionManager.Builder hcm(RouteAction.Builder route) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix("backend")
        .setRouteConfig(routeConfiguration(route))
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName(ProxylessGrpcGenerator.ROUTER_FILTER)
                .setTypedConfig(Protos.pack(Router.getDefaultInstance())));
  }

  private static TcpProxy.Builder tcpProxy(String cluster) {
    return TcpProxy.newBuilder()
        .setStatPrefix(cluster.replace(':', '_'))
        .setCluster(cluster)
        .setIdleTimeout(Duration.newBuilder().setSeconds(7200));
  }
}
