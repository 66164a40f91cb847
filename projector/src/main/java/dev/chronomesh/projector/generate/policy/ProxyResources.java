package dev.chronomesh.projector.generate.policy;

import com.google.protobuf.Message;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * The resources of one proxy's config by type, then name (each map sorted by name), as a
 * whole-config hook sees and changes them: a configurer may replace, add or remove entries.
 */
public record ProxyResources(
    SortedMap<String, Message> clusters,
    SortedMap<String, Message> listeners,
    SortedMap<String, Message> routes) {
  public ProxyResources {
    Objects.requireNonNull(clusters, "clusters");
    Objects.requireNonNull(listeners, "listeners");
    Objects.requireNonNull(routes, "routes");
  }

  /** Every map, for hooks that treat all types alike. */
  public Map<String, SortedMap<String, Message>> byKind() {
    return Map.of("Cluster", clusters, "Listener", listeners, "RouteConfiguration", routes);
  }
}
