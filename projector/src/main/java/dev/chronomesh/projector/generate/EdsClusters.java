package dev.chronomesh.projector.generate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The EDS clusters of one proxy's config and the shared endpoint sets they read: a cluster reads
 * the set named like itself, or (when the proxy's policies group the endpoints its own way, as a
 * local-zone affinity does) another set, named in its {@code eds_cluster_config.service_name}.
 */
final class EdsClusters {
  /** Cluster name → the endpoint set it reads. */
  private final SortedMap<String, EndpointSelector> byCluster = new TreeMap<>();

  /** Points the EDS cluster {@code name} at the endpoint set {@code endpoints}. */
  void add(String name, EndpointSelector endpoints, Cluster.Builder cluster) {
    String set = endpoints.clusterName();
    if (!set.equals(name)) {
      cluster.getEdsClusterConfigBuilder().setServiceName(set);
    }
    byCluster.put(name, endpoints);
  }

  /**
   * The endpoint sets the clusters still in {@code clusters} read (a whole-config hook may have
   * removed some), by set name: what the config's {@code edsClusters} are.
   */
  SortedMap<String, EndpointSelector> read(Map<String, ?> clusters) {
    SortedMap<String, EndpointSelector> out = new TreeMap<>();
    byCluster.forEach(
        (name, endpoints) -> {
          if (clusters.containsKey(name)) {
            out.put(endpoints.clusterName(), endpoints);
          }
        });
    return out;
  }
}
