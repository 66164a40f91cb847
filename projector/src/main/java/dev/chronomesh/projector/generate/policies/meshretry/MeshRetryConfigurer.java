package dev.chronomesh.projector.generate.policies.meshretry;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry.BackOff;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry.Conf;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry.Predicate;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry.RateLimitedBackOff;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry.ResetHeader;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderMatch;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * MeshRetry ({@code to}): the route's retry policy from the {@code http} section (http, http2) or
 * the {@code grpc} section (grpc), and the TCP proxy's connect attempts from {@code tcp}, as Kuma's
 * MeshRetry plugin. Proxyless gRPC clients get only what grpc-xds honours (gRFC A44). See {@code
 * docs/policies/meshretry.md}.
 */
public final class MeshRetryConfigurer implements PolicyConfigurer<Conf> {
  static final String HTTP_RETRY_ON_DEFAULT = "gateway-error,connect-failure,refused-stream";
  static final String GRPC_RETRY_ON_DEFAULT =
      "cancelled,connect-failure,gateway-error,refused-stream,reset,resource-exhausted,unavailable";
  static final String RETRIABLE_STATUS_CODES = "retriable-status-codes";

  /** Envoy's (and Kuma's) default base interval when a backOff gives none. */
  static final Duration DEFAULT_BASE_INTERVAL = Duration.newBuilder().setNanos(25_000_000).build();

  private static final Map<String, String> HTTP_RETRY_ON =
      Map.of(
          "5xx", "5xx",
          "GatewayError", "gateway-error",
          "Reset", "reset",
          "Retriable4xx", "retriable-4xx",
          "ConnectFailure", "connect-failure",
          "EnvoyRatelimited", "envoy-ratelimited",
          "RefusedStream", "refused-stream",
          "Http3PostConnectFailure", "http3-post-connect-failure");

  private static final Map<String, String> GRPC_RETRY_ON =
      Map.of(
          "Canceled", "cancelled",
          "DeadlineExceeded", "deadline-exceeded",
          "Internal", "internal",
          "ResourceExhausted", "resource-exhausted",
          "Unavailable", "unavailable");

  /** The HTTP conditions a proxyless client approximates by retrying UNAVAILABLE. */
  private static final Set<String> HTTP_AS_UNAVAILABLE =
      Set.of("5xx", "GatewayError", "Reset", "ConnectFailure", "RefusedStream");

  private static final String HTTP_METHOD_PREFIX = "HttpMethod";
  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

  /** What the retry settings of the http and grpc sections have in common. */
  private record Section(Integer numRetries, GoDuration perTryTimeout, BackOff backOff) {}

  static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
  static final String PREVIOUS_PRIORITIES = "envoy.retry_priorities.previous_priorities";

  @Override
  public PolicyType<Conf> type() {
    return MeshRetry.TYPE;
  }

  @Override
  public List<Descriptor> typedConfigs() {
    return List.of(
        PreviousHostsPredicate.getDescriptor(), PreviousPrioritiesConfig.getDescriptor());
  }

  @Override
  public void outboundRoute(Place place, Conf conf, RouteAction.Builder route) {
    Optional<RetryPolicy> policy =
        place.proxyless()
            ? proxylessPolicy(conf)
            : switch (place.protocol()) {
              case "http", "http2" -> httpPolicy(conf.http());
              case "grpc" -> grpcPolicy(conf.grpc());
              default -> Optional.empty();
            };
    policy.ifPresent(route::setRetryPolicy);
  }

  @Override
  public void outboundTcp(Place place, Conf conf, TcpProxy.Builder tcp) {
    Integer attempts = conf.tcp() == null ? null : conf.tcp().maxConnectAttempt();
    if (attempts != null && attempts >= 1) {
      tcp.setMaxConnectAttempts(UInt32Value.of(attempts));
    }
  }

  /** Kuma's gateway TCP listener: the connect attempts, as towards a sidecar's TCP outbound. */
  @Override
  public void gatewayTcp(Place place, Conf conf, TcpProxy.Builder tcp) {
    outboundTcp(place, conf, tcp);
  }

