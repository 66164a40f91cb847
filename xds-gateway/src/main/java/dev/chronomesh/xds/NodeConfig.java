package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;

/**
 * One node's decoded config as its snapshot needs it: the record's envelope (mesh, version,
 * flavour, EDS cluster names), when the newest event behind it happened, and its resources with
 * their versions, built once per record and shared by every snapshot of the node until the next
 * record (endpoint changes only swap the endpoint sets).
 *
 * @param flavour what the config was generated for; null when the record does not say
 * @param newestCause when the newest event behind this version happened; null when unknown
 * @param inlineEndpoints load assignments carried in the record itself (older projectors)
 * @param warnings resources that were skipped, with their paths
 */
record NodeConfig(
    String nodeId,
    String mesh,
    String version,
    String flavour,
    SortedSet<String> edsClusters,
    Instant newestCause,
    SnapshotResources<Cluster> clusters,
    SnapshotResources<Listener> listeners,
    SnapshotResources<RouteConfiguration> routes,
    SnapshotResources<Secret> secrets,
    List<VersionedResource<ClusterLoadAssignment>> inlineEndpoints,
    List<String> warnings) {
  NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(edsClusters, "edsClusters");
    Objects.requireNonNull(clusters, "clusters");
    Objects.requireNonNull(listeners, "listeners");
    Objects.requireNonNull(routes, "routes");
    Objects.requireNonNull(secrets, "secrets");
    inlineEndpoints = List.copyOf(inlineEndpoints);
    warnings = List.copyOf(warnings);
  }

  /** The config of an accepted record; each resource versioned by the digest of its bytes. */
  static NodeConfig of(ProxyConfigDecoder.Accepted a, Instant newestCause) {
    String v = a.version();
    List<VersionedResource<ClusterLoadAssignment>> inline = new ArrayList<>();
    for (ClusterLoadAssignment cla : a.endpoints()) {
      inline.add(
          VersionedResource.create(
              cla, a.resourceVersion(Resources.V3.ENDPOINT_TYPE_URL, cla.getClusterName())));
    }
    return new NodeConfig(
        a.nodeId(),
        a.mesh(),
        v,
        a.flavour(),
        a.edsClusters(),
        newestCause,
        NodeSnapshot.resources(
            a.clusters(), n -> a.resourceVersion(Resources.V3.CLUSTER_TYPE_URL, n), v),
        NodeSnapshot.resources(
            a.listeners(), n -> a.resourceVersion(Resources.V3.LISTENER_TYPE_URL, n), v),
        NodeSnapshot.resources(
            a.routes(), n -> a.resourceVersion(Resources.V3.ROUTE_TYPE_URL, n), v),
        NodeSnapshot.resources(
            a.secrets(), n -> a.resourceVersion(Resources.V3.SECRET_TYPE_URL, n), v),
        inline,
        a.warnings());
  }

  /** How many Envoy messages the config holds. */
  int messages() {
    return clusters.resources().size()
        + listeners.resources().size()
        + routes.resources().size()
        + secrets.resources().size()
        + inlineEndpoints.size();
  }
}
