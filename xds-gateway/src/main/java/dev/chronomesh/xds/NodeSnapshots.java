package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.StatusInfo;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.Objects;
import java.util.Set;
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

  private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());

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

  void put(String nodeId, Snapshot snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    pendingRemovals.remove(nodeId);
    cache.setSnapshot(nodeId, snapshot);
  }

  /**
   * Forgets the node. Returns true when its snapshot is gone now, false when a proxy is still
   * watching and the snapshot will be cleared once it disconnects.
   */
  boolean remove(String nodeId) {
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
