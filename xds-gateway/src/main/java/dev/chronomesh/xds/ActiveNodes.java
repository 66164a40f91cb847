package dev.chronomesh.xds;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * The nodes with streams on this gateway: how many streams each has, the config it is served, the
 * client it last connected with, and whether its record was removed while it was connected. A node
 * is active from its first stream until its last one has closed and java-control-plane has let go
 * of its watches (then it is <em>pending clear</em> until {@link NodeSnapshots#retryClears}).
 *
 * <p>Not thread-safe: confined to the serialization of {@link NodeSnapshots} (its monitor).
 */
final class ActiveNodes {
  /** What is in memory for one active node. */
  static final class Node {
    private int streams;

    /** Null while the node has no config (a proxy connected before its dataplane was projected). */
    private NodeConfig config;

    /** The client of its newest stream. */
    private ProxyClient client;

    /** A tombstone came while the node was active. */
    private boolean removed;

    NodeConfig config() {
      return config;
    }

    ProxyClient client() {
      return client;
    }

    boolean removed() {
      return removed;
    }

    int streams() {
      return streams;
    }
  }

  /** Node id → its state; an entry exists while the node is active. */
  private final Map<String, Node> nodes = new HashMap<>();

  /** Active nodes without streams, deactivated once their watches are gone. */
  private final Set<String> pendingClears = new HashSet<>();

  /** The node's state; null when it is not active. */
  Node get(String nodeId) {
    return nodes.get(nodeId);
  }

  /** How many nodes are active. */
  int size() {
    return nodes.size();
  }

  /**
   * A stream of the node opened with {@code client}; returns the node when it was active already,
   * else activates it (no config yet) and returns null: the caller loads its config.
   */
  Node open(String nodeId, ProxyClient client) {
    pendingClears.remove(nodeId);
    Node node = nodes.get(nodeId);
    if (node != null) {
      node.streams++;
      node.client = client;
      return node;
    }
    node = new Node();
    node.streams = 1;
    node.client = client;
    nodes.put(nodeId, node);
    return null;
  }

  /**
   * Sets an active node's config (its record is not removed any more); returns the previous one.
   */
  NodeConfig setConfig(String nodeId, NodeConfig config) {
    Node node = nodes.get(nodeId);
    NodeConfig previous = node.config;
    node.config = config;
    node.removed = false;
    return previous;
  }

  /** The node's record was removed; returns false when the node is not active. */
  boolean markRemoved(String nodeId) {
    Node node = nodes.get(nodeId);
    if (node == null) {
      return false;
    }
    node.removed = true;
    return true;
  }

  /** A stream of the node closed; its last one makes the node pending clear. */
  void close(String nodeId) {
    Node node = nodes.get(nodeId);
    if (node == null) {
      return;
    }
    node.streams = Math.max(0, node.streams - 1);
    if (node.streams == 0) {
      pendingClears.add(nodeId);
    }
  }

  /** Whether some node waits to be deactivated. */
  boolean hasPendingClears() {
    return !pendingClears.isEmpty();
  }

  /**
   * Deactivates the pending nodes that {@code release} lets go of (it returns false while the
   * node's watches are not gone yet: it stays pending). A node that opened a stream since is no
   * longer pending.
   */
  void retryClears(BiPredicate<String, Node> release) {
    pendingClears.removeIf(
        nodeId -> {
          Node node = nodes.get(nodeId);
          if (node == null || node.streams > 0) {
            return true;
          }
          if (!release.test(nodeId, node)) {
            return false;
          }
          nodes.remove(nodeId);
          return true;
        });
  }
}
