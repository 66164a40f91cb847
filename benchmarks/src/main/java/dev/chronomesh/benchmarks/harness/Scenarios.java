package dev.chronomesh.benchmarks.harness;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The four measured changes of the issue, each as a function of its repetition number: one
 * dataplane added, one endpoint removed, one service-targeted policy change, one mesh-wide policy
 * change. {@code phase} keeps names and values of one control plane's run apart from another's.
 */
final class Scenarios {
  static final String DATAPLANE_ADDED = "dataplane-added";
  static final String ENDPOINT_REMOVED = "endpoint-removed";
  static final String SERVICE_POLICY = "service-policy";
  static final String MESH_POLICY = "mesh-policy";
  static final List<String> ALL =
      List.of(DATAPLANE_ADDED, ENDPOINT_REMOVED, SERVICE_POLICY, MESH_POLICY);

  private final BenchMesh mesh;
  private final int proxies;
  private final ApiClient api;
  private final int phase;

  /** Services targeted by service policies: every tenth; the mesh-wide checks skip them. */
  private final List<Integer> policyTargets = new ArrayList<>();

  Scenarios(BenchMesh mesh, int proxies, ApiClient api, int phase) {
    this.mesh = mesh;
    this.proxies = proxies;
    this.api = api;
    this.phase = phase;
    for (int s = 0; s < mesh.services(); s += 10) {
      policyTargets.add(s);
    }
  }

  IntFunction<Change> scenario(String name) {
    return switch (name) {
      case DATAPLANE_ADDED -> this::dataplaneAdded;
      case ENDPOINT_REMOVED -> this::endpointRemoved;
      case SERVICE_POLICY -> this::servicePolicy;
      case MESH_POLICY -> this::meshPolicy;
      default -> throw new IllegalArgumentException("unknown scenario " + name);
    };
  }

  private int target(int r) {
    return (r * 7 + 1) % mesh.services();
  }

  private String extraName(int r) {
    return "extra-" + phase + "-" + r;
  }

  private String extraAddress(int r) {
    return "10." + (200 + phase) + "." + (r / 250) + "." + (r % 250 + 1);
  }

  private Change dataplaneAdded(int r) {
    int t = target(r);
    String address = extraAddress(r);
    String cluster = BenchMesh.service(t);
    return new Change(
        () ->
            api.putOk(
                mesh.dataplanePath(extraName(r)), mesh.dataplaneYaml(extraName(r), t, address)),
        readersOf(t),
        p -> hasEndpoint(p.endpoints().get(cluster), address));
  }

  private Change endpointRemoved(int r) {
    int t = target(r);
    String address = extraAddress(r);
    String cluster = BenchMesh.service(t);
    return new Change(
        () -> api.deleteOk(mesh.dataplanePath(extraName(r))),
        readersOf(t),
        p -> !hasEndpoint(p.endpoints().get(cluster), address));
  }

  private Change servicePolicy(int r) {
    int t = policyTargets.get(r % policyTargets.size());
    int seconds = 1000 + phase * 100_000 + r;
    String cluster = BenchMesh.service(t);
    String name = "bench-" + cluster;
    return new Change(
        () -> api.putOk(mesh.timeoutPath(name), mesh.serviceTimeoutYaml(name, t, seconds)),
        readersOf(t),
        p -> connectSeconds(p.clusters().get(cluster)) == seconds);
  }

  private Change meshPolicy(int r) {
    int seconds = 50_000 + phase * 100_000 + r;
    Set<String> affected = new HashSet<>();
    for (int k = 0; k < proxies; k++) {
      if (mesh.outboundsOf(mesh.serviceOf(k)).stream().anyMatch(s -> !policyTargets.contains(s))) {
        affected.add(mesh.nodeId(k));
      }
    }
    return new Change(
        () ->
            api.putOk(mesh.timeoutPath("bench-mesh"), mesh.meshTimeoutYaml("bench-mesh", seconds)),
        affected,
        p -> {
          boolean any = false;
          for (Cluster c : p.clusters().values()) {
            Integer s = serviceIndex(c.getName());
            if (c.getType() == Cluster.DiscoveryType.EDS
                && s != null
                && !policyTargets.contains(s)) {
              if (c.getConnectTimeout().getSeconds() != seconds) {
                return false;
              }
              any = true;
            }
          }
          return any;
        });
  }

  /** The connected proxies whose service calls {@code target}. */
  private Set<String> readersOf(int target) {
    Set<Integer> readers = new HashSet<>(mesh.readersOf(target));
    Set<String> out = new HashSet<>();
    for (int k = 0; k < proxies; k++) {
      if (readers.contains(mesh.serviceOf(k))) {
        out.add(mesh.nodeId(k));
      }
    }
    return out;
  }

  private static Integer serviceIndex(String cluster) {
    if (!cluster.startsWith("svc-")) {
      return null;
    }
    try {
      return Integer.parseInt(cluster.substring(4));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long connectSeconds(Cluster c) {
    return c == null ? -1 : c.getConnectTimeout().getSeconds();
  }

  private static boolean hasEndpoint(ClusterLoadAssignment cla, String address) {
    if (cla == null) {
      return false;
    }
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      for (LbEndpoint e : l.getLbEndpointsList()) {
        if (e.getEndpoint().getAddress().getSocketAddress().getAddress().equals(address)) {
          return true;
        }
      }
    }
    return false;
  }
}
