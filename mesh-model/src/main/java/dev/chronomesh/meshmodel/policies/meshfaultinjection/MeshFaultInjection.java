package dev.chronomesh.meshmodel.policies.meshfaultinjection;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.Scopes;
import dev.chronomesh.meshmodel.policy.TargetRef.Kind;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kuma's MeshFaultInjection ({@code pkg/plugins/policies/meshfaultinjection}, v2.14): HTTP faults
 * (abort, delay, response bandwidth, each for a percentage of requests) a destination injects into
 * the requests of the callers its {@code from} items (or {@code rules}: every caller, or those
 * their {@code matches} select by SPIFFE ID or SNI) select. Envoy sidecars inject them on the
 * destination's inbound; a proxyless gRPC client applies the destination's faults to its own calls
 * ({@link PolicyType#callerSide()}). See {@code docs/policies/meshfaultinjection.md}.
 */
public final class MeshFaultInjection {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshFaultInjection", Conf.class)
          .plural("meshfaultinjections")
          .displayNames("Mesh Fault Injection", "Mesh Fault Injections")
          .summary("HTTP aborts, delays and response bandwidth limits for chaos testing.")
          .order(800)
          .sections(Section.TO, Section.FROM, Section.RULES)
          .toKinds(Kind.MESH)
          .gatewayTo()
          .ruleMatches()
          .fromKinds(Kind.MESH, Kind.MESH_SUBSET, Kind.MESH_SERVICE, Kind.MESH_SERVICE_SUBSET)
          .callerSide()
          .validator(MeshFaultInjection::validate)
          .build();

  /** Kuma's bandwidth: a whole number (at most 12 digits) of kbps, Mbps or Gbps. */
  public static final Pattern BANDWIDTH = Pattern.compile("^(\\d{1,12})\\s?(kbps|Mbps|Gbps)$");

  private MeshFaultInjection() {}

  /** A MeshFaultInjection {@code default}: the faults, each applied independently. */
  public record Conf(List<Fault> http) {}

  /** One fault: any of abort, delay and response bandwidth. */
  public record Fault(Abort abort, Delay delay, ResponseBandwidth responseBandwidth) {}

  /** Answer {@code httpStatus} instead of forwarding, for {@code percentage} of requests. */
  public record Abort(@Required Integer httpStatus, @Required IntOrString percentage) {}

  /** Delay by {@code value} before forwarding, for {@code percentage} of requests. */
  public record Delay(@Required GoDuration value, @Required IntOrString percentage) {}

  /** Limit the response to {@code limit} ({@code 10kbps}, {@code 1Mbps}). */
  public record ResponseBandwidth(@Required String limit, @Required IntOrString percentage) {
    /** The limit in kbps; the validator ensures it parses. */
    public long kbps() {
      Matcher m = BANDWIDTH.matcher(limit);
      if (!m.matches()) {
        throw new IllegalStateException("not a bandwidth: " + limit);
      }
      long factor =
          switch (m.group(2)) {
            case "Mbps" -> 1_000L;
            case "Gbps" -> 1_000_000L;
            default -> 1L;
          };
      return Long.parseLong(m.group(1)) * factor;
    }
  }

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    Scopes.fromOutsideGateways(spec, c);
    Scopes.toOnlyWithGateways(spec, c);
    for (TypedSpec.Item<Conf> item : spec.items()) {
      List<Fault> faults = item.conf().http() == null ? List.of() : item.conf().http();
      for (int i = 0; i < faults.size(); i++) {
        String p = item.confPath(false) + ".http[" + i + "]";
        Fault f = faults.get(i);
        if (f.abort() != null) {
          // Kuma allows 100-599, but Envoy (validate.rules) and grpc-xds refuse an abort below
          // 200: accepting one would push a config every proxy NACKs.
          c.range(f.abort().httpStatus(), p + ".abort.httpStatus", 200, 599);
          percentage(c, f.abort().percentage(), p + ".abort.percentage");
        }
        if (f.delay() != null) {
          percentage(c, f.delay().percentage(), p + ".delay.percentage");
        }
        if (f.responseBandwidth() != null) {
          String limit = f.responseBandwidth().limit();
          if (limit.isEmpty()) {
            c.add(p + ".responseBandwidth.limit", "must be defined");
          } else if (!BANDWIDTH.matcher(limit).matches()) {
            c.add(p + ".responseBandwidth.limit", "must be in kbps/Mbps/Gbps units");
          } else if (f.responseBandwidth().kbps() == 0) {
            c.add(p + ".responseBandwidth.limit", "must be greater than 0");
          }
          percentage(c, f.responseBandwidth().percentage(), p + ".responseBandwidth.percentage");
        }
      }
    }
  }

  /** Kuma's ValidatePercentage: a number (int or decimal string) in [0, 100]. */
  private static void percentage(PolicyChecks c, IntOrString value, String path) {
    var number = value.decimal();
    if (number.isEmpty()) {
      c.add(path, "string must be a valid number");
    } else if (number.get().signum() < 0 || number.get().compareTo(BigDecimal.valueOf(100)) > 0) {
      c.add(path, "must be in inclusive range [0.0, 100.0]");
    }
  }
}
