package dev.chronomesh.projector.generate.policy;

import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.RuleMatch;
import dev.chronomesh.meshmodel.policy.TargetRef;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;

/**
 * The Envoy side of one targetRef policy type (Kuma's policy plugin): it decorates the baseline
 * resources the generators build. One class per type, {@code
 * dev.chronomesh.projector.generate.policies.<package>.<Type>Configurer} beside the type's model
 * package, found by {@link PolicyConfigurers} from the model's one list of types. The generator
 * merges the policies of {@link #type()} with the type's engine, binds the merged conf to the
 * type's record and calls each hook with the conf that applies at that place; a hook is never
 * called without one. Hooks modify what they are given and nothing else; they are pure and
 * deterministic.
 *
 * @param <C> the type's conf record
 */
public interface PolicyConfigurer<C extends Record> {
  /** The model's descriptor of the type. */
  PolicyType<C> type();

  /** An outbound cluster (EDS, one per destination service or subset) of {@code to}. */
  default void outboundCluster(Place place, C conf, Cluster.Builder cluster) {}

  /** A route action towards {@code place}'s service (sidecar and proxyless). */
  default void outboundRoute(Place place, C conf, RouteAction.Builder route) {}

  /** The HTTP connection manager of an outbound listener (sidecar only). */
  default void outboundHttp(Place place, C conf, HttpConnectionManager.Builder hcm) {}

  /** The TCP proxy of an outbound listener (sidecar only). */
  default void outboundTcp(Place place, C conf, TcpProxy.Builder tcp) {}

  /** The local cluster behind an inbound, with the inbound's conf. */
  default void inboundCluster(Place place, C conf, Cluster.Builder cluster) {}

  /** The route action of an inbound listener (sidecar only). */
  default void inboundRoute(Place place, C conf, RouteAction.Builder route) {}

  /**
   * The HTTP connection manager of an inbound listener (sidecar only). Its HTTP filters end with
   * the router; a configurer adds its own before it ({@link EnvoyValues#addBeforeRouter}).
   */
  default void inboundHttp(Place place, C conf, HttpConnectionManager.Builder hcm) {}

  /**
   * The HTTP connection manager of a builtin gateway's listener (Kuma: its inbound side), with the
   * conf of the listener; by default what {@link #inboundHttp} does.
   */
  default void gatewayHttp(Place place, C conf, HttpConnectionManager.Builder hcm) {
    inboundHttp(place, conf, hcm);
  }

  /**
   * The TCP proxy of a builtin gateway's TCP listener, with the {@code to} conf of its (first)
   * backend: what Kuma configures there from a {@code to} section (MeshRetry's connect attempts).
   */
  default void gatewayTcp(Place place, C conf, TcpProxy.Builder tcp) {}

  /** The TCP proxy of an inbound listener (sidecar only). */
  default void inboundTcp(Place place, C conf, TcpProxy.Builder tcp) {}

  /**
   * The TLS context of an inbound that terminates the mesh's mTLS ({@link Place#mtls()}), with the
   * inbound's conf: an Envoy sidecar's only. A proxyless gRPC server's is never given to a hook,
   * because grpc-xds refuses most of what a hook could add ({@code tls_params} among them).
   */
  default void inboundTls(Place place, C conf, DownstreamTlsContext.Builder tls) {}

  /**
   * The TLS context of an Envoy sidecar's cluster into the mesh when the mesh has mTLS, towards
   * {@code place}'s service, with the conf of the proxy's own inbounds (the first inbound that has
   * one): for a type whose inbound settings also shape the TLS its proxy speaks as a client (Kuma's
   * MeshTLS). Never a proxyless client's (grpc-xds refuses {@code tls_params}).
   */
  default void outboundTls(Place place, C conf, UpstreamTlsContext.Builder tls) {}

