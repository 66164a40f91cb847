package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.StatusInfo;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-node snapshots the ADS server reads, keyed by the node id the proxy sends. Written only
 * by the feed thread; read by gRPC threads through the cache.
 *
 * <p>java-control-plane refuses to clear a node while a proxy of that node holds open watches. A
 * removed node's snapshot then stays, unchanged and unpushed, until its streams are gone and {@link
 * #retryRemovals()} clears it. Connected proxies keep the config they have (nothing is pushed to
 * them, as with go-control-plane's ClearSnapshot); a later record for the node replaces the
 * snapshot and cancels the pending removal.
 */
final class NodeSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(NodeSnapshots.class);

  private final SimpleCache<String> cache = new NodeCache();

  /** Node id → its last config; changed by the feed thread only, like the two maps below. */
  private final Map<String, NodeConfig> configs = new HashMap<>();

  /** {@code <mesh>/<cluster>} → the shared endpoint set from the endpoints topic. */
  private final Map<String, SharedEndpoints> shared = new HashMap<>();

  /** {@code <mesh>/<cluster>} → the nodes whose config has that EDS cluster. */
  private final Map<String, Set<String>> users = new HashMap<>();

  /** Nodes removed while a proxy was still watching; changed by the feed thread only. */
  private final Set<String> pendingRemovals = ConcurrentHashMap.newKeySet();

  SimpleCache<String> cache() {
    return cache;
  }

  Snapshot get(String nodeId) {
    return cache.getSnapshot(nodeId);
  }

  /** Whether a proxy of this node has an open watch now. */
  boolean isWatched(String nodeId) {
    StatusInfo<String> status = cache.statusInfo(nodeId);
    return status != null && status.numWatches() > 0;
  }

  /** Whether the node was removed and its snapshot waits for its proxies to disconnect. */
  boolean isRemovalPending(String nodeId) {
    return pendingRemovals.contains(nodeId);
  }

  /**
   * Sets a node's config: its own resources, plus the shared endpoint sets of its EDS clusters
   * (from the endpoints topic), which follow later changes of those sets.
   */
  void put(ProxyConfigDecoder.Accepted config) {
    String nodeId = config.nodeId();
    NodeConfig old = configs.put(nodeId, new NodeConfig(config, edsClusters(config.clusters())));
    if (old != null) {
      old.edsClusters().forEach(c -> unuse(old.accepted().mesh(), c, nodeId));
    }
    edsClusters(config.clusters())
        .forEach(
            c ->
                users
                    .computeIfAbsent(sharedKey(config.mesh(), c), k -> new HashSet<>())
                    .add(nodeId));
    pendingRemovals.remove(nodeId);
    publish(nodeId);
  }

  /** Sets (or, with a null assignment, removes) the shared endpoint set of a cluster. */
  void putEndpoints(String mesh, String cluster, ClusterLoadAssignment assignment, String version) {
    String key = sharedKey(mesh, cluster);
    if (assignment == null) {
      shared.remove(key);
    } else {
      shared.put(key, new SharedEndpoints(assignment, version));
    }
    for (String nodeId : List.copyOf(users.getOrDefault(key, Set.of()))) {
      publish(nodeId);
    }
  }

  /** How many nodes use the shared endpoint set of a cluster (for tests and metrics). */
  int users(String mesh, String cluster) {
    return users.getOrDefault(sharedKey(mesh, cluster), Set.of()).size();
  }

  private void publish(String nodeId) {
    NodeConfig node = configs.get(nodeId);
    if (node == null) {
      return;
    }
    ProxyConfigDecoder.Accepted c = node.accepted();
    Map<String, ClusterLoadAssignment> endpoints = new TreeMap<>();
    StringBuilder versions = new StringBuilder();
    for (String cluster : node.edsClusters()) {
      SharedEndpoints e = shared.get(sharedKey(c.mesh(), cluster));
      if (e != null) {
        endpoints.put(cluster, e.assignment());
        versions.append(cluster).append('=').append(e.version()).append('\n');
      }
    }
    // Endpoints carried in the record itself (older projectors) win over shared ones.
    for (ClusterLoadAssignment cla : c.endpoints()) {
      endpoints.put(cla.getClusterName(), cla);
      versions.append(cla.getClusterName()).append("=inline:").append(c.version()).append('\n');
    }
    Snapshot snapshot =
        Snapshot.create(
            c.clusters(),
            c.version(),
            endpoints.values(),
            endpointsVersion(versions.toString()),
            c.listeners(),
            c.version(),
            c.routes(),
            c.version(),
            c.secrets(),
            c.version());
    cache.setSnapshot(nodeId, snapshot);
  }

  /** A short stable digest of the cluster=version lines of a node's endpoint sets. */
  private static String endpointsVersion(String lines) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(lines.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }

  /** The names under which a node's EDS clusters ask for endpoints, sorted. */
  private static SortedSet<String> edsClusters(List<Cluster> clusters) {
    SortedSet<String> out = new TreeSet<>();
    for (Cluster c : clusters) {
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        String service = c.getEdsClusterConfig().getServiceName();
        out.add(service.isEmpty() ? c.getName() : service);
      }
    }
    return out;
  }

  private void unuse(String mesh, String cluster, String nodeId) {
    String key = sharedKey(mesh, cluster);
    Set<String> set = users.get(key);
    if (set != null) {
      set.remove(nodeId);
      if (set.isEmpty()) {
        users.remove(key);
      }
    }
  }

  private static String sharedKey(String mesh, String cluster) {
    return mesh + "/" + cluster;
  }

  /** A node's last accepted record and the EDS clusters its resources use. */
  private record NodeConfig(ProxyConfigDecoder.Accepted accepted, SortedSet<String> edsClusters) {}

  /** A shared endpoint set and its version. */
  private record SharedEndpoints(ClusterLoadAssignment assignment, String version) {}

  /**
   * Forgets the node. Returns true when its snapshot is gone now, false when a proxy is still
   * watching and the snapshot will be cleared once it disconnects.
   */
  boolean remove(String nodeId) {
    NodeConfig old = configs.remove(nodeId);
    if (old != null) {
      old.edsClusters().forEach(c -> unuse(old.accepted().mesh(), c, nodeId));
    }
    if (!isWatched(nodeId) && cache.clearSnapshot(nodeId)) {
      pendingRemovals.remove(nodeId);
      return true;
    }
    pendingRemovals.add(nodeId);
    return false;
  }

  /** Clears removed nodes whose proxies have stopped watching since. */
  void retryRemovals() {
    if (pendingRemovals.isEmpty()) {
      return;
    }
    pendingRemovals.removeIf(
        nodeId -> {
          if (!isWatched(nodeId) && cache.clearSnapshot(nodeId)) {
            LOG.info("Cleared snapshot of removed proxy node={} after its streams closed", nodeId);
            return true;
          }
          return false;
        });
  }
}
