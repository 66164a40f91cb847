package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.events.KumaTags;
import java.util.Comparator;
import java.util.Map;

/**
 * Kuma's precedence order for matching policies, least specific first (so later ones win when
 * merged). Follows {@code pkg/plugins/policies/core/rules/sort/sort.go}: top-level kind rank, a
 * Dataplane ref with sectionName above one without, origin (global &lt; unknown &lt; zone), policy
 * role (none &lt; system &lt; producer &lt; consumer &lt; workload-owner), and finally the name in
 * reverse, so the lexicographically smallest name is merged last and wins.
 */
final class Specificity {

  private static final Map<String, Integer> ORIGIN_ORDER = Map.of("global", 1, "zone", 3);
  private static final int UNKNOWN_ORIGIN = 2;
  private static final Map<String, Integer> ROLE_ORDER =
      Map.of("system", 1, "producer", 2, "consumer", 3, "workload-owner", 4);

  private Specificity() {}

  /** Compares by everything but the name (Kuma's CompareByPolicyAttributes). */
  static final Comparator<Policy> BY_ATTRIBUTES =
      Comparator.<Policy>comparingInt(p -> p.targetRef().kind().rank())
          .thenComparingInt(Specificity::dataplaneSection)
          .thenComparingInt(Specificity::origin)
          .thenComparingInt(Specificity::role);

  /** Kuma's CompareByDisplayName: reverse lexicographic, so "a" is merged after "b". */
  static final Comparator<Policy> BY_NAME =
      Comparator.comparing(Policy::name, Comparator.reverseOrder());

  /** The full order of policies. */
  static final Comparator<Policy> POLICIES = BY_ATTRIBUTES.thenComparing(BY_NAME);

  /** Rank of a to/from item's own targetRef: kind, then a MeshService sectionName above none. */
  static int itemRank(TargetRef ref) {
    return ref.kind().rank() * 2
        + (ref.kind() == TargetRef.Kind.MESH_SERVICE && ref.sectionName() != null ? 1 : 0);
  }

  private static int dataplaneSection(Policy p) {
    TargetRef ref = p.targetRef();
    return ref.kind() == TargetRef.Kind.DATAPLANE && ref.sectionName() != null ? 1 : 0;
  }

  static int origin(Policy p) {
    String o = p.labels().get(KumaTags.ORIGIN_LABEL);
    return o == null ? UNKNOWN_ORIGIN : ORIGIN_ORDER.getOrDefault(o, UNKNOWN_ORIGIN);
  }

  static int role(Policy p) {
    String r = p.labels().get(KumaTags.POLICY_ROLE_LABEL);
    return r == null ? 0 : ROLE_ORDER.getOrDefault(r, 0);
  }
}
