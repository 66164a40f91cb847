package dev.chronomesh.meshmodel.policies.meshtimeout;

import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;

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
}
