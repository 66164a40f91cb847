package dev.chronomesh.projector.generate.policies.meshcircuitbreaker;

import static dev.chronomesh.projector.generate.policy.Baselines.seconds;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.Conf;
import dev.chronomesh.projector.generate.policy.Baselines;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import org.junit.jupiter.api.Test;

class MeshCircuitBreakerConfigurerTest {
  private static Conf conf(String yaml) {
    return Baselines.conf(MeshCircuitBreaker.TYPE, yaml);
  }

  private final MeshCircuitBreakerConfigurer plugin = new MeshCircuitBreakerConfigurer();

  private static final Conf FULL =
      conf(
          """
          connectionLimits:
            maxConnections: 2
            maxPendingRequests: 8
            maxRequests: 16
            maxRetries: 3
            maxConnectionPools: 4
          outlierDetection:
            disabled: false
            interval: 5s
            baseEjectionTime: 30s
            maxEjectionPercent: 20
            splitExternalAndLocalErrors: true
            detectors:
              totalFailures: {consecutive: 10}
              gatewayFailures: {consecutive: 11}
              localOriginFailures: {consecutive: 12}
              successRate: {minimumHosts: 5, requestVolume: 10, standardDeviationFactor: "1.9"}
              failurePercentage: {requestVolume: 10, minimumHosts: 5, threshold: 85}
          """);

  private static UInt32Value u(int v) {
    return UInt32Value.of(v);
  }

  @Test
  void sidecarGetsThresholdsAndEveryDetector() {
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.outboundCluster(Baselines.SIDECAR_HTTP, FULL, cluster);
    assertThat(cluster.getCircuitBreakers())
        .isEqualTo(
            CircuitBreakers.newBuilder()
                .addThresholds(
                    CircuitBreakers.Thresholds.newBuilder()
                        .setPriority(RoutingPriority.DEFAULT)
                        .setMaxConnectionPools(u(4))
                        .setMaxConnections(u(2))
                        .setMaxPendingRequests(u(8))
                        .setMaxRetries(u(3))
                        .setMaxRequests(u(16))
                        .setTrackRemaining(true))
                .build());
    assertThat(cluster.getOutlierDetection())
        .isEqualTo(
            OutlierDetection.newBuilder()
                .setInterval(seconds(5))
                .setBaseEjectionTime(seconds(30))
                .setMaxEjectionPercent(u(20))
                .setSplitExternalLocalOriginErrors(true)
                .setConsecutive5Xx(u(10))
                .setEnforcingConsecutive5Xx(u(100))
                .setConsecutiveGatewayFailure(u(11))
                .setEnforcingConsecutiveGatewayFailure(u(100))
                .setConsecutiveLocalOriginFailure(u(12))
                .setEnforcingConsecutiveLocalOriginFailure(u(100))
                .setEnforcingSuccessRate(u(100))
                .setEnforcingLocalOriginSuccessRate(u(100))
                .setSuccessRateMinimumHosts(u(5))
                .setSuccessRateRequestVolume(u(10))
                .setSuccessRateStdevFactor(u(1900))
                .setEnforcingFailurePercentage(u(100))
                .setEnforcingFailurePercentageLocalOrigin(u(100))
                .setFailurePercentageMinimumHosts(u(5))
                .setFailurePercentageRequestVolume(u(10))
                .setFailurePercentageThreshold(u(85))
                .build());
  }

  @Test
  void absentDetectorsAreDisabledAsKuma() {
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.inboundCluster(
        Baselines.SIDECAR_HTTP,
        conf("outlierDetection: {detectors: {gatewayFailures: {consecutive: 3}}}"),
        cluster);
    assertThat(cluster.getOutlierDetection())
        .isEqualTo(
            OutlierDetection.newBuilder()
                .setEnforcingConsecutive5Xx(u(0))
                .setConsecutiveGatewayFailure(u(3))
                .setEnforcingConsecutiveGatewayFailure(u(100))
                .setEnforcingConsecutiveLocalOriginFailure(u(0))
                .setEnforcingSuccessRate(u(0))
                .setEnforcingLocalOriginSuccessRate(u(0))
                .setEnforcingFailurePercentage(u(0))
                .setEnforcingFailurePercentageLocalOrigin(u(0))
                .build());
    Cluster.Builder noDetectors = Baselines.sidecarCluster();
    plugin.outboundCluster(
        Baselines.SIDECAR_HTTP, conf("outlierDetection: {interval: 1s}"), noDetectors);
    assertThat(noDetectors.getOutlierDetection())
        .isEqualTo(
            OutlierDetection.newBuilder()
                .setInterval(seconds(1))
                .setEnforcingConsecutive5Xx(u(0))
                .setEnforcingConsecutiveGatewayFailure(u(0))
                .setEnforcingConsecutiveLocalOriginFailure(u(0))
                .build());
  }

