package dev.chronomesh.xds;

import dev.chronomesh.events.avro.ProxyConfig;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.StatusInfo;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the snapshots the ADS server reads in step with the feed and the streams, for the nodes
 * connected to this gateway only: the one place where the pieces meet, and their serialization.
 *
 * <ul>
 *   <li>{@link NodeStore} (disk): every node's last record and every cluster's last endpoint set,
 *       as read from Kafka;
 *   <li>{@link ActiveNodes}: which nodes have streams here and the config each is served;
 *   <li>{@link SharedEndpoints}: the endpoint sets those configs name, and who uses each;
 *   <li>{@link SnapshotAssembler} (pure): config + endpoint sets → a node's snapshot;
 *   <li>{@link VersionCauses}: when the events behind each published version happened;
 *   <li>{@link Identities}: the identities of sidecars whose config names an SDS secret, whose
 *       secrets come back through {@link #putSecrets} into the node's snapshot;
 *   <li>the java-control-plane cache the server reads, owned here.
 * </ul>
 *
 * <p>When a proxy of a node connects, the node is <em>activated</em>: its record is decoded (once),
 * the endpoint sets of its EDS clusters are loaded, and its snapshot is set in the cache before
 * java-control-plane opens the stream's first watch. When its last stream has closed (and
 * java-control-plane has cancelled its watches), it is deactivated and forgotten again: heap use is
 * proportional to the connected proxies, not to the fleet. A record for an inactive node is checked
 * by its envelope and stored without decoding its resources; one for an active node also replaces
 * its snapshot. An endpoints record goes to the store and, when an active node uses that cluster,
 * into the snapshots of the nodes that use it.
 *
 * <p>A client whose kind does not fit its node's config ({@link ProxyClient#mismatch}: a proxyless
 * gRPC client for a sidecar's config, an Envoy for a proxyless one) is refused: at once when it
 * connects to a node whose config is known, or when the config arrives for a node it is waiting on
 * ({@link Refusals}).
 *
 * <p>A tombstone of an active node keeps its snapshot, unchanged and unpushed, until its streams
 * are gone (connected proxies keep the config they have, as with go-control-plane's ClearSnapshot);
 * a later record for the node replaces it.
 *
 * <p>Changes are serialized on this object's monitor: the feed thread (records) and gRPC threads
 * (connect, disconnect). Activations decode under it: decoding outside it was tried twice and cost
 * more CPU per push and a slower reconnect storm on two cores (BENCHMARKS.md). Because the store
 * write and the activation's store read happen under the one monitor, an activation never loads an
 * older record than the feed has applied. Lock order: a stream's inbound lock ({@link NodeStreams}:
 * a stream opens under it), this object, the cache, java-control-plane's per-stream response lock,
 * a stream's outbound lock; none calls back into an earlier one. {@link #causedAt}, {@link
 * #currentVersion}, {@link #get} and {@link #isWatched} take no lock.
 */
