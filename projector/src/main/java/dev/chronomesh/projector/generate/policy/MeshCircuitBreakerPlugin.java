package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * MeshCircuitBreaker ({@code to} and {@code from}): the cluster's circuit breaker thresholds from
 * {@code connectionLimits} and its outlier detection from {@code outlierDetection}, as Kuma's
 * MeshCircuitBreaker plugin (a detector that is absent is disabled with enforcing 0). Proxyless
 * gRPC clients get only max_requests and the success-rate and failure-percentage ejection that
 * grpc-xds honours (gRFC A32, A50). See {@code docs/policies/meshcircuitbreaker.md}.
 */
public final class MeshCircuitBreakerPlugin implements PolicyPlugin {
  /** Kuma's position: 10th of its ordered policy plugins. */
  static final int ORDER = 1000;

  private static final UInt32Value OFF = UInt32Value.of(0);
  private static final UInt32Value ON = UInt32Value.of(100);

  @Override
  public String type() {
    return "MeshCircuitBreaker";
  }

  @Override
  public int order() {
    return ORDER;
  }

  @Override
  public void outboundCluster(Place place, ObjectNode conf, Cluster.Builder cluster) {
    configure(place, conf, cluster);
  }

  @Override
  public void inboundCluster(Place place, ObjectNode conf, Cluster.Builder cluster) {
    configure(place, conf, cluster);
  }

  private static void configure(Place place, ObjectNode conf, Cluster.Builder cluster) {
    connectionLimits(place.proxyless(), Conf.at(conf, "connectionLimits"), cluster);
    outlierDetection(place.proxyless(), Conf.at(conf, "outlierDetection"), cluster);
  }

  private static void connectionLimits(
      boolean proxyless, JsonNode limits, Cluster.Builder cluster) {
    if (!Conf.present(limits)) {
      return;
    }
    CircuitBreakers.Thresholds.Builder threshold =
        CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.DEFAULT);
    if (proxyless) {
      // grpc-xds reads only max_requests of the DEFAULT threshold (gRFC A32).
      Optional<Integer> maxRequests = Conf.uint32(limits, "maxRequests");
      if (maxRequests.isEmpty()) {
        return;
      }
      threshold.setMaxRequests(UInt32Value.of(maxRequests.get()));
    } else {
      set(limits, "maxConnectionPools", v -> threshold.setMaxConnectionPools(UInt32Value.of(v)));
      set(limits, "maxConnections", v -> threshold.setMaxConnections(UInt32Value.of(v)));
      set(limits, "maxPendingRequests", v -> threshold.setMaxPendingRequests(UInt32Value.of(v)));
      set(limits, "maxRetries", v -> threshold.setMaxRetries(UInt32Value.of(v)));
      set(limits, "maxRequests", v -> threshold.setMaxRequests(UInt32Value.of(v)));
    }
    cluster.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(threshold));
  }

  private static void outlierDetection(boolean proxyless, JsonNode conf, Cluster.Builder cluster) {
    if (!Conf.present(conf) || Conf.bool(conf, "disabled").orElse(false)) {
      return;
    }
    OutlierDetection.Builder od = OutlierDetection.newBuilder();
    Conf.duration(conf, "interval")
        .filter(MeshCircuitBreakerPlugin::positive)
        .ifPresent(od::setInterval);
    Conf.duration(conf, "baseEjectionTime")
        .filter(MeshCircuitBreakerPlugin::positive)
        .ifPresent(od::setBaseEjectionTime);
    set(conf, "maxEjectionPercent", v -> od.setMaxEjectionPercent(UInt32Value.of(percent(v))));
    JsonNode detectors = Conf.at(conf, "detectors");
    if (!proxyless) {
      Conf.bool(conf, "splitExternalAndLocalErrors")
          .ifPresent(od::setSplitExternalLocalOriginErrors);
      consecutive(
          Conf.at(detectors, "totalFailures"),
          od::setConsecutive5Xx,
          od::setEnforcingConsecutive5Xx);
      consecutive(
          Conf.at(detectors, "gatewayFailures"),
          od::setConsecutiveGatewayFailure,
          od::setEnforcingConsecutiveGatewayFailure);
      consecutive(
          Conf.at(detectors, "localOriginFailures"),
          od::setConsecutiveLocalOriginFailure,
          od::setEnforcingConsecutiveLocalOriginFailure);
      if (!Conf.present(detectors)) {
        // As Kuma: without detectors only the consecutive ones are switched off; success rate
        // keeps Envoy's default enforcement.
        cluster.setOutlierDetection(od);
        return;
      }
    }
    JsonNode successRate = Conf.at(detectors, "successRate");
    if (Conf.present(successRate)) {
      od.setEnforcingSuccessRate(ON);
      if (!proxyless) {
        od.setEnforcingLocalOriginSuccessRate(ON);
      }
      set(successRate, "minimumHosts", v -> od.setSuccessRateMinimumHosts(UInt32Value.of(v)));
      set(successRate, "requestVolume", v -> od.setSuccessRateRequestVolume(UInt32Value.of(v)));
      Conf.decimal(successRate, "standardDeviationFactor")
          .filter(d -> d.signum() >= 0)
          .ifPresent(
              d ->
                  od.setSuccessRateStdevFactor(
                      UInt32Value.of(
                          (int)
                              Math.min(
                                  d.multiply(BigDecimal.valueOf(1000)).longValue(),
                                  0xFFFF_FFFFL))));
    } else {
      od.setEnforcingSuccessRate(OFF);
      if (!proxyless) {
        od.setEnforcingLocalOriginSuccessRate(OFF);
      }
    }
    JsonNode failurePercentage = Conf.at(detectors, "failurePercentage");
    if (Conf.present(failurePercentage)) {
      od.setEnforcingFailurePercentage(ON);
      if (!proxyless) {
        od.setEnforcingFailurePercentageLocalOrigin(ON);
      }
      set(
          failurePercentage,
          "minimumHosts",
          v -> od.setFailurePercentageMinimumHosts(UInt32Value.of(v)));
      set(
          failurePercentage,
          "requestVolume",
          v -> od.setFailurePercentageRequestVolume(UInt32Value.of(v)));
      set(
          failurePercentage,
          "threshold",
          v -> od.setFailurePercentageThreshold(UInt32Value.of(percent(v))));
    } else {
      od.setEnforcingFailurePercentage(OFF);
      if (!proxyless) {
        od.setEnforcingFailurePercentageLocalOrigin(OFF);
      }
    }
    cluster.setOutlierDetection(od);
  }

  /** A consecutive-failures detector: enforced 100% with its count, or disabled. */
  private static void consecutive(
      JsonNode detector, Consumer<UInt32Value> count, Consumer<UInt32Value> enforcing) {
    Optional<Integer> n = Conf.uint32(detector, "consecutive");
    if (Conf.present(detector) && n.isPresent()) {
      count.accept(UInt32Value.of(n.get()));
      enforcing.accept(ON);
    } else {
      enforcing.accept(OFF);
    }
  }

  private static void set(JsonNode node, String field, Consumer<Integer> setter) {
    Conf.uint32(node, field).ifPresent(setter);
  }

  /** Envoy and grpc-xds reject percentages above 100. */
  private static int percent(int value) {
    return Integer.compareUnsigned(value, 100) > 0 ? 100 : value;
  }

  private static boolean positive(com.google.protobuf.Duration d) {
    return d.getSeconds() > 0 || d.getNanos() > 0;
  }
}
