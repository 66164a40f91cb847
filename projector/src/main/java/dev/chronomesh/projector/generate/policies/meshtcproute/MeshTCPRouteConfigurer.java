package dev.chronomesh.projector.generate.policies.meshtcproute;

import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute.Conf;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.MeshResources;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import dev.chronomesh.projector.generate.policy.RouteBackend;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;

/**
 * MeshTCPRoute: the weighted backends an outbound TCP proxy towards a service gets from its merged
 * conf (see {@code docs/policies/meshtcproute.md}). Routing shapes the baseline itself, so the
 * sidecar generator calls {@link #backends} and {@link #target} for every outbound rather than a
 * hook. A MeshTCPRoute alone makes an outbound a TCP proxy whatever its protocol; proxyless
 * clients, which speak only gRPC, ignore it.
 */
public final class MeshTCPRouteConfigurer implements PolicyConfigurer<Conf> {
  @Override
  public PolicyType<Conf> type() {
    return MeshTCPRoute.TYPE;
  }

  /**
   * The backends of the merged conf (null: none applies), MeshService ports resolved in {@code
   * mesh}, or null when it names none that exists.
   */
  public static List<RouteBackend> backends(Conf conf, MeshResources mesh) {
    if (conf == null || conf.rules().isEmpty()) {
      return null;
    }
    // Kuma's MeshTCPRoute conf is one rule: the last merged rule's backends.
    List<RouteBackend> backends =
        RouteBackend.of(conf.rules().get(0).conf().backendRefs(), mesh, false);
    return backends.isEmpty() ? null : backends;
  }

  /** The cluster part of a TCP proxy: one cluster, or weighted clusters for several backends. */
  public static void target(List<RouteBackend> backends, TcpProxy.Builder tcp) {
    if (backends.size() == 1) {
      tcp.setCluster(backends.get(0).selector().clusterName());
      return;
    }
    TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
    for (RouteBackend b : backends) {
      weighted.addClusters(
          TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
              .setName(b.selector().clusterName())
              .setWeight(b.weight()));
    }
    tcp.setWeightedClusters(weighted);
  }
}
