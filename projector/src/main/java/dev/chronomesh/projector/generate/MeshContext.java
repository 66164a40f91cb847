package dev.chronomesh.projector.generate;

import dev.chronomesh.meshmodel.policy.Policy;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Everything per mesh that generation needs, computed once per mesh state and shared by all
 * proxies: the services with their protocols and ready endpoints (with their inbound tags), and the
 * mesh's valid policies by type. Immutable.
 */
public final class MeshContext {
  private final MeshResources resources;
  private final MeshServices services;

  /**
   * type → the policies of that type that pass {@link Policy#violations()}, sorted by name. Invalid
   * ones are left out here rather than failing generation: the REST API rejects them already.
   */
  private final Map<String, List<Policy>> validPolicies;

  private MeshContext(MeshResources resources) {
    this.resources = resources;
    this.services = MeshServices.of(resources);
    this.validPolicies =
        Collections.unmodifiableMap(
            resources.policies().stream()
                .filter(p -> p.violations().isEmpty())
                .collect(
                    Collectors.groupingBy(
                        Policy::type, TreeMap::new, Collectors.toUnmodifiableList())));
  }

  public static MeshContext of(MeshResources mesh) {
    return new MeshContext(Objects.requireNonNull(mesh, "mesh"));
  }

  public MeshResources resources() {
    return resources;
  }

  /**
   * The load assignment of an EDS cluster: the ready endpoints of {@code selector.service()} whose
   * inbound tags contain all {@code selector.tags()}, grouped by zone, with {@code clusterName} as
   * its cluster name; no endpoints when none matches.
   */
  public ClusterLoadAssignment loadAssignment(String clusterName, EndpointSelector selector) {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(selector, "selector");
    return services.loadAssignment(clusterName, selector);
  }

  MeshServices services() {
    return services;
  }

  /** The valid policies of {@code type}, sorted by name. */
  List<Policy> policies(String type) {
    return validPolicies.getOrDefault(type, List.of());
  }
}
