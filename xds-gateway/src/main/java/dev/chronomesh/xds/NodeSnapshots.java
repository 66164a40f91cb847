package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.StatusInfo;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.time.Instant;
import java.util.ArrayList;
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

  /**
   * Node id → when the newest event behind each of its last published versions happened: read by
   * gRPC threads (convergence of an ACK), replaced by the feed thread.
   */
  private final Map<String, NodeCauses> causes = new ConcurrentHashMap<>();

  /** How many published versions per node (and per config/endpoints) keep their cause time. */
  private static final int CAUSE_HISTORY = 8;

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
    put(config, null);
  }

  /**
   * As {@link #put(ProxyConfigDecoder.Accepted)}, with when the newest event that caused this
   * config happened (null when unknown).
   */
  void put(ProxyConfigDecoder.Accepted config, Instant newestCause) {
    String nodeId = config.nodeId();
    NodeConfig old =
        configs.put(nodeId, new NodeConfig(config, edsClusters(config.clusters()), newestCause));
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
    putEndpoints(mesh, cluster, assignment, version, null);
  }

  /**
   * As {@link #putEndpoints(String, String, ClusterLoadAssignment, String)}, with when the newest
   * event that caused this endpoint set happened (null when unknown).
   */
  void putEndpoints(
      String mesh,
      String cluster,
      ClusterLoadAssignment assignment,
      String version,
      Instant newestCause) {
    String key = sharedKey(mesh, cluster);
    if (assignment == null) {
      shared.remove(key);
    } else {
      shared.put(key, new SharedEndpoints(assignment, version, newestCause));
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
    Instant endpointsCause = null;
    for (String cluster : node.edsClusters()) {
      SharedEndpoints e = shared.get(sharedKey(c.mesh(), cluster));
      if (e != null) {
        endpoints.put(cluster, e.assignment());
        versions.append(cluster).append('=').append(e.version()).append('\n');
        endpointsCause = newer(endpointsCause, e.newestCause());
      }
    }
    // Endpoints carried in the record itself (older projectors) win over shared ones.
    for (ClusterLoadAssignment cla : c.endpoints()) {
      endpoints.put(cla.getClusterName(), cla);
      versions.append(cla.getClusterName()).append("=inline:").append(c.version()).append('\n');
      endpointsCause = newer(endpointsCause, node.newestCause());
    }
    String endpointsVersion = endpointsVersion(versions.toString());
    Snapshot snapshot =
        Snapshot.create(
            c.clusters(),
            c.version(),
            endpoints.values(),
            endpointsVersion,
            c.listeners(),
            c.version(),
            c.routes(),
            c.version(),
            c.secrets(),
            c.version());
    rememberCauses(nodeId, c.version(), node.newestCause(), endpointsVersion, endpointsCause);
    cache.setSnapshot(nodeId, snapshot);
  }

  /**
   * When the newest event behind a version the node was given happened: the proxy config's causes
   * for CDS, LDS, RDS and SDS, the newest among its endpoint sets' causes for EDS. Null when the
   * version is not among the node's last published ones or its causes are unknown. Thread-safe.
   */
  Instant causedAt(String nodeId, String typeUrl, String version) {
    NodeCauses node = causes.get(nodeId);
    if (node == null || version == null) {
      return null;
    }
    List<VersionCause> history =
        Resources.V3.ENDPOINT_TYPE_URL.equals(typeUrl) ? node.endpoints() : node.config();
    for (VersionCause v : history) {
      if (v.version().equals(version)) {
        return v.newestCause();
      }
    }
    return null;
  }

  /** The version of {@code typeUrl} in the node's current snapshot, null when none. */
  String currentVersion(String nodeId, String typeUrl) {
    Snapshot snapshot = cache.getSnapshot(nodeId);
    if (snapshot == null) {
      return null;
    }
    Resources.ResourceType type = Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(typeUrl);
    return type == null ? null : snapshot.version(type, List.of());
  }

  private void rememberCauses(
      String nodeId,
      String configVersion,
      Instant configCause,
      String endpointsVersion,
      Instant endpointsCause) {
    causes.compute(
        nodeId,
        (k, old) -> {
          List<VersionCause> config = old == null ? List.of() : old.config();
          List<VersionCause> eds = old == null ? List.of() : old.endpoints();
          return new NodeCauses(
              remember(config, configVersion, configCause),
              remember(eds, endpointsVersion, endpointsCause));
        });
  }

  /**
   * The history with {@code version} first; a version already there keeps its first cause time (the
   * proxy was given it then).
   */
  private static List<VersionCause> remember(
      List<VersionCause> history, String version, Instant cause) {
    if (!history.isEmpty() && history.get(0).version().equals(version)) {
      return history;
    }
    if (cause == null) {
      return history.stream().filter(v -> !v.version().equals(version)).toList();
    }
    List<VersionCause> out = new ArrayList<>(CAUSE_HISTORY);
    out.add(new VersionCause(version, cause));
    for (VersionCause v : history) {
      if (out.size() == CAUSE_HISTORY) {
        break;
      }
      if (!v.version().equals(version)) {
        out.add(v);
      }
    }
    return List.copyOf(out);
  }

  private static Instant newer(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
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

  /** A node's last accepted record, the EDS clusters its resources use, its newest cause. */
  private record NodeConfig(
      ProxyConfigDecoder.Accepted accepted, SortedSet<String> edsClusters, Instant newestCause) {}

  /** A shared endpoint set, its version and its newest cause (null when unknown). */
  private record SharedEndpoints(
      ClusterLoadAssignment assignment, String version, Instant newestCause) {}

  /** A published version and when the newest event behind it happened. */
  private record VersionCause(String version, Instant newestCause) {}

  /** A node's recent config and endpoints versions with their cause times, newest first. */
  private record NodeCauses(List<VersionCause> config, List<VersionCause> endpoints) {}

  /**
   * Forgets the node. Returns true when its snapshot is gone now, false when a proxy is still
   * watching and the snapshot will be cleared once it disconnects.
   */
  boolean remove(String nodeId) {
    causes.remove(nodeId);
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
