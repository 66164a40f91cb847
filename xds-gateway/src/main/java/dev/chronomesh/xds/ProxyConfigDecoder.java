package dev.chronomesh.xds;

import com.google.common.hash.Hashing;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.ProxyConfigEnvelope;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Turns one proxy-configs record into the resources of a java-control-plane snapshot, checking it
 * on the way. Pure: no I/O, no config logic; the resources are relayed exactly as the projector
 * wrote them.
 *
 * <p>A record is rejected as a whole (every problem named with its path) when its envelope is bad
 * ({@link #envelopeViolations}), a resource cannot be parsed, has a name other than the one its
 * message carries, or appears twice, or the envelope's EDS cluster names are not those of its
 * clusters. A resource of a type this gateway does not know is skipped with a warning, so a newer
 * projector does not stop an older gateway.
 */
final class ProxyConfigDecoder {
  private ProxyConfigDecoder() {}

  /** The outcome of decoding one record. */
  sealed interface Decoded permits Accepted, Rejected {}

  /**
   * A record that becomes the node's snapshot.
   *
   * @param flavour what the config was generated for ({@link ProxyConfigEnvelope#SIDECAR} or {@link
   *     ProxyConfigEnvelope#PROXYLESS}); null when the record does not say
   * @param edsClusters the names under which its EDS clusters ask for endpoints, sorted: the
   *     envelope's, or for a record without one, those its clusters name
   * @param resourceVersions {@code <typeUrl>\n<name>} → a digest of the resource's bytes as the
   *     projector serialized them (deterministically): its version for delta xDS, computed without
   *     re-serializing or hashing the parsed message
   * @param warnings resources that were skipped, with their paths
   */
  record Accepted(
      String nodeId,
      String mesh,
      String version,
      String flavour,
      SortedSet<String> edsClusters,
      List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints,
      List<Listener> listeners,
      List<RouteConfiguration> routes,
      List<Secret> secrets,
      Map<String, String> resourceVersions,
      List<String> warnings)
      implements Decoded {
    Accepted {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(version, "version");
      edsClusters = Collections.unmodifiableSortedSet(new TreeSet<>(edsClusters));
      clusters = List.copyOf(clusters);
      endpoints = List.copyOf(endpoints);
      listeners = List.copyOf(listeners);
      routes = List.copyOf(routes);
      secrets = List.copyOf(secrets);
      resourceVersions = Map.copyOf(resourceVersions);
      warnings = List.copyOf(warnings);
    }

    /** The version of a resource of this record, null when it has none. */
    String resourceVersion(String typeUrl, String name) {
      return resourceVersions.get(resourceKey(typeUrl, name));
    }

    /** The snapshot of this record alone (with only the endpoints it carries itself). */
    Snapshot snapshot() {
      return Snapshot.create(clusters, endpoints, listeners, routes, secrets, version);
    }
  }

  /** A record that changes nothing; {@code violations} name every problem with its path. */
  record Rejected(List<String> violations) implements Decoded {
    Rejected {
      violations = List.copyOf(violations);
    }
  }

  /** Whether {@code key} has the shape of a node id, {@code <mesh>.<dataplane>}. */
  static boolean isNodeId(String key) {
    return Keys.parseProxy(key).isPresent() && key.strip().equals(key);
  }

  /**
   * What is wrong with a record's envelope, read without its resources: its key must be its {@code
   * <mesh>.<proxy>}, its version must not be blank. Empty when nothing is.
   */
  static List<String> envelopeViolations(String key, ProxyConfigEnvelope envelope) {
    List<String> violations = new ArrayList<>();
    String mesh = envelope.mesh();
    String proxy = envelope.proxy();
    if (mesh.isBlank()) {
      violations.add("mesh: must not be blank");
    }
    if (proxy.isBlank()) {
      violations.add("proxy: must not be blank");
    }
    String expectedKey = Keys.proxy(mesh, proxy);
    if (!key.equals(expectedKey)) {
      violations.add(
          "key: '" + key + "' does not match mesh.proxy of the value '" + expectedKey + "'");
    }
    if (envelope.version().isBlank()) {
      violations.add("version: must not be blank");
    }
    return violations;
  }

  static Decoded decode(String key, ProxyConfig config) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(config, "config");
    ProxyConfigEnvelope envelope = ProxyConfigEnvelope.of(config);
    List<String> violations = new ArrayList<>(envelopeViolations(key, envelope));
    List<String> warnings = new ArrayList<>();
    String mesh = envelope.mesh();
    String version = envelope.version();

    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<Secret> secrets = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Map<String, String> versions = new HashMap<>();
    List<XdsResource> resources = config.getResources();
    for (int i = 0; i < resources.size(); i++) {
      String path = "resources[" + i + "]";
      XdsResource resource = resources.get(i);
      String typeUrl = resource.getTypeUrl();
      String name = resource.getName();
      if (name == null || name.isEmpty()) {
        violations.add(path + ".name: must not be empty");
      } else if (!seen.add(resourceKey(typeUrl, name))) {
        violations.add(path + ": duplicate resource " + typeUrl + " '" + name + "'");
      }
      // Parsed and hashed where Avro read them: no copy per resource.
      ByteBuffer bytes = resource.getValue();
      switch (typeUrl) {
        case Resources.V3.CLUSTER_TYPE_URL ->
            parse(Cluster.parser(), bytes, name, path, violations, clusters);
        case Resources.V3.ENDPOINT_TYPE_URL ->
            parse(ClusterLoadAssignment.parser(), bytes, name, path, violations, endpoints);
        case Resources.V3.LISTENER_TYPE_URL ->
            parse(Listener.parser(), bytes, name, path, violations, listeners);
        case Resources.V3.ROUTE_TYPE_URL ->
            parse(RouteConfiguration.parser(), bytes, name, path, violations, routes);
        case Resources.V3.SECRET_TYPE_URL ->
            parse(Secret.parser(), bytes, name, path, violations, secrets);
        default -> {
          warnings.add(
              path + ".typeUrl: unknown type '" + typeUrl + "', resource '" + name + "' skipped");
          continue;
        }
      }
      versions.put(resourceKey(typeUrl, name), resourceVersion(bytes.duplicate()));
    }
    SortedSet<String> edsClusters = edsClusters(clusters);
    if (envelope.edsClusters() != null
        && !new TreeSet<>(envelope.edsClusters()).equals(edsClusters)) {
      violations.add(
          "edsClusters: "
              + envelope.edsClusters()
              + " are not the EDS clusters of the resources "
              + edsClusters);
    }
    if (!violations.isEmpty()) {
      return new Rejected(violations);
    }
    return new Accepted(
        key,
        mesh,
        version,
        flavour(envelope.flavour()),
        edsClusters,
        clusters,
        endpoints,
        listeners,
        routes,
        secrets,
        versions,
        warnings);
  }

  /** The flavour as one of the shared constants when it is one (a connected node keeps it). */
  private static String flavour(String flavour) {
    if (ProxyConfigEnvelope.SIDECAR.equals(flavour)) {
      return ProxyConfigEnvelope.SIDECAR;
    }
    return ProxyConfigEnvelope.PROXYLESS.equals(flavour) ? ProxyConfigEnvelope.PROXYLESS : flavour;
  }

  /**
   * The names under which EDS clusters ask for endpoints (their {@code service_name}, else their
   * name): the cluster part of the endpoints records' keys. Sorted.
   */
  static SortedSet<String> edsClusters(List<Cluster> clusters) {
    SortedSet<String> out = new TreeSet<>();
    for (Cluster c : clusters) {
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        String service = c.getEdsClusterConfig().getServiceName();
        out.add(service.isEmpty() ? c.getName() : service);
      }
    }
    return out;
  }

  private static <M extends Message> void parse(
      Parser<M> parser,
      ByteBuffer bytes,
      String name,
      String path,
      List<String> violations,
      List<M> into) {
    M message;
    try {
      message = parser.parseFrom(bytes.duplicate());
    } catch (InvalidProtocolBufferException e) {
      violations.add(path + ".value: not a serialized message of its type: " + e.getMessage());
      return;
    }
    String carried = Resources.getResourceName(message);
    if (!carried.equals(name)) {
      violations.add(
          path + ".name: '" + name + "' differs from the name in the message '" + carried + "'");
      return;
    }
    into.add(message);
  }

  private static String resourceKey(String typeUrl, String name) {
    return typeUrl + "\n" + name;
  }

  /**
   * 64 bits of a fast digest of a resource's bytes (those {@code bytes} has remaining; it is
   * consumed): only has to change when they do.
   */
  static String resourceVersion(ByteBuffer bytes) {
    return Long.toHexString(Hashing.murmur3_128().hashBytes(bytes).asLong());
  }
}
