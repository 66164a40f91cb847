package dev.chronomesh.meshmodel.policy;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policy.Fixtures.backend;
import static dev.chronomesh.meshmodel.policy.Fixtures.conf;
import static dev.chronomesh.meshmodel.policy.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Policies that target a MeshHTTPRoute (Kuma 2.14): a top-level {@code kind: MeshHTTPRoute}
 * (MeshTimeout, MeshRetry) and {@code to} items of that kind (MeshTimeout, MeshRetry,
 * MeshLoadBalancingStrategy). Cases from Kuma's validator tests ({@code
 * pkg/plugins/policies/<type>/api/v1alpha1/validator_test.go}, v2.14.3).
 */
class RouteTargetsTest {
  private static List<String> doc(PolicyType<?> type, String spec) {
    return problems(
        type, "type: " + type.name() + "\nmesh: default\nname: p\nspec:\n" + spec.indent(2));
  }

  @Test
  void kumasValidRouteTargetsAreAccepted() {
    Map<String, Map.Entry<PolicyType<?>, String>> cases =
        Map.of(
            "meshtimeout: top-level TargetRefKind is MeshHTTPRoute",
            Map.entry(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshHTTPRoute, name: route-1}
                to:
                  - targetRef: {kind: Mesh}
                    default: {http: {requestTimeout: 1s, streamIdleTimeout: 2s}}
                """),
            "meshtimeout: example MeshHTTPRoute, example MeshHTTPRoute with labels",
            Map.entry(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshSubset, tags: {kuma.io/service: web-frontend}}
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: http-route-1}
                    default: {http: {requestTimeout: 1s}}
                  - targetRef: {kind: MeshHTTPRoute, labels: {kuma.io/display-name: http-route-1}}
                    default: {http: {requestTimeout: 1s}}
                """),
            "meshloadbalancingstrategy: MeshHTTPRoute with only hashPolicies",
            Map.entry(
                MeshLoadBalancingStrategy.TYPE,
                """
                targetRef: {kind: MeshService, name: svc-1}
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: route-1}
                    default:
                      hashPolicies:
                        - {type: Header, header: {name: x-header-name}}
                        - {type: Cookie, cookie: {name: session_id, ttl: 1s, path: /absolute-path}}
                """),
            "meshretry: a top-level MeshHTTPRoute (its validator's supported kinds)",
            Map.entry(
                MeshRetry.TYPE,
                """
                targetRef: {kind: MeshHTTPRoute, name: route-1}
                to:
                  - targetRef: {kind: Mesh}
                    default:
                      http:
                        numRetries: 3
                        retryOn: [5xx]
                """));
    cases.forEach((name, c) -> assertThat(doc(c.getKey(), c.getValue())).as(name).isEmpty());
  }

  @Test
  void aTopLevelRouteAllowsOnlyTheRoutesTimeouts() {
    // meshtimeout "top-level targetRef is referencing MeshHTTPRoute"
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshHTTPRoute, name: route-1}
                to:
                  - targetRef: {kind: MeshService, name: web-backend}
                    default:
                      connectionTimeout: 10s
                      idleTimeout: 1h
                      http:
                        requestTimeout: 1s
                        streamIdleTimeout: 1h
                        maxStreamDuration: 1h
                        maxConnectionDuration: 1h
                from:
                  - targetRef: {kind: Mesh}
                    default: {connectionTimeout: 11s}
                """))
        .containsExactlyInAnyOrder(
            "spec.from: must not be defined when the top-level targetRef is MeshHTTPRoute",
            "spec.to[0].targetRef.kind: must be Mesh when the top-level targetRef is"
                + " MeshHTTPRoute, got MeshService",
            "spec.to[0].default.connectionTimeout: can't be specified when top-level TargetRef is"
                + " referencing MeshHTTPRoute",
            "spec.to[0].default.idleTimeout: can't be specified when top-level TargetRef is"
                + " referencing MeshHTTPRoute",
            "spec.to[0].default.http.maxStreamDuration: can't be specified when top-level"
                + " TargetRef is referencing MeshHTTPRoute",
            "spec.to[0].default.http.maxConnectionDuration: can't be specified when top-level"
                + " TargetRef is referencing MeshHTTPRoute");
  }

  @Test
  void aRouteTargetRefHasANameOrLabelsAndNoSection() {
    // meshtimeout "MeshHTTPRoute with sectionName in to"
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: Mesh}
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: http-route-1, sectionName: http}
                    default: {http: {requestTimeout: 1s}}
                  - targetRef: {kind: MeshHTTPRoute}
                    default: {http: {requestTimeout: 1s}}
                """))
        .containsExactly(
            "spec.to[0].targetRef.sectionName: must not be set with kind MeshHTTPRoute",
            "spec.to[1].targetRef: name or labels must be set when kind is MeshHTTPRoute");
  }

  @Test
  void settingsThatARouteCannotHaveAreRefused() {
    // Kuma accepts them in a `to` item of kind MeshHTTPRoute and ignores them (a route has no
    // cluster or listener of its own): refused, never accepted for nothing.
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: r}
                    default: {connectionTimeout: 1s, http: {requestTimeout: 1s, requestHeadersTimeout: 1s}}
                """))
        .containsExactly(
            "spec.to[0].default.connectionTimeout: not supported by Chronomesh yet: only a route's"
                + " timeouts (http.requestTimeout, http.streamIdleTimeout, http.maxStreamDuration)"
                + " apply to a MeshHTTPRoute; this one is the outbound's",
            "spec.to[0].default.http.requestHeadersTimeout: not supported by Chronomesh yet: only a"
                + " route's timeouts (http.requestTimeout, http.streamIdleTimeout,"
                + " http.maxStreamDuration) apply to a MeshHTTPRoute; this one is the outbound's");
    assertThat(
            doc(
                MeshRetry.TYPE,
                """
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: r}
                    default: {tcp: {maxConnectAttempt: 2}, http: {numRetries: 1}}
                """))
        .containsExactly(
            "spec.to[0].default.tcp: not supported by Chronomesh yet: TCP connect attempts apply"
                + " to a TCP outbound, not to a MeshHTTPRoute");
    // meshloadbalancingstrategy: "only hashPolicies is supported"
    assertThat(
            doc(
                MeshLoadBalancingStrategy.TYPE,
                """
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: r}
                    default: {loadBalancer: {type: RoundRobin}}
                """))
        .containsExactly(
            "spec.to[0].default.loadBalancer: field is not allowed when targetRef.kind is"
                + " MeshHTTPRoute, only hashPolicies is supported");
  }

  @Test
  void typesWithoutRouteConfsRefuseARouteTarget() {
    assertThat(
            doc(
                MeshCircuitBreaker.TYPE,
                """
                targetRef: {kind: MeshHTTPRoute, name: r}
                to:
                  - targetRef: {kind: Mesh}
                    default: {connectionLimits: {maxConnections: 2}}
                """))
        .containsExactly(
            "spec.targetRef.kind: not supported by Chronomesh yet: kind MeshHTTPRoute as the"
                + " top-level targetRef of MeshCircuitBreaker");
    assertThat(
            doc(
                MeshCircuitBreaker.TYPE,
                """
                to:
                  - targetRef: {kind: MeshHTTPRoute, name: r}
                    default: {connectionLimits: {maxConnections: 2}}
                """))
        .containsExactly(
            "spec.to[0].targetRef.kind: must be Mesh or MeshService in 'to', got"
                + " MeshHTTPRoute");
  }

  private static Policy route(String name, TargetRef top, Map<String, String> labels) {
    return new Policy("MeshHTTPRoute", name, "default", labels, top, List.of(), null, null);
  }

  private static Policy timeout(String name, TargetRef top, ToItem... items) {
    return new Policy("MeshTimeout", name, "default", Map.of(), top, List.of(items), null, null);
  }

  private static TargetRef routeRef(String name) {
    return new TargetRef(TargetRef.Kind.MESH_HTTP_ROUTE, name, null, null, null);
  }

  @Test
  void aTopLevelRoutePolicySelectsWhatItsRouteSelects() {
    Policy onBackend = route("r-backend", TargetRef.meshService("backend"), Map.of());
    Policy onWeb = route("r-web", TargetRef.meshService("web"), Map.of());
    Policy p = timeout("p", routeRef("r-backend"), Fixtures.toMesh("http: {requestTimeout: 1s}"));
    Policy q = timeout("q", routeRef("r-web"), Fixtures.toMesh("http: {requestTimeout: 1s}"));
    List<Policy> routes = List.of(onBackend, onWeb);

    assertThat(PolicyEngine.selects(p, backend(), routes)).isTrue();
    assertThat(PolicyEngine.selects(q, backend(), routes)).isFalse();
    // Without the routes, nothing resolves: the policy never applies as if it were mesh-wide.
    assertThat(PolicyEngine.selects(p, backend())).isFalse();
    assertThat(MeshTimeout.TYPE.engine().toRules(backend(), List.of(p))).isEmpty();
  }

  @Test
  void routeRulesMergeTheItemsOfEachRouteInKumasOrder() {
    Policy labelled = route("r1", TargetRef.mesh(), Map.of("team", "api"));
    Policy named = route("r2", TargetRef.mesh(), Map.of(KumaTagsForTest.DISPLAY_NAME, "shown"));
    Policy meshWide =
        timeout(
            "mesh-wide",
            TargetRef.mesh(),
            new ToItem(
                new TargetRef(
                    TargetRef.Kind.MESH_HTTP_ROUTE, null, Map.of("team", "api"), null, null),
                conf("http: {requestTimeout: 1s, streamIdleTimeout: 1s}")),
            new ToItem(routeRef("shown"), conf("http: {requestTimeout: 2s}")));
    Policy onProxy =
        timeout(
            "on-proxy",
            TargetRef.dataplaneNamed("backend-1"),
            new ToItem(routeRef("r1"), conf("http: {requestTimeout: 3s}")));
    Policy topLevel =
        timeout("top", routeRef("shown"), Fixtures.toMesh("http: {streamIdleTimeout: 4s}"));

    var rules =
        MeshTimeout.TYPE
            .engine()
            .routeRules(backend(), List.of(topLevel, onProxy, meshWide), List.of(labelled, named));

    assertThat(rules.keySet()).containsExactly("r1", "r2");
    // r1: the Dataplane-level policy beats the mesh-wide one field by field.
    assertThat(json(rules.get("r1")))
        .isEqualTo("{\"http\":{\"requestTimeout\":\"3s\",\"streamIdleTimeout\":\"1s\"}}");
    // r2 is named by its display name; the route-level policy (rank 9) merges last.
    assertThat(json(rules.get("r2")))
        .isEqualTo("{\"http\":{\"requestTimeout\":\"2s\",\"streamIdleTimeout\":\"4s\"}}");
  }

  /** The label name, spelled out so the test reads as Kuma's docs do. */
  private static final class KumaTagsForTest {
    static final String DISPLAY_NAME = "kuma.io/display-name";
  }
}
