package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.meshmodel.Violation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The targetRef engine for one policy type: which policies select a proxy, in which order they
 * apply, and the merged confs per outbound destination ({@link #toRules}), per inbound and source
 * ({@link #fromRules}) and for {@code rules}-style policies ({@link #inboundRules}, {@link
 * #singleItem}). Pure and deterministic: results are sorted maps of sorted-key objects.
 */
public final class PolicyEngine {

  /** The result key of the conf that applies to every destination (or source) in the mesh. */
  public static final String MESH_KEY = "Mesh";

  private final ConfMerge merge;

  /**
   * @param appendPaths dotted conf paths of lists this policy type appends instead of replacing (in
   *     addition to fields named {@code append*}, which always append)
   */
  public PolicyEngine(Set<String> appendPaths) {
    this(appendPaths, Map.of());
  }

  /**
   * @param appendPaths as in {@link #PolicyEngine(Set)}
   * @param mergeByKeyPaths dotted conf paths of lists merged by key, to their key field (Kuma's
   *     {@code policyMerge:"mergeValuesByKey"}, e.g. {@code rules -> matches})
   */
  public PolicyEngine(Set<String> appendPaths, Map<String, String> mergeByKeyPaths) {
    this.merge = new ConfMerge(appendPaths, mergeByKeyPaths);
  }

  /** An engine for a policy type with no appending lists besides {@code append*} fields. */
  public PolicyEngine() {
    this(Set.of());
  }

  /**
   * The inbounds of {@code proxy} a top-level targetRef selects: Mesh all; MeshSubset those whose
   * tags contain all {@code tags}; MeshService those whose {@code kuma.io/service} is {@code name};
   * MeshServiceSubset both; Dataplane all inbounds of a proxy with that name or whose labels
   * contain all {@code labels}; a sectionName keeps only the inbound with that name or port.
   */
  public static List<ProxyView.Inbound> selectedInbounds(TargetRef ref, ProxyView proxy) {
    List<ProxyView.Inbound> out = new ArrayList<>();
    if (ref.kind() == TargetRef.Kind.DATAPLANE && !dataplaneMatches(ref, proxy)) {
      return out;
    }
    if (!ref.selectsProxyType(proxy.gateway())) {
      return out;
    }
    for (ProxyView.Inbound in : proxy.inbounds()) {
      if (inboundMatches(ref, in)
          && (ref.sectionName() == null || in.isSection(ref.sectionName()))) {
        out.add(in);
      }
    }
    return out;
  }

  /**
   * Whether the policy applies to {@code proxy} at all: same mesh, and the top-level targetRef is
   * Mesh (of the proxy's type, when it names {@code proxyTypes}), a Dataplane ref matching the
   * proxy (with its section if one is named), or selects at least one inbound.
   */
  public static boolean selects(Policy policy, ProxyView proxy) {
    if (!policy.mesh().equals(proxy.mesh())) {
      return false;
    }
    TargetRef ref = policy.targetRef();
    return switch (ref.kind()) {
      case MESH -> ref.selectsProxyType(proxy.gateway());
      case MESH_GATEWAY -> gatewayMatches(ref, proxy);
      case DATAPLANE ->
          dataplaneMatches(ref, proxy)
              && (ref.sectionName() == null || !selectedInbounds(ref, proxy).isEmpty());
      default -> !selectedInbounds(ref, proxy).isEmpty();
    };
  }

  /**
   * {@link #selects(Policy, ProxyView)}, with a top-level MeshHTTPRoute resolved among {@code
   * routes} (the mesh's MeshHTTPRoute policies): such a policy applies to the proxies a route it
   * names selects, as in Kuma ({@code DppSelectedByPolicy}).
   */
  public static boolean selects(Policy policy, ProxyView proxy, List<Policy> routes) {
    if (policy.targetRef().kind() != TargetRef.Kind.MESH_HTTP_ROUTE) {
      return selects(policy, proxy);
    }
    return policy.mesh().equals(proxy.mesh())
        && referencedRoutes(policy.targetRef(), policy.mesh(), routes).stream()
            .anyMatch(r -> selects(r, proxy));
  }

  /**
   * The MeshHTTPRoute policies a targetRef of kind MeshHTTPRoute names, in {@code mesh}: by {@code
   * name} (Kuma's display name: the {@code kuma.io/display-name} label, else the name), or every
   * route whose labels contain all of {@code labels}.
   */
  public static List<Policy> referencedRoutes(TargetRef ref, String mesh, List<Policy> routes) {
    List<Policy> out = new ArrayList<>();
    for (Policy route : routes) {
      if (!route.mesh().equals(mesh)) {
        continue;
      }
      String displayName = route.labels().getOrDefault(KumaTags.DISPLAY_NAME_LABEL, route.name());
      boolean named = ref.name() != null && ref.name().equals(displayName);
      boolean labelled =
          ref.name() == null
              && !ref.labels().isEmpty()
              && containsAll(route.labels(), ref.labels());
      if (named || labelled) {
        out.add(route);
      }
    }
    return out;
  }

  /**
   * Merged confs for the Envoy routes of MeshHTTPRoute policies, keyed by the route policy's name:
   * the {@code to} items of kind MeshHTTPRoute of the policies that select {@code proxy}, and the
   * {@code to} items of the policies whose top-level targetRef is a MeshHTTPRoute that selects
   * {@code proxy} (Kuma's route policies), in Kuma's order. {@code routes} are the mesh's
   * MeshHTTPRoute policies. The caller merges a route's conf over its destination's {@link
   * #toRules} conf: a route's items are more specific than any destination's.
   */
  public SortedMap<String, ObjectNode> routeRules(
      ProxyView proxy, List<Policy> policies, List<Policy> routes) {
    checkPolicies(policies);
    SortedMap<String, List<Entry>> byRoute = new TreeMap<>();
    for (Policy p : policies) {
      if (!p.mesh().equals(proxy.mesh())) {
        continue;
      }
      boolean topRoute = p.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE;
      if (!topRoute && !selects(p, proxy)) {
        continue;
      }
      for (int i = 0; i < p.to().size(); i++) {
        ToItem item = p.to().get(i);
        TargetRef ref = topRoute ? p.targetRef() : item.targetRef();
        if (ref.kind() != TargetRef.Kind.MESH_HTTP_ROUTE) {
          continue;
        }
        for (Policy route : referencedRoutes(ref, p.mesh(), routes)) {
          if (!topRoute || selects(route, proxy)) {
            byRoute
                .computeIfAbsent(route.name(), k -> new ArrayList<>())
                .add(new Entry(p, i, item.targetRef(), item.conf()));
          }
        }
      }
    }
    SortedMap<String, ObjectNode> out = new TreeMap<>();
    byRoute.forEach(
        (route, entries) ->
            out.put(
                route,
                merge.merge(entries.stream().sorted(ENTRY_ORDER).map(Entry::conf).toList())));
    return Collections.unmodifiableSortedMap(out);
  }

  /** The policies that select {@code proxy}, least specific first (the merge order). */
  public List<Policy> matching(ProxyView proxy, List<Policy> policies) {
    checkPolicies(policies);
    return policies.stream().filter(p -> selects(p, proxy)).sorted(Specificity.POLICIES).toList();
  }

  /**
   * Merged {@code to} confs of the matching policies per destination: key {@link #MESH_KEY} from
   * the {@code kind: Mesh} items alone, one key {@code name} per service named by a {@code
   * MeshService} item, and one key {@code name:sectionName} per port a {@code MeshService} item
   * names, each merging every item that applies to it. A destination without its own key gets the
   * {@link #MESH_KEY} conf.
   *
   * <p>As in Kuma 2.14, the two kinds of key are for the two kinds of outbound: key {@code name} is
   * an outbound written the legacy way ({@code tags: {kuma.io/service: name}}), to which Kuma
   * applies its tag-based rules, where a {@code MeshService} item stands for the tag {@code
   * kuma.io/service: name} and its {@code sectionName} is ignored ({@code asSubset} in {@code
   * pkg/plugins/policies/core/rules/rules.go}); key {@code name:section} is the port {@code
   * section} of the MeshService resource {@code name}, to which only the items without a section or
   * with that section apply (Kuma's resource rules, {@code rules/outbound/resourcerules.go}).
   */
  public SortedMap<String, ObjectNode> toRules(ProxyView proxy, List<Policy> policies) {
    return byDestination(toEntries(proxy, policies));
  }

  /**
   * Merged {@code from} confs per inbound (keyed by {@link ProxyView.Inbound#key()}) and then per
   * source, keyed like {@link #toRules}. Only policies whose top-level targetRef selects the
   * inbound contribute to it.
   */
  public SortedMap<String, SortedMap<String, ObjectNode>> fromRules(
      ProxyView proxy, List<Policy> policies) {
    SortedMap<String, SortedMap<String, ObjectNode>> out = new TreeMap<>();
    List<Policy> matched = matching(proxy, policies);
    for (ProxyView.Inbound in : proxy.inbounds()) {
      List<Entry> entries = new ArrayList<>();
      for (Policy p : matched) {
        if (!selectedInbounds(p.targetRef(), proxy).contains(in)) continue;
        for (int i = 0; i < p.from().size(); i++) {
          entries.add(new Entry(p, i, p.from().get(i).targetRef(), p.from().get(i).conf()));
        }
      }
      if (!entries.isEmpty()) {
        out.put(in.key(), byDestination(entries));
      }
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * Merged {@code rules[].default} per inbound: the rules of every policy whose top-level targetRef
   * selects the inbound, in policy order then item order.
   */
  public SortedMap<String, ObjectNode> inboundRules(ProxyView proxy, List<Policy> policies) {
    SortedMap<String, ObjectNode> out = new TreeMap<>();
    List<Policy> matched = matching(proxy, policies);
    for (ProxyView.Inbound in : proxy.inbounds()) {
      List<ObjectNode> confs = new ArrayList<>();
      for (Policy p : matched) {
        if (selectedInbounds(p.targetRef(), proxy).contains(in)) {
          p.rules().forEach(r -> confs.add(r.conf()));
        }
      }
      if (!confs.isEmpty()) out.put(in.key(), merge.merge(confs));
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * One {@code rules[]} entry as it applies to an inbound: one of its matches (null: all traffic),
   * the name of the policy it came from, and its conf.
   */
  public record InboundRule(RuleMatch match, String policy, ObjectNode conf) {}

  /**
   * The {@code rules[]} entries per inbound (keyed by {@link ProxyView.Inbound#key()}), not merged,
   * as Kuma builds them ({@code inbound.BuildRules}): the entries of every policy whose top-level
   * targetRef selects the inbound, in policy order then entry order, one per match (an entry with
   * several matches gives several), then stably ordered by match ({@link RuleMatch#SPECIFIC_FIRST},
   * entries without matches last).
   */
  public SortedMap<String, List<InboundRule>> inboundRuleList(
      ProxyView proxy, List<Policy> policies) {
    SortedMap<String, List<InboundRule>> out = new TreeMap<>();
    List<Policy> matched = matching(proxy, policies);
    for (ProxyView.Inbound in : proxy.inbounds()) {
      List<InboundRule> rules = new ArrayList<>();
      for (Policy p : matched) {
        if (!selectedInbounds(p.targetRef(), proxy).contains(in)) continue;
        for (RuleItem rule : p.rules()) {
          if (rule.matches().isEmpty()) {
            rules.add(new InboundRule(null, p.name(), rule.conf()));
          }
          rule.matches().forEach(m -> rules.add(new InboundRule(m, p.name(), rule.conf())));
        }
      }
      if (!rules.isEmpty()) {
        rules.sort(
            Comparator.comparing(
                InboundRule::match, Comparator.nullsLast(RuleMatch.SPECIFIC_FIRST)));
        out.put(in.key(), List.copyOf(rules));
      }
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * The single merged top-level {@code default} (and {@code rules[].default}) of every policy that
   * selects the proxy (Kuma's single-item rules), or empty when none has one.
   */
  public java.util.Optional<ObjectNode> singleItem(ProxyView proxy, List<Policy> policies) {
    List<ObjectNode> confs = new ArrayList<>();
    for (Policy p : matching(proxy, policies)) {
      if (p.defaultConf() != null) {
        confs.add(p.defaultConf());
      }
      p.rules().forEach(r -> confs.add(r.conf()));
    }
    return confs.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(merge.merge(confs));
  }

  /** One to/from item with the policy it came from, for ordering. */
  private record Entry(Policy policy, int index, TargetRef ref, ObjectNode conf) {}

  /** Kuma's outbound order: policy attributes, then item kind, then name, then item position. */
  private static final Comparator<Entry> ENTRY_ORDER =
      Comparator.<Entry, Policy>comparing(Entry::policy, Specificity.BY_ATTRIBUTES)
          .thenComparingInt(e -> Specificity.itemRank(e.ref()))
          .thenComparing(Entry::policy, Specificity.BY_NAME)
          .thenComparingInt(Entry::index);

  /**
   * Kuma's order for a legacy outbound, where a sectionName is ignored: as {@link #ENTRY_ORDER}
   * with a MeshService item with a section ranked as one without.
   */
  private static final Comparator<Entry> LEGACY_ENTRY_ORDER =
      Comparator.<Entry, Policy>comparing(Entry::policy, Specificity.BY_ATTRIBUTES)
          .thenComparingInt(e -> e.ref().kind().rank())
          .thenComparing(Entry::policy, Specificity.BY_NAME)
          .thenComparingInt(Entry::index);

  /**
   * The {@code from} items of the matching policies per inbound (keyed by {@link
   * ProxyView.Inbound#key()}), each list in merge order (least specific first), not merged: for
   * types whose sources may be subsets (MeshSubset, MeshServiceSubset), where which items apply
   * depends on the caller's tags.
   */
  public SortedMap<String, List<FromItem>> fromItems(ProxyView proxy, List<Policy> policies) {
    SortedMap<String, List<FromItem>> out = new TreeMap<>();
    List<Policy> matched = matching(proxy, policies);
    for (ProxyView.Inbound in : proxy.inbounds()) {
      List<Entry> entries = new ArrayList<>();
      for (Policy p : matched) {
        if (!selectedInbounds(p.targetRef(), proxy).contains(in)) continue;
        for (int i = 0; i < p.from().size(); i++) {
          entries.add(new Entry(p, i, p.from().get(i).targetRef(), p.from().get(i).conf()));
        }
      }
      if (!entries.isEmpty()) {
        out.put(
            in.key(),
            entries.stream()
                .sorted(ENTRY_ORDER)
                .map(e -> new FromItem(e.ref(), e.conf()))
                .toList());
      }
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /** Whether a source targetRef selects a caller with these inbound tags (Mesh: every caller). */
  public static boolean selectsCaller(TargetRef source, List<Map<String, String>> callerTags) {
    if (source.kind() == TargetRef.Kind.MESH) {
      return true;
    }
    for (Map<String, String> tags : callerTags) {
      boolean service = source.name() == null || source.name().equals(tags.get(KumaTags.SERVICE));
      boolean subset = containsAll(tags, source.tags());
      if (service && subset) {
        return true;
      }
    }
    return false;
  }

  /** Merges confs with this engine's rules, the last taking precedence. */
  public ObjectNode merge(List<ObjectNode> confs) {
    return merge.merge(confs);
  }

  /**
   * The merged {@code to} conf of one destination key of {@link #toRules}, also of a key no item
   * names ({@code name:section} of a port no item names a section of, which merges the Mesh items
   * and the items of {@code name} without a section); empty when only Mesh items apply (the
   * destination then has the {@link #MESH_KEY} conf).
   */
  public java.util.Optional<ObjectNode> toRule(ProxyView proxy, List<Policy> policies, String key) {
    List<Entry> applying =
        destinationEntries(toEntries(proxy, policies), key.indexOf(':') >= 0).stream()
            .filter(e -> appliesTo(e.ref(), key))
            .toList();
    if (applying.stream().allMatch(e -> e.ref().kind() == TargetRef.Kind.MESH)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(merge.merge(applying.stream().map(Entry::conf).toList()));
  }

  private List<Entry> toEntries(ProxyView proxy, List<Policy> policies) {
    List<Entry> entries = new ArrayList<>();
    for (Policy p : matching(proxy, policies)) {
      for (int i = 0; i < p.to().size(); i++) {
        entries.add(new Entry(p, i, p.to().get(i).targetRef(), p.to().get(i).conf()));
      }
    }
    return entries;
  }

  /**
   * The items that have a destination key (subset sources, which types that allow them read through
   * fromItems, have none), in the order of a MeshService port or of a legacy outbound.
   */
  private static List<Entry> destinationEntries(List<Entry> entries, boolean section) {
    return entries.stream()
        .filter(
            e ->
                e.ref().kind() == TargetRef.Kind.MESH
                    || e.ref().kind() == TargetRef.Kind.MESH_SERVICE)
        .sorted(section ? ENTRY_ORDER : LEGACY_ENTRY_ORDER)
        .toList();
  }

  private SortedMap<String, ObjectNode> byDestination(List<Entry> entries) {
    List<Entry> sorted = destinationEntries(entries, true);
    Set<String> keys = new TreeSet<>();
    for (Entry e : sorted) {
      if (e.ref().kind() == TargetRef.Kind.MESH) {
        keys.add(MESH_KEY);
      } else if (e.ref().name() != null) {
        keys.add(e.ref().name());
        if (e.ref().sectionName() != null) {
          keys.add(sectionKey(e.ref().name(), e.ref().sectionName()));
        }
      }
    }
    List<Entry> legacyOrder = destinationEntries(entries, false);
    SortedMap<String, ObjectNode> out = new TreeMap<>();
    for (String key : keys) {
      boolean section = key.indexOf(':') >= 0;
      List<ObjectNode> confs =
          (section ? sorted : legacyOrder)
              .stream().filter(e -> appliesTo(e.ref(), key)).map(Entry::conf).toList();
      out.put(key, merge.merge(confs));
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * The {@link #toRules} key of port {@code section} (its name, or its number when unnamed) of the
   * MeshService resource {@code name}. Names of MeshServices cannot contain ':'.
   */
  public static String sectionKey(String name, String section) {
    return name + ":" + section;
  }

  /**
   * Whether an item's ref covers a destination key: Mesh covers all; a MeshService item covers the
   * legacy key of its name whatever its section, and the section keys of its name when it has no
   * section or that one.
   */
  private static boolean appliesTo(TargetRef ref, String key) {
    if (ref.kind() == TargetRef.Kind.MESH) return true;
    if (key.equals(MESH_KEY) || ref.name() == null) return false;
    if (key.equals(ref.name())) return true;
    return ref.sectionName() == null
        ? key.startsWith(ref.name() + ":")
        : key.equals(sectionKey(ref.name(), ref.sectionName()));
  }

  /**
   * Kuma's MeshGateway targetRef: the builtin gateway proxy bound to the MeshGateway of that name,
   * where one of the listeners the view covers has tags containing all of the ref's {@code tags}
   * (none: every listener).
   */
  private static boolean gatewayMatches(TargetRef ref, ProxyView proxy) {
    if (proxy.meshGateway() == null || !proxy.meshGateway().equals(ref.name())) {
      return false;
    }
    for (Map<String, String> listener : proxy.gatewayListeners()) {
      if (containsAll(listener, ref.tags())) {
        return true;
      }
    }
    return false;
  }

  private static boolean dataplaneMatches(TargetRef ref, ProxyView proxy) {
    return (ref.name() == null || ref.name().equals(proxy.name()))
        && containsAll(proxy.labels(), ref.labels());
  }

  private static boolean inboundMatches(TargetRef ref, ProxyView.Inbound in) {
    return switch (ref.kind()) {
      case MESH, DATAPLANE -> true;
      case MESH_GATEWAY -> false;
      case MESH_SUBSET -> containsAll(in.tags(), ref.tags());
      case MESH_SERVICE -> ref.name().equals(in.tags().get(KumaTags.SERVICE));
      case MESH_SERVICE_SUBSET ->
          ref.name().equals(in.tags().get(KumaTags.SERVICE)) && containsAll(in.tags(), ref.tags());
      // Resolved through the route it names: selects(policy, proxy, routes).
      case MESH_HTTP_ROUTE -> false;
    };
  }

  private static boolean containsAll(Map<String, String> have, Map<String, String> want) {
    return want.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())));
  }

  /** Rejects a bug in the caller: mixed policy types or policies that were never validated. */
  private static void checkPolicies(List<Policy> policies) {
    Objects.requireNonNull(policies, "policies");
    // Checked for every proxy: a plain loop, the sets only once something is wrong.
    boolean valid = true;
    for (Policy p : policies) {
      valid &= p.type().equals(policies.get(0).type()) && p.violations().isEmpty();
    }
    if (valid) {
      return;
    }
    Set<String> types = policies.stream().map(Policy::type).collect(Collectors.toSet());
    if (types.size() > 1) {
      throw new IllegalArgumentException(
          "policies must all be of one type, got " + new TreeSet<>(types));
    }
    List<String> problems = new ArrayList<>();
    for (Policy p : policies) {
      for (Violation v : p.violations()) {
        problems.add(
            p.type() + "/" + p.mesh() + "/" + p.name() + ": " + v.field() + ": " + v.reason());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid policies: " + String.join("; ", problems));
    }
  }
}
