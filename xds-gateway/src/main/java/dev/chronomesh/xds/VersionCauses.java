package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.Resources;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For the convergence metrics: per active node, its last published versions and when the newest
 * event behind each happened, so that an ACK of a version can be timed from that event. The config
 * versions serve CDS, LDS, RDS and SDS; the endpoint versions EDS.
 *
 * <p>Thread-safe: written by whoever publishes a node's snapshot (under {@link NodeSnapshots}'
 * monitor), read without a lock by gRPC threads acknowledging.
 */
final class VersionCauses {
  /** How many published versions per node (and per config/endpoints) keep their cause time. */
  static final int HISTORY = 8;

  private final Map<String, NodeCauses> byNode = new ConcurrentHashMap<>();

  /**
   * Records that the node was given these versions. A version already the newest keeps the cause
   * time it was first given with; an unknown cause (null) forgets the version's older cause.
   */
  void remember(
      String nodeId,
      String configVersion,
      Instant configCause,
      String endpointsVersion,
      Instant endpointsCause) {
    byNode.compute(
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
   * When the newest event behind a version the node was given happened. Null when the version is
   * not among the node's last published ones or its causes are unknown.
   */
  Instant causedAt(String nodeId, String typeUrl, String version) {
    NodeCauses node = byNode.get(nodeId);
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

  /** Forgets a deactivated node. */
  void forget(String nodeId) {
    byNode.remove(nodeId);
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
    List<VersionCause> out = new ArrayList<>(HISTORY);
    out.add(new VersionCause(version, cause));
    for (VersionCause v : history) {
      if (out.size() == HISTORY) {
        break;
      }
      if (!v.version().equals(version)) {
        out.add(v);
      }
    }
    return List.copyOf(out);
  }

  /** A published version and when the newest event behind it happened. */
  private record VersionCause(String version, Instant newestCause) {}

  /** A node's recent config and endpoints versions with their cause times, newest first. */
  private record NodeCauses(List<VersionCause> config, List<VersionCause> endpoints) {}
}
