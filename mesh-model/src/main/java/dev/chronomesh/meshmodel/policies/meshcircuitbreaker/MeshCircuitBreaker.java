package dev.chronomesh.meshmodel.policies.meshcircuitbreaker;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.Reported;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.math.BigDecimal;

/**
 * Kuma's MeshCircuitBreaker ({@code pkg/plugins/policies/meshcircuitbreaker}): connection limits
 * and outlier detection of outbound ({@code to}) and inbound ({@code rules}, and Kuma's older
 * {@code from}) clusters. See {@code docs/policies/meshcircuitbreaker.md}.
 */
public final class MeshCircuitBreaker {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshCircuitBreaker", Conf.class)
          .plural("meshcircuitbreakers")
          .displayNames("Mesh Circuit Breaker", "Mesh Circuit Breakers")
          .summary("Connection limits and outlier detection.")
          .order(1300)
          .sections(Section.TO, Section.FROM, Section.RULES)
          .requiresItems()
          .validator(MeshCircuitBreaker::validate)
          .build();

  private MeshCircuitBreaker() {}

  /** A MeshCircuitBreaker {@code default}. */
  public record Conf(ConnectionLimits connectionLimits, OutlierDetection outlierDetection) {}

  public record ConnectionLimits(
      Integer maxConnections,
      Integer maxPendingRequests,
      Integer maxRequests,
      Integer maxRetries,
      Integer maxConnectionPools) {}

  public record OutlierDetection(
      Boolean disabled,
      GoDuration interval,
      GoDuration baseEjectionTime,
      Integer maxEjectionPercent,
      Boolean splitExternalAndLocalErrors,
      Detectors detectors,
      IntOrString healthyPanicThreshold) {}

  public record Detectors(
      Consecutive totalFailures,
      Consecutive gatewayFailures,
      Consecutive localOriginFailures,
      SuccessRate successRate,
      FailurePercentage failurePercentage) {}

  public record Consecutive(Integer consecutive) {}

  public record SuccessRate(
      Integer minimumHosts, Integer requestVolume, IntOrString standardDeviationFactor) {}

  public record FailurePercentage(Integer requestVolume, Integer minimumHosts, Integer threshold) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    for (TypedSpec.Item<Conf> item : spec.items()) {
      // The path of a rules item's conf is its default, like to and from.
      String path = item.confPath(false);
      Conf conf = item.conf();
      if (conf.connectionLimits() == null
          && conf.outlierDetection() == null
          && !Reported.at(violations, path)) {
        c.add(path, "must have at least one of connectionLimits, outlierDetection");
        continue;
      }
      ConnectionLimits limits = conf.connectionLimits();
      if (limits != null) {
        String p = path + ".connectionLimits";
        c.range(limits.maxConnections(), p + ".maxConnections", 1, Integer.MAX_VALUE);
        c.range(limits.maxPendingRequests(), p + ".maxPendingRequests", 1, Integer.MAX_VALUE);
        c.range(limits.maxRequests(), p + ".maxRequests", 1, Integer.MAX_VALUE);
        c.range(limits.maxRetries(), p + ".maxRetries", 1, Integer.MAX_VALUE);
        c.range(limits.maxConnectionPools(), p + ".maxConnectionPools", 1, Integer.MAX_VALUE);
      }
      OutlierDetection od = conf.outlierDetection();
      if (od == null) {
        continue;
      }
      String p = path + ".outlierDetection";
      c.positive(od.interval(), p + ".interval");
      c.positive(od.baseEjectionTime(), p + ".baseEjectionTime");
      c.range(od.maxEjectionPercent(), p + ".maxEjectionPercent", 0, 100);
      c.decimal(od.healthyPanicThreshold(), p + ".healthyPanicThreshold", new BigDecimal(100));
      Detectors d = od.detectors();
      String dp = p + ".detectors";
      if (d == null) {
        if (!Reported.at(violations, dp)) {
          c.add(dp, "must be defined");
        }
        continue;
      }
      if (d.equals(new Detectors(null, null, null, null, null)) && !Reported.at(violations, dp)) {
        c.add(
            dp,
            "must have at least one of totalFailures, gatewayFailures, localOriginFailures,"
                + " successRate, failurePercentage");
        continue;
      }
      consecutive(c, d.totalFailures(), dp + ".totalFailures");
      consecutive(c, d.gatewayFailures(), dp + ".gatewayFailures");
      consecutive(c, d.localOriginFailures(), dp + ".localOriginFailures");
      SuccessRate sr = d.successRate();
      if (sr != null) {
        c.range(sr.minimumHosts(), dp + ".successRate.minimumHosts", 1, Integer.MAX_VALUE);
        c.range(sr.requestVolume(), dp + ".successRate.requestVolume", 1, Integer.MAX_VALUE);
        String factor = dp + ".successRate.standardDeviationFactor";
        c.decimal(sr.standardDeviationFactor(), factor, null);
        if (sr.standardDeviationFactor() != null
            && sr.standardDeviationFactor().decimal().map(x -> x.signum() == 0).orElse(false)) {
          c.add(factor, "must be greater than 0");
        }
      }
      FailurePercentage fp = d.failurePercentage();
      if (fp != null) {
        String q = dp + ".failurePercentage";
        c.range(fp.minimumHosts(), q + ".minimumHosts", 1, Integer.MAX_VALUE);
        c.range(fp.requestVolume(), q + ".requestVolume", 1, Integer.MAX_VALUE);
        c.range(fp.threshold(), q + ".threshold", 0, 100);
      }
    }
  }

  private static void consecutive(PolicyChecks c, Consecutive detector, String path) {
    if (detector != null) {
      c.range(detector.consecutive(), path + ".consecutive", 1, Integer.MAX_VALUE);
    }
  }
}
