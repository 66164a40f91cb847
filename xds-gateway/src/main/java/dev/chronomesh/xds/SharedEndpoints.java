package dev.chronomesh.xds;

import dev.chronomesh.events.Keys;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The shared-endpoints index: for each {@code <mesh>/<cluster>} some active node's config names,
 * its endpoint set (when one exists) and which active nodes use it. Endpoint sets nobody uses stay
 * on disk only: a set is loaded when its first user comes and dropped with its last.
 *
 * <p>Not thread-safe: confined to the serialization of {@link NodeSnapshots} (its monitor).
 */
final class SharedEndpoints {
  /** Reads a cluster's endpoint set from the disk cache. */
  interface Loader {
    /** The set of {@code <mesh>/<cluster>}; null when there is none or it cannot be read. */
    FeedRecords.Endpoints load(String mesh, String cluster);
  }

  private final Loader loader;

  /** {@code <mesh>/<cluster>} → the cluster's set and users; an entry exists while it has users. */
  private final Map<String, Shared> byKey = new HashMap<>();

  SharedEndpoints(Loader loader) {
    this.loader = Objects.requireNonNull(loader, "loader");
  }

  /** The endpoints topic's key of a cluster: {@code <mesh>/<cluster>}. */
  static String key(String mesh, String cluster) {
    return Keys.cluster(mesh, cluster);
  }

  /**
   * Makes {@code nodeId} a user of the endpoint sets {@code next} names, and no longer of those
   * only {@code previous} named (null: the node had no config).
   */
  void follow(String nodeId, NodeConfig previous, NodeConfig next) {
    for (String cluster : next.edsClusters()) {
      use(next.mesh(), cluster, nodeId);
    }
    if (previous != null) {
      for (String cluster : previous.edsClusters()) {
        if (!previous.mesh().equals(next.mesh()) || !next.edsClusters().contains(cluster)) {
          unuse(previous.mesh(), cluster, nodeId);
        }
      }
    }
  }

  /** {@code nodeId} (deactivated) uses none of the sets {@code config} names any more. */
  void release(String nodeId, NodeConfig config) {
    for (String cluster : config.edsClusters()) {
      unuse(config.mesh(), cluster, nodeId);
    }
  }

  /**
   * A cluster's endpoint set changed; returns the active nodes that use it (their snapshots must be
   * rebuilt), empty when none does and it stays on disk only.
   */
  Set<String> put(String mesh, String cluster, FeedRecords.Endpoints endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    Shared shared = byKey.get(key(mesh, cluster));
    if (shared == null) {
      return Set.of();
    }
    shared.endpoints = endpoints;
    return Set.copyOf(shared.users);
  }

  /**
   * A cluster's endpoint set is gone; returns the active nodes that had it (their snapshots must be
   * rebuilt without it), empty when none had.
   */
  Set<String> remove(String mesh, String cluster) {
    Shared shared = byKey.get(key(mesh, cluster));
    if (shared == null || shared.endpoints == null) {
      return Set.of();
    }
    shared.endpoints = null;
    return Set.copyOf(shared.users);
  }

  /** The endpoint set of a cluster an active node uses; null when it has none (yet). */
  FeedRecords.Endpoints get(String mesh, String cluster) {
    Shared shared = byKey.get(key(mesh, cluster));
    return shared == null ? null : shared.endpoints;
  }

  /** How many active nodes use a cluster's endpoint set. */
  int users(String mesh, String cluster) {
    Shared shared = byKey.get(key(mesh, cluster));
    return shared == null ? 0 : shared.users.size();
  }

  /** How many endpoint sets are in memory (clusters with users). */
  int size() {
    return byKey.size();
  }

  private void use(String mesh, String cluster, String nodeId) {
    Shared shared =
        byKey.computeIfAbsent(key(mesh, cluster), k -> new Shared(loader.load(mesh, cluster)));
    shared.users.add(nodeId);
  }

  private void unuse(String mesh, String cluster, String nodeId) {
    String key = key(mesh, cluster);
    Shared shared = byKey.get(key);
    if (shared != null && shared.users.remove(nodeId) && shared.users.isEmpty()) {
      byKey.remove(key);
    }
  }

  /** One cluster's set (null while none exists) and the active nodes whose configs name it. */
  private static final class Shared {
    FeedRecords.Endpoints endpoints;
    final Set<String> users = new HashSet<>();

    Shared(FeedRecords.Endpoints endpoints) {
      this.endpoints = endpoints;
    }
  }
}
