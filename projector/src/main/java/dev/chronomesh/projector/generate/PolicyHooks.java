package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policy.FromItem;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.ProxyView;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.ToItem;
import dev.chronomesh.projector.generate.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategyConfigurer;
import dev.chronomesh.projector.generate.policy.CallerMatchers;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import dev.chronomesh.projector.generate.policy.PolicyConfigurers;
import dev.chronomesh.projector.generate.policy.ProxyPlace;
import dev.chronomesh.projector.generate.policy.ProxyResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The merged confs of every {@link PolicyConfigurers#all() configurer} for one proxy, bound to
 * their types' records, and the calls of its hooks at each place. Outbound hooks get the {@code to}
 * conf of the place's service (else the {@link PolicyEngine#MESH_KEY} conf); inbound hooks get the
 * merged {@code rules} of the inbound (Kuma 2.10's inbound style) when there are any, else its
 * {@code from} conf of source {@link PolicyEngine#MESH_KEY}; the whole-config hook gets the merged
 * top-level {@code default}. A hook is called only when a conf applies.
 */
final class PolicyHooks {
  /**
   * One configurer with its merged confs for the proxies that share a {@link Key}: these depend on
   * a proxy only through the policies that select it, the MeshHTTPRoutes that select it (when a
   * policy of the type names a route) and its inbounds, so the proxies of one service share one
   * instance per mesh state ({@link MeshContext#applied}), and each merged conf is bound once for
   * all of them.
   */
  static final class Applied<C extends Record> {
    final PolicyConfigurer<C> configurer;
    final SortedMap<String, ObjectNode> to;
    final SortedMap<String, SortedMap<String, ObjectNode>> from;
    final SortedMap<String, ObjectNode> rules;
    final Optional<ObjectNode> single;

    /** Inbound key → the from items in merge order, for configurers by source (else empty). */
    final SortedMap<String, List<FromItem>> fromItems;

    /** Inbound key → its rules one by one, for types whose rules may have matches (else empty). */
    final SortedMap<String, List<PolicyEngine.InboundRule>> ruleList;

    /** Route policy name → the merged conf of the items that target its routes (else empty). */
    final SortedMap<String, ObjectNode> routes;

    /** Merged conf → its binding: a conf is bound once however many places it reaches. */
    private final Map<ObjectNode, C> bound = Collections.synchronizedMap(new IdentityHashMap<>());

    /**
     * MeshService port key → its conf, for the ports no item names (filled on first use; shared by
     * the proxies of the key, so concurrent).
     */
    private final Map<String, Optional<ObjectNode>> unnamedSections =
        new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The first proxy of the key and its matched policies, for {@link #unnamedSections}: the merge
     * of a port's items depends only on the matched policies, which every proxy of the key shares.
     */
    private final ProxyView proxy;

    private final List<Policy> matched;

    /**
     * @param matched the policies of the configurer's type that select {@code proxy}, in merge
     *     order ({@link PolicyEngine#matching})
     * @param policies all the mesh's policies of the type: those whose top-level targetRef is a
     *     MeshHTTPRoute apply through the routes that select the proxy
     * @param routePolicies the mesh's MeshHTTPRoute policies
     */
    Applied(
        PolicyConfigurer<C> configurer,
        ProxyView proxy,
        List<Policy> matched,
        List<Policy> policies,
        List<Policy> routePolicies) {
      this.configurer = configurer;
      this.proxy = proxy;
      this.matched = matched;
      PolicyType<C> type = configurer.type();
      PolicyEngine engine = type.engine();
      this.routes =
          routeCapable(type)
              ? engine.routeRules(proxy, policies, routePolicies)
              : Collections.emptySortedMap();
      // Only the sections the type has: each one is a pass over the matching policies.
      this.to =
          type.sections().contains(Section.TO)
              ? engine.toRules(proxy, matched)
              : Collections.emptySortedMap();
      this.from =
          type.sections().contains(Section.FROM)
              ? engine.fromRules(proxy, matched)
              : Collections.emptySortedMap();
      this.rules =
          type.sections().contains(Section.RULES)
              ? engine.inboundRules(proxy, matched)
              : Collections.emptySortedMap();
      this.single =
          type.sections().contains(Section.DEFAULT)
              ? engine.singleItem(proxy, matched)
              : Optional.empty();
      this.fromItems =
          configurer.bySource() && type.sections().contains(Section.FROM)
              ? engine.fromItems(proxy, matched)
              : Collections.emptySortedMap();
      this.ruleList =
          type.ruleMatches()
              ? engine.inboundRuleList(proxy, matched)
              : Collections.emptySortedMap();
    }

    C bind(ObjectNode conf) {
      return bound.computeIfAbsent(conf, configurer.type()::bind);
    }

    /**
     * The {@code to} conf for a destination key ({@link EndpointSelector#policyKey()}): its own
     * key; for a MeshService port no item names, the merge of its service's items without a
     * section; else the Mesh key; else null.
     */
    C to(String key) {
      ObjectNode conf = to.get(key);
      if (conf == null && key.indexOf(':') >= 0) {
        conf = unnamedSections.computeIfAbsent(key, this::sectionRule).orElse(null);
      }
      if (conf == null) {
        conf = to.get(PolicyEngine.MESH_KEY);
      }
      return conf == null ? null : bind(conf);
    }

    /**
     * The conf for a route towards {@code service} that the MeshHTTPRoute policies {@code
     * routeNames} give: the {@link #to} conf with their route confs merged over it; null when none
     * applies.
     */
    C route(String service, Set<String> routeNames) {
      List<ObjectNode> confs = new ArrayList<>();
      for (String name : routeNames) {
        ObjectNode conf = routes.get(name);
        if (conf != null) {
          confs.add(conf);
        }
      }
      if (confs.isEmpty()) {
        return to(service);
      }
      ObjectNode base = to.get(service);
      if (base == null) {
        base = to.get(PolicyEngine.MESH_KEY);
      }
      if (base != null) {
        confs.add(0, base);
      }
      return configurer.type().bind(configurer.type().engine().merge(confs));
    }

    private Optional<ObjectNode> sectionRule(String key) {
      return configurer.type().engine().toRule(proxy, matched, key);
    }

    /**
     * The inbound's sources: its merged rules as one Mesh source, else its from items; only its
     * from items for a type whose rules may have matches (its rules go to {@link #rules(String)}).
     */
    List<PolicyConfigurer.Source<C>> sources(String inboundKey) {
      ObjectNode rule = rules.get(inboundKey);
      if (rule != null && configurer.type().ruleMatches()) {
        return List.of();
      }
      if (rule != null) {
        return List.of(new PolicyConfigurer.Source<>(TargetRef.mesh(), bind(rule)));
      }
      return fromItems.getOrDefault(inboundKey, List.of()).stream()
          .map(i -> new PolicyConfigurer.Source<>(i.targetRef(), bind(i.conf())))
          .toList();
    }

    /** The inbound's rules one by one, for a type whose rules may have matches (else none). */
    List<PolicyConfigurer.MatchedRule<C>> rules(String inboundKey) {
      return ruleList.getOrDefault(inboundKey, List.of()).stream()
          .map(r -> new PolicyConfigurer.MatchedRule<>(r.match(), r.policy(), bind(r.conf())))
          .toList();
    }

    C inbound(String inboundKey) {
      ObjectNode conf = rules.get(inboundKey);
      if (conf == null) {
        SortedMap<String, ObjectNode> sources = from.get(inboundKey);
        conf = sources == null ? null : sources.get(PolicyEngine.MESH_KEY);
      }
      return conf == null ? null : bind(conf);
    }

    /**
     * The inbound conf of the first of the proxy's inbounds (in the proxy's order) that has one, or
     * null: what a proxy's own inbounds say about the TLS it speaks as a client.
     */
    C ownInbounds() {
      for (ProxyView.Inbound inbound : proxy.inbounds()) {
        C conf = inbound(inbound.key());
        if (conf != null) {
          return conf;
        }
      }
      return null;
    }
  }

  private final MeshContext mesh;
  private final ProxyView proxy;
  private final List<Applied<?>> applied;

  /** {@link #certificateUris()}, once computed. */
  private String certificateUris;

  /**
   * Destination service → a rule's {@code matches} → the MeshHTTPRoute policies (selecting this
   * proxy) that have a rule with those matches towards the service: whose routes a route action is.
   * Empty unless some policy targets a MeshHTTPRoute.
   */
  private final Map<String, Map<List<MeshHTTPRoute.Match>, SortedSet<String>>> routeRules;

  private PolicyHooks(
      MeshContext mesh,
      ProxyView proxy,
      List<Applied<?>> applied,
      Map<String, Map<List<MeshHTTPRoute.Match>, SortedSet<String>>> routeRules) {
    this.mesh = mesh;
    this.proxy = proxy;
    this.applied = applied;
    this.routeRules = routeRules;
  }

  static PolicyHooks of(MeshContext mesh, DataplaneResource dataplane) {
    return of(mesh, ProxyViews.of(dataplane));
  }

  /**
   * The hooks of the proxy {@code proxy} views (a builtin gateway's view at one of its listeners).
   */
  static PolicyHooks of(MeshContext mesh, ProxyView proxy) {
    List<Policy> routePolicies = mesh.policies(MeshHTTPRoute.TYPE.name());
    List<Applied<?>> applied = new ArrayList<>();
    boolean routeTargets = false;
    List<Policy> selectedRoutes = null;
    for (PolicyConfigurer<?> configurer : PolicyConfigurers.all()) {
      List<Policy> policies = mesh.policies(configurer.type().name());
      if (!policies.isEmpty()) {
        PolicyType<?> type = configurer.type();
        List<Policy> matched = type.engine().matching(proxy, policies);
        // Confs for a MeshHTTPRoute's routes depend on the routes that select the proxy too.
        List<Policy> routes = List.of();
        if (!routePolicies.isEmpty() && routeCapable(type) && namesRoutes(policies)) {
          if (selectedRoutes == null) {
            selectedRoutes = MeshHTTPRoute.TYPE.engine().matching(proxy, routePolicies);
          }
          routes = selectedRoutes;
        }
        if (!matched.isEmpty() || !routes.isEmpty()) {
          Applied<?> a =
              mesh.applied(
                  new Key(type.name(), matched, routes, proxy),
                  () -> new Applied<>(configurer, proxy, matched, policies, routePolicies));
          routeTargets |= !a.routes.isEmpty();
          applied.add(a);
        }
      }
    }
    return new PolicyHooks(
        mesh,
        proxy,
        List.copyOf(applied),
        routeTargets ? routeRules(proxy, routePolicies) : Map.of());
  }

  /** See {@link #routeRules}: from the rules of the MeshHTTPRoute policies selecting the proxy. */
  private static Map<String, Map<List<MeshHTTPRoute.Match>, SortedSet<String>>> routeRules(
      ProxyView proxy, List<Policy> routePolicies) {
    Map<String, Map<List<MeshHTTPRoute.Match>, SortedSet<String>>> out = new HashMap<>();
    for (Policy route : MeshHTTPRoute.TYPE.engine().matching(proxy, routePolicies)) {
      for (ToItem item : route.to()) {
        if (item.targetRef().kind() != TargetRef.Kind.MESH_SERVICE) {
          continue;
        }
        for (MeshHTTPRoute.Rule rule : MeshHTTPRoute.TYPE.bind(item.conf()).rules()) {
          out.computeIfAbsent(item.targetRef().name(), s -> new HashMap<>())
              .computeIfAbsent(rule.matches(), m -> new TreeSet<>())
              .add(route.name());
        }
      }
    }
    return out;
  }

  /**
   * What an {@link Applied} depends on: the type, the policies that select the proxy (compared by
   * identity: they are the mesh state's own instances, in merge order), the MeshHTTPRoute policies
   * that select it when a policy of the type names routes (the route confs of the policies naming a
   * route apply where the route does; else empty), the proxy's inbounds (for the per-inbound
   * sections; a builtin gateway's listener view has its listener as inbound), whether it is a
   * gateway, and for a builtin gateway the MeshGateway it is bound to and the tags of the listeners
   * the view covers (which MeshGateway targetRefs select).
   */
  static final class Key {
    private final String type;
    private final List<Policy> matched;
    private final List<Policy> routes;
    private final List<ProxyView.Inbound> inbounds;
    private final boolean gateway;
    private final String meshGateway;
    private final List<Map<String, String>> gatewayListeners;
    private final int hash;

    Key(String type, List<Policy> matched, List<Policy> routes, ProxyView proxy) {
      this.type = type;
      this.matched = matched;
      this.routes = routes;
      this.inbounds = proxy.inbounds();
      this.gateway = proxy.gateway();
      this.meshGateway = proxy.meshGateway();
      this.gatewayListeners = proxy.gatewayListeners();
      int h = type.hashCode() * 31 + inbounds.hashCode();
      for (Policy p : matched) {
        h = h * 31 + System.identityHashCode(p);
      }
      for (Policy r : routes) {
        h = h * 31 + System.identityHashCode(r);
      }
      h = h * 31 + Objects.hashCode(meshGateway);
      h = h * 31 + gatewayListeners.hashCode();
      this.hash = h * 2 + (gateway ? 1 : 0);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.hash == hash
          && k.gateway == gateway
          && k.type.equals(type)
          && Objects.equals(k.meshGateway, meshGateway)
          && sameInstances(k.matched, matched)
          && sameInstances(k.routes, routes)
          && k.inbounds.equals(inbounds)
          && k.gatewayListeners.equals(gatewayListeners);
    }

    private static boolean sameInstances(List<Policy> a, List<Policy> b) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i) != b.get(i)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Whether policies of {@code type} may name a MeshHTTPRoute (top-level or in {@code to}). */
  private static boolean routeCapable(PolicyType<?> type) {
    return type.routeTargets() || type.toKinds().contains(TargetRef.Kind.MESH_HTTP_ROUTE);
  }

  /** Whether one of {@code policies} names a MeshHTTPRoute, top-level or in a {@code to} item. */
  private static boolean namesRoutes(List<Policy> policies) {
    for (Policy p : policies) {
      if (p.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE) {
        return true;
      }
      for (ToItem item : p.to()) {
        if (item.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE) {
          return true;
        }
      }
    }
    return false;
  }

  /** The merged {@code to} conf of {@code type} towards {@code service}, or null. */
  <C extends Record> C toConf(PolicyType<C> type, String service) {
    Applied<C> a = applied(type);
    return a == null ? null : a.to(service);
  }

  /** The merged inbound conf of {@code type} on the inbound {@code inboundKey}, or null. */
  <C extends Record> C inboundConf(PolicyType<C> type, String inboundKey) {
    Applied<C> a = applied(type);
    return a == null ? null : a.inbound(inboundKey);
  }

  @SuppressWarnings("unchecked")
  private <C extends Record> Applied<C> applied(PolicyType<C> type) {
    for (Applied<?> a : applied) {
      if (a.configurer.type() == type) {
        return (Applied<C>) a;
      }
    }
    return null;
  }

  /**
   * The endpoint set an EDS cluster of {@code selector} reads on this proxy: grouped by the
   * local-zone affinity of the MeshLoadBalancingStrategy towards its service, if any.
   */
  EndpointSelector endpoints(EndpointSelector selector) {
    MeshLoadBalancingStrategy.Conf lb = toConf(MeshLoadBalancingStrategy.TYPE, selector.service());
    return lb == null
        ? selector
        : selector.withAffinity(MeshLoadBalancingStrategyConfigurer.affinity(lb, proxy));
  }

  /**
   * A hook of one configurer with its conf. Configurers are typed by their conf record; a hook is
   * only ever called with a conf bound by the configurer's own type, so the erased call is safe.
   */
  private interface Hook {
    void call(PolicyConfigurer<Record> configurer, Record conf);
  }

  @SuppressWarnings("unchecked")
  private static PolicyConfigurer<Record> erased(PolicyConfigurer<?> configurer) {
    return (PolicyConfigurer<Record>) configurer;
  }

  private void outbound(String service, Hook hook) {
    for (Applied<?> a : applied) {
      Record conf = a.to(service);
      if (conf != null) {
        hook.call(erased(a.configurer), conf);
      }
    }
  }

  private void inbound(String inboundKey, Hook hook) {
    for (Applied<?> a : applied) {
      Record conf = a.inbound(inboundKey);
      if (conf != null) {
        hook.call(erased(a.configurer), conf);
      }
    }
  }

  void outboundCluster(Place given, Cluster.Builder cluster) {
    Place place = given.inMesh(proxy.mesh());
    outbound(place.service(), (c, conf) -> c.outboundCluster(place, conf, cluster));
  }

  /**
   * The outbound route hooks of a route action given by a MeshHTTPRoute rule with {@code matches}
   * (null: the catch-all route): the confs of policies that target the routes of the MeshHTTPRoute
   * policies having that rule are merged over the destination's.
   */
  void outboundRoute(Place given, List<MeshHTTPRoute.Match> matches, RouteAction.Builder route) {
    Place place = given.inMesh(proxy.mesh());
    Set<String> routeNames =
        matches == null
            ? Set.of()
            : routeRules
                .getOrDefault(place.service(), Map.of())
                .getOrDefault(matches, Collections.emptySortedSet());
    for (Applied<?> a : applied) {
      Record conf = a.route(place.service(), routeNames);
      if (conf != null) {
        erased(a.configurer).outboundRoute(place, conf, route);
      }
    }
  }

  void outboundHttp(Place given, HttpConnectionManager.Builder hcm) {
    Place place = given.inMesh(proxy.mesh());
    outbound(place.service(), (c, conf) -> c.outboundHttp(place, conf, hcm));
  }

  void outboundTcp(Place given, TcpProxy.Builder tcp) {
    Place place = given.inMesh(proxy.mesh());
    outbound(place.service(), (c, conf) -> c.outboundTcp(place, conf, tcp));
  }

  /** The engine's key of an inbound: its name, or its port when unnamed (Kuma's sectionName). */
  static String inboundKey(Inbound inbound) {
    return inbound.getName() != null && !inbound.getName().isEmpty()
        ? inbound.getName()
        : Integer.toString(inbound.getPort());
  }

  void inboundCluster(String inboundKey, Place given, Cluster.Builder cluster) {
    Place place = given.inMesh(proxy.mesh());
    inbound(inboundKey, (c, conf) -> c.inboundCluster(place, conf, cluster));
  }

  void inboundRoute(String inboundKey, Place given, RouteAction.Builder route) {
    Place place = given.inMesh(proxy.mesh());
    inbound(inboundKey, (c, conf) -> c.inboundRoute(place, conf, route));
  }

  /**
   * The hooks of an inbound's HTTP connection manager: an Envoy sidecar's inbound listener, or a
   * proxyless gRPC server's listener ({@code new Place(service, "grpc", true, true)} when it
   * terminates the mesh's mTLS).
   */
  void inboundHttp(String inboundKey, Place given, HttpConnectionManager.Builder hcm) {
    Place place = given.inMesh(proxy.mesh());
    inbound(inboundKey, (c, conf) -> c.inboundHttp(place, conf, hcm));
    bySource(inboundKey, place, (c, sources) -> c.inboundHttpBySource(place, sources, hcm));
    for (Applied<?> a : applied) {
      byRule(a, inboundKey, place, hcm);
    }
  }

  private static <C extends Record> void byRule(
      Applied<C> a, String inboundKey, Place place, HttpConnectionManager.Builder hcm) {
    List<PolicyConfigurer.MatchedRule<C>> rules = a.rules(inboundKey);
    if (!rules.isEmpty()) {
      a.configurer.inboundHttpByRule(place, rules, hcm);
    }
  }

  /** A by-source hook of one configurer with the inbound's sources (see {@link Hook}). */
  private interface SourcesHook {
    void call(PolicyConfigurer<Record> configurer, List<PolicyConfigurer.Source<Record>> sources);
  }

  /**
   * Calls {@code hook} for each configurer {@link PolicyConfigurer#bySource() by source}, in the
   * configurers' order, with the inbound's sources: when a policy of its type selects the inbound,
   * or with none when the configurer {@link PolicyConfigurer#actsWithoutPolicy acts without one} at
   * this place.
   */
  private void bySource(String inboundKey, Place place, SourcesHook hook) {
    for (PolicyConfigurer<?> configurer : PolicyConfigurers.all()) {
      if (!configurer.bySource()) {
        continue;
      }
      List<PolicyConfigurer.Source<Record>> sources = List.of();
      for (Applied<?> a : applied) {
        if (a.configurer == configurer) {
          sources = erasedSources(a, inboundKey);
          break;
        }
      }
      if (!sources.isEmpty() || configurer.actsWithoutPolicy(place)) {
        hook.call(erased(configurer), sources);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<PolicyConfigurer.Source<Record>> erasedSources(
      Applied<?> a, String inboundKey) {
    return (List<PolicyConfigurer.Source<Record>>) (List<?>) a.sources(inboundKey);
  }

  /** The HTTP connection manager of a builtin gateway's listener, with the listener's conf. */
  void gatewayHttp(String listenerKey, Place given, HttpConnectionManager.Builder hcm) {
    Place place = given.inMesh(proxy.mesh());
    inbound(listenerKey, (c, conf) -> c.gatewayHttp(place, conf, hcm));
  }

  /**
   * A builtin gateway listener's HTTP connection manager as the inbound hooks of the types whose
   * {@code to} applies to gateway listeners ({@link PolicyType#gatewayTo()}) see it, with their
   * merged {@code to} conf of kind Mesh: as Kuma's MeshRateLimit and MeshFaultInjection configure
   * the listener (and, through its route config, every route) with their gateway rules.
   */
  void gatewayListenerHttp(Place given, HttpConnectionManager.Builder hcm) {
    Place place = given.inMesh(proxy.mesh());
    gatewayTo(
        (c, conf) -> {
          c.inboundHttp(place, conf, hcm);
          if (c.bySource()) {
            c.inboundHttpBySource(
                place, List.of(new PolicyConfigurer.Source<>(TargetRef.mesh(), conf)), hcm);
          }
        });
  }

  /** A builtin gateway listener's network filters, as {@link #gatewayListenerHttp}. */
  void gatewayListenerNetworkFilters(Place given, List<Filter> filters) {
    Place place = given.inMesh(proxy.mesh());
    gatewayTo((c, conf) -> c.inboundNetworkFilters(place, conf, filters));
  }

  private void gatewayTo(Hook hook) {
    for (Applied<?> a : applied) {
      if (a.configurer.type().gatewayTo()) {
        ObjectNode conf = a.to.get(PolicyEngine.MESH_KEY);
        if (conf != null) {
          hook.call(erased(a.configurer), a.bind(conf));
        }
      }
    }
  }

  /** The TCP proxy of a builtin gateway's TCP listener towards {@code place}'s service. */
  void gatewayTcp(Place given, TcpProxy.Builder tcp) {
    Place place = given.inMesh(proxy.mesh());
    outbound(place.service(), (c, conf) -> c.gatewayTcp(place, conf, tcp));
  }

  /**
   * The TLS context of an Envoy sidecar's inbound that terminates the mesh's mTLS; nothing for any
   * other place (a proxyless server's TLS context takes no hook, see {@link
   * PolicyConfigurer#inboundTls}).
   */
  void inboundTls(String inboundKey, Place given, DownstreamTlsContext.Builder tls) {
    if (!given.mtls() || given.proxyless()) {
      return;
    }
    Place place = given.inMesh(proxy.mesh());
    inbound(inboundKey, (c, conf) -> c.inboundTls(place, conf, tls));
  }

  /**
   * What {@link #outboundTls} reads of this proxy besides the place: each type's conf of its own
   * inbounds (null where none), in the configurers' order; equal for proxies whose clusters get the
   * same TLS context.
   */
  List<Object> outboundTlsInputs() {
    List<Object> inputs = new ArrayList<>(applied.size());
    for (Applied<?> a : applied) {
      inputs.add(a.ownInbounds());
    }
    return inputs;
  }

  /**
   * The TLS context of an Envoy proxy's cluster into the mesh towards {@code place}'s service, with
   * each type's conf of the proxy's own inbounds ({@link PolicyConfigurer#outboundTls}).
   */
  void outboundTls(Place given, UpstreamTlsContext.Builder tls) {
    if (given.proxyless()) {
      return;
    }
    Place place = given.inMesh(proxy.mesh());
    for (Applied<?> a : applied) {
      Record conf = a.ownInbounds();
      if (conf != null) {
        erased(a.configurer).outboundTls(place, conf, tls);
      }
    }
  }

  void inboundTcp(String inboundKey, Place given, TcpProxy.Builder tcp) {
    Place place = given.inMesh(proxy.mesh());
    inbound(inboundKey, (c, conf) -> c.inboundTcp(place, conf, tcp));
  }

  void inboundNetworkFilters(String inboundKey, Place given, List<Filter> filters) {
    Place place = given.inMesh(proxy.mesh());
    inbound(inboundKey, (c, conf) -> c.inboundNetworkFilters(place, conf, filters));
    bySource(
        inboundKey,
        place,
        (c, sources) -> c.inboundNetworkFiltersBySource(place, sources, filters));
  }

  /**
   * The caller-side hooks of a proxyless client's listener towards {@code place}'s service: for
   * each type applied on the caller's side, what the destination applies to this caller on every
   * instance of it. When the destination has {@code rules}, those of them whose match selects this
   * caller (no match; or its certificate's URI SANs, {@link MeshContext#certificateUris}, as
   * Envoy's {@code uri_san} input reads them; an SNI match never, since a proxyless client sends
   * none Kuma names), one by one; else its {@code from} items that select this caller (by its
   * inbounds' tags), merged in order.
   */
  void callerHttp(Place given, HttpConnectionManager.Builder hcm) {
    Place place = given.inMesh(proxy.mesh());
    for (PolicyConfigurer<?> configurer : PolicyConfigurers.all()) {
      if (configurer.type().callerSide()) {
        callerHttp(configurer, place, hcm);
      }
    }
  }

  private <C extends Record> void callerHttp(
      PolicyConfigurer<C> configurer, Place place, HttpConnectionManager.Builder hcm) {
    MeshContext.Callers callers = mesh.callers(configurer.type(), place.service());
    if (!callers.rules().isEmpty()) {
      String uris = certificateUris();
      List<PolicyConfigurer.MatchedRule<C>> applying = new ArrayList<>();
      for (PolicyConfigurer.MatchedRule<Record> rule : callers.rules()) {
        if (rule.match() == null || CallerMatchers.selects(rule.match(), uris)) {
          applying.add(typed(rule));
        }
      }
      if (!applying.isEmpty()) {
        configurer.callerHttpByRule(place, applying, hcm);
      }
      return;
    }
    List<FromItem> items = callers.items();
    if (items.isEmpty()) {
      return;
    }
    List<Map<String, String>> callerTags =
        proxy.inbounds().stream().map(ProxyView.Inbound::tags).toList();
    List<ObjectNode> confs =
        items.stream()
            .filter(i -> PolicyEngine.selectsCaller(i.targetRef(), callerTags))
            .map(FromItem::conf)
            .toList();
    if (!confs.isEmpty()) {
      ObjectNode merged = configurer.type().engine().merge(confs);
      configurer.callerHttp(place, configurer.type().bind(merged), hcm);
    }
  }

  /** A rule the mesh bound with the configurer's own type (see {@link MeshContext#callers}). */
  @SuppressWarnings("unchecked")
  private static <C extends Record> PolicyConfigurer.MatchedRule<C> typed(
      PolicyConfigurer.MatchedRule<Record> rule) {
    return (PolicyConfigurer.MatchedRule<C>) (PolicyConfigurer.MatchedRule<?>) rule;
  }

  /** This proxy's certificate URI SANs, computed on first use (once for all its listeners). */
  private String certificateUris() {
    String uris = certificateUris;
    if (uris == null) {
      uris = mesh.certificateUris(proxy);
      certificateUris = uris;
    }
    return uris;
  }

  /** The whole-config hooks, in the configurers' order, with each type's single merged conf. */
  void proxy(ProxyPlace place, ProxyResources resources) {
    for (Applied<?> a : applied) {
      callProxy(a, place, resources);
    }
  }

  private static <C extends Record> void callProxy(
      Applied<C> a, ProxyPlace place, ProxyResources resources) {
    a.single.ifPresent(conf -> a.configurer.proxy(place, a.bind(conf), resources));
  }
}