  @Test
  void disabledOutlierDetectionAndNoLimitsOnlyTrackRemainingAsKuma() {
    // Kuma's plugin golden outbound_cluster_outlier_detection_disabled.golden.yaml
    Cluster.Builder cluster = Baselines.sidecarCluster();
    Cluster before = cluster.clone().build();
    plugin.outboundCluster(
        Baselines.SIDECAR_HTTP, conf("outlierDetection: {disabled: true, interval: 1s}"), cluster);
    assertThat(cluster.build())
        .isEqualTo(
            before.toBuilder()
                .setCircuitBreakers(
                    CircuitBreakers.newBuilder()
                        .addThresholds(
                            CircuitBreakers.Thresholds.newBuilder()
                                .setPriority(RoutingPriority.DEFAULT)
                                .setTrackRemaining(true)))
                .build());
  }

  @Test
  void healthyPanicThresholdSetsTheClustersPanicThresholdAsKumasGolden() {
    // Kuma's plugin golden outbound_cluster_connection_limits_outlier_detection.golden.yaml
    Conf panic =
        conf(
            "outlierDetection: {healthyPanicThreshold: \"30.2\", detectors: {totalFailures:"
                + " {consecutive: 1}}}");
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.outboundCluster(Baselines.SIDECAR_HTTP, panic, cluster);
    assertThat(cluster.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(30.2);
    Cluster.Builder inbound = Baselines.sidecarCluster();
    plugin.inboundCluster(Baselines.SIDECAR_HTTP, panic, inbound);
    assertThat(inbound.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(30.2);
    Cluster.Builder proxyless = Baselines.proxylessCluster();
    plugin.outboundCluster(Baselines.PROXYLESS, panic, proxyless);
    assertThat(proxyless.hasCommonLbConfig()).isFalse();
  }

  @Test
  void proxylessGetsMaxRequestsAndSuccessRateAndFailurePercentageOnly() {
    Cluster.Builder cluster = Baselines.proxylessCluster();
    plugin.outboundCluster(Baselines.PROXYLESS, FULL, cluster);
    assertThat(cluster.getCircuitBreakers())
        .isEqualTo(
            CircuitBreakers.newBuilder()
                .addThresholds(
                    CircuitBreakers.Thresholds.newBuilder()
                        .setPriority(RoutingPriority.DEFAULT)
                        .setMaxRequests(u(16)))
                .build());
    assertThat(cluster.getOutlierDetection())
        .isEqualTo(
            OutlierDetection.newBuilder()
                .setInterval(seconds(5))
                .setBaseEjectionTime(seconds(30))
                .setMaxEjectionPercent(u(20))
                .setEnforcingSuccessRate(u(100))
                .setSuccessRateMinimumHosts(u(5))
                .setSuccessRateRequestVolume(u(10))
                .setSuccessRateStdevFactor(u(1900))
                .setEnforcingFailurePercentage(u(100))
                .setFailurePercentageMinimumHosts(u(5))
                .setFailurePercentageRequestVolume(u(10))
                .setFailurePercentageThreshold(u(85))
                .build());
    Cluster.Builder noRequests = Baselines.proxylessCluster();
    plugin.outboundCluster(
        Baselines.PROXYLESS, conf("connectionLimits: {maxConnections: 3}"), noRequests);
    assertThat(noRequests.hasCircuitBreakers()).isFalse();
  }

  @Test
  void percentagesAboveHundredAreClamped() {
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.outboundCluster(
        Baselines.SIDECAR_HTTP,
        conf(
            "outlierDetection: {maxEjectionPercent: 300, detectors: {failurePercentage:"
                + " {threshold: 101}}}"),
        cluster);
    assertThat(cluster.getOutlierDetection().getMaxEjectionPercent()).isEqualTo(u(100));
    assertThat(cluster.getOutlierDetection().getFailurePercentageThreshold()).isEqualTo(u(100));
  }
}
