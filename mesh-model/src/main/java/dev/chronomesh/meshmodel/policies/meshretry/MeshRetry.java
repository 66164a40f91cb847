package dev.chronomesh.meshmodel.policies.meshretry;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.Reported;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderMatch;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.Scopes;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

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
          .toKinds(TargetRef.Kind.MESH, TargetRef.Kind.MESH_SERVICE, TargetRef.Kind.MESH_HTTP_ROUTE)
          .routeTargets()
          .validator(MeshRetry::validate)
          .build();

  /**
   * The HTTP {@code retryOn} conditions besides status codes, exactly Kuma's enum ({@code 5xx} is
   * lower-case there; {@code 5XX} and Envoy's own spellings are refused as Kuma refuses them).
   */
  public static final Set<String> HTTP_RETRY_ON =
      Set.of(
          "5xx",
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

  /** The {@code hostSelection} predicates. */
  public static final Set<String> PREDICATES =
      Set.of("OmitPreviousHosts", "OmitHostsWithTags", "OmitPreviousPriorities");

  /** The {@code rateLimitedBackOff.resetHeaders[].format} values. */
  public static final Set<String> RESET_HEADER_FORMATS = Set.of("Seconds", "UnixTimestamp");

  /** Kuma's default {@code updateFrequency} of OmitPreviousPriorities (its schema default). */
  public static final int DEFAULT_UPDATE_FREQUENCY = 2;

  /**
   * The status codes Go's {@code http.StatusText} knows: Kuma accepts a status code in {@code
   * retryOn} only when it is one of them.
   */
  private static final Set<Integer> KNOWN_STATUS_CODES =
      Set.of(
          100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303,
          304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413,
          414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502,
          503, 504, 505, 506, 507, 508, 510, 511);

  private static final Pattern HEADER_NAME = Pattern.compile("^[a-z0-9!#$%&'*+\\-.^_`|~]+$");

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
      RateLimitedBackOff rateLimitedBackOff,
      List<String> retryOn,
      List<HeaderMatch> retriableResponseHeaders,
      List<HeaderMatch> retriableRequestHeaders,
      List<Predicate> hostSelection,
      Long hostSelectionMaxAttempts) {}

  public record Grpc(
      Integer numRetries,
      GoDuration perTryTimeout,
      BackOff backOff,
      RateLimitedBackOff rateLimitedBackOff,
      List<String> retryOn) {}

  public record BackOff(GoDuration baseInterval, GoDuration maxInterval) {}

  /** The back-off used when the upstream says when to retry in one of {@code resetHeaders}. */
  public record RateLimitedBackOff(List<ResetHeader> resetHeaders, GoDuration maxInterval) {}

  /** A response header that says when to retry: format Seconds or UnixTimestamp. */
  public record ResetHeader(@Required String name, @Required String format) {}

  /**
   * A host selection predicate of retries: OmitPreviousHosts, OmitHostsWithTags (with {@code tags})
   * or OmitPreviousPriorities ({@code updateFrequency}, 2 when absent).
   */
  public record Predicate(
      @Required String predicate, Map<String, String> tags, Integer updateFrequency) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    boolean topRoute = spec.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE;
    Scopes.gatewayToMeshOnly(spec, c, conf -> true);
    for (TypedSpec.Item<Conf> item : spec.to()) {
      String path = item.confPath(false);
      Conf conf = item.conf();
      boolean route =
          topRoute
              || (item.targetRef() != null
                  && item.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE);
      if (route && conf.tcp() != null) {
        // Kuma accepts it and changes nothing: a route is HTTP traffic.
        violations.notSupportedYet(
            path + ".tcp", "TCP connect attempts apply to a TCP outbound, not to a MeshHTTPRoute");
      }
      if (conf.tcp() == null
          && conf.http() == null
          && conf.grpc() == null
          && !Reported.at(violations, path)) {
        c.add(path, "must have at least one of tcp, http, grpc");
      }
      if (conf.tcp() != null) {
        if (conf.tcp().maxConnectAttempt() == null && !Reported.at(violations, path + ".tcp")) {
          c.add(path + ".tcp", "must not be empty");
        }
        c.range(
            conf.tcp().maxConnectAttempt(), path + ".tcp.maxConnectAttempt", 1, Integer.MAX_VALUE);
      }
      Http http = conf.http();
      if (http != null) {
        String p = path + ".http";
        if (http.equals(
                new Http(
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    http.hostSelectionMaxAttempts()))
            && !Reported.at(violations, p)) {
          // As Kuma: hostSelectionMaxAttempts alone does not make the section non-empty.
          c.add(p, "must not be empty");
        }
        c.range(http.numRetries(), p + ".numRetries", 0, Integer.MAX_VALUE);
        backOff(c, http.backOff(), p + ".backOff");
        rateLimitedBackOff(c, http.rateLimitedBackOff(), p + ".rateLimitedBackOff");
        List<String> retryOn = http.retryOn() == null ? List.of() : http.retryOn();
        for (int i = 0; i < retryOn.size(); i++) {
          String value = retryOn.get(i);
          if (!HTTP_RETRY_ON.contains(value) && !statusCode(value)) {
            c.add(
                p + ".retryOn[" + i + "]",
                "must be one of "
                    + String.join(", ", new TreeSet<>(HTTP_RETRY_ON))
                    + " or an HTTP status code as a string, got "
                    + value);
          }
        }
        c.headerMatches(http.retriableResponseHeaders(), p + ".retriableResponseHeaders");
        c.headerMatches(http.retriableRequestHeaders(), p + ".retriableRequestHeaders");
        hostSelection(c, http.hostSelection(), p + ".hostSelection");
        c.range(
            http.hostSelectionMaxAttempts(), p + ".hostSelectionMaxAttempts", 0, Long.MAX_VALUE);
      }
      Grpc grpc = conf.grpc();
      if (grpc != null) {
        String p = path + ".grpc";
        if (grpc.equals(new Grpc(null, null, null, null, null)) && !Reported.at(violations, p)) {
          c.add(p, "must not be empty");
        }
        c.range(grpc.numRetries(), p + ".numRetries", 0, Integer.MAX_VALUE);
        backOff(c, grpc.backOff(), p + ".backOff");
        rateLimitedBackOff(c, grpc.rateLimitedBackOff(), p + ".rateLimitedBackOff");
        List<String> retryOn = grpc.retryOn() == null ? List.of() : grpc.retryOn();
        for (int i = 0; i < retryOn.size(); i++) {
          c.oneOf(retryOn.get(i), p + ".retryOn[" + i + "]", GRPC_RETRY_ON);
        }
      }
    }
  }

  private static void backOff(PolicyChecks c, BackOff backOff, String path) {
    if (backOff != null) {
      if (backOff.baseInterval() == null
          && backOff.maxInterval() == null
          && !Reported.at(c.violations(), path)) {
        c.add(path, "must not be empty");
      }
      c.positive(backOff.baseInterval(), path + ".baseInterval");
      c.positive(backOff.maxInterval(), path + ".maxInterval");
    }
  }

  private static void rateLimitedBackOff(PolicyChecks c, RateLimitedBackOff backOff, String path) {
    if (backOff == null) {
      return;
    }
    c.positive(backOff.maxInterval(), path + ".maxInterval");
    if (backOff.resetHeaders() == null) {
      c.add(path + ".resetHeaders", "must be defined");
      return;
    }
    for (int i = 0; i < backOff.resetHeaders().size(); i++) {
      String p = path + ".resetHeaders[" + i + "]";
      ResetHeader header = backOff.resetHeaders().get(i);
      if (header.name().isEmpty()) {
        c.add(p + ".name", "must be defined");
      } else if (header.name().length() > 256 || !HEADER_NAME.matcher(header.name()).matches()) {
        c.add(p + ".name", "must be a lower-case HTTP header name of at most 256 characters");
      }
      c.oneOf(header.format(), p + ".format", RESET_HEADER_FORMATS);
    }
  }

  private static void hostSelection(PolicyChecks c, List<Predicate> predicates, String path) {
    if (predicates == null) {
      return;
    }
    boolean prioritySet = false;
    for (int i = 0; i < predicates.size(); i++) {
      String p = path + "[" + i + "]";
      Predicate predicate = predicates.get(i);
      switch (predicate.predicate()) {
        case "OmitHostsWithTags" -> {
          if (predicate.tags() == null) {
            c.add(p + ".tags", "must be defined");
          }
          c.violations()
              .notSupportedYet(
                  p + ".predicate",
                  "OmitHostsWithTags matches endpoint metadata, and the endpoints Chronomesh"
                      + " sends carry no tags yet");
        }
        case "OmitPreviousPriorities" -> {
          if (prioritySet) {
            c.add(p + ".predicate", "OmitPreviousPriorities must only be specified once");
          }
          prioritySet = true;
          if (predicate.updateFrequency() != null && predicate.updateFrequency() <= 0) {
            c.add(p + ".updateFrequency", "must be defined and greater than zero");
          }
        }
        case "OmitPreviousHosts" -> {}
        default ->
            c.add(
                p + ".predicate",
                "must be one of "
                    + String.join(", ", new TreeSet<>(PREDICATES))
                    + ", got "
                    + predicate.predicate());
      }
      if (!"OmitHostsWithTags".equals(predicate.predicate()) && predicate.tags() != null) {
        c.add(p + ".tags", "must only be set with predicate OmitHostsWithTags");
      }
    }
  }

  /** A status code as a string that Go's net/http knows, as Kuma's validator requires. */
  private static boolean statusCode(String value) {
    if (!value.matches("[+]?[0-9]{1,9}")) {
      return false;
    }
    return KNOWN_STATUS_CODES.contains(Integer.parseInt(value));
  }
}
