package dev.chronomesh.projector.generate.policies.meshretry;

import static dev.chronomesh.projector.generate.policy.Baselines.millis;
import static dev.chronomesh.projector.generate.policy.Baselines.seconds;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry.Conf;
import dev.chronomesh.projector.generate.policy.Baselines;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

class MeshRetryConfigurerTest {
  private static Conf conf(String yaml) {
    return Baselines.conf(MeshRetry.TYPE, yaml);
  }

  private final MeshRetryConfigurer plugin = new MeshRetryConfigurer();

  private static final Conf FULL =
      conf(
          """
          tcp: {maxConnectAttempt: 3}
          http:
            numRetries: 4
            perTryTimeout: 2s
            backOff: {baseInterval: 50ms, maxInterval: 1s}
            retryOn: [5xx, Reset, "503", HttpMethodGet, "429", Retriable4xx]
            retriableRequestHeaders:
              - {name: x-retry, value: "yes"}
              - {name: x-p, value: ab, type: Prefix}
            retriableResponseHeaders:
              - {name: x-r, value: "a.*", type: RegularExpression}
              - {name: x-present, type: Present}
              - {name: x-absent, type: Absent}
          grpc:
            numRetries: 2
            perTryTimeout: 1s
            backOff: {baseInterval: 100ms, maxInterval: 10ms}
            retryOn: [Canceled, DeadlineExceeded, Internal, ResourceExhausted, Unavailable]
          """);

  private RetryPolicy retry(Place place, Conf conf) {
    RouteAction.Builder route = Baselines.route();
    plugin.outboundRoute(place, conf, route);
    return route.hasRetryPolicy() ? route.getRetryPolicy() : null;
  }

