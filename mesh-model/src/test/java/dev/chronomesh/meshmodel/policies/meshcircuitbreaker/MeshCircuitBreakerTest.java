package dev.chronomesh.meshmodel.policies.meshcircuitbreaker;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MeshCircuitBreaker documents as Kuma 2.14's REST path reads them: the cases of its validator test
 * ({@code pkg/plugins/policies/meshcircuitbreaker/api/v1alpha1/validator_test.go}, with MeshService
 * targets by name).
 */
class MeshCircuitBreakerTest {
  private static String policy(String sections) {
    return meshPolicy(MeshCircuitBreaker.TYPE, sections);
  }

  private static final String FULL_DEFAULT =
      """
      connectionLimits:
        maxConnections: 2
        maxConnectionPools: 2
        maxPendingRequests: 2
        maxRetries: 1
        maxRequests: 32
      outlierDetection:
        disabled: false
        interval: 5s
        baseEjectionTime: 30s
        maxEjectionPercent: 20
        splitExternalAndLocalErrors: true
        detectors:
          totalFailures: {consecutive: 10}
          gatewayFailures: {consecutive: 10}
          localOriginFailures: {consecutive: 10}
          successRate: {minimumHosts: 5, requestVolume: 10, standardDeviationFactor: 1900}
          failurePercentage: {requestVolume: 10, minimumHosts: 5, threshold: 85}
        healthyPanicThreshold: 70
      """;

  @Test
  void kumasValidCasesAreAccepted() {
    // validator_test.go: "full example" (healthyPanicThreshold where rest.yaml puts it, in
    // outlierDetection), "minimal example"
    assertThat(
            problems(
                MeshCircuitBreaker.TYPE,
                policy(
                    "to:\n"
                        + "  - targetRef: {kind: MeshService, name: web-backend}\n"
                        + "    default:\n"
                        + FULL_DEFAULT.indent(6)
                        + "  - targetRef: {kind: Mesh}\n"
                        + "    default: {connectionLimits: {}}\n")))
        .isEmpty();
  }

  @Test
  void rulesWithToAreStillRefusedForEveryType() {
    // validator_test.go "inbound rules and outbound to together" is valid in Kuma; Policy refuses
    // rules with to for every type (a shared rule, not this type's): a known difference.
    assertThat(
            problems(
                MeshCircuitBreaker.TYPE,
                policy(
                    """
                    rules:
                      - default: {connectionLimits: {}}
                    to:
                      - targetRef: {kind: MeshService, name: web-backend}
                        default: {connectionLimits: {}}
                    """)))
        .containsExactly("spec.rules: must not be combined with 'to' or 'from'");
  }

  @Test
  void rulesAloneAreAnInboundPolicy() {
    assertThat(
            problems(
                MeshCircuitBreaker.TYPE, policy("rules:\n  - default:\n" + FULL_DEFAULT.indent(6))))
        .isEmpty();
  }

  @Test
  void kumasInvalidCasesAreRefused() {
    // validator_test.go: "missing configuration", "limits cannot be be equal 0 when specified",
    // "any outlierDetection's numeric property except 'healthyPanicThreshold' cannot be be 0",
    // "... percentage property cannot be be greater than 100", "... smaller than 0", "detectors
    // are not defined", "detector is empty", "detector has incorrect values"
    assertThat(
            problems(
                MeshCircuitBreaker.TYPE,
                policy(
                    """
                    to:
                      - targetRef: {kind: MeshService, name: web-backend}
                        default: {}
                      - targetRef: {kind: Mesh}
                        default:
                          connectionLimits:
                            maxConnections: 0
                            maxConnectionPools: 0
                            maxPendingRequests: 0
                            maxRetries: 0
                            maxRequests: 0
                      - targetRef: {kind: Mesh}
                        default:
                          outlierDetection:
                            interval: 0s
                            baseEjectionTime: 0s
                            maxEjectionPercent: 0
                            detectors:
                              totalFailures: {consecutive: 0}
                              gatewayFailures: {consecutive: 0}
                              localOriginFailures: {consecutive: 0}
                              successRate: {minimumHosts: 0, requestVolume: 0, standardDeviationFactor: 0}
                              failurePercentage: {requestVolume: 0, minimumHosts: 0, threshold: 0}
                            healthyPanicThreshold: 0
                      - targetRef: {kind: Mesh}
                        default:
                          outlierDetection:
                            maxEjectionPercent: 101
                            detectors: {failurePercentage: {threshold: 101}}
                            healthyPanicThreshold: 101
                      - targetRef: {kind: Mesh}
                        default:
                          outlierDetection:
                            detectors: {successRate: {standardDeviationFactor: -2}}
                            healthyPanicThreshold: -3
                      - targetRef: {kind: Mesh}
                        default: {outlierDetection: {maxEjectionPercent: 100}}
                      - targetRef: {kind: Mesh}
                        default: {outlierDetection: {maxEjectionPercent: 100, detectors: {}}}
                      - targetRef: {kind: Mesh}
                        default:
                          outlierDetection:
                            detectors: {successRate: {standardDeviationFactor: "xyz"}}
                    """)))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactlyInAnyOrder(
            "spec.to[0].default",
            "spec.to[1].default.connectionLimits.maxConnections",
            "spec.to[1].default.connectionLimits.maxConnectionPools",
            "spec.to[1].default.connectionLimits.maxPendingRequests",
            "spec.to[1].default.connectionLimits.maxRetries",
            "spec.to[1].default.connectionLimits.maxRequests",
            "spec.to[2].default.outlierDetection.interval",
            "spec.to[2].default.outlierDetection.baseEjectionTime",
            "spec.to[2].default.outlierDetection.detectors.totalFailures.consecutive",
            "spec.to[2].default.outlierDetection.detectors.gatewayFailures.consecutive",
            "spec.to[2].default.outlierDetection.detectors.localOriginFailures.consecutive",
            "spec.to[2].default.outlierDetection.detectors.successRate.minimumHosts",
            "spec.to[2].default.outlierDetection.detectors.successRate.requestVolume",
            "spec.to[2].default.outlierDetection.detectors.successRate.standardDeviationFactor",
            "spec.to[2].default.outlierDetection.detectors.failurePercentage.minimumHosts",
            "spec.to[2].default.outlierDetection.detectors.failurePercentage.requestVolume",
            "spec.to[3].default.outlierDetection.maxEjectionPercent",
            "spec.to[3].default.outlierDetection.healthyPanicThreshold",
            "spec.to[3].default.outlierDetection.detectors.failurePercentage.threshold",
            "spec.to[4].default.outlierDetection.healthyPanicThreshold",
            "spec.to[4].default.outlierDetection.detectors.successRate.standardDeviationFactor",
            "spec.to[5].default.outlierDetection.detectors",
            "spec.to[6].default.outlierDetection.detectors",
            "spec.to[7].default.outlierDetection.detectors.successRate.standardDeviationFactor");
  }

  @Test
  void aPolicyWithoutToOrRulesIsRefused() {
    // validator_test.go "empty 'to' array"
    assertThat(problems(MeshCircuitBreaker.TYPE, policy(""))).hasSize(1);
  }
}
