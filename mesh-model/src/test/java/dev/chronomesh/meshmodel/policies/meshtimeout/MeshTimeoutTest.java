package dev.chronomesh.meshmodel.policies.meshtimeout;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MeshTimeout documents as Kuma 2.14's REST path reads them: the cases of its validator test
 * ({@code pkg/plugins/policies/meshtimeout/api/v1alpha1/validator_test.go}, with MeshService
 * targets by name).
 */
class MeshTimeoutTest {
  private static String policy(String sections) {
    return meshPolicy(MeshTimeout.TYPE, sections);
  }

  @Test
  void kumasValidCasesAreAccepted() {
    // validator_test.go "full example", "minimal example"
    assertThat(
            problems(
                MeshTimeout.TYPE,
                policy(
                    """
                    to:
                      - targetRef: {kind: MeshService, name: web-backend}
                        default:
                          idleTimeout: 20s
                          connectionTimeout: 2s
                          http:
                            requestTimeout: 10s
                            streamIdleTimeout: 1h
                            maxStreamDuration: 10m
                            maxConnectionDuration: 10m
                            requestHeadersTimeout: 1s
                      - targetRef: {kind: Mesh}
                        default: {idleTimeout: 0s}
                    """)))
        .isEmpty();
    assertThat(
            problems(
                MeshTimeout.TYPE, policy("rules:\n  - default: {http: {requestTimeout: 0s}}\n")))
        .isEmpty();
  }

  @Test
  void ruleMatchesOnTheCallersIdentityAreRefusedAsNotSupportedYet() {
    // validator_test.go: "matched inbound rule with route timeouts" (valid in Kuma; matching
    // MeshTimeout rules on the caller's spiffeID or sni is not implemented yet).
    assertThat(
            problems(
                MeshTimeout.TYPE,
                policy(
                    """
                    rules:
                      - matches:
                          - spiffeID: {type: Exact, value: "spiffe://default/client"}
                        default: {http: {requestTimeout: 1s}}
                    """)))
        .containsExactly(
            "spec.rules[0].matches: not supported by Chronomesh yet: "
                + dev.chronomesh.meshmodel.policy.Scopes.MATCHES_NOT_SUPPORTED);
  }

  @Test
  void kumasInvalidCasesAreRefused() {
    // validator_test.go: "missing timeout configuration", "multiple timeout cannot be negative"
    // (connectionTimeout 0), the empty http section, "when rules is defined, to cannot be
    // defined" (refused for every type by Policy), "rules with empty spec"
    assertThat(
            problems(
                MeshTimeout.TYPE,
                policy(
                    """
                    to:
                      - targetRef: {kind: MeshService, name: web-backend}
                        default: {}
                      - targetRef: {kind: Mesh}
                        default: {connectionTimeout: 0s}
                      - targetRef: {kind: Mesh}
                        default: {http: {}}
                      - targetRef: {kind: Mesh}
                        default: {http: {requestHeadersTimeout: 1s}}
                    rules:
                      - default: {}
                    """)))
        .containsExactlyInAnyOrder(
            "spec.rules: must not be combined with 'to' or 'from'",
            "spec.to[0].default: at least one timeout should be configured",
            "spec.to[1].default.connectionTimeout: must be greater than 0s",
            "spec.to[2].default.http: at least one timeout in this section should be configured",
            "spec.to[3].default.http: at least one timeout in this section should be configured",
            "spec.rules[0].default: at least one timeout should be configured");
  }
}
