package dev.chronomesh.projector.generate.policy;

import java.util.Comparator;
import java.util.List;

/**
 * The policy plugins the generators apply, in their {@link PolicyPlugin#order()}. The orders are
 * 100 times the position in Kuma's {@code pkg/plugins/policies/core/ordered/ordered.go}
 * (MeshHTTPRoute 1, MeshTCPRoute 2, MeshLoadBalancingStrategy 3, MeshAccessLog 4, MeshTrace 5,
 * MeshFaultInjection 6, MeshRateLimit 7, MeshTimeout 8, MeshTrafficPermission 9, MeshCircuitBreaker
 * 10, MeshHealthCheck 11, MeshRetry 12, MeshMetric 13, MeshProxyPatch 14), so plugins added later
 * slot in where Kuma runs them.
 */
public final class PolicyPlugins {
  private static final List<PolicyPlugin> ALL =
      List.<PolicyPlugin>of(
              new MeshLoadBalancingStrategyPlugin(),
              new MeshTimeoutPlugin(),
              new MeshCircuitBreakerPlugin(),
              new MeshHealthCheckPlugin(),
              new MeshRetryPlugin())
          .stream()
          .sorted(Comparator.comparingInt(PolicyPlugin::order))
          .toList();

  private PolicyPlugins() {}

  /** Every plugin, lowest order first. */
  public static List<PolicyPlugin> all() {
    return ALL;
  }
}
