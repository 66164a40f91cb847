package dev.chronomesh.projector.generate.policy;

import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.policy.PolicyChecks.BackendRef;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * One backend of a route (MeshHTTPRoute, MeshTCPRoute, or the service itself): the endpoints of its
 * cluster and its weight (at least 1).
 */
public record RouteBackend(EndpointSelector selector, int weight) {
  /** The protocols of a MeshService port an HTTP route can send to (Kuma's MakeHTTPSplit). */
  public static final Set<String> HTTP_PROTOCOLS = Set.of("http", "http2", "grpc");

  public RouteBackend {
    Objects.requireNonNull(selector, "selector");
  }

  /**
   * Backend refs with a MeshService/MeshServiceSubset name and a positive weight (default 1), a
   * MeshService port resolved in {@code mesh}. As Kuma's {@code handleRealResources}
   * (pkg/plugins/policies/core/xds/meshroute/listeners.go), a port of a MeshService that does not
   * exist, or (with {@code httpOnly}, an HTTP route) whose {@code appProtocol} is not http, http2
   * or grpc, is left out.
   */
  public static List<RouteBackend> of(List<BackendRef> refs, MeshResources mesh, boolean httpOnly) {
    List<RouteBackend> out = new ArrayList<>();
    for (BackendRef ref : refs == null ? List.<BackendRef>of() : refs) {
      EndpointSelector selector = selector(ref, mesh, httpOnly);
      int weight = ref.weight() == null ? 1 : ref.weight();
      if (selector != null && weight > 0) {
        out.add(new RouteBackend(selector, weight));
      }
    }
    return out;
  }

  /**
   * The endpoints a backendRef names, or null for another kind, no name, or a MeshService port left
   * out as {@link #of(List, MeshResources, boolean)} says.
   */
  public static EndpointSelector selector(BackendRef ref, MeshResources mesh, boolean httpOnly) {
    String kind = ref.kind();
    String name = ref.name() == null ? "" : ref.name();
    if (!(kind.equals("MeshService") || kind.equals("MeshServiceSubset")) || name.isEmpty()) {
      return null;
    }
    if (ref.port() != null) {
      // Kuma's FindPortByName with the port as text: a port of that number or that name.
      String section = Integer.toString(ref.port());
      return mesh.meshService(name)
          .flatMap(ms -> ms.port(section).map(p -> portSelector(ms, p, httpOnly)))
          .orElse(null);
    }
    return new EndpointSelector(name, new TreeMap<>(ref.tags() == null ? Map.of() : ref.tags()));
  }

  private static EndpointSelector portSelector(
      MeshService ms, MeshService.Port port, boolean httpOnly) {
    if (httpOnly && !HTTP_PROTOCOLS.contains(port.appProtocol().toLowerCase(Locale.ROOT))) {
      return null;
    }
    return EndpointSelector.of(ms, port);
  }
}