final class NodeSnapshots implements NodeStreams.Gate, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeSnapshots.class);

  /** Fails the streams of a node whose new config its client cannot use ({@link NodeStreams}). */
  interface Refusals {
    /**
     * Closes every open stream of {@code nodeId} with {@code reason}; called without the monitor.
     */
    void refuse(String nodeId, String reason);
  }

  /**
   * Signs the identities of sidecars whose config names an SDS identity secret ({@link
   * WorkloadIdentities}); called under the monitor, so it must only enqueue.
   */
  interface Identities {
    /** Node {@code nodeId} needs its identity in {@code mesh}. */
    void want(String nodeId, String mesh);

    /** Node {@code nodeId} needs no identity any more: forget it and its key. */
    void drop(String nodeId);
  }

  private static final Identities NO_IDENTITIES =
      new Identities() {
        @Override
        public void want(String nodeId, String mesh) {}

        @Override
        public void drop(String nodeId) {}
      };

  private final SimpleCache<String> cache = new NodeCache();
  private final NodeStore store;
  private final FeedRecords records;
  private final VersionCauses causes = new VersionCauses();

  /** Guarded by this. */
  private final ActiveNodes nodes = new ActiveNodes();

  /** Guarded by this. */
  private final SharedEndpoints endpoints;

  private volatile Refusals refusals = (nodeId, reason) -> {};

  private volatile Identities identities = NO_IDENTITIES;

  /**
   * The mesh whose identity each active node's config names, for the nodes whose config names one.
   * Guarded by this.
   */
  private final Map<String, String> identityMeshes = new HashMap<>();

  /** The SDS secrets of nodes in {@link #identityMeshes}, once signed. Guarded by this. */
  private final Map<String, SdsSecrets.Set> sdsSecrets = new HashMap<>();

  /** Set by {@link #close()}; every change is ignored from then on (guarded by this). */
  private boolean closed;

  NodeSnapshots(NodeStore store, FeedRecords records) {
    this.store = Objects.requireNonNull(store, "store");
    this.records = Objects.requireNonNull(records, "records");
    this.endpoints = new SharedEndpoints(this::loadEndpoints);
  }

  SimpleCache<String> cache() {
    return cache;
  }

  /** Who fails the streams of a node refused after it connected (set once, at start). */
  void refuseWith(Refusals refusals) {
    this.refusals = Objects.requireNonNull(refusals, "refusals");
  }

  /**
   * Who signs the identities of sidecars whose config names an SDS identity secret (set once, at
   * start, when the gateway has a CA target; without one such sidecars get no secrets).
   */
  void signWith(Identities identities) {
    this.identities = Objects.requireNonNull(identities, "identities");
  }

  /**
   * A node's new SDS secrets (from {@link WorkloadIdentities}' thread): set in its snapshot when it
   * is still active and its config still names that mesh's identity; else ignored.
   */
  synchronized void putSecrets(String nodeId, SdsSecrets.Set secrets) {
    if (closed) {
      return;
    }
    ActiveNodes.Node node = nodes.get(nodeId);
    if (node == null
        || node.config() == null
        || !secrets.mesh().equals(identityMeshes.get(nodeId))) {
      return;
    }
    sdsSecrets.put(nodeId, secrets);
    publish(nodeId, node.config());
  }

  /** The SDS secrets the node is served now; null when none (for tests). */
  synchronized SdsSecrets.Set secrets(String nodeId) {
    return sdsSecrets.get(nodeId);
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
      return records.envelope(nodeId, record).version();
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
    return nodes.get(nodeId) != null;
  }

  /** How many nodes are in memory. */
  synchronized int activeNodes() {
    return nodes.size();
  }

  /** RocksDB's estimate of the nodes in the disk cache; -1 once closed. */
  synchronized long storedNodes() {
    return closed ? -1 : store.estimatedConfigs();
  }

  /** Whether the node was removed while active and its snapshot waits for its streams to close. */
  synchronized boolean isRemovalPending(String nodeId) {
    ActiveNodes.Node node = nodes.get(nodeId);
    return node != null && node.removed();
  }

  /** How many active nodes use the shared endpoint set of a cluster (for tests and metrics). */
  synchronized int users(String mesh, String cluster) {
    return endpoints.users(mesh, cluster);
  }

  /**
   * Stores a node's record, whose envelope the caller checked; for an active node, also sets its
   * config: its own resources plus the shared endpoint sets of its EDS clusters, which follow later
   * changes of those sets. {@code decoded} is the record decoded whole when the caller found the
   * node active (it decodes outside the monitor), else null: an active node's record is then
   * decoded here (the node became active since the caller looked).
   *
   * @throws FeedRecords.Invalid when the node is active and the record does not decode; nothing is
   *     stored and the node keeps its config
   */
  void put(String nodeId, byte[] record, NodeConfig decoded) throws FeedRecords.Invalid {
    String refused = null;
    synchronized (this) {
      if (closed) {
        return;
      }
      ActiveNodes.Node node = nodes.get(nodeId);
      NodeConfig config = null;
      if (node != null) {
        config = decoded != null ? decoded : records.config(nodeId, record);
      }
      store.putConfig(nodeId, record);
      if (node != null) {
        refused = serveUnlessRefused(nodeId, node, config);
      }
    }
    if (refused != null) {
      refusals.refuse(nodeId, refused);
    }
  }

  /**
   * Serves an active node a new config, unless the client it connected with cannot use it: then
   * returns why (its streams are to be refused) and leaves the node as it was.
   */
  private String serveUnlessRefused(String nodeId, ActiveNodes.Node node, NodeConfig config) {
    ProxyClient client = node.client();
    String mismatch = client == null ? null : client.mismatch(nodeId, config.flavour());
    if (mismatch == null) {
      serve(nodeId, config);
    }
    return mismatch;
  }

  /**
   * Sets an active node's config, follows the endpoint sets it names and publishes its snapshot.
   */
  private void serve(String nodeId, NodeConfig config) {
    NodeConfig previous = nodes.setConfig(nodeId, config);
    endpoints.follow(nodeId, previous, config);
    String mesh = SdsSecrets.identityMesh(config.clusters(), config.listeners());
    String before = mesh == null ? identityMeshes.remove(nodeId) : identityMeshes.put(nodeId, mesh);
    if (!Objects.equals(mesh, before)) {
      sdsSecrets.remove(nodeId);
      if (mesh != null) {
        identities.want(nodeId, mesh);
      } else {
        identities.drop(nodeId);
      }
    }
    publish(nodeId, config);
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
    return !nodes.markRemoved(nodeId);
  }

  /** Stores (and, when active nodes use it, applies) the endpoint set of a cluster. */
  synchronized void putEndpoints(
      String mesh, String cluster, FeedRecords.Endpoints set, byte[] record) {
    if (closed) {
      return;
    }
    store.putEndpoints(SharedEndpoints.key(mesh, cluster), record);
    republish(endpoints.put(mesh, cluster, set));
  }

  /** Forgets the endpoint set of a cluster; active nodes using it get none. */
  synchronized void removeEndpoints(String mesh, String cluster) {
    if (closed) {
      return;
    }
    store.deleteEndpoints(SharedEndpoints.key(mesh, cluster));
    republish(endpoints.remove(mesh, cluster));
  }

  private void republish(Set<String> nodeIds) {
    for (String nodeId : nodeIds) {
      ActiveNodes.Node node = nodes.get(nodeId);
      if (node != null && node.config() != null) {
        publish(nodeId, node.config());
      }
    }
  }

  /**
   * A stream of the node opened: activates the node (loads its record and endpoint sets from the
   * store, sets its snapshot) unless it is active already, or refuses the stream when its client
   * cannot use the node's config. Runs on the gRPC thread before java-control-plane handles the
   * stream's first request, so before its first watch is created.
   */
  @Override
  public synchronized String opened(String nodeId, ProxyClient client) {
    if (closed) {
      return null;
    }
    ActiveNodes.Node active = nodes.get(nodeId);
    if (active != null && active.config() != null) {
      String mismatch = client.mismatch(nodeId, active.config().flavour());
      if (mismatch == null) {
        nodes.open(nodeId, client);
      }
      return mismatch;
    }
    // Not in memory yet (or active without a config it could serve): the stored record says.
    ProxyConfig stored = stored(nodeId);
    if (stored != null) {
      String mismatch = client.mismatch(nodeId, stored.getFlavour());
      if (mismatch != null) {
        return mismatch;
      }
    }
    nodes.open(nodeId, client);
    if (stored != null) {
      load(nodeId, stored);
    }
    return null;
  }

  /** The node's stored record read by Avro (resources not parsed); null when none or unreadable. */
  private ProxyConfig stored(String nodeId) {
    byte[] record = store.config(nodeId);
    if (record == null) {
      return null;
    }
    try {
      return records.avro(record);
    } catch (FeedRecords.Invalid e) {
      // The store holds records whose envelope passed these checks: a defect, not bad input.
      LOG.error("Loading a stored proxy config failed node={} problems={}", nodeId, e.problems());
      return null;
    }
  }

  /** Decodes an active node's stored record and serves it; logged when it does not decode. */
  private void load(String nodeId, ProxyConfig stored) {
    NodeConfig config;
    try {
      config = FeedRecords.config(nodeId, stored);
    } catch (FeedRecords.Invalid e) {
      // Its envelope was checked when it was stored, its resources only now: the node is served
      // as if it had no config until a record that decodes arrives.
      LOG.error(
          "Stored proxy config does not decode, node served nothing node={} version={}"
              + " violations={}",
          nodeId,
          stored.getVersion(),
          e.problems());
      return;
    }
    config.warnings().forEach(w -> LOG.debug("Proxy config node={}: {}", nodeId, w));
    serve(nodeId, config);
  }

  /** A stream of the node closed; the last one makes the node pending deactivation. */
  @Override
  public synchronized void closed(String nodeId) {
    if (closed) {
      return;
    }
    nodes.close(nodeId);
  }

  /**
   * Deactivates nodes without streams whose watches java-control-plane has cancelled since (it
   * refuses to clear a node with open watches, and cancels a closed stream's watches only after its
   * close callbacks ran). Runs on the feed thread after each poll.
   */
  synchronized void retryClears() {
    if (closed || !nodes.hasPendingClears()) {
      return;
    }
    nodes.retryClears(
        (nodeId, node) -> {
          if (isWatched(nodeId) || !cache.clearSnapshot(nodeId)) {
            return false;
          }
          if (node.config() != null) {
            endpoints.release(nodeId, node.config());
          }
          causes.forget(nodeId);
          sdsSecrets.remove(nodeId);
          if (identityMeshes.remove(nodeId) != null) {
            identities.drop(nodeId);
          }
          LOG.debug("Deactivated node={} removed={}", nodeId, node.removed());
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

  /** Builds the node's snapshot from its config and the shared sets, and sets it in the cache. */
  private void publish(String nodeId, NodeConfig config) {
    SnapshotAssembler.Assembled assembled =
        SnapshotAssembler.assemble(
            config, cluster -> endpoints.get(config.mesh(), cluster), sdsSecrets.get(nodeId));
    causes.remember(
        nodeId,
        config.version(),
        config.newestCause(),
        assembled.endpointsVersion(),
        assembled.endpointsCause());
    cache.setSnapshot(nodeId, assembled.snapshot());
  }

  /**
   * A cluster's stored endpoint set, for {@link SharedEndpoints}; null (logged) when unreadable.
   */
  private FeedRecords.Endpoints loadEndpoints(String mesh, String cluster) {
    byte[] record = store.endpoints(SharedEndpoints.key(mesh, cluster));
    if (record == null) {
      return null;
    }
    try {
      return records.endpoints(mesh, cluster, record);
    } catch (FeedRecords.Invalid | RuntimeException e) {
      // The store holds records that passed these checks; this is a defect, not bad input.
      LOG.error("Loading stored endpoints failed mesh={} cluster={}", mesh, cluster, e);
      return null;
    }
  }

  /**
   * When the newest event behind a version the node was given happened (see {@link VersionCauses}).
   * Thread-safe.
   */
  Instant causedAt(String nodeId, String typeUrl, String version) {
    return causes.causedAt(nodeId, typeUrl, version);
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
}
