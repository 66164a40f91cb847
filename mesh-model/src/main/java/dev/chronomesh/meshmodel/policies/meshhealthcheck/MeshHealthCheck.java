package dev.chronomesh.meshmodel.policies.meshhealthcheck;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.Reported;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderValue;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kuma's MeshHealthCheck ({@code pkg/plugins/policies/meshhealthcheck}): active TCP, HTTP and gRPC
 * health checks of outbound clusters ({@code to}). See {@code docs/policies/meshhealthcheck.md}.
 */
public final class MeshHealthCheck {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshHealthCheck", Conf.class)
          .plural("meshhealthchecks")
          .displayNames("Mesh Health Check", "Mesh Health Checks")
          .summary("Active TCP, HTTP and gRPC health checks of outbound clusters.")
          .order(1200)
          .sections(Section.TO)
          .validator(MeshHealthCheck::validate)
          .build();

  private static final Pattern UNIX_PATH = Pattern.compile("^(/[^/\\x00]*)+/?$");
  private static final Pattern WINDOWS_PATH =
      Pattern.compile("^[a-zA-Z]:\\\\(?:[^\\\\/:*?\"<>|\\r\\n]+\\\\)*[^\\\\/:*?\"<>|\\r\\n]*$");

  private MeshHealthCheck() {}

  /** A MeshHealthCheck {@code default}. */
  public record Conf(
      GoDuration interval,
      GoDuration timeout,
      Integer unhealthyThreshold,
      Integer healthyThreshold,
      GoDuration initialJitter,
      GoDuration intervalJitter,
      Integer intervalJitterPercent,
      IntOrString healthyPanicThreshold,
      Boolean failTrafficOnPanic,
      GoDuration noTrafficInterval,
      String eventLogPath,
      Boolean alwaysLogHealthCheckFailures,
      Boolean reuseConnection,
      Tcp tcp,
      Http http,
      Grpc grpc) {}

  public record Tcp(Boolean disabled, String send, List<String> receive) {}

  public record Http(
      Boolean disabled, String path, List<Integer> expectedStatuses, Headers requestHeadersToAdd) {}

  public record Headers(List<HeaderValue> add, List<HeaderValue> set) {}

  public record Grpc(Boolean disabled, String serviceName, String authority) {}

  /**
   * A file path as Kuma's validator accepts it (govalidator's IsFilePath): an absolute Unix path,
   * or a Windows path with a drive letter.
   */
  static boolean filePath(String value) {
    return UNIX_PATH.matcher(value).matches() || WINDOWS_PATH.matcher(value).matches();
  }

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    for (TypedSpec.Item<Conf> item : spec.to()) {
      String path = item.confPath(false);
      Conf conf = item.conf();
      c.positive(conf.interval(), path + ".interval");
      c.positive(conf.timeout(), path + ".timeout");
      c.range(conf.unhealthyThreshold(), path + ".unhealthyThreshold", 1, Integer.MAX_VALUE);
      c.range(conf.healthyThreshold(), path + ".healthyThreshold", 1, Integer.MAX_VALUE);
      c.range(conf.intervalJitterPercent(), path + ".intervalJitterPercent", 0, 100);
      c.decimal(conf.healthyPanicThreshold(), path + ".healthyPanicThreshold", new BigDecimal(100));
      c.positive(conf.noTrafficInterval(), path + ".noTrafficInterval");
      c.positive(conf.initialJitter(), path + ".initialJitter");
      c.positive(conf.intervalJitter(), path + ".intervalJitter");
      if (conf.eventLogPath() != null && !filePath(conf.eventLogPath())) {
        c.add(path + ".eventLogPath", "must be a valid path when defined");
      }
      if (conf.http() == null
          && conf.tcp() == null
          && conf.grpc() == null
          && !Reported.at(violations, path)) {
        c.add(path, "must have at least one of http, tcp, grpc");
      }
      Http http = conf.http();
      if (http != null) {
        if (http.path() != null && http.path().isEmpty()) {
          c.add(path + ".http.path", "must be defined");
        }
        List<Integer> statuses =
            http.expectedStatuses() == null ? List.of() : http.expectedStatuses();
        for (int i = 0; i < statuses.size(); i++) {
          c.range(statuses.get(i), path + ".http.expectedStatuses[" + i + "]", 100, 599);
        }
      }
    }
  }
}
