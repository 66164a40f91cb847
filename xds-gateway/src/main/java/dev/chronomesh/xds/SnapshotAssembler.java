package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds a node's java-control-plane snapshot from its decoded config and the shared endpoint sets
 * its EDS clusters name. Pure: no locks, no I/O; equal inputs give equal versions.
 *
 * <p>Clusters, listeners and routes are the config's own, versioned by the config's version; the
 * secrets are the config's own plus the node's SDS secrets, which the gateway makes itself. The
 * endpoints are, per EDS cluster, its shared set when one exists (a cluster without one gets none
 * until it comes), and the load assignments the record carries itself (older projectors) win over
 * shared ones. The EDS version is a digest of the {@code cluster=version} of every endpoint set in
 * the snapshot, so it changes exactly when one of them does, and an endpoint change leaves the
 * other types' versions alone.
 */
final class SnapshotAssembler {
  private SnapshotAssembler() {}

  /**
   * A node's snapshot and what its EDS version is made of.
   *
   * @param endpointsCause when the newest event behind any of its endpoint sets happened; null when
   *     none is known
   */
  record Assembled(Snapshot snapshot, String endpointsVersion, Instant endpointsCause) {
    Assembled {
      Objects.requireNonNull(snapshot, "snapshot");
      Objects.requireNonNull(endpointsVersion, "endpointsVersion");
    }
  }

  /**
   * The snapshot of {@code config}.
   *
   * @param endpointSets the shared endpoint set of a cluster of the config's mesh, by the name its
   *     EDS cluster asks for; null when there is none
   */
  static Assembled assemble(
      NodeConfig config, Function<String, FeedRecords.Endpoints> endpointSets) {
    return assemble(config, endpointSets, null);
  }

  /**
   * The snapshot of {@code config} with the node's SDS secrets ({@link SdsSecrets#merge}).
   *
   * @param secrets the node's SDS secrets; null when it has none (yet)
   */
  static Assembled assemble(
      NodeConfig config,
      Function<String, FeedRecords.Endpoints> endpointSets,
      SdsSecrets.Set secrets) {
    Map<String, VersionedResource<ClusterLoadAssignment>> endpoints = new TreeMap<>();
    StringBuilder versions = new StringBuilder();
    Instant endpointsCause = null;
    for (String cluster : config.edsClusters()) {
      FeedRecords.Endpoints e = endpointSets.apply(cluster);
      if (e != null) {
        endpoints.put(cluster, VersionedResource.create(e.assignment(), e.version()));
        versions.append(cluster).append('=').append(e.version()).append('\n');
        endpointsCause = newer(endpointsCause, e.newestCause());
      }
    }
    for (VersionedResource<ClusterLoadAssignment> cla : config.inlineEndpoints()) {
      String name = cla.resource().getClusterName();
      endpoints.put(name, cla);
      versions.append(name).append("=inline:").append(config.version()).append('\n');
      endpointsCause = newer(endpointsCause, config.newestCause());
    }
    String endpointsVersion = digest(versions.toString());
    Snapshot snapshot =
        new NodeSnapshot(
            config.clusters(),
            SnapshotResources.create(endpoints.values(), names -> endpointsVersion),
            config.listeners(),
            config.routes(),
            SdsSecrets.merge(config.secrets(), secrets));
    return new Assembled(snapshot, endpointsVersion, endpointsCause);
  }

  private static Instant newer(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }

  /** A short stable digest of the cluster=version lines of a node's endpoint sets. */
  private static String digest(String lines) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(lines.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
