package dev.chronomesh.meshmodel.policies.meshhealthcheck;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MeshHealthCheck documents as Kuma 2.14's REST path reads them: the cases of its validator test
 * ({@code pkg/plugins/policies/meshhealthcheck/api/v1alpha1/validator_test.go}, with MeshService
 * targets by name).
 */
class MeshHealthCheckTest {
  private static String policy(String defaults) {
    return meshPolicy(
        MeshHealthCheck.TYPE,
        "to:\n  - targetRef: {kind: MeshService, name: web-backend}\n    default:\n"
            + defaults.indent(6));
  }

  @Test
  void kumasFullExampleIsAccepted() {
    // validator_test.go "full example"
    assertThat(
            problems(
                MeshHealthCheck.TYPE,
                policy(
                    """
                    interval: 10s
                    timeout: 2s
                    unhealthyThreshold: 3
                    healthyThreshold: 1
                    initialJitter: 13s
                    intervalJitter: 15s
                    intervalJitterPercent: 10
                    noTrafficInterval: 16s
                    eventLogPath: "/tmp/health-check.log"
                    alwaysLogHealthCheckFailures: true
                    failTrafficOnPanic: true
                    reuseConnection: true
                    tcp:
                      disabled: true
                      send: Zm9v
                      receive: [YmFy, YmF6]
                    http:
                      disabled: false
                      path: /health
                      requestHeadersToAdd:
                        add: [{name: x-some-header, value: value}]
                        set: [{name: x-some-other-header, value: value}]
                      expectedStatuses: [200, 201]
                    grpc:
                      serviceName: "grpc-client"
                      authority: "grpc-client.default.svc.cluster.local"
                    """)))
        .isEmpty();
  }

  @Test
  void kumasInvalidCasesAreRefused() {
    // validator_test.go: "required fields are missing", "positive values are out of range",
    // "positive durations are out of range" (zero here: a negative duration does not parse),
    // "all percentages are out of percentage range", "path is invalid", "status codes out of
    // range in expectedStatuses"
    assertThat(problems(MeshHealthCheck.TYPE, policy("{}")))
        .containsExactly("spec.to[0].default: must have at least one of http, tcp, grpc");
    assertThat(
            problems(
                MeshHealthCheck.TYPE,
                policy(
                    """
                    interval: 0s
                    timeout: 0s
                    initialJitter: 0s
                    intervalJitter: 0s
                    noTrafficInterval: 0s
                    unhealthyThreshold: -3
                    healthyThreshold: 0
                    intervalJitterPercent: 110
                    eventLogPath: "#not_valid_path"
                    http:
                      path: /health
                      expectedStatuses: [99, 600]
                    """)))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.interval",
            "spec.to[0].default.timeout",
            "spec.to[0].default.initialJitter",
            "spec.to[0].default.intervalJitter",
            "spec.to[0].default.noTrafficInterval",
            "spec.to[0].default.unhealthyThreshold",
            "spec.to[0].default.healthyThreshold",
            "spec.to[0].default.intervalJitterPercent",
            "spec.to[0].default.eventLogPath",
            "spec.to[0].default.http.expectedStatuses[0]",
            "spec.to[0].default.http.expectedStatuses[1]");
  }

  @Test
  void eventLogPathIsAFilePathAsKumaSeesOne() {
    assertThat(MeshHealthCheck.filePath("/tmp/health-check.log")).isTrue();
    assertThat(MeshHealthCheck.filePath("/var/log/")).isTrue();
    assertThat(MeshHealthCheck.filePath("C:\\logs\\hc.log")).isTrue();
    assertThat(MeshHealthCheck.filePath("#not_valid_path")).isFalse();
    assertThat(MeshHealthCheck.filePath("relative/path.log")).isFalse();
    assertThat(MeshHealthCheck.filePath("")).isFalse();
  }
}
