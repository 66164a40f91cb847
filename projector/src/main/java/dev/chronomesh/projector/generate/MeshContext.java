package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.Spiffe;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.policy.FromItem;
import dev.chronomesh.meshmodel.policy.JsonBinding;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.ProxyView;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
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

  /** The per-type merged confs shared by the proxies with equal keys, filled on first use. */
  private final Map<PolicyHooks.Key, PolicyHooks.Applied<?>> applied = new ConcurrentHashMap<>();

  /**
   * A sidecar cluster's TLS transport socket by what it depends on (destination, place, the proxy's
   * own-inbound confs the TLS hooks read), shared by every proxy of this mesh state that has the
   * same: built and serialized once instead of once per proxy.
   */
  private final Map<List<Object>, io.envoyproxy.envoy.config.core.v3.TransportSocket> upstreamTls =
      new ConcurrentHashMap<>();

  /**
   * The trust domains the mesh's inbounds accept besides its own ({@link
   * MeshResources#trustedDomains}), once per mesh state rather than once per inbound.
   */
  private final SortedSet<String> trustedDomains;

  /** Service → the SPIFFE IDs its dataplanes' MeshIdentities give them; made on first use. */
  private volatile Map<String, SortedSet<String>> identitiesByService;

  /** {@code <type>\n<service>} → {@link #callers}, filled on first use. */
  private final Map<String, Callers> callers = new ConcurrentHashMap<>();

  private MeshContext(MeshResources resources) {
    this.resources = resources;
    this.services = MeshServices.of(resources);
    this.trustedDomains = Collections.unmodifiableSortedSet(resources.trustedDomains());
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
    if (selector.port() != null) {
      return meshServiceAssignment(clusterName, selector.port());
    }
    return services.loadAssignment(clusterName, selector);
  }

  /**
   * Kuma's {@code fillLocalMeshServices} (pkg/xds/topology/outbound.go): the ready inbounds that
   * the port reaches ({@code targetPort}: the inbound's port, or its name) on every dataplane the
   * MeshService selects, by zone; none when the MeshService or its port does not exist.
   */
  private ClusterLoadAssignment meshServiceAssignment(
      String clusterName, EndpointSelector.MeshServicePort ref) {
    SortedMap<String, List<Endpoint>> zones = new TreeMap<>();
    Optional<MeshService> ms = resources.meshService(ref.name());
    Optional<MeshService.Port> port = ms.flatMap(m -> m.port(ref.port()));
    if (port.isPresent()) {
      for (DataplaneResource dp : resources.dataplanes()) {
        if (!ms.get().selector().matches(dp)) {
          continue;
        }
        for (Inbound inbound : dp.getInbound()) {
          if (ProxylessGrpcGenerator.isReady(inbound) && port.get().reaches(inbound)) {
            String zone = Objects.requireNonNullElse(inbound.getTags().get(KumaTags.ZONE), "");
            zones
                .computeIfAbsent(zone, z -> new ArrayList<>())
                .add(MeshServices.endpoint(dp, inbound));
          }
        }
      }
    }
    return ProxylessGrpcGenerator.loadAssignment(clusterName, zones);
  }

  MeshServices services() {
    return services;
  }

  /** {@link MeshResources#trustedDomains}, computed once for this mesh state. */
  SortedSet<String> trustedDomains() {
    return trustedDomains;
  }

  /**
   * What a client verifies of {@code destination} besides its classic {@code
   * spiffe://<mesh>/<service>}: the SPIFFE IDs the MeshIdentities give the service's dataplanes
   * (exact), or for a MeshService port, whose endpoints may be of any service, every trust domain
   * of the mesh's MeshIdentities ({@code spiffe://<domain>/}, a prefix). Sorted; empty without
   * MeshIdentities. The classic ID stays accepted: a dataplane keeps its classic certificate until
   * it renews into its MeshIdentity, and only the mesh's CA signs classic IDs, for the service's
   * own dataplanes.
   */
  List<String> identitySans(EndpointSelector destination) {
    if (resources.meshIdentities().isEmpty()) {
      return List.of();
    }
    if (destination.port() != null) {
      return resources.identityDomains().stream().map(Spiffe::anyInDomain).toList();
    }
    Map<String, SortedSet<String>> byService = identitiesByService;
    if (byService == null) {
      Map<String, SortedSet<String>> made = new TreeMap<>();
      for (DataplaneResource dp : resources.dataplanes()) {
        resources
            .identityOf(dp)
            .ifPresent(
                id ->
                    dp.getInbound().stream()
                        .map(in -> in.getTags().get(KumaTags.SERVICE))
                        .filter(Objects::nonNull)
                        .forEach(svc -> made.computeIfAbsent(svc, k -> new TreeSet<>()).add(id)));
      }
      byService = Collections.unmodifiableMap(made);
      identitiesByService = byService;
    }
    SortedSet<String> ids = byService.get(destination.service());
    return ids == null ? List.of() : List.copyOf(ids);
  }

  /** The shared {@link PolicyHooks.Applied} of {@code key}, made by {@code make} on first use. */
  PolicyHooks.Applied<?> applied(
      PolicyHooks.Key key, java.util.function.Supplier<PolicyHooks.Applied<?>> make) {
    return applied.computeIfAbsent(key, k -> make.get());
  }

  /** The shared upstream TLS socket of {@code key}, made by {@code make} on first use. */
  io.envoyproxy.envoy.config.core.v3.TransportSocket upstreamTls(
      List<Object> key,
      java.util.function.Supplier<io.envoyproxy.envoy.config.core.v3.TransportSocket> make) {
    return upstreamTls.computeIfAbsent(key, k -> make.get());
  }

  /** The valid policies of {@code type}, sorted by name. */
  List<Policy> policies(String type) {
    return validPolicies.getOrDefault(type, List.of());
  }

  /**
   * The URI SANs of {@code proxy}'s certificate, as Envoy's {@code uri_san} input reads them
   * (joined by commas): its MeshIdentity's SPIFFE ID when one selects it, else the mesh's classic
   * identity ({@code spiffe://<mesh>/<service>} and {@code kuma://} tag URIs) when the mesh has
   * mTLS; empty when it has no certificate.
   */
  String certificateUris(ProxyView proxy) {
    Optional<String> identity = resources.identityOf(proxy.labels());
    if (identity.isPresent()) {
      return identity.get();
    }
    if (!MeshMtls.enabled(resources.mesh())) {
      return "";
    }
    Map<String, SortedSet<String>> tags = new TreeMap<>();
    for (ProxyView.Inbound in : proxy.inbounds()) {
      in.tags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    return String.join(",", Spiffe.workloadUris(resources.name(), tags));
  }

  /**
   * What a caller of a service applies for a type applied on the callers' side ({@link
   * PolicyType#callerSide()}): the destination's {@code from} items in merge order, and its {@code
   * rules} one by one in Kuma's order ({@link PolicyEngine#inboundRuleList}), bound once for every
   * caller.
   */
  record Callers(
      List<FromItem> items,
      List<dev.chronomesh.projector.generate.policy.PolicyConfigurer.MatchedRule<Record>> rules) {
    static final Callers NONE = new Callers(List.of(), List.of());
  }

  /**
   * The {@code from} items and {@code rules} of {@code type} that apply to every instance of {@code
   * service}, for types applied on the callers' side ({@link PolicyType#callerSide()}): those of
   * the policies whose top-level targetRef selects the service's inbound on every one of its
   * dataplanes. A policy that selects some instances only cannot be applied by a caller, which does
   * not know which instance it will reach. Computed once per mesh state.
   */
  Callers callers(PolicyType<?> type, String service) {
    return callers.computeIfAbsent(
        type.name() + "\n" + service,
        k -> {
          List<Policy> policies = policies(type.name());
          if (policies.isEmpty()) {
            return Callers.NONE;
          }
          List<ProxyView> instances = new ArrayList<>();
          for (DataplaneResource dp : resources.dataplanes()) {
            ProxyView view = ProxyViews.of(dp);
            List<ProxyView.Inbound> own =
                view.inbounds().stream()
                    .filter(in -> service.equals(in.tags().get(KumaTags.SERVICE)))
                    .toList();
            if (!own.isEmpty()) {
              instances.add(
                  new ProxyView(view.mesh(), view.name(), view.labels(), own, view.gateway()));
            }
          }
          if (instances.isEmpty()) {
            return Callers.NONE;
          }
          List<Policy> everywhere =
              policies.stream()
                  .filter(
                      p ->
                          instances.stream()
                              .allMatch(
                                  i ->
                                      PolicyEngine.selectedInbounds(p.targetRef(), i)
                                          .containsAll(i.inbounds())))
                  .toList();
          ProxyView first = instances.get(0);
          String key = first.inbounds().get(0).key();
          return new Callers(
              type.engine().fromItems(first, everywhere).getOrDefault(key, List.of()),
              type.ruleMatches()
                  ? type
                      .engine()
                      .inboundRuleList(first, everywhere)
                      .getOrDefault(key, List.of())
                      .stream()
                      .map(
                          r ->
                              new dev.chronomesh.projector.generate.policy.PolicyConfigurer
                                      .MatchedRule<
                                  Record>(r.match(), r.policy(), type.bind(r.conf())))
                      .toList()
                  : List.of());
        });
  }
}
