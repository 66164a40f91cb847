package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.meshmodel.policy.TargetRef.Kind;
import dev.chronomesh.meshmodel.policy.TargetRef.ProxyType;

/**
 * Kuma's rules on which proxies an inbound policy's sections may apply to (its {@code
 * common_api.IncludesGateways}): {@code from} and {@code rules} are for sidecars, {@code to} for
 * gateways; a top-level targetRef of kind Mesh or MeshSubset includes gateways unless its {@code
 * proxyTypes} leave them out. And the reasons given for what Chronomesh cannot apply yet.
 */
public final class Scopes {
  /**
   * Why {@code rules[].matches} is refused for MeshTimeout and MeshRateLimit: Kuma copies each
   * inbound route per match, selected by filter state that a {@code set_filter_state} network
   * filter fills on the downstream TLS handshake, and that field is newer than the Envoy API
   * java-control-plane 1.0.49 (the newest) carries.
   */
  public static final String MATCHES_NOT_SUPPORTED =
      "matching on the caller's spiffeID or sni is not implemented for this policy type yet: Kuma"
          + " selects per-caller routes by filter state set on the downstream TLS handshake"
          + " (set_filter_state on_downstream_tls_handshake), which the Envoy API of"
          + " java-control-plane 1.0.49 does not have (MeshFaultInjection's matches work)";

  private Scopes() {}

  /** Whether the top-level targetRef includes gateways (Kuma's IncludesGateways). */
  public static boolean includesGateways(TargetRef top) {
    boolean meshKind = top.kind() == Kind.MESH || top.kind() == Kind.MESH_SUBSET;
    return top.kind() == Kind.MESH_GATEWAY
        || meshKind && (top.proxyTypes() == null || top.proxyTypes().contains(ProxyType.GATEWAY));
  }

  /**
   * Kuma's rule for inbound policies: {@code from} and {@code rules} must not be used when the
   * scope includes gateways (MeshRateLimit).
   */
  public static void inboundSectionsOutsideGateways(TypedSpec<?> spec, PolicyChecks c) {
    fromOutsideGateways(spec, c);
    if (includesGateways(spec.targetRef()) && !spec.rules().isEmpty()) {
      c.add(
          "spec.rules",
          "must not be defined when the scope includes a Gateway, select only proxyType Sidecar");
    }
  }

  /**
   * Kuma's rule for {@code from} alone (MeshFaultInjection, whose {@code rules} Kuma accepts
   * whatever the scope): it must not be used when the scope includes gateways.
   */
  public static void fromOutsideGateways(TypedSpec<?> spec, PolicyChecks c) {
    if (!includesGateways(spec.targetRef())) {
      return;
    }
    if (!spec.from().isEmpty()) {
      c.add(
          "spec.from",
          "must not be defined when the scope includes a Gateway, select only proxyType Sidecar or"
              + " select only gateways and use spec.to");
    }
  }

  /**
   * Kuma's rule for the {@code to} of an inbound policy whose {@code to} is for gateways
   * (MeshRateLimit, MeshFaultInjection): it must not be used unless the scope includes gateways.
   */
  public static void toOnlyWithGateways(TypedSpec<?> spec, PolicyChecks c) {
    if (!includesGateways(spec.targetRef()) && !spec.to().isEmpty()) {
      c.add("spec.to", "must not be defined");
    }
  }

  /**
   * Kuma's rule for the {@code to} items of a policy whose top-level targetRef is a MeshGateway
   * (MeshRetry, MeshTimeout; MeshLoadBalancingStrategy with a loadBalancer): the destination is the
   * gateway's routes as a whole, so the only kind is Mesh.
   */
  public static <C extends Record> void gatewayToMeshOnly(
      TypedSpec<C> spec, PolicyChecks c, java.util.function.Predicate<C> applies) {
    if (spec.targetRef().kind() != Kind.MESH_GATEWAY) {
      return;
    }
    for (TypedSpec.Item<C> item : spec.to()) {
      if (item.targetRef() != null
          && item.targetRef().kind() != Kind.MESH
          && applies.test(item.conf())) {
        c.add(
            item.path() + ".targetRef.kind",
            "value '" + item.targetRef().kind().wireName() + "' is not supported");
      }
    }
  }
}
