package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;

/**
 * A targetRef policy type that decorates the baseline resources the generators build (Kuma's policy
 * plugin). The generator merges the policies of {@link #type()} with {@link #engine()} and calls
 * each hook with the merged conf that applies at that place; a hook never sees a null conf (no
 * matching policy: the hook is not called). Hooks modify the builder they are given and nothing
 * else; they are pure and deterministic.
 */
public interface PolicyPlugin {
  /** The Kuma type name, e.g. {@code MeshTimeout}. */
  String type();

  /** The order in which plugins run, spaced 100 apart as in Kuma; lower first. */
  int order();

  /** The merge rules of this type's confs (lists that append, lists merged by key). */
  default PolicyEngine engine() {
    return new PolicyEngine();
  }

  /** An outbound cluster (EDS, one per destination service or subset) of {@code to}. */
  default void outboundCluster(Place place, ObjectNode conf, Cluster.Builder cluster) {}

  /** A route action towards {@code place}'s service (sidecar and proxyless). */
  default void outboundRoute(Place place, ObjectNode conf, RouteAction.Builder route) {}

  /** The HTTP connection manager of an outbound listener (sidecar only). */
  default void outboundHttp(Place place, ObjectNode conf, HttpConnectionManager.Builder hcm) {}

  /** The TCP proxy of an outbound listener (sidecar only). */
  default void outboundTcp(Place place, ObjectNode conf, TcpProxy.Builder tcp) {}

  /** The local cluster behind an inbound, with the merged {@code from} conf of source Mesh. */
  default void inboundCluster(Place place, ObjectNode conf, Cluster.Builder cluster) {}

  /** The route action of an inbound listener (sidecar only). */
  default void inboundRoute(Place place, ObjectNode conf, RouteAction.Builder route) {}

  /** The HTTP connection manager of an inbound listener (sidecar only). */
  default void inboundHttp(Place place, ObjectNode conf, HttpConnectionManager.Builder hcm) {}

  /** The TCP proxy of an inbound listener (sidecar only). */
  default void inboundTcp(Place place, ObjectNode conf, TcpProxy.Builder tcp) {}
}
