package dev.chronomesh.meshmodel.policies.meshratelimit;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MeshRateLimit documents as Kuma 2.14's REST path reads them: its documentation's examples
 * (src/test/resources/kuma-docs/meshratelimit) and the cases of its validator.
 */
class MeshRateLimitTest {
  private static final String GATEWAY_SCOPE =
      "spec.from: must not be defined when the scope includes a Gateway, select only proxyType"
          + " Sidecar or select only gateways and use spec.to";

  @ParameterizedTest
  @ValueSource(strings = {"02", "03", "04", "06", "07", "08"})
  void kumasDocumentationExamplesForCurrentVersionsAreAccepted(String example) {
    assertThat(
            problems(MeshRateLimit.TYPE, resource("/kuma-docs/meshratelimit/" + example + ".yaml")))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"01", "05"})
  void kumasExamplesForVersionsUpTo25AreRefusedAsKuma214RefusesThem(String example) {
    // A MeshSubset without proxyTypes includes gateways, where 'from' does not apply.
    assertThat(
            problems(MeshRateLimit.TYPE, resource("/kuma-docs/meshratelimit/" + example + ".yaml")))
        .containsExactly(GATEWAY_SCOPE);
  }

  @Test
  void everyProblemIsNamedWithItsPath() {
    assertThat(
            problems(
                MeshRateLimit.TYPE,
                """
                type: MeshRateLimit
                mesh: default
                name: r
                spec:
                  targetRef: {kind: MeshService, name: backend}
                  from:
                    - targetRef: {kind: Mesh}
                      default:
                        local:
                          http:
                            requestRate: {num: 0, interval: 50ms}
                            onRateLimit: {status: 444}
                          tcp:
                            connectionRate: {num: 0, interval: 10ms}
                    - targetRef: {kind: MeshService, name: web}
                      default: {}
                    - targetRef: {kind: Mesh}
                      default: {local: {}}
                    - targetRef: {kind: Mesh}
                      default: {local: {http: {}, tcp: {}}}
                """))
        .containsExactlyInAnyOrder(
            "spec.from[0].default.local.http.requestRate.num: must be in inclusive range [1, 4294967295]",
            "spec.from[0].default.local.http.requestRate.interval: must be greater than: 50ms",
            "spec.from[0].default.local.http.onRateLimit.status: must be an HTTP status code Envoy"
                + " knows, such as 429, got 444",
            "spec.from[0].default.local.tcp.connectionRate.num: must be in inclusive range [1, 4294967295]",
            "spec.from[0].default.local.tcp.connectionRate.interval: must be greater than: 50ms",
            "spec.from[1].targetRef.kind: must be Mesh in 'from', got MeshService",
            "spec.from[1].default.local: must be defined",
            "spec.from[2].default.local: must have at least one defined: tcp, http",
            "spec.from[3].default.local.http: must have at least one defined: disabled, requestRate,"
                + " onRateLimit",
            "spec.from[3].default.local.tcp: must have at least one defined: disabled, connectionRate");
  }

  @Test
  void toIsForGatewaysAndNamesOnlyTheMesh() {
    // Kuma's validator: 'to' only when the scope includes gateways, its kinds Mesh only.
    String gateway =
        """
        type: MeshRateLimit
        mesh: default
        name: r
        spec:
          targetRef: {kind: %s}
          to:
            - targetRef: {kind: %s}
              default: {local: {http: {requestRate: {num: 1, interval: 1s}}}}
        """;
    assertThat(
            problems(MeshRateLimit.TYPE, gateway.formatted("Mesh, proxyTypes: [Gateway]", "Mesh")))
        .isEmpty();
    assertThat(problems(MeshRateLimit.TYPE, gateway.formatted("MeshGateway, name: edge", "Mesh")))
        .isEmpty();
    assertThat(
            problems(MeshRateLimit.TYPE, gateway.formatted("Mesh, proxyTypes: [Sidecar]", "Mesh")))
        .containsExactly("spec.to: must not be defined");
    assertThat(
            problems(
                MeshRateLimit.TYPE,
                gateway.formatted("MeshGateway, name: edge", "MeshService, name: backend")))
        .containsExactly("spec.to[0].targetRef.kind: must be Mesh in 'to', got MeshService");
    // Kuma's MeshRateLimit (unlike MeshFaultInjection) refuses 'to' beside 'rules'.
    assertThat(
            problems(
                MeshRateLimit.TYPE,
                gateway.formatted("Mesh", "Mesh")
                    + "  rules:\n    - default: {local: {http: {requestRate: {num: 1, interval: 1s}}}}\n"))
        .contains("spec.rules: must not be combined with 'to' or 'from'");
  }

  @Test
  void whatChronomeshCannotApplyYetIsRefusedByName() {
    assertThat(
            problems(
                MeshRateLimit.TYPE,
                """
                type: MeshRateLimit
                mesh: default
                name: r
                spec:
                  targetRef: {kind: Dataplane, labels: {app: backend}}
                  rules:
                    - matches: [{spiffeID: {type: Exact, value: "spiffe://default/web"}}]
                      default: {local: {http: {requestRate: {num: 1, interval: 1s}}}}
                """))
        .containsExactly(
            "spec.rules[0].matches: not supported by Chronomesh yet: "
                + dev.chronomesh.meshmodel.policy.Scopes.MATCHES_NOT_SUPPORTED);
  }

  @Test
  void rulesAndFromAreForSidecarsOnly() {
    assertThat(
            problems(
                MeshRateLimit.TYPE,
                """
                type: MeshRateLimit
                mesh: default
                name: r
                spec:
                  rules:
                    - default: {local: {tcp: {disabled: true}}}
                """))
        .containsExactly(
            "spec.rules: must not be defined when the scope includes a Gateway, select only"
                + " proxyType Sidecar");
  }
}