  private static Optional<RetryPolicy> httpPolicy(MeshRetry.Http http) {
    if (http == null) {
      return Optional.empty();
    }
    RetryPolicy.Builder policy = RetryPolicy.newBuilder().setRetryOn(HTTP_RETRY_ON_DEFAULT);
    if (!common(
        new Section(http.numRetries(), http.perTryTimeout(), http.backOff()), policy, true)) {
      return Optional.empty();
    }
    List<String> retryOn = new ArrayList<>();
    List<Integer> statusCodes = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    for (String item : list(http.retryOn())) {
      if (item.matches("\\d{3}")) {
        int code = Integer.parseInt(item);
        if (code >= 100 && code <= 599) {
          statusCodes.add(code);
        }
      } else if (item.startsWith(HTTP_METHOD_PREFIX)
          && item.length() > HTTP_METHOD_PREFIX.length()) {
        methods.add(item.substring(HTTP_METHOD_PREFIX.length()).toUpperCase(Locale.ROOT));
      } else if (HTTP_RETRY_ON.containsKey(item)) {
        retryOn.add(HTTP_RETRY_ON.get(item));
      }
    }
    if (!retryOn.isEmpty()) {
      policy.setRetryOn(String.join(",", retryOn));
    }
    if (!statusCodes.isEmpty()) {
      policy.addAllRetriableStatusCodes(statusCodes);
      if (!List.of(policy.getRetryOn().split(",")).contains(RETRIABLE_STATUS_CODES)) {
        policy.setRetryOn(policy.getRetryOn() + "," + RETRIABLE_STATUS_CODES);
      }
    }
    for (String method : methods) {
      policy.addRetriableRequestHeaders(
          HeaderMatcher.newBuilder()
              .setName(":method")
              .setStringMatch(StringMatcher.newBuilder().setExact(method)));
    }
    for (HeaderMatch header : list(http.retriableRequestHeaders())) {
      headerMatcher(header).ifPresent(policy::addRetriableRequestHeaders);
    }
    for (HeaderMatch header : list(http.retriableResponseHeaders())) {
      headerMatcher(header).ifPresent(policy::addRetriableHeaders);
    }
    rateLimitedBackOff(http.rateLimitedBackOff(), policy);
    hostSelection(http.hostSelection(), policy);
    if (http.hostSelectionMaxAttempts() != null) {
      policy.setHostSelectionRetryMaxAttempts(http.hostSelectionMaxAttempts());
    }
    return Optional.of(policy.build());
  }

  private static Optional<RetryPolicy> grpcPolicy(MeshRetry.Grpc grpc) {
    if (grpc == null) {
      return Optional.empty();
    }
    RetryPolicy.Builder policy = RetryPolicy.newBuilder().setRetryOn(GRPC_RETRY_ON_DEFAULT);
    if (!common(section(grpc), policy, true)) {
      return Optional.empty();
    }
    String retryOn = grpcRetryOn(grpc);
    if (!retryOn.isEmpty()) {
      policy.setRetryOn(retryOn);
    }
    rateLimitedBackOff(grpc.rateLimitedBackOff(), policy);
    return Optional.of(policy.build());
  }

  /**
   * grpc-xds honours retry_on (only cancelled, deadline-exceeded, internal, resource-exhausted,
   * unavailable), num_retries and retry_back_off. From the {@code grpc} section when there is one;
   * otherwise the {@code http} section, its 5xx/GatewayError/Reset/ConnectFailure/RefusedStream (or
   * Kuma's http default, which is all of those kinds) approximated as {@code unavailable}.
   */
  private static Optional<RetryPolicy> proxylessPolicy(Conf conf) {
    Section section;
    String retryOn;
    if (conf.grpc() != null) {
      section = section(conf.grpc());
      String given = grpcRetryOn(conf.grpc());
      retryOn = given.isEmpty() ? "cancelled,resource-exhausted,unavailable" : given;
    } else if (conf.http() != null) {
      MeshRetry.Http http = conf.http();
      section = new Section(http.numRetries(), http.perTryTimeout(), http.backOff());
      List<String> items = list(http.retryOn());
      boolean approximated =
          items.isEmpty() ? true : items.stream().anyMatch(HTTP_AS_UNAVAILABLE::contains);
      retryOn = approximated ? "unavailable" : "";
    } else {
      return Optional.empty();
    }
    if (retryOn.isEmpty()) {
      return Optional.empty();
    }
    RetryPolicy.Builder policy = RetryPolicy.newBuilder().setRetryOn(retryOn);
    if (!common(section, policy, false)) {
      return Optional.empty();
    }
    return Optional.of(policy.build());
  }

  private static Section section(MeshRetry.Grpc grpc) {
    return new Section(grpc.numRetries(), grpc.perTryTimeout(), grpc.backOff());
  }

