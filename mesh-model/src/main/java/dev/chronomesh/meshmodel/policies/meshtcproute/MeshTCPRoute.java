package dev.chronomesh.meshmodel.policies.meshtcproute;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.JsonBinding.Json;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyChecks.BackendRef;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.util.List;

/**
 * Kuma's MeshTCPRoute ({@code pkg/plugins/policies/meshtcproute}): weighted TCP backends of a
 * service ({@code to[]} items with {@code rules}). See {@code docs/policies/meshtcproute.md}.
 */
public final class MeshTCPRoute {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshTCPRoute", Conf.class)
          .plural("meshtcproutes")
          .displayNames("Mesh TCP Route", "Mesh TCP Routes")
          .summary("TCP routing: weighted backends of a service.")
          .order(200)
          .sections(Section.TO)
          .inlineTo()
          .toKinds(TargetRef.Kind.MESH_SERVICE)
          .validator(MeshTCPRoute::validate)
          .build();

  private MeshTCPRoute() {}

  /** A {@code to[]} item's routing. */
  public record Conf(@Required List<Rule> rules) {}

  public record Rule(@Required @Json("default") RuleConf conf) {}

  public record RuleConf(List<BackendRef> backendRefs) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    if (spec.emptySections().contains(Section.TO)) {
      // Kuma's schema: minItems 1 (MeshTCPRoute, unlike the other types, has no empty 'to').
      c.add("spec.to", "must have at least 1 items");
    }
    for (TypedSpec.Item<Conf> item : spec.to()) {
      List<Rule> rules = item.conf().rules();
      c.maxItems(rules, item.path() + ".rules", 1);
      for (int r = 0; r < rules.size(); r++) {
        String p = item.path() + ".rules[" + r + "].default.backendRefs";
        List<BackendRef> refs = rules.get(r).conf().backendRefs();
        if (refs == null || refs.isEmpty()) {
          c.add(p, "must be defined");
        } else {
          c.backendRefs(refs, p);
        }
      }
    }
  }
}
