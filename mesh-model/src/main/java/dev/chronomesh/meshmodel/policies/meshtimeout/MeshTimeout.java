package dev.chronomesh.meshmodel.policies.meshtimeout;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.Reported;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.Scopes;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.TypedSpec;

/**
 * Kuma's MeshTimeout ({@code pkg/plugins/policies/meshtimeout}): connection, idle, request, stream
 * and header timeouts, on outbound ({@code to}) and inbound ({@code from}, {@code rules}) traffic.
 * Every field is a Go duration; zero turns a timeout off. See {@code docs/policies/meshtimeout.md}.
 */
public final class MeshTimeout {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshTimeout", Conf.class)
          .plural("meshtimeouts")
          .displayNames("Mesh Timeout", "Mesh Timeouts")
          .summary("Timeouts of connections, requests and streams.")
          .order(1000)
          .sections(Section.TO, Section.FROM, Section.RULES)
          .toKinds(TargetRef.Kind.MESH, TargetRef.Kind.MESH_SERVICE, TargetRef.Kind.MESH_HTTP_ROUTE)
          .routeTargets()
          .requiresItems()
          .ruleMatchesNotSupportedYet(Scopes.MATCHES_NOT_SUPPORTED)
          .validator(MeshTimeout::validate)
          .build();

  private MeshTimeout() {}

  /** A MeshTimeout {@code default}. */
  public record Conf(GoDuration connectionTimeout, GoDuration idleTimeout, Http http) {}

  /** {@code default.http}. */
  public record Http(
      GoDuration requestTimeout,
      GoDuration streamIdleTimeout,
      GoDuration maxStreamDuration,
      GoDuration maxConnectionDuration,
      GoDuration requestHeadersTimeout) {}

  /** Why a timeout that is not a route's is refused in a conf for a route. */
  private static final String NOT_A_ROUTE_TIMEOUT =
      "only a route's timeouts (http.requestTimeout, http.streamIdleTimeout,"
          + " http.maxStreamDuration) apply to a MeshHTTPRoute; this one is the outbound's";

  /**
   * Kuma's MeshTimeout validator: no empty confs, a connection timeout above zero; with a top-level
   * MeshHTTPRoute only the route's timeouts. ({@code rules} with {@code to} is refused for every
   * type by {@code Policy}.)
   */
  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    boolean topRoute = spec.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE;
    Scopes.gatewayToMeshOnly(spec, c, conf -> true);
    if (spec.targetRef().kind() == TargetRef.Kind.MESH_GATEWAY && !spec.from().isEmpty()) {
      // Kuma's validateFrom: a MeshGateway's listener timeouts come from a Mesh-wide policy.
      c.add("spec.from", "must not be defined");
    }
    for (TypedSpec.Item<Conf> item : spec.items()) {
      String path = item.confPath(false);
      Conf conf = item.conf();
      if (topRoute && item.section() == Section.TO) {
        routeOnly(conf, path, true, violations);
      } else if (item.targetRef() != null
          && item.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE) {
        routeOnly(conf, path, false, violations);
      }
      if (conf.connectionTimeout() == null
          && conf.idleTimeout() == null
          && conf.http() == null
          && !Reported.at(violations, path)) {
        c.add(path, "at least one timeout should be configured");
        continue;
      }
      c.positive(conf.connectionTimeout(), path + ".connectionTimeout");
      Http http = conf.http();
      if (http != null
          && http.requestTimeout() == null
          && http.streamIdleTimeout() == null
          && http.maxStreamDuration() == null
          && http.maxConnectionDuration() == null
          && !Reported.at(violations, path + ".http")) {
        // As Kuma: requestHeadersTimeout alone does not count.
        c.add(path + ".http", "at least one timeout in this section should be configured");
      }
    }
  }

  /**
   * A conf for a route's traffic: Kuma refuses the cluster and connection timeouts under a
   * top-level MeshHTTPRoute; the ones that would change nothing on a route (Kuma ignores them) are
   * refused as not supported.
   */
  private static void routeOnly(Conf conf, String path, boolean topRoute, Violations v) {
    String kuma = "can't be specified when top-level TargetRef is referencing MeshHTTPRoute";
    Http http = conf.http();
    java.util.Map<String, Object> outbound = new java.util.LinkedHashMap<>();
    outbound.put("connectionTimeout", conf.connectionTimeout());
    outbound.put("idleTimeout", conf.idleTimeout());
    outbound.put("http.maxConnectionDuration", http == null ? null : http.maxConnectionDuration());
    outbound.put("http.requestHeadersTimeout", http == null ? null : http.requestHeadersTimeout());
    if (topRoute) {
      outbound.put("http.maxStreamDuration", http == null ? null : http.maxStreamDuration());
    }
    outbound.forEach(
        (field, value) -> {
          if (value == null) {
            return;
          }
          if (topRoute && !field.equals("http.requestHeadersTimeout")) {
            v.add(path + "." + field, kuma);
          } else {
            v.notSupportedYet(path + "." + field, NOT_A_ROUTE_TIMEOUT);
          }
        });
  }
}
