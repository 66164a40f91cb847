package dev.chronomesh.meshmodel.policies.meshretry;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderMatch;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kuma's MeshRetry ({@code pkg/plugins/policies/meshretry}): TCP connect attempts and HTTP and gRPC
 * retries of outbound traffic ({@code to}). See {@code docs/policies/meshretry.md}.
 */
public final class MeshRetry {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshRetry", Conf.class)
          .plural("meshretries")
          .displayNames("Mesh Retry", "Mesh Retries")
          .summary("Retries of outbound TCP connections, HTTP requests and gRPC calls.")
          .order(1400)
          .sections(Section.TO)
          .validator(MeshRetry::validate)
          .build();

  /** The HTTP {@code retryOn} conditions besides status codes. */
  public static final Set<String> HTTP_RETRY_ON =
      Set.of(
          "5XX",
          "GatewayError",
          "Reset",
          "Retriable4xx",
          "ConnectFailure",
          "EnvoyRatelimited",
          "RefusedStream",
          "Http3PostConnectFailure",
          "HttpMethodConnect",
          "HttpMethodDelete",
          "HttpMethodGet",
          "HttpMethodHead",
          "HttpMethodOptions",
          "HttpMethodPatch",
          "HttpMethodPost",
          "HttpMethodPut",
          "HttpMethodTrace");

  /** The gRPC {@code retryOn} conditions. */
  public static final Set<String> GRPC_RETRY_ON =
      Set.of("Canceled", "DeadlineExceeded", "Internal", "ResourceExhausted", "Unavailable");

  private MeshRetry() {}

  /** A MeshRetry {@code default}. */
  public record Conf(Tcp tcp, Http http, Grpc grpc) {}

  public record Tcp(Integer maxConnectAttempt) {}

  public record Http(
      Integer numRetries,
      GoDuration perTryTimeout,
      BackOff backOff,
      List<String> retryOn,
      List<HeaderMatch> retriableResponseHeaders,
      List<HeaderMatch> retriableRequestHeaders) {}

  public record Grpc(
      Integer numRetries, GoDuration perTryTimeout, BackOff backOff, List<String> retryOn) {}

  public record BackOff(GoDuration baseInterval, GoDuration maxInterval) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    for (TypedSpec.Item<Conf> item : spec.to()) {
      String path = item.confPath(false);
      Conf conf = item.conf();
      if (conf.tcp() != null) {
        c.range(
            conf.tcp().maxConnectAttempt(), path + ".tcp.maxConnectAttempt", 1, Integer.MAX_VALUE);
      }
      Http http = conf.http();
      if (http != null) {
        String p = path + ".http";
        c.range(http.numRetries(), p + ".numRetries", 0, Integer.MAX_VALUE);
        c.positive(http.perTryTimeout(), p + ".perTryTimeout");
        backOff(c, http.backOff(), p + ".backOff");
        List<String> retryOn = http.retryOn() == null ? List.of() : http.retryOn();
        for (int i = 0; i < retryOn.size(); i++) {
          String value = retryOn.get(i);
          if (!HTTP_RETRY_ON.contains(value) && !statusCode(value)) {
            c.add(
                p + ".retryOn[" + i + "]",
                "must be one of "
                    + String.join(", ", new TreeSet<>(HTTP_RETRY_ON))
                    + " or an HTTP status code, got "
                    + value);
          }
        }
        c.headerMatches(http.retriableResponseHeaders(), p + ".retriableResponseHeaders");
        c.headerMatches(http.retriableRequestHeaders(), p + ".retriableRequestHeaders");
      }
      Grpc grpc = conf.grpc();
      if (grpc != null) {
        String p = path + ".grpc";
        c.range(grpc.numRetries(), p + ".numRetries", 0, Integer.MAX_VALUE);
        c.positive(grpc.perTryTimeout(), p + ".perTryTimeout");
        backOff(c, grpc.backOff(), p + ".backOff");
        List<String> retryOn = grpc.retryOn() == null ? List.of() : grpc.retryOn();
        for (int i = 0; i < retryOn.size(); i++) {
          c.oneOf(retryOn.get(i), p + ".retryOn[" + i + "]", GRPC_RETRY_ON);
        }
      }
    }
  }

  private static void backOff(PolicyChecks c, BackOff backOff, String path) {
    if (backOff != null) {
      c.positive(backOff.baseInterval(), path + ".baseInterval");
      c.positive(backOff.maxInterval(), path + ".maxInterval");
    }
  }

  private static boolean statusCode(String value) {
    if (!value.matches("[0-9]{3}")) {
      return false;
    }
    int code = Integer.parseInt(value);
    return code >= 100 && code <= 599;
  }
}
