package dev.chronomesh.projector.generate.policy;

import dev.chronomesh.meshmodel.policy.PolicyChecks.BackendRef;
import dev.chronomesh.projector.generate.EndpointSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One backend of a route (MeshHTTPRoute, MeshTCPRoute, or the service itself): the endpoints of its
 * cluster and its weight (at least 1).
 */
public record RouteBackend(EndpointSelector selector, int weight) {
  public RouteBackend {
    Objects.requireNonNull(selector, "selector");
  }

  /** The service itself, weight 1: where an outbound goes when no route says otherwise. */
  public static RouteBackend of(String service) {
    return new RouteBackend(EndpointSelector.of(service), 1);
  }

  /** Backend refs with a MeshService/MeshServiceSubset name and a positive weight (default 1). */
  public static List<RouteBackend> of(List<BackendRef> refs) {
    List<RouteBackend> out = new ArrayList<>();
    for (BackendRef ref : refs == null ? List.<BackendRef>of() : refs) {
      EndpointSelector selector = selector(ref);
      int weight = ref.weight() == null ? 1 : ref.weight();
      if (selector != null && weight > 0) {
        out.add(new RouteBackend(selector, weight));
      }
    }
    return out;
  }

  /** The endpoints a backendRef names, or null for another kind or no name. */
  public static EndpointSelector selector(BackendRef ref) {
    String kind = ref.kind();
    String name = ref.name() == null ? "" : ref.name();
    if (!(kind.equals("MeshService") || kind.equals("MeshServiceSubset")) || name.isEmpty()) {
      return null;
    }
    return new EndpointSelector(
        name, new TreeMap<>(ref.tags() == null ? java.util.Map.of() : ref.tags()));
  }
}
