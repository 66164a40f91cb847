package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * MeshRetry ({@code to}): the route's retry policy from the {@code http} section (http, http2) or
 * the {@code grpc} section (grpc), and the TCP proxy's connect attempts from {@code tcp}, as Kuma's
 * MeshRetry plugin. Proxyless gRPC clients get only what grpc-xds honours (gRFC A44). See {@code
 * docs/policies/meshretry.md}.
 */
public final class MeshRetryPlugin implements PolicyPlugin {
  /** Kuma's position: 12th of its ordered policy plugins. */
  static final int ORDER = 1200;

  static final String HTTP_RETRY_ON_DEFAULT = "gateway-error,connect-failure,refused-stream";
  static final String GRPC_RETRY_ON_DEFAULT =
      "cancelled,connect-failure,gateway-error,refused-stream,reset,resource-exhausted,unavailable";
  static final String RETRIABLE_STATUS_CODES = "retriable-status-codes";

  /** Envoy's (and Kuma's) default base interval when a backOff gives none. */
  static final Duration DEFAULT_BASE_INTERVAL = Duration.newBuilder().setNanos(25_000_000).build();

  private static final Map<String, String> HTTP_RETRY_ON =
      Map.of(
          "5XX", "5xx",
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
      Set.of("5XX", "GatewayError", "Reset", "ConnectFailure", "RefusedStream");

  private static final String HTTP_METHOD_PREFIX = "HttpMethod";
  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

  @Override
  public String type() {
    return "MeshRetry";
  }

  @Override
  public int order() {
    return ORDER;
  }

  @Override
  public void outboundRoute(Place place, ObjectNode conf, RouteAction.Builder route) {
    Optional<RetryPolicy> policy =
        place.proxyless()
            ? proxylessPolicy(conf)
            : switch (place.protocol()) {
              case "http", "http2" -> httpPolicy(Conf.at(conf, "http"));
              case "grpc" -> grpcPolicy(Conf.at(conf, "grpc"));
              default -> Optional.empty();
            };
    policy.ifPresent(route::setRetryPolicy);
  }

  @Override
  public void outboundTcp(Place place, ObjectNode conf, TcpProxy.Builder tcp) {
    OptionalLong attempts = Conf.integer(Conf.at(conf, "tcp"), "maxConnectAttempt");
    if (attempts.isPresent() && attempts.getAsLong() >= 1) {
      tcp.setMaxConnectAttempts(UInt32Value.of((int) Math.min(attempts.getAsLong(), 0xFFFF_FFFFL)));
    }
  }

  private static Optional<RetryPolicy> httpPolicy(JsonNode http) {
    if (!Conf.present(http)) {
      return Optional.empty();
    }
    RetryPolicy.Builder policy = RetryPolicy.newBuilder().setRetryOn(HTTP_RETRY_ON_DEFAULT);
    if (!common(http, policy, true)) {
      return Optional.empty();
    }
    List<String> retryOn = new ArrayList<>();
    List<Integer> statusCodes = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    for (String item : Conf.texts(http, "retryOn")) {
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
    for (JsonNode header : Conf.list(http, "retriableRequestHeaders")) {
      headerMatcher(header).ifPresent(policy::addRetriableRequestHeaders);
    }
    for (JsonNode header : Conf.list(http, "retriableResponseHeaders")) {
      headerMatcher(header).ifPresent(policy::addRetriableHeaders);
    }
    return Optional.of(policy.build());
  }

  private static Optional<RetryPolicy> grpcPolicy(JsonNode grpc) {
    if (!Conf.present(grpc)) {
      return Optional.empty();
    }
    RetryPolicy.Builder policy = RetryPolicy.newBuilder().setRetryOn(GRPC_RETRY_ON_DEFAULT);
    if (!common(grpc, policy, true)) {
      return Optional.empty();
    }
    String retryOn = grpcRetryOn(grpc);
    if (!retryOn.isEmpty()) {
      policy.setRetryOn(retryOn);
    }
    return Optional.of(policy.build());
  }

  /**
   * grpc-xds honours retry_on (only cancelled, deadline-exceeded, internal, resource-exhausted,
   * unavailable), num_retries and retry_back_off. From the {@code grpc} section when there is one;
   * otherwise the {@code http} section, its 5XX/GatewayError/Reset/ConnectFailure/RefusedStream (or
   * Kuma's http default, which is all of those kinds) approximated as {@code unavailable}.
   */
  private static Optional<RetryPolicy> proxylessPolicy(ObjectNode conf) {
    JsonNode grpc = Conf.at(conf, "grpc");
    JsonNode http = Conf.at(conf, "http");
    JsonNode section;
    String retryOn;
    if (Conf.present(grpc)) {
      section = grpc;
      String given = grpcRetryOn(grpc);
      retryOn = given.isEmpty() ? "cancelled,resource-exhausted,unavailable" : given;
    } else if (Conf.present(http)) {
      section = http;
      List<String> items = Conf.texts(http, "retryOn");
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

  /**
   * numRetries, perTryTimeout (sidecar only) and backOff; false when numRetries is 0, which means
   * no retries at all (as Kuma).
   */
  private static boolean common(JsonNode section, RetryPolicy.Builder policy, boolean perTry) {
    OptionalLong numRetries = Conf.integer(section, "numRetries");
    if (numRetries.isPresent()) {
      if (numRetries.getAsLong() == 0) {
        return false;
      }
      policy.setNumRetries(UInt32Value.of((int) Math.min(numRetries.getAsLong(), 0xFFFF_FFFFL)));
    }
    if (perTry) {
      Conf.duration(section, "perTryTimeout").ifPresent(policy::setPerTryTimeout);
    }
    JsonNode backOff = Conf.at(section, "backOff");
    if (Conf.present(backOff)) {
      // Envoy requires a base interval > 0, and it and grpc-xds reject max < base: fill the base
      // with Envoy's default and raise a too small max to the base.
      Duration base =
          Conf.duration(backOff, "baseInterval")
              .filter(MeshRetryPlugin::positive)
              .orElse(DEFAULT_BASE_INTERVAL);
      RetryPolicy.RetryBackOff.Builder retryBackOff =
          RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(base);
      Conf.duration(backOff, "maxInterval")
          .filter(MeshRetryPlugin::positive)
          .ifPresent(max -> retryBackOff.setMaxInterval(compare(max, base) < 0 ? base : max));
      policy.setRetryBackOff(retryBackOff);
    }
    return true;
  }

  private static String grpcRetryOn(JsonNode grpc) {
    Set<String> out = new LinkedHashSet<>();
    for (String item : Conf.texts(grpc, "retryOn")) {
      String envoy = GRPC_RETRY_ON.get(item);
      if (envoy != null) {
        out.add(envoy);
      }
    }
    return String.join(",", out);
  }

  /** Kuma's HeaderMatch {name, value, type: Exact|Prefix|RegularExpression|Present|Absent}. */
  private static Optional<HeaderMatcher> headerMatcher(JsonNode header) {
    Optional<String> name = Conf.text(header, "name");
    if (name.isEmpty() || !HEADER_NAME.matcher(name.get()).matches()) {
      return Optional.empty();
    }
    String value = Conf.text(header, "value").orElse("");
    HeaderMatcher.Builder matcher = HeaderMatcher.newBuilder().setName(name.get());
    switch (Conf.text(header, "type").orElse("Exact")) {
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

  private static boolean positive(Duration d) {
    return d.getSeconds() > 0 || d.getNanos() > 0;
  }

  private static int compare(Duration a, Duration b) {
    int cmp = Long.compare(a.getSeconds(), b.getSeconds());
    return cmp != 0 ? cmp : Integer.compare(a.getNanos(), b.getNanos());
  }
}
