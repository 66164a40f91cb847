package dev.chronomesh.projector.generate.policies.meshcircuitbreaker;

import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.Conf;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.ConnectionLimits;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.Consecutive;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.Detectors;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.FailurePercentage;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker.SuccessRate;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.type.v3.Percent;
import java.math.BigDecimal;
import java.util.function.Consumer;

/**
 * MeshCircuitBreaker ({@code to}, {@code rules} and {@code from}): the cluster's circuit breaker
 * thresholds from {@code connectionLimits} and its outlier detection from {@code outlierDetection},
 * as Kuma's MeshCircuitBreaker plugin (a detector that is absent is disabled with enforcing 0).
 * Proxyless gRPC clients get only max_requests and the success-rate and failure-percentage ejection
 * that grpc-xds honours (gRFC A32, A50). See {@code docs/policies/meshcircuitbreaker.md}.
 */
public final class MeshCircuitBreakerConfigurer implements PolicyConfigurer<Conf> {
  private static final UInt32Value OFF = UInt32Value.of(0);
  private static final UInt32Value ON = UInt32Value.of(100);

  @Override
  public PolicyType<Conf> type() {
    return MeshCircuitBreaker.TYPE;
  }

  @Override
  public void outboundCluster(Place place, Conf conf, Cluster.Builder cluster) {
    configure(place, conf, cluster);
  }

  @Override
  public void inboundCluster(Place place, Conf conf, Cluster.Builder cluster) {
    configure(place, conf, cluster);
  }

  private static void configure(Place place, Conf conf, Cluster.Builder cluster) {
    connectionLimits(place.proxyless(), conf.connectionLimits(), cluster);
    outlierDetection(place.proxyless(), conf.outlierDetection(), cluster);
    healthyPanicThreshold(place.proxyless(), conf.outlierDetection(), cluster);
  }