  /**
   * A source of an inbound's traffic and its conf: the callers {@code selector} selects (kind Mesh:
   * every caller; MeshService, MeshSubset, MeshServiceSubset: those whose inbound tags match), for
   * types whose confs depend on the caller ({@link #bySource()}).
   */
  record Source<C>(TargetRef selector, C conf) {}

  /**
   * Whether this type's inbound confs depend on who calls: then {@link #inboundHttpBySource} gets
   * the sources in merge order instead of one merged conf.
   */
  default boolean bySource() {
    return false;
  }

  /**
   * The HTTP connection manager of an inbound listener (a sidecar's, or a proxyless gRPC server's
   * when the place {@link Place#mtls() terminates mTLS}), with the inbound's sources in merge order
   * (least specific first; for a conf the later sources that also select a caller win): its {@code
   * from} items, or its merged {@code rules} as one source of kind Mesh.
   */
  default void inboundHttpBySource(
      Place place, List<Source<C>> sources, HttpConnectionManager.Builder hcm) {}

  /**
   * One {@code rules[]} entry of an inbound, for types whose rules may have matches ({@link
   * dev.chronomesh.meshmodel.policy.PolicyType#ruleMatches()}): the traffic it applies to ({@code
   * match}; null: all traffic), the name of the policy it came from, and its conf.
   */
  record MatchedRule<C>(RuleMatch match, String policy, C conf) {}

  /**
   * The HTTP connection manager of an inbound listener that {@code rules} apply to, for types whose
   * rules may have matches: the rules one by one, unmerged, in Kuma's order (most specific match
   * first, rules for all traffic last). Such a type's {@link #inboundHttpBySource} then gets the
   * inbound's {@code from} items only, when it has no rules.
   */
  default void inboundHttpByRule(
      Place place, List<MatchedRule<C>> rules, HttpConnectionManager.Builder hcm) {}

  /**
   * The network filters of an inbound listener (sidecar only), in order, before the terminal one
   * (the HTTP connection manager or TCP proxy, which is not in the list): add to it.
   */
  default void inboundNetworkFilters(Place place, C conf, List<Filter> filters) {}

  /**
   * The network filters of an inbound listener (as {@link #inboundNetworkFilters}), with the
   * inbound's sources in merge order, for types {@link #bySource()}.
   */
  default void inboundNetworkFiltersBySource(
      Place place, List<Source<C>> sources, List<Filter> filters) {}

  /**
   * Whether the by-source hooks ({@link #inboundHttpBySource}, {@link
   * #inboundNetworkFiltersBySource}) are called at {@code place} even when no policy of the type
   * selects the inbound, then with no sources: for a type whose absence means something there
   * (MeshTrafficPermission: an inbound that terminates the mesh's mTLS denies every caller no
   * policy allows). By default a hook is only called with a conf.
   */
  default boolean actsWithoutPolicy(Place place) {
    return false;
  }

  /**
   * The HTTP connection manager of a proxyless client's listener towards {@code place}'s service,
   * with the merged conf of the destination's inbound that applies to this caller (types whose
   * model says {@link PolicyType#callerSide()}).
   */
  default void callerHttp(Place place, C conf, HttpConnectionManager.Builder hcm) {}

  /**
   * As {@link #callerHttp}, for a destination whose inbound has {@code rules} (types whose rules
   * may have matches): the rules that apply to this caller, one by one, in Kuma's order.
   */
  default void callerHttpByRule(
      Place place, List<MatchedRule<C>> rules, HttpConnectionManager.Builder hcm) {}

  /** The protobuf messages this configurer packs into typed configs, for printing configs. */
  default List<com.google.protobuf.Descriptors.Descriptor> typedConfigs() {
    return List.of();
  }

  /**
   * Every resource of the proxy's config, after all other configurers (Kuma's MeshProxyPatch), with
   * the proxy's single merged conf ({@code spec.default} of the policies selecting it).
   */
  default void proxy(ProxyPlace place, C conf, ProxyResources resources) {}
}
