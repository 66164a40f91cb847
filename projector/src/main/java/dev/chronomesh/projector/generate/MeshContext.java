package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.JsonBinding;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.ProxyView;
import dev.chronomesh.meshmodel.policy.TargetRef;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
   * type → the policies of that type that pass {@link Policy#violations()} and whose confs bind to
   * their type's record, sorted by name. Invalid ones are left out here rather than failing
   * generation: the REST API rejects them already.
   */
  private final Map<String, List<Policy>> validPolicies;

  /** {@code <type>\n<service>} → {@link #callerConfs}, filled on first use. */
  private final Map<String, SortedMap<String, ObjectNode>> callerConfs = new ConcurrentHashMap<>();

  private MeshContext(MeshResources resources) {
    this.resources = resources;
    this.services = MeshServices.of(resources);
    this.validPolicies =
        Collections.unmodifiableMap(
            resources.policies().stream()
                .filter(MeshContext::usable)
                .collect(
                    Collectors.groupingBy(
                        Policy::type, TreeMap::new, Collectors.toUnmodifiableList())));
  }

  private static boolean usable(Policy policy) {
    if (!policy.violations().isEmpty()) {
      return false;
    }
    Optional<PolicyType<?>> type = Policies.byName(policy.type());
    if (type.isEmpty()) {
      return false;
    }
    List<ObjectNode> confs = new java.util.ArrayList<>();
    policy.to().forEach(i -> confs.add(i.conf()));
    policy.from().forEach(i -> confs.add(i.conf()));
    policy.rules().forEach(i -> confs.add(i.conf()));
    if (policy.defaultConf() != null) {
      confs.add(policy.defaultConf());
    }
    Violations v = new Violations();
    confs.forEach(conf -> JsonBinding.read(type.get().confClass(), conf, "", v));
    return v.isEmpty();
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

  /**
   * The merged {@code from} confs of {@code type} for the inbounds of {@code service} as a whole,
   * by source ({@link PolicyEngine#MESH_KEY} or a caller's service), for types applied on the
   * callers' side ({@link PolicyType#callerSide()}): the policies whose top-level targetRef selects
   * an inbound tagged only with the service (kind Mesh, MeshService, or a subset naming nothing but
   * the service). Policies that select some instances of the service only cannot be applied by a
   * caller, which does not know which instance it will reach. Computed once per mesh state.
   */
  SortedMap<String, ObjectNode> callerConfs(PolicyType<?> type, String service) {
    return callerConfs.computeIfAbsent(
        type.name() + "\n" + service,
        k -> {
          List<Policy> policies = policies(type.name());
          if (policies.isEmpty()) {
            return Collections.emptySortedMap();
          }
          ProxyView whole =
              new ProxyView(
                  resources.name(),
                  "",
                  Map.of(),
                  List.of(new ProxyView.Inbound(null, 1, Map.of(TargetRef.SERVICE_TAG, service))));
          SortedMap<String, ObjectNode> byInbound =
              type.engine()
                  .fromRules(whole, policies)
                  .getOrDefault("1", Collections.emptySortedMap());
          return Collections.unmodifiableSortedMap(new TreeMap<>(byInbound));
        });
  }
}
