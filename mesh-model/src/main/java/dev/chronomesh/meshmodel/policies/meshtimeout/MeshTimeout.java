package dev.chronomesh.meshmodel.policies.meshtimeout;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.Reported;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.Scopes;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.TypedSpec;

/**
 * Kuma's MeshTimeout ({@code pkg/plugins/policies/meshtimeout}): connection, idle, request, stream
 * and header timeouts, on outbound ({@code to}) and inbound ({@code from}, {@code rules}) traffic.
 * Every field is a Go duration; zero turns a timeout off. See {@code docs/policies/meshtimeout.md}.
 */
public final class MeshTimeout {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshTimeout", Conf.class)
          .plural("meshtimeouts")
          .displayNames("Mesh Timeout", "Mesh Timeouts")
          .summary("Timeouts of connections, requests and streams.")
          .order(1000)
          .sections(Section.TO, Section.FROM, Section.RULES)
          .requiresItems()
          .ruleMatchesNotSupportedYet(Scopes.MATCHES_NOT_SUPPORTED)
          .validator(MeshTimeout::validate)
          .build();

  private MeshTimeout() {}

  /** A MeshTimeout {@code default}. */
  public record Conf(GoDuration connectionTimeout, GoDuration idleTimeout, Http http) {}

  /** {@code default.http}. */
  public record Http(
      GoDuration requestTimeout,
      GoDuration streamIdleTimeout,
      GoDuration maxStreamDuration,
      GoDuration maxConnectionDuration,
      GoDuration requestHeadersTimeout) {}

  /**
   * Kuma's MeshTimeout validator: no empty confs, a connection timeout above zero. ({@code rules}
   * with {@code to} is refused for every type by {@code Policy}.)
   */
  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    Scopes.gatewayToMeshOnly(spec, c, conf -> true);
    if (spec.targetRef().kind() == TargetRef.Kind.MESH_GATEWAY && !spec.from().isEmpty()) {
      // Kuma's validateFrom: a MeshGateway's listener timeouts come from a Mesh-wide policy.
      c.add("spec.from", "must not be defined");
    }
    for (TypedSpec.Item<Conf> item : spec.items()) {
      String path = item.confPath(false);
      Conf conf = item.conf();
      if (conf.connectionTimeout() == null
          && conf.idleTimeout() == null
          && conf.http() == null
          && !Reported.at(violations, path)) {
        c.add(path, "at least one timeout should be configured");
        continue;
      }
      c.positive(conf.connectionTimeout(), path + ".connectionTimeout");
      Http http = conf.http();
      if (http != null
          && http.requestTimeout() == null
          && http.streamIdleTimeout() == null
          && http.maxStreamDuration() == null
          && http.maxConnectionDuration() == null
          && !Reported.at(violations, path + ".http")) {
        // As Kuma: requestHeadersTimeout alone does not count.
        c.add(path + ".http", "at least one timeout in this section should be configured");
      }
    }
  }
}