  /**
   * numRetries, perTryTimeout (sidecar only) and backOff; false when numRetries is 0, which means
   * no retries at all (as Kuma).
   */
  private static boolean common(Section section, RetryPolicy.Builder policy, boolean perTry) {
    Integer numRetries = section.numRetries();
    if (numRetries != null && numRetries >= 0) {
      if (numRetries == 0) {
        return false;
      }
      policy.setNumRetries(UInt32Value.of(numRetries));
    }
    if (perTry && section.perTryTimeout() != null) {
      policy.setPerTryTimeout(EnvoyValues.duration(section.perTryTimeout()));
    }
    BackOff backOff = section.backOff();
    if (backOff != null) {
      // Envoy requires a base interval > 0, and it and grpc-xds reject max < base: fill the base
      // with Envoy's default and raise a too small max to the base.
      Duration base =
          EnvoyValues.duration(backOff.baseInterval(), true).orElse(DEFAULT_BASE_INTERVAL);
      RetryPolicy.RetryBackOff.Builder retryBackOff =
          RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(base);
      EnvoyValues.duration(backOff.maxInterval(), true)
          .ifPresent(max -> retryBackOff.setMaxInterval(compare(max, base) < 0 ? base : max));
      policy.setRetryBackOff(retryBackOff);
    }
    return true;
  }

  /** Kuma's rateLimitedBackOff: Envoy's rate_limited_retry_back_off (sidecars only). */
  private static void rateLimitedBackOff(RateLimitedBackOff conf, RetryPolicy.Builder policy) {
    if (conf == null || conf.resetHeaders() == null) {
      return;
    }
    RetryPolicy.RateLimitedRetryBackOff.Builder backOff =
        RetryPolicy.RateLimitedRetryBackOff.newBuilder();
    for (ResetHeader header : conf.resetHeaders()) {
      backOff.addResetHeaders(
          RetryPolicy.ResetHeader.newBuilder()
              .setName(header.name())
              .setFormat(
                  "UnixTimestamp".equals(header.format())
                      ? RetryPolicy.ResetHeaderFormat.UNIX_TIMESTAMP
                      : RetryPolicy.ResetHeaderFormat.SECONDS));
    }
    EnvoyValues.duration(conf.maxInterval(), true).ifPresent(backOff::setMaxInterval);
    policy.setRateLimitedRetryBackOff(backOff);
  }

  /**
   * Kuma's hostSelection, in its order: OmitPreviousHosts is a retry host predicate,
   * OmitPreviousPriorities the retry priority (sidecars only; OmitHostsWithTags is refused by the
   * model until endpoints carry their tags).
   */
  private static void hostSelection(List<Predicate> predicates, RetryPolicy.Builder policy) {
    for (Predicate predicate : list(predicates)) {
      switch (predicate.predicate()) {
        case "OmitPreviousHosts" ->
            policy.addRetryHostPredicate(
                RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName(PREVIOUS_HOSTS)
                    .setTypedConfig(EnvoyValues.pack(PreviousHostsPredicate.getDefaultInstance())));
        case "OmitPreviousPriorities" ->
            policy.setRetryPriority(
                RetryPolicy.RetryPriority.newBuilder()
                    .setName(PREVIOUS_PRIORITIES)
                    .setTypedConfig(
                        EnvoyValues.pack(
                            PreviousPrioritiesConfig.newBuilder()
                                .setUpdateFrequency(
                                    predicate.updateFrequency() == null
                                        ? MeshRetry.DEFAULT_UPDATE_FREQUENCY
                                        : predicate.updateFrequency())
                                .build())));
        default -> {
          // Refused by the validator.
        }
      }
    }
  }

  private static String grpcRetryOn(MeshRetry.Grpc grpc) {
    Set<String> out = new LinkedHashSet<>();
    for (String item : list(grpc.retryOn())) {
      String envoy = GRPC_RETRY_ON.get(item);
      if (envoy != null) {
        out.add(envoy);
      }
    }
    return String.join(",", out);
  }

  /** Kuma's HeaderMatch {name, value, type: Exact|Prefix|RegularExpression|Present|Absent}. */
  private static Optional<HeaderMatcher> headerMatcher(HeaderMatch header) {
    String name = header.name();
    if (name == null || name.isEmpty() || !HEADER_NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    String value = header.value() == null ? "" : header.value();
    HeaderMatcher.Builder matcher = HeaderMatcher.newBuilder().setName(name);
    switch (header.type() == null ? "Exact" : header.type()) {
      case "Prefix" -> {
        if (value.isEmpty()) {
          matcher.setPresentMatch(true);
        } else {
          matcher.setStringMatch(StringMatcher.newBuilder().setPrefix(value));
        }
      }
      case "RegularExpression" -> {
        if (value.isEmpty()) {
          return Optional.empty();
        }
        matcher.setStringMatch(
            StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(value)));
      }
      case "Present" -> matcher.setPresentMatch(true);
      case "Absent" -> matcher.setPresentMatch(false);
      default -> matcher.setStringMatch(StringMatcher.newBuilder().setExact(value));
    }
    return Optional.of(matcher.build());
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static int compare(Duration a, Duration b) {
    int cmp = Long.compare(a.getSeconds(), b.getSeconds());
    return cmp != 0 ? cmp : Integer.compare(a.getNanos(), b.getNanos());
  }
}
