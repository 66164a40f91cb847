package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshfaultinjection.MeshFaultInjection;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshproxypatch.MeshProxyPatch;
import dev.chronomesh.meshmodel.policies.meshratelimit.MeshRateLimit;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission;
import java.util.List;
import java.util.Optional;

/**
 * The one list of the targetRef policy types Chronomesh serves. Each type lives in its own package
 * ({@code dev.chronomesh.meshmodel.policies.<name>}, and its Envoy configurer in {@code
 * dev.chronomesh.projector.policies.<name>}); adding a type is adding its line here. The resource
 * registry, REST paths, {@code /_resources}, the OpenAPI description, chronoctl's types and the
 * projector's configurers are derived from this list.
 */
public final class Policies {
  private static final List<PolicyType<?>> ALL =
      List.of(
          MeshTimeout.TYPE,
          MeshRetry.TYPE,
          MeshCircuitBreaker.TYPE,
          MeshHealthCheck.TYPE,
          MeshLoadBalancingStrategy.TYPE,
          MeshHTTPRoute.TYPE,
          MeshTCPRoute.TYPE,
          MeshRateLimit.TYPE,
          MeshFaultInjection.TYPE,
          MeshProxyPatch.TYPE,
          MeshTrafficPermission.TYPE,
          MeshTLS.TYPE);

  private Policies() {}

  /** Every policy type, in the order they are listed to users. */
  public static List<PolicyType<?>> all() {
    return ALL;
  }

  /** The type with this Kuma name. */
  public static Optional<PolicyType<?>> byName(String name) {
    for (PolicyType<?> t : ALL) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
