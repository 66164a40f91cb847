package dev.chronomesh.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A node's snapshot built from resources whose versions are already known. {@code Snapshot.create}
 * versions every resource by a SHA-256 of its deep protobuf hash code, which walks every field of
 * every message each time a snapshot is built (a third of a node's activation and of each config
 * change in profiles); here the versions come from the record's bytes ({@link
 * ProxyConfigDecoder.Accepted#resourceVersions()}) and from the endpoint sets' own versions, and a
 * node's cluster, listener, route and secret resources are built once per config and reused by
 * every endpoint update.
 */
final class NodeSnapshot extends Snapshot {
  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets;

  NodeSnapshot(
      SnapshotResources<Cluster> clusters,
      SnapshotResources<ClusterLoadAssignment> endpoints,
      SnapshotResources<Listener> listeners,
      SnapshotResources<RouteConfiguration> routes,
      SnapshotResources<Secret> secrets) {
    this.clusters = Objects.requireNonNull(clusters);
    this.endpoints = Objects.requireNonNull(endpoints);
    this.listeners = Objects.requireNonNull(listeners);
    this.routes = Objects.requireNonNull(routes);
    this.secrets = Objects.requireNonNull(secrets);
  }

  /**
   * The resources of one type, each with its version from {@code versions} (by resource name: every
   * resource the decoder accepted has one); the type's version is {@code version} whatever names
   * are asked for, as in {@code Snapshot.create}.
   */
  static <T extends Message> SnapshotResources<T> resources(
      List<T> resources, Function<String, String> versions, String version) {
    List<VersionedResource<T>> versioned = new ArrayList<>(resources.size());
    for (T resource : resources) {
      versioned.add(
          VersionedResource.create(resource, versions.apply(Resources.getResourceName(resource))));
    }
    return SnapshotResources.create(versioned, names -> version);
  }

  @Override
  public SnapshotResources<Cluster> clusters() {
    return clusters;
  }

  @Override
  public SnapshotResources<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  @Override
  public SnapshotResources<Listener> listeners() {
    return listeners;
  }

  @Override
  public SnapshotResources<RouteConfiguration> routes() {
    return routes;
  }

  @Override
  public SnapshotResources<Secret> secrets() {
    return secrets;
  }
}
