package dev.chronomesh.xds;

import com.google.common.hash.Hashing;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns one proxy-configs record into the resources of a java-control-plane snapshot, checking it
 * on the way. Pure: no I/O, no config logic; the resources are relayed exactly as the projector
 * wrote them.
 *
 * <p>A record is rejected as a whole (every problem named with its path) when its key does not
 * match its mesh and proxy, its version is blank, or a resource cannot be parsed, has a name other
 * than the one its message carries, or appears twice. A resource of a type this gateway does not
 * know is skipped with a warning, so a newer projector does not stop an older gateway.
 */
final class ProxyConfigDecoder {
  private ProxyConfigDecoder() {}

  /** The outcome of decoding one record. */
  sealed interface Decoded permits Accepted, Rejected {}

  /**
   * A record that becomes the node's snapshot.
   *
   * @param resourceVersions {@code <typeUrl>\n<name>} → a digest of the resource's bytes as the
   *     projector serialized them (deterministically): its version for delta xDS, computed without
   *     re-serializing or hashing the parsed message
   * @param warnings resources that were skipped, with their paths
   */
  record Accepted(
      String nodeId,
      String mesh,
      String version,
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
    int dot = key.indexOf('.');
    return dot > 0 && dot < key.length() - 1 && key.strip().equals(key);
  }

  static Decoded decode(String key, ProxyConfig config) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(config, "config");
    List<String> violations = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    String mesh = config.getMesh();
    String proxy = config.getProxy();
    if (mesh == null || mesh.isBlank()) {
      violations.add("mesh: must not be blank");
    }
    if (proxy == null || proxy.isBlank()) {
      violations.add("proxy: must not be blank");
    }
    String expectedKey = mesh + "." + proxy;
    if (!key.equals(expectedKey)) {
      violations.add(
          "key: '" + key + "' does not match mesh.proxy of the value '" + expectedKey + "'");
    }
    String version = config.getVersion();
    if (version == null || version.isBlank()) {
      violations.add("version: must not be blank");
    }

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
      byte[] bytes = bytes(resource.getValue());
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
      versions.put(resourceKey(typeUrl, name), resourceVersion(bytes));
    }
    if (!violations.isEmpty()) {
      return new Rejected(violations);
    }
    return new Accepted(
        key, mesh, version, clusters, endpoints, listeners, routes, secrets, versions, warnings);
  }

  private static <M extends Message> void parse(
      Parser<M> parser,
      byte[] bytes,
      String name,
      String path,
      List<String> violations,
      List<M> into) {
    M message;
    try {
      message = parser.parseFrom(bytes);
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

  /** 64 bits of a fast digest of a resource's bytes: only has to change when they do. */
  static String resourceVersion(byte[] bytes) {
    return Long.toHexString(Hashing.murmur3_128().hashBytes(bytes).asLong());
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }
}