  private static void connectionLimits(
      boolean proxyless, ConnectionLimits limits, Cluster.Builder cluster) {
    CircuitBreakers.Thresholds.Builder threshold =
        CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.DEFAULT);
    if (proxyless) {
      // grpc-xds reads only max_requests of the DEFAULT threshold (gRFC A32).
      if (limits == null || limits.maxRequests() == null) {
        return;
      }
      threshold.setMaxRequests(UInt32Value.of(limits.maxRequests()));
    } else {
      // As Kuma (EnsureTrackRemaining): Envoy publishes the remaining capacity of each limit.
      threshold.setTrackRemaining(true);
      if (limits == null) {
        cluster.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(threshold));
        return;
      }
      set(limits.maxConnectionPools(), v -> threshold.setMaxConnectionPools(UInt32Value.of(v)));
      set(limits.maxConnections(), v -> threshold.setMaxConnections(UInt32Value.of(v)));
      set(limits.maxPendingRequests(), v -> threshold.setMaxPendingRequests(UInt32Value.of(v)));
      set(limits.maxRetries(), v -> threshold.setMaxRetries(UInt32Value.of(v)));
      set(limits.maxRequests(), v -> threshold.setMaxRequests(UInt32Value.of(v)));
    }
    cluster.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(threshold));
  }

  private static void outlierDetection(
      boolean proxyless, MeshCircuitBreaker.OutlierDetection conf, Cluster.Builder cluster) {
    if (conf == null || Boolean.TRUE.equals(conf.disabled())) {
      return;
    }
    OutlierDetection.Builder od = OutlierDetection.newBuilder();
    EnvoyValues.duration(conf.interval(), true).ifPresent(od::setInterval);
    EnvoyValues.duration(conf.baseEjectionTime(), true).ifPresent(od::setBaseEjectionTime);
    set(conf.maxEjectionPercent(), v -> od.setMaxEjectionPercent(UInt32Value.of(percent(v))));
    Detectors detectors = conf.detectors();
    if (!proxyless) {
      if (conf.splitExternalAndLocalErrors() != null) {
        od.setSplitExternalLocalOriginErrors(conf.splitExternalAndLocalErrors());
      }
      consecutive(
          detectors == null ? null : detectors.totalFailures(),
          od::setConsecutive5Xx,
          od::setEnforcingConsecutive5Xx);
      consecutive(
          detectors == null ? null : detectors.gatewayFailures(),
          od::setConsecutiveGatewayFailure,
          od::setEnforcingConsecutiveGatewayFailure);
      consecutive(
          detectors == null ? null : detectors.localOriginFailures(),
          od::setConsecutiveLocalOriginFailure,
          od::setEnforcingConsecutiveLocalOriginFailure);
      if (detectors == null) {
        // As Kuma: without detectors only the consecutive ones are switched off; success rate
        // keeps Envoy's default enforcement.
        cluster.setOutlierDetection(od);
        return;
      }
    }
    SuccessRate successRate = detectors == null ? null : detectors.successRate();
    if (successRate != null) {
      od.setEnforcingSuccessRate(ON);
      if (!proxyless) {
        od.setEnforcingLocalOriginSuccessRate(ON);
      }
      set(successRate.minimumHosts(), v -> od.setSuccessRateMinimumHosts(UInt32Value.of(v)));
      set(successRate.requestVolume(), v -> od.setSuccessRateRequestVolume(UInt32Value.of(v)));
      if (successRate.standardDeviationFactor() != null) {
        successRate
            .standardDeviationFactor()
            .decimal()
            .filter(d -> d.signum() >= 0)
            .ifPresent(
                d ->
                    od.setSuccessRateStdevFactor(
                        UInt32Value.of(
                            (int)
                                Math.min(
                                    d.multiply(BigDecimal.valueOf(1000)).longValue(),
                                    0xFFFF_FFFFL))));
      }
    } else {
      od.setEnforcingSuccessRate(OFF);
      if (!proxyless) {
        od.setEnforcingLocalOriginSuccessRate(OFF);
      }
    }
    FailurePercentage failurePercentage = detectors == null ? null : detectors.failurePercentage();
    if (failurePercentage != null) {
      od.setEnforcingFailurePercentage(ON);
      if (!proxyless) {
        od.setEnforcingFailurePercentageLocalOrigin(ON);
      }
      set(
          failurePercentage.minimumHosts(),
          v -> od.setFailurePercentageMinimumHosts(UInt32Value.of(v)));
      set(
          failurePercentage.requestVolume(),
          v -> od.setFailurePercentageRequestVolume(UInt32Value.of(v)));
      set(
          failurePercentage.threshold(),
          v -> od.setFailurePercentageThreshold(UInt32Value.of(percent(v))));
    } else {
      od.setEnforcingFailurePercentage(OFF);
      if (!proxyless) {
        od.setEnforcingFailurePercentageLocalOrigin(OFF);
      }
    }
    cluster.setOutlierDetection(od);
  }

  /**
   * Kuma's outlierDetection.healthyPanicThreshold: the cluster's healthy panic threshold (Envoy
   * only; grpc-xds has no panic mode). Below it Envoy balances over all hosts, healthy or not.
   */
  private static void healthyPanicThreshold(
      boolean proxyless, MeshCircuitBreaker.OutlierDetection conf, Cluster.Builder cluster) {
    if (proxyless || conf == null || conf.healthyPanicThreshold() == null) {
      return;
    }
    conf.healthyPanicThreshold()
        .decimal()
        .ifPresent(
            value ->
                cluster
                    .getCommonLbConfigBuilder()
                    .setHealthyPanicThreshold(
                        Percent.newBuilder().setValue(value.doubleValue()).build()));
  }

  /** A consecutive-failures detector: enforced 100% with its count, or disabled. */
  private static void consecutive(
      Consecutive detector, Consumer<UInt32Value> count, Consumer<UInt32Value> enforcing) {
    if (detector != null && detector.consecutive() != null && detector.consecutive() >= 0) {
      count.accept(UInt32Value.of(detector.consecutive()));
      enforcing.accept(ON);
    } else {
      enforcing.accept(OFF);
    }
  }

  /** Sets a non-negative value when it is given. */
  private static void set(Integer value, Consumer<Integer> setter) {
    if (value != null && value >= 0) {
      setter.accept(value);
    }
  }

  /** Envoy and grpc-xds reject percentages above 100. */
  private static int percent(int value) {
    return Integer.compareUnsigned(value, 100) > 0 ? 100 : value;
  }
}
