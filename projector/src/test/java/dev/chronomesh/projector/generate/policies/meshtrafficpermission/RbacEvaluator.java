package dev.chronomesh.projector.generate.policies.meshtrafficpermission;

import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Set;

/**
 * Envoy's (and grpc-xds's) decision for an authenticated caller with these certificate URIs, for
 * the part of RBAC the MeshTrafficPermission configurer emits; anything else fails the test.
 */
final class RbacEvaluator {
  private RbacEvaluator() {}

  /** Whether {@code rules} let the caller through (an ALLOW without a matching policy: no). */
  static boolean allows(RBAC rules, Set<String> uris) {
    boolean matched = matches(rules, uris);
    return switch (rules.getAction()) {
      case ALLOW -> matched;
      case DENY -> !matched;
      default -> throw new IllegalArgumentException("action " + rules.getAction());
    };
  }

  /** Whether a policy of {@code rules} matches the caller. */
  static boolean matches(RBAC rules, Set<String> uris) {
    for (Policy policy : rules.getPoliciesMap().values()) {
      boolean permitted = policy.getPermissionsList().stream().anyMatch(RbacEvaluator::any);
      boolean principal = policy.getPrincipalsList().stream().anyMatch(p -> matches(p, uris));
      if (permitted && principal) {
        return true;
      }
    }
    return false;
  }

  private static boolean any(Permission permission) {
    if (permission.getRuleCase() != Permission.RuleCase.ANY) {
      throw new IllegalArgumentException("permission " + permission);
    }
    return permission.getAny();
  }

  static boolean matches(Principal p, Set<String> uris) {
    return switch (p.getIdentifierCase()) {
      case ANY -> p.getAny();
      case AUTHENTICATED ->
          uris.stream().anyMatch(u -> matches(p.getAuthenticated().getPrincipalName(), u));
      case AND_IDS -> p.getAndIds().getIdsList().stream().allMatch(i -> matches(i, uris));
      case OR_IDS -> p.getOrIds().getIdsList().stream().anyMatch(i -> matches(i, uris));
      case NOT_ID -> !matches(p.getNotId(), uris);
      default -> throw new IllegalArgumentException("principal " + p);
    };
  }

  private static boolean matches(StringMatcher m, String value) {
    return switch (m.getMatchPatternCase()) {
      case EXACT -> value.equals(m.getExact());
      case PREFIX -> value.startsWith(m.getPrefix());
      default -> throw new IllegalArgumentException("string matcher " + m);
    };
  }
}
