package dev.chronomesh.benchmarks.baseline;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.projector.generate.ConfigGenerator;
import dev.chronomesh.projector.generate.ConfigVersion;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.GeneratedResource;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import dev.chronomesh.projector.generate.Protos;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a mesh's current resources into one java-control-plane snapshot per proxy, the conventional
 * way: every call regenerates <em>every</em> proxy of the mesh from scratch with the projector's
 * {@link ConfigGenerator}, computes each load assignment the proxies use from the same {@link
 * MeshContext} (once per cluster per pass, shared by the proxies of that pass), and sets the node's
 * snapshot. Each xDS type carries its own version, a content hash, so java-control-plane re-sends
 * only the types whose content changed.
 *
 * <p>Two economies a reasonable implementation has and this one keeps: a type whose hash did not
 * change reuses the messages parsed last time (the generator returns serialized resources), and a
 * node whose five versions are all unchanged keeps its snapshot (nothing to set, nothing to send).
 *
 * <p>Single-threaded (the events reader's thread); the cache is thread-safe.
 */
final class ProxySnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(ProxySnapshots.class);

  /** What was last set for one node: the per-type versions and the parsed resources. */
  private record NodeEntry(
      String clustersVersion,
      List<Cluster> clusters,
      String endpointsVersion,
      String listenersVersion,
      List<Listener> listeners,
      String routesVersion,
      List<RouteConfiguration> routes,
      String secretsVersion,
      List<Secret> secrets) {
    /** Whether every type has the same version as in {@code other} (null: never set). */
    boolean sameVersions(NodeEntry other) {
      return other != null
          && clustersVersion.equals(other.clustersVersion)
          && endpointsVersion.equals(other.endpointsVersion)
          && listenersVersion.equals(other.listenersVersion)
          && routesVersion.equals(other.routesVersion)
          && secretsVersion.equals(other.secretsVersion);
    }
  }

  /** A load assignment computed in this pass, with the hash of its content. */
  private record Endpoints(ClusterLoadAssignment assignment, String version) {}

  private record EdsKey(String cluster, EndpointSelector selector) {}

  /** The result of regenerating one mesh. */
  record Pass(String mesh, int proxies, int changed, int cleared, long nanos) {}

  private final SimpleCache<String> cache;

  /** mesh → dataplane → what its node was last given. */
  private final Map<String, Map<String, NodeEntry>> nodes = new HashMap<>();

  /** Nodes whose dataplane is gone but whose snapshot has open watches, cleared later. */
  private final Set<String> pendingClears = new HashSet<>();

  ProxySnapshots(SimpleCache<String> cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /** The node id of a proxy: {@code <mesh>.<dataplane>}, as Chronomesh names it. */
  static String nodeId(String mesh, String dataplane) {
    return Keys.proxy(mesh, dataplane);
  }

  /**
   * Regenerates every proxy of {@code mesh} from {@code resources} (empty: the mesh does not exist,
   * so none of its proxies has a config) and clears the snapshots of proxies that are gone.
   */
  Pass regenerate(String mesh, Optional<MeshResources> resources) {
    long t0 = System.nanoTime();
    Map<String, NodeEntry> before = nodes.getOrDefault(mesh, Map.of());
    Map<String, NodeEntry> after = new HashMap<>();
    int changed = 0;
    if (resources.isPresent()) {
      MeshContext context = MeshContext.of(resources.get());
      Map<EdsKey, Endpoints> endpoints = new HashMap<>();
      for (DataplaneResource dp : resources.get().dataplanes()) {
        String nodeId = nodeId(mesh, dp.getName());
        pendingClears.remove(nodeId);
        NodeEntry old = before.get(dp.getName());
        GeneratedConfig generated = ConfigGenerator.generate(context, dp);
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        StringBuilder edsLines = new StringBuilder();
        generated
            .edsClusters()
            .forEach(
                (cluster, selector) -> {
                  Endpoints e =
                      endpoints.computeIfAbsent(
                          new EdsKey(cluster, selector),
                          k -> endpointsOf(context, cluster, selector));
                  assignments.add(e.assignment());
                  edsLines.append(cluster).append('=').append(e.version()).append('\n');
                });
        NodeEntry entry = entry(nodeId, generated.resources(), digest(edsLines.toString()), old);
        after.put(dp.getName(), entry);
        if (!entry.sameVersions(old) || cache.getSnapshot(nodeId) == null) {
          cache.setSnapshot(
              nodeId,
              Snapshot.create(
                  entry.clusters(),
                  entry.clustersVersion(),
                  assignments,
                  entry.endpointsVersion(),
                  entry.listeners(),
                  entry.listenersVersion(),
                  entry.routes(),
                  entry.routesVersion(),
                  entry.secrets(),
                  entry.secretsVersion()));
          changed++;
        }
      }
    }
    int cleared = 0;
    for (String dataplane : before.keySet()) {
      if (!after.containsKey(dataplane)) {
        String nodeId = nodeId(mesh, dataplane);
        if (!cache.clearSnapshot(nodeId)) {
          // Open watches: java-control-plane keeps the snapshot; the proxy keeps what it has.
          pendingClears.add(nodeId);
        }
        cleared++;
      }
    }
    if (after.isEmpty()) {
      nodes.remove(mesh);
    } else {
      nodes.put(mesh, after);
    }
    return new Pass(mesh, after.size(), changed, cleared, System.nanoTime() - t0);
  }

  /** Clears the snapshots of removed proxies whose watches have closed since. */
  void retryClears() {
    pendingClears.removeIf(cache::clearSnapshot);
  }

  /** How many proxies have a snapshot set by this object. */
  int proxies() {
    return nodes.values().stream().mapToInt(Map::size).sum();
  }

  /** The node ids of the proxies of {@code mesh} with a snapshot, sorted. */
  SortedSet<String> nodeIds(String mesh) {
    SortedSet<String> out = new TreeSet<>();
    nodes.getOrDefault(mesh, Map.of()).keySet().forEach(dp -> out.add(nodeId(mesh, dp)));
    return out;
  }

  private static Endpoints endpointsOf(
      MeshContext context, String cluster, EndpointSelector selector) {
    ClusterLoadAssignment cla = context.loadAssignment(cluster, selector);
    String version =
        ConfigVersion.of(
            List.of(
                new GeneratedResource(
                    Resources.V3.ENDPOINT_TYPE_URL, cluster, Protos.deterministicBytes(cla))));
    return new Endpoints(cla, version);
  }

  /** The node's per-type versions and messages; a type whose version is unchanged is not parsed. */
  private static NodeEntry entry(
      String nodeId, List<GeneratedResource> resources, String endpointsVersion, NodeEntry old) {
    Map<String, List<GeneratedResource>> byType = new HashMap<>();
    for (GeneratedResource r : resources) {
      byType.computeIfAbsent(r.typeUrl(), t -> new ArrayList<>()).add(r);
    }
    for (String type : byType.keySet()) {
      if (!KNOWN_TYPES.contains(type)) {
        LOG.warn("Skipping resources of a type no snapshot carries node={} type={}", nodeId, type);
      }
    }
    List<GeneratedResource> cds = byType.getOrDefault(Resources.V3.CLUSTER_TYPE_URL, List.of());
    List<GeneratedResource> lds = byType.getOrDefault(Resources.V3.LISTENER_TYPE_URL, List.of());
    List<GeneratedResource> rds = byType.getOrDefault(Resources.V3.ROUTE_TYPE_URL, List.of());
    List<GeneratedResource> sds = byType.getOrDefault(Resources.V3.SECRET_TYPE_URL, List.of());
    // Resources come sorted by type then name, so each type's sublist is sorted too.
    String cdsVersion = ConfigVersion.of(cds);
    String ldsVersion = ConfigVersion.of(lds);
    String rdsVersion = ConfigVersion.of(rds);
    String sdsVersion = ConfigVersion.of(sds);
    return new NodeEntry(
        cdsVersion,
        old != null && old.clustersVersion().equals(cdsVersion)
            ? old.clusters()
            : parse(Cluster.parser(), cds),
        endpointsVersion,
        ldsVersion,
        old != null && old.listenersVersion().equals(ldsVersion)
            ? old.listeners()
            : parse(Listener.parser(), lds),
        rdsVersion,
        old != null && old.routesVersion().equals(rdsVersion)
            ? old.routes()
            : parse(RouteConfiguration.parser(), rds),
        sdsVersion,
        old != null && old.secretsVersion().equals(sdsVersion)
            ? old.secrets()
            : parse(Secret.parser(), sds));
  }

  private static final Set<String> KNOWN_TYPES =
      Set.of(
          Resources.V3.CLUSTER_TYPE_URL,
          Resources.V3.LISTENER_TYPE_URL,
          Resources.V3.ROUTE_TYPE_URL,
          Resources.V3.SECRET_TYPE_URL);

  private static <M extends Message> List<M> parse(
      Parser<M> parser, List<GeneratedResource> resources) {
    List<M> out = new ArrayList<>(resources.size());
    for (GeneratedResource r : resources) {
      try {
        out.add(parser.parseFrom(r.value()));
      } catch (InvalidProtocolBufferException e) {
        // The generator serialized this message a moment ago: a defect, not bad input.
        throw new IllegalStateException(
            "generated resource does not parse: " + r.typeUrl() + " " + r.name(), e);
      }
    }
    return List.copyOf(out);
  }

  /** A short stable digest of the cluster=version lines of a proxy's load assignments. */
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