  @Test
  void httpSectionMapsToEnvoysRetryPolicy() {
    RetryPolicy policy = retry(Baselines.SIDECAR_HTTP, FULL);
    assertThat(policy.getRetryOn()).isEqualTo("5xx,reset,retriable-4xx,retriable-status-codes");
    assertThat(policy.getRetriableStatusCodesList()).containsExactly(503, 429);
    assertThat(policy.getNumRetries()).isEqualTo(UInt32Value.of(4));
    assertThat(policy.getPerTryTimeout()).isEqualTo(seconds(2));
    assertThat(policy.getRetryBackOff().getBaseInterval()).isEqualTo(millis(50));
    assertThat(policy.getRetryBackOff().getMaxInterval()).isEqualTo(seconds(1));
    assertThat(policy.getRetriableRequestHeadersList())
        .containsExactly(
            HeaderMatcher.newBuilder()
                .setName(":method")
                .setStringMatch(StringMatcher.newBuilder().setExact("GET"))
                .build(),
            HeaderMatcher.newBuilder()
                .setName("x-retry")
                .setStringMatch(StringMatcher.newBuilder().setExact("yes"))
                .build(),
            HeaderMatcher.newBuilder()
                .setName("x-p")
                .setStringMatch(StringMatcher.newBuilder().setPrefix("ab"))
                .build());
    assertThat(policy.getRetriableHeadersList())
        .containsExactly(
            HeaderMatcher.newBuilder()
                .setName("x-r")
                .setStringMatch(
                    StringMatcher.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("a.*")))
                .build(),
            HeaderMatcher.newBuilder().setName("x-present").setPresentMatch(true).build(),
            HeaderMatcher.newBuilder().setName("x-absent").setPresentMatch(false).build());
    assertThat(retry(Baselines.SIDECAR_HTTP2, FULL)).isEqualTo(policy);
  }

  @Test
  void httpDefaultsAndNoRetriesAtZero() {
    RetryPolicy policy = retry(Baselines.SIDECAR_HTTP, conf("http: {numRetries: 2}"));
    assertThat(policy.getRetryOn()).isEqualTo(MeshRetryConfigurer.HTTP_RETRY_ON_DEFAULT);
    assertThat(policy.hasRetryBackOff()).isFalse();
    assertThat(retry(Baselines.SIDECAR_HTTP, conf("http: {numRetries: 0}"))).isNull();
    assertThat(retry(Baselines.SIDECAR_HTTP, conf("grpc: {numRetries: 2}"))).isNull();
  }

  @Test
  void grpcSectionUsesEnvoysGrpcSpellingsAndRaisesMaxToBase() {
    RetryPolicy policy = retry(Baselines.SIDECAR_GRPC, FULL);
    assertThat(policy.getRetryOn())
        .isEqualTo("cancelled,deadline-exceeded,internal,resource-exhausted,unavailable");
    assertThat(policy.getNumRetries()).isEqualTo(UInt32Value.of(2));
    assertThat(policy.getPerTryTimeout()).isEqualTo(seconds(1));
    assertThat(policy.getRetryBackOff().getBaseInterval()).isEqualTo(millis(100));
    assertThat(policy.getRetryBackOff().getMaxInterval()).isEqualTo(millis(100));

    RetryPolicy defaults =
        retry(Baselines.SIDECAR_GRPC, conf("grpc: {backOff: {maxInterval: 1s}}"));
    assertThat(defaults.getRetryOn()).isEqualTo(MeshRetryConfigurer.GRPC_RETRY_ON_DEFAULT);
    assertThat(defaults.getRetryBackOff().getBaseInterval()).isEqualTo(millis(25));
  }

  @Test
  void tcpGetsMaxConnectAttemptsAndNoRouteRetries() {
    TcpProxy.Builder tcp = Baselines.tcp();
    plugin.outboundTcp(Baselines.SIDECAR_TCP, FULL, tcp);
    assertThat(tcp.getMaxConnectAttempts()).isEqualTo(UInt32Value.of(3));
    TcpProxy.Builder zero = Baselines.tcp();
    plugin.outboundTcp(Baselines.SIDECAR_TCP, conf("tcp: {maxConnectAttempt: 0}"), zero);
    assertThat(zero.hasMaxConnectAttempts()).isFalse();
    assertThat(retry(Baselines.SIDECAR_TCP, FULL)).isNull();
  }

  @Test
  void proxylessGetsOnlyWhatGrpcXdsHonours() {
    RetryPolicy policy = retry(Baselines.PROXYLESS, FULL);
    assertThat(policy)
        .isEqualTo(
            RetryPolicy.newBuilder()
                .setRetryOn("cancelled,deadline-exceeded,internal,resource-exhausted,unavailable")
                .setNumRetries(UInt32Value.of(2))
                .setRetryBackOff(
                    RetryPolicy.RetryBackOff.newBuilder()
                        .setBaseInterval(millis(100))
                        .setMaxInterval(millis(100)))
                .build());
  }

  @Test
  void proxylessApproximatesTheHttpSectionAsUnavailable() {
    RetryPolicy policy =
        retry(
            Baselines.PROXYLESS,
            conf("http: {numRetries: 3, perTryTimeout: 1s, retryOn: [GatewayError, \"503\"]}"));
    assertThat(policy)
        .isEqualTo(
            RetryPolicy.newBuilder()
                .setRetryOn("unavailable")
                .setNumRetries(UInt32Value.of(3))
                .build());
    assertThat(retry(Baselines.PROXYLESS, conf("http: {numRetries: 3}")).getRetryOn())
        .isEqualTo("unavailable");
    assertThat(retry(Baselines.PROXYLESS, conf("http: {retryOn: [HttpMethodGet, \"503\"]}")))
        .isNull();
    assertThat(retry(Baselines.PROXYLESS, conf("grpc: {retryOn: []}")).getRetryOn())
        .isEqualTo("cancelled,resource-exhausted,unavailable");
  }

  @Test
  void rateLimitedBackOffSetsEnvoysRateLimitedRetryBackOffAsKumasGolden() {
    // Kuma's plugin golden http.listeners.golden.yaml / grpc.listeners.golden.yaml
    String backOff =
        "rateLimitedBackOff: {maxInterval: 5s, resetHeaders: [{name: retry-after-http, format:"
            + " Seconds}, {name: x-retry-after-http, format: UnixTimestamp}]}";
    RetryPolicy.RateLimitedRetryBackOff expected =
        RetryPolicy.RateLimitedRetryBackOff.newBuilder()
            .addResetHeaders(RetryPolicy.ResetHeader.newBuilder().setName("retry-after-http"))
            .addResetHeaders(
                RetryPolicy.ResetHeader.newBuilder()
                    .setName("x-retry-after-http")
                    .setFormat(RetryPolicy.ResetHeaderFormat.UNIX_TIMESTAMP))
            .setMaxInterval(seconds(5))
            .build();
    assertThat(retry(Baselines.SIDECAR_HTTP, conf("http: {" + backOff + "}")))
        .extracting(RetryPolicy::getRateLimitedRetryBackOff)
        .isEqualTo(expected);
    assertThat(retry(Baselines.SIDECAR_GRPC, conf("grpc: {" + backOff + "}")))
        .extracting(RetryPolicy::getRateLimitedRetryBackOff)
        .isEqualTo(expected);
    // grpc-xds has no rate-limited back-off.
    assertThat(retry(Baselines.PROXYLESS, conf("grpc: {numRetries: 2, " + backOff + "}")))
        .extracting(RetryPolicy::hasRateLimitedRetryBackOff)
        .isEqualTo(false);
  }

  @Test
  void hostSelectionSetsRetryHostPredicatesAndPriorityInOrder() {
    RetryPolicy policy =
        retry(
            Baselines.SIDECAR_HTTP,
            conf(
                """
                http:
                  hostSelection:
                    - {predicate: OmitPreviousPriorities, updateFrequency: 5}
                    - {predicate: OmitPreviousHosts}
                  hostSelectionMaxAttempts: 99
                """));
    assertThat(policy.getRetryHostPredicateList())
        .extracting(RetryPolicy.RetryHostPredicate::getName)
        .containsExactly(MeshRetryConfigurer.PREVIOUS_HOSTS);
    assertThat(policy.getRetryPriority().getName())
        .isEqualTo(MeshRetryConfigurer.PREVIOUS_PRIORITIES);
    assertThat(
            EnvoyValues.unpack(
                    policy.getRetryPriority().getTypedConfig(), PreviousPrioritiesConfig.class)
                .orElseThrow()
                .getUpdateFrequency())
        .isEqualTo(5);
    assertThat(policy.getHostSelectionRetryMaxAttempts()).isEqualTo(99);
    RetryPolicy defaults =
        retry(
            Baselines.SIDECAR_HTTP,
            conf("http: {hostSelection: [{predicate: OmitPreviousPriorities}]}"));
    assertThat(
            EnvoyValues.unpack(
                    defaults.getRetryPriority().getTypedConfig(), PreviousPrioritiesConfig.class)
                .orElseThrow()
                .getUpdateFrequency())
        .isEqualTo(MeshRetry.DEFAULT_UPDATE_FREQUENCY);
    assertThat(
            retry(Baselines.PROXYLESS, conf("http: {numRetries: 1, hostSelectionMaxAttempts: 3}")))
        .extracting(RetryPolicy::getHostSelectionRetryMaxAttempts)
        .isEqualTo(0L);
  }
}
