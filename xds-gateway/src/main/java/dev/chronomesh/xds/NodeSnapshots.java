package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.StatusInfo;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots the ADS server reads, for the nodes connected to this gateway only. Every node's
 * last record (and every cluster's endpoint set) is kept in the {@link NodeStore} on local disk, as
 * read from Kafka; when a proxy of a node connects, the node is <em>activated</em>: its record is
 * decoded, the endpoint sets of its EDS clusters are loaded, and its snapshot is set in the cache
 * before java-control-plane opens the stream's first watch. When its last stream has closed (and
 * java-control-plane has cancelled its watches), the node is deactivated and forgotten again. Heap
 * use is thus proportional to the connected proxies, not to the fleet.
 *
 * <p>Records for inactive nodes only go to the store; records for active nodes also replace their
 * snapshot. An endpoints record goes to the store, and, when an active node uses that cluster, into
 * memory and into the snapshots of the active nodes that use it.
 *
 * <p>A tombstone of an active node keeps its snapshot, unchanged and unpushed, until its streams
 * are gone (connected proxies keep the config they have, as with go-control-plane's ClearSnapshot);
 * a later record for the node replaces it.
 *
 * <p>Changes are serialized on this object's monitor: the feed thread (records) and gRPC threads
 * (connect, disconnect). Lock order: this object, then the cache; the cache never calls back into
 * it. {@link #causedAt} and {@link #currentVersion} take no lock.
 */
final class NodeSnapshots implements ProxyEventListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeSnapshots.class);

  /** How many published versions per node (and per config/endpoints) keep their cause time. */
  private static final int CAUSE_HISTORY = 8;

  private final SimpleCache<String> cache = new NodeCache();
  private final NodeStore store;
  private final FeedRecords records;

  /** Node id → what is in memory for a node with streams on this gateway (guarded by this). */
  private final Map<String, ActiveNode> active = new HashMap<>();

  /**
   * {@code <mesh>/<cluster>} → the endpoint set of a cluster some active node uses (guarded by
   * this).
   */
  private final Map<String, FeedRecords.Endpoints> shared = new HashMap<>();

  /** {@code <mesh>/<cluster>} → the active nodes whose config has that EDS cluster. */
  private final Map<String, Set<String>> users = new HashMap<>();

  /**
   * Node id → when the newest event behind each of its last published versions happened: read by
   * gRPC threads (convergence of an ACK), replaced under the monitor. Active nodes only.
   */
  private final Map<String, NodeCauses> causes = new ConcurrentHashMap<>();

  /** Active nodes without streams, deactivated once their watches are gone (guarded by this). */
  private final Set<String> pendingClears = new HashSet<>();

  /** Set by {@link #close()}; every change is ignored from then on (guarded by this). */
  private boolean closed;

  NodeSnapshots(NodeStore store, FeedRecords records) {
    this.store = Objects.requireNonNull(store, "store");
    this.records = Objects.requireNonNull(records, "records");
  }

  SimpleCache<String> cache() {
    return cache;
  }

  /** The node's snapshot in the cache; null unless the node is active and has a config. */
  Snapshot get(String nodeId) {
    return cache.getSnapshot(nodeId);
  }

  /** The version of the node's record in the store, null when it has none (read from disk). */
  synchronized String storedVersion(String nodeId) {
    if (closed) {
      return null;
    }
    byte[] record = store.config(nodeId);
    if (record == null) {
      return null;
    }
    try {
      return records.config(nodeId, record).accepted().version();
    } catch (FeedRecords.Invalid e) {
      return null;
    }
  }

  /** Whether a proxy of this node has an open watch now. */
  boolean isWatched(String nodeId) {
    StatusInfo<String> status = cache.statusInfo(nodeId);
    return status != null && status.numWatches() > 0;
  }

  /** Whether the node is in memory (a proxy of it is, or was until a moment ago, connected). */
  synchronized boolean isActive(String nodeId) {
    return active.containsKey(nodeId);
  }

  /** How many nodes are in memory. */
  synchronized int activeNodes() {
    return active.size();
  }

  /** RocksDB's estimate of the nodes in the disk cache; -1 once closed. */
  synchronized long storedNodes() {
    return closed ? -1 : store.estimatedConfigs();
  }

  /** Whether the node was removed while active and its snapshot waits for its streams to close. */
  synchronized boolean isRemovalPending(String nodeId) {
    ActiveNode node = active.get(nodeId);
    return node != null && node.removed;
  }

  /** How many active nodes use the shared endpoint set of a cluster (for tests and metrics). */
  synchronized int users(String mesh, String cluster) {
    return users.getOrDefault(sharedKey(mesh, cluster), Set.of()).size();
  }

  /**
   * Stores a node's record; for an active node, also sets its config: its own resources plus the
   * shared endpoint sets of its EDS clusters, which follow later changes of those sets.
   */
  synchronized void put(FeedRecords.Config config, byte[] record) {
    if (closed) {
      return;
    }
    String nodeId = config.accepted().nodeId();
    store.putConfig(nodeId, record);
    ActiveNode node = active.get(nodeId);
    if (node != null) {
      node.removed = false;
      setConfig(nodeId, node, NodeConfig.of(config.accepted(), config.newestCause()));
      publish(nodeId, node);
    }
  }

  /**
   * Forgets the node's record. Returns true when nothing of it is left, false when it is active and
   * its snapshot will be cleared once its streams close.
   */
  synchronized boolean remove(String nodeId) {
    if (closed) {
      return true;
    }
    store.deleteConfig(nodeId);
    ActiveNode node = active.get(nodeId);
    if (node == null) {
      return true;
    }
    node.removed = true;
    return false;
  }

  /** Stores (and, when active nodes use it, applies) the endpoint set of a cluster. */
  synchronized void putEndpoints(
      String mesh, String cluster, FeedRecords.Endpoints endpoints, byte[] record) {
    if (closed) {
      return;
    }
    String key = sharedKey(mesh, cluster);
    store.putEndpoints(key, record);
    Set<String> nodes = users.get(key);
    if (nodes != null) {
      shared.put(key, endpoints);
      republish(nodes);
    }
  }

  /** Forgets the endpoint set of a cluster; active nodes using it get none. */
  synchronized void removeEndpoints(String mesh, String cluster) {
    if (closed) {
      return;
    }
    String key = sharedKey(mesh, cluster);
    store.deleteEndpoints(key);
    Set<String> nodes = users.get(key);
    if (nodes != null && shared.remove(key) != null) {
      republish(nodes);
    }
  }

  private void republish(Set<String> nodeIds) {
    for (String nodeId : List.copyOf(nodeIds)) {
      ActiveNode node = active.get(nodeId);
      if (node != null) {
        publish(nodeId, node);
      }
    }
  }

  /**
   * A stream of the node opened: activates the node (loads its record and endpoint sets from the
   * store, sets its snapshot) unless it is active already. Runs on the gRPC thread before the
   * stream's first watch is created. (Decoding outside the monitor was tried: on two cores it cost
   * more CPU per push and a slower reconnect storm in the harness, so activations stay serial.)
   */
  @Override
  public synchronized void connected(String nodeId, long streamId, boolean delta) {
    if (closed) {
      return;
    }
    pendingClears.remove(nodeId);
    ActiveNode node = active.get(nodeId);
    if (node != null) {
      node.streams++;
      return;
    }
    node = new ActiveNode();
    node.streams = 1;
    active.put(nodeId, node);
    byte[] record = store.config(nodeId);
    if (record == null) {
      return;
    }
    NodeConfig config = prepare(nodeId, record);
    if (config != null) {
      setConfig(nodeId, node, config);
      publish(nodeId, node);
    }
  }

  /** Decodes a stored record; null (logged) when it does not decode. */
  private NodeConfig prepare(String nodeId, byte[] record) {
    try {
      FeedRecords.Config config = records.config(nodeId, record);
      return NodeConfig.of(config.accepted(), config.newestCause());
    } catch (FeedRecords.Invalid | RuntimeException e) {
      // The store holds records that passed these checks; this is a defect, not bad input.
      LOG.error("Loading a stored proxy config failed node={}", nodeId, e);
      return null;
    }
  }

  /** A stream of the node closed; the last one makes the node pending deactivation. */
  @Override
  public synchronized void disconnected(String nodeId, long streamId) {
    if (closed) {
      return;
    }
    ActiveNode node = active.get(nodeId);
    if (node == null) {
      return;
    }
    node.streams = Math.max(0, node.streams - 1);
    if (node.streams == 0) {
      pendingClears.add(nodeId);
    }
  }

  /**
   * Deactivates nodes without streams whose watches java-control-plane has cancelled since (it
   * refuses to clear a node with open watches, and cancels a closed stream's watches only after its
   * close callbacks ran). Runs on the feed thread after each poll.
   */
  synchronized void retryClears() {
    if (closed) {
      return;
    }
    if (pendingClears.isEmpty()) {
      return;
    }
    pendingClears.removeIf(
        nodeId -> {
          ActiveNode node = active.get(nodeId);
          if (node == null || node.streams > 0) {
            return true;
          }
          if (isWatched(nodeId) || !cache.clearSnapshot(nodeId)) {
            return false;
          }
          active.remove(nodeId);
          if (node.config != null) {
            node.config.edsClusters().forEach(c -> unuse(node.config.mesh(), c, nodeId));
          }
          causes.remove(nodeId);
          LOG.debug("Deactivated node={} removed={}", nodeId, node.removed);
          return true;
        });
  }

  /**
   * Closes the store (deleting its directory); later changes are ignored, so a feed thread that has
   * not stopped yet cannot write to a closed store.
   */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      store.close();
    }
  }

  /** Sets an active node's config and brings in the endpoint sets of its EDS clusters. */
  private void setConfig(String nodeId, ActiveNode node, NodeConfig config) {
    NodeConfig old = node.config;
    node.config = config;
    for (String cluster : config.edsClusters()) {
      use(config.mesh(), cluster, nodeId);
    }
    if (old != null) {
      for (String cluster : old.edsClusters()) {
        if (!old.mesh().equals(config.mesh()) || !config.edsClusters().contains(cluster)) {
          unuse(old.mesh(), cluster, nodeId);
        }
      }
    }
  }

  private void use(String mesh, String cluster, String nodeId) {
    String key = sharedKey(mesh, cluster);
    Set<String> nodes = users.get(key);
    if (nodes == null) {
      nodes = new HashSet<>();
      users.put(key, nodes);
      byte[] record = store.endpoints(key);
      if (record != null) {
        try {
          shared.put(key, records.endpoints(mesh, cluster, record));
        } catch (FeedRecords.Invalid | RuntimeException e) {
          LOG.error("Loading stored endpoints failed mesh={} cluster={}", mesh, cluster, e);
        }
      }
    }
    nodes.add(nodeId);
  }

  private void unuse(String mesh, String cluster, String nodeId) {
    String key = sharedKey(mesh, cluster);
    Set<String> nodes = users.get(key);
    if (nodes != null) {
      nodes.remove(nodeId);
      if (nodes.isEmpty()) {
        users.remove(key);
        shared.remove(key);
      }
    }
  }

  private void publish(String nodeId, ActiveNode active) {
    NodeConfig node = active.config;
    if (node == null) {
      return;
    }
    Map<String, VersionedResource<ClusterLoadAssignment>> endpoints = new TreeMap<>();
    StringBuilder versions = new StringBuilder();
    Instant endpointsCause = null;
    for (String cluster : node.edsClusters()) {
      FeedRecords.Endpoints e = shared.get(sharedKey(node.mesh(), cluster));
      if (e != null) {
        endpoints.put(cluster, VersionedResource.create(e.assignment(), e.version()));
        versions.append(cluster).append('=').append(e.version()).append('\n');
        endpointsCause = newer(endpointsCause, e.newestCause());
      }
    }
    // Endpoints carried in the record itself (older projectors) win over shared ones.
    for (VersionedResource<ClusterLoadAssignment> cla : node.inlineEndpoints()) {
      String name = cla.resource().getClusterName();
      endpoints.put(name, cla);
      versions.append(name).append("=inline:").append(node.version()).append('\n');
      endpointsCause = newer(endpointsCause, node.newestCause());
    }
    String endpointsVersion = endpointsVersion(versions.toString());
    Snapshot snapshot =
        new NodeSnapshot(
            node.clusters(),
            SnapshotResources.create(endpoints.values(), names -> endpointsVersion),
            node.listeners(),
            node.routes(),
            node.secrets());
    rememberCauses(nodeId, node.version(), node.newestCause(), endpointsVersion, endpointsCause);
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

  private static String sharedKey(String mesh, String cluster) {
    return mesh + "/" + cluster;
  }

  /** What is in memory for an active node (guarded by the snapshots' monitor). */
  private static final class ActiveNode {
    int streams;

    /** Null while the node has no config (a proxy connected before its dataplane was projected). */
    NodeConfig config;

    /** A tombstone came while the node was active. */
    boolean removed;
  }

  /**
   * A node's last accepted record as its snapshot needs it: its mesh and version, the EDS clusters
   * its resources use, its cause, and its resources with their versions (built once per record).
   */
  private record NodeConfig(
      String mesh,
      String version,
      SortedSet<String> edsClusters,
      Instant newestCause,
      SnapshotResources<Cluster> clusters,
      SnapshotResources<Listener> listeners,
      SnapshotResources<RouteConfiguration> routes,
      SnapshotResources<Secret> secrets,
      List<VersionedResource<ClusterLoadAssignment>> inlineEndpoints) {
    static NodeConfig of(ProxyConfigDecoder.Accepted a, Instant newestCause) {
      String v = a.version();
      List<VersionedResource<ClusterLoadAssignment>> inline = new ArrayList<>();
      for (ClusterLoadAssignment cla : a.endpoints()) {
        inline.add(
            VersionedResource.create(
                cla, a.resourceVersion(Resources.V3.ENDPOINT_TYPE_URL, cla.getClusterName())));
      }
      return new NodeConfig(
          a.mesh(),
          v,
          NodeSnapshots.edsClusters(a.clusters()),
          newestCause,
          NodeSnapshot.resources(
              a.clusters(), n -> a.resourceVersion(Resources.V3.CLUSTER_TYPE_URL, n), v),
          NodeSnapshot.resources(
              a.listeners(), n -> a.resourceVersion(Resources.V3.LISTENER_TYPE_URL, n), v),
          NodeSnapshot.resources(
              a.routes(), n -> a.resourceVersion(Resources.V3.ROUTE_TYPE_URL, n), v),
          NodeSnapshot.resources(
              a.secrets(), n -> a.resourceVersion(Resources.V3.SECRET_TYPE_URL, n), v),
          List.copyOf(inline));
    }
  }

  /** A published version and when the newest event behind it happened. */
  private record VersionCause(String version, Instant newestCause) {}

  /** A node's recent config and endpoints versions with their cause times, newest first. */
  private record NodeCauses(List<VersionCause> config, List<VersionCause> endpoints) {}
}
