package dev.chronomesh.meshmodel.policies.meshratelimit;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderValue;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.Scopes;
import dev.chronomesh.meshmodel.policy.TargetRef.Kind;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.time.Duration;
import java.util.List;

/**
 * Kuma's MeshRateLimit ({@code pkg/plugins/policies/meshratelimit}, v2.14): local rate limits of
 * the HTTP requests ({@code local.http}) and TCP connections ({@code local.tcp}) a proxy's inbounds
 * accept, from every caller ({@code from} with kind Mesh, or {@code rules}). See {@code
 * docs/policies/meshratelimit.md}.
 */
public final class MeshRateLimit {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshRateLimit", Conf.class)
          .plural("meshratelimits")
          .displayNames("Mesh Rate Limit", "Mesh Rate Limits")
          .summary("Local rate limits of inbound HTTP requests and TCP connections.")
          .order(900)
          .sections(Section.TO, Section.FROM, Section.RULES)
          .toKinds(Kind.MESH)
          .gatewayTo()
          .ruleMatchesNotSupportedYet(Scopes.MATCHES_NOT_SUPPORTED)
          .validator(MeshRateLimit::validate)
          .build();

  /** Kuma's lower bound of a rate's interval. */
  static final Duration MIN_INTERVAL = Duration.ofMillis(50);

  private MeshRateLimit() {}

  /** A MeshRateLimit {@code default}. */
  public record Conf(Local local) {}

  public record Local(LocalHttp http, LocalTcp tcp) {}

  /** {@code local.http}: requests per interval, and what a limited request gets. */
  public record LocalHttp(Boolean disabled, Rate requestRate, OnRateLimit onRateLimit) {}

  /** The status and headers of a rate-limited response. */
  public record OnRateLimit(Long status, HeaderModifier headers) {}

  public record HeaderModifier(List<HeaderValue> set, List<HeaderValue> add) {}

  /** {@code local.tcp}: connections per interval. */
  public record LocalTcp(Boolean disabled, Rate connectionRate) {}

  /** {@code num} units per {@code interval}. */
  public record Rate(@Required Long num, @Required GoDuration interval) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    Scopes.inboundSectionsOutsideGateways(spec, c);
    Scopes.toOnlyWithGateways(spec, c);
    if (!spec.rules().isEmpty() && !spec.to().isEmpty()) {
      // Kuma's MeshRateLimit: "fields 'to' and 'from' must be empty when 'rules' is defined".
      c.add("spec.rules", "must not be combined with 'to' or 'from'");
    }
    for (TypedSpec.Item<Conf> item : spec.items()) {
      validateDefault(c, item.conf(), item.confPath(false));
    }
  }

  private static void validateDefault(PolicyChecks c, Conf conf, String path) {
    String p = path + ".local";
    Local local = conf.local();
    if (local == null) {
      c.add(p, "must be defined");
      return;
    }
    if (local.tcp() == null && local.http() == null) {
      c.add(p, "must have at least one defined: tcp, http");
    }
    LocalHttp http = local.http();
    if (http != null) {
      if (http.disabled() == null && http.requestRate() == null && http.onRateLimit() == null) {
        c.add(p + ".http", "must have at least one defined: disabled, requestRate, onRateLimit");
      } else {
        rate(c, http.requestRate(), p + ".http.requestRate");
        if (http.onRateLimit() != null && http.onRateLimit().headers() != null) {
          headers(c, http.onRateLimit().headers(), p + ".http.onRateLimit.headers");
        }
        if (http.onRateLimit() != null && http.onRateLimit().status() != null) {
          long status = http.onRateLimit().status();
          if (status <= 0) {
            c.add(p + ".http.onRateLimit.status", "must be greater than 0");
          } else if (status > Integer.MAX_VALUE || StatusCode.forNumber((int) status) == null) {
            // Envoy accepts only the codes of its StatusCode enum (validate.rules defined_only).
            c.add(
                p + ".http.onRateLimit.status",
                "must be an HTTP status code Envoy knows, such as 429, got " + status);
          }
        }
      }
    }
    LocalTcp tcp = local.tcp();
    if (tcp != null) {
      if (tcp.disabled() == null && tcp.connectionRate() == null) {
        c.add(p + ".tcp", "must have at least one defined: disabled, connectionRate");
      } else {
        rate(c, tcp.connectionRate(), p + ".tcp.connectionRate");
      }
    }
  }

  /** Kuma's schema of the header modifier: header names and at most 16 of each. */
  private static void headers(PolicyChecks c, HeaderModifier headers, String path) {
    c.maxItems(headers.set(), path + ".set", 16);
    c.maxItems(headers.add(), path + ".add", 16);
    List<HeaderValue> set = headers.set() == null ? List.of() : headers.set();
    List<HeaderValue> add = headers.add() == null ? List.of() : headers.add();
    for (int i = 0; i < set.size(); i++) {
      c.headerName(set.get(i).name(), path + ".set[" + i + "].name");
    }
    for (int i = 0; i < add.size(); i++) {
      c.headerName(add.get(i).name(), path + ".add[" + i + "].name");
    }
  }

  private static void rate(PolicyChecks c, Rate rate, String path) {
    if (rate == null) {
      return;
    }
    c.range(rate.num(), path + ".num", 1, 0xFFFF_FFFFL);
    if (rate.interval().duration().compareTo(MIN_INTERVAL) <= 0) {
      c.add(path + ".interval", "must be greater than: 50ms");
    }
  }
}
