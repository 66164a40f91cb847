package dev.chronomesh.projector.generate.policies.meshtimeout;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout.Conf;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Optional;

/**
 * MeshTimeout ({@code to} and {@code from}): connect, idle, request, stream and header timeouts, as
 * Kuma's MeshTimeout plugin, with Kuma's defaults for the fields a matching conf leaves out.
 * Proxyless gRPC clients get the call deadline as the route's {@code max_stream_duration} (gRFC
 * A31), the only timeout grpc-xds honours. See {@code docs/policies/meshtimeout.md}.
 */
public final class MeshTimeoutConfigurer implements PolicyConfigurer<Conf> {
  /** Upstream HttpProtocolOptions' key in a cluster's typed_extension_protocol_options. */
  public static final String HTTP_OPTIONS_KEY =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  static final Duration DEFAULT_CONNECT_TIMEOUT = seconds(5);
  static final Duration DEFAULT_IDLE_TIMEOUT = seconds(3600);
  static final Duration DEFAULT_REQUEST_TIMEOUT = seconds(15);
  static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = seconds(1800);
  static final Duration DISABLED = Duration.getDefaultInstance();

  /** Kuma's policies_defaults for gateway listeners. */
  public static final Duration GATEWAY_IDLE_TIMEOUT = seconds(300);

  public static final Duration GATEWAY_STREAM_IDLE_TIMEOUT = seconds(5);

  public static final Duration GATEWAY_REQUEST_HEADERS_TIMEOUT =
      Duration.newBuilder().setNanos(500_000_000).build();

  @Override
  public PolicyType<Conf> type() {
    return MeshTimeout.TYPE;
  }

  @Override
  public void outboundCluster(Place place, Conf conf, Cluster.Builder cluster) {
    configureCluster(place, conf, cluster);
  }

  @Override
  public void inboundCluster(Place place, Conf conf, Cluster.Builder cluster) {
    configureCluster(place, conf, cluster);
  }

  @Override
  public void outboundRoute(Place place, Conf conf, RouteAction.Builder route) {
    configureRoute(place, conf, route);
  }

  @Override
  public void inboundRoute(Place place, Conf conf, RouteAction.Builder route) {
    configureRoute(place, conf, route);
  }

  @Override
  public void outboundHttp(Place place, Conf conf, HttpConnectionManager.Builder hcm) {
    configureHttp(conf, hcm);
  }

  /** Not on a proxyless gRPC server's listener: grpc-xds applies none of these timeouts there. */
  @Override
  public void inboundHttp(Place place, Conf conf, HttpConnectionManager.Builder hcm) {
    if (!place.proxyless()) {
      configureHttp(conf, hcm);
    }
  }

  /**
   * Kuma's ConfigureGatewayListener: the listener's idle, request-headers and stream-idle timeouts
   * from the conf, else Kuma's gateway defaults (5m, 500ms, 5s), and its request timeout if set.
   */
  @Override
  public void gatewayHttp(Place place, Conf conf, HttpConnectionManager.Builder hcm) {
    MeshTimeout.Http http = http(conf);
    hcm.setCommonHttpProtocolOptions(
        hcm.getCommonHttpProtocolOptions().toBuilder()
            .setIdleTimeout(duration(conf.idleTimeout()).orElse(GATEWAY_IDLE_TIMEOUT)));
    hcm.setRequestHeadersTimeout(
        duration(http.requestHeadersTimeout()).orElse(GATEWAY_REQUEST_HEADERS_TIMEOUT));
    hcm.setStreamIdleTimeout(
        duration(http.streamIdleTimeout()).orElse(GATEWAY_STREAM_IDLE_TIMEOUT));
    duration(http.requestTimeout()).ifPresent(hcm::setRequestTimeout);
  }

  @Override
  public void outboundTcp(Place place, Conf conf, TcpProxy.Builder tcp) {
    configureTcp(conf, tcp);
  }

  @Override
  public void inboundTcp(Place place, Conf conf, TcpProxy.Builder tcp) {
    configureTcp(conf, tcp);
  }

  private static void configureCluster(Place place, Conf conf, Cluster.Builder cluster) {
    // Envoy requires a connect timeout > 0: a zero one reads as absent.
    cluster.setConnectTimeout(
        EnvoyValues.duration(conf.connectionTimeout(), true).orElse(DEFAULT_CONNECT_TIMEOUT));
    if (place.proxyless() || !place.isHttp()) {
      // grpc-xds reads no upstream HTTP protocol options; TCP clusters speak no HTTP.
      return;
    }
    MeshTimeout.Http http = http(conf);
    Duration idle = duration(conf.idleTimeout()).orElse(DEFAULT_IDLE_TIMEOUT);
    Duration maxStream = duration(http.maxStreamDuration()).orElse(DISABLED);
    Duration maxConnection = duration(http.maxConnectionDuration()).orElse(DISABLED);
    updateUpstreamHttp(
        place,
        cluster,
        options ->
            options
                .getCommonHttpProtocolOptionsBuilder()
                .setIdleTimeout(idle)
                .setMaxStreamDuration(maxStream)
                .setMaxConnectionDuration(maxConnection));
  }

  /**
   * Modifies the cluster's upstream HttpProtocolOptions in place, keeping what is there; when there
   * is none, starts from explicit HTTP/1.1 ({@code http}) or HTTP/2 (otherwise) as the baseline.
   */
  public static void updateUpstreamHttp(
      Place place,
      Cluster.Builder cluster,
      java.util.function.Consumer<HttpProtocolOptions.Builder> change) {
    Any existing = cluster.getTypedExtensionProtocolOptionsMap().get(HTTP_OPTIONS_KEY);
    HttpProtocolOptions.Builder options =
        Optional.ofNullable(existing)
            .flatMap(any -> EnvoyValues.unpack(any, HttpProtocolOptions.class))
            .map(HttpProtocolOptions::toBuilder)
            .orElseGet(HttpProtocolOptions::newBuilder);
    if (options.getUpstreamProtocolOptionsCase()
        == HttpProtocolOptions.UpstreamProtocolOptionsCase.UPSTREAMPROTOCOLOPTIONS_NOT_SET) {
      HttpProtocolOptions.ExplicitHttpConfig.Builder explicit =
          HttpProtocolOptions.ExplicitHttpConfig.newBuilder();
      if (place.protocol().equals("http")) {
        explicit.setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance());
      } else {
        explicit.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
      }
      options.setExplicitHttpConfig(explicit);
    }
    change.accept(options);
    cluster.putTypedExtensionProtocolOptions(HTTP_OPTIONS_KEY, EnvoyValues.pack(options.build()));
  }

  private static void configureRoute(Place place, Conf conf, RouteAction.Builder route) {
    MeshTimeout.Http http = http(conf);
    Duration request = duration(http.requestTimeout()).orElse(DEFAULT_REQUEST_TIMEOUT);
    Optional<Duration> maxStream = duration(http.maxStreamDuration());
    if (place.proxyless()) {
      // gRFC A31: grpc-xds ignores `timeout` and bounds each call by max_stream_duration; both a
      // request timeout and a max stream duration bound the whole call, so the smaller wins.
      Duration deadline = request;
      if (maxStream.isPresent() && isPositive(maxStream.get())) {
        deadline = !isPositive(request) ? maxStream.get() : min(request, maxStream.get());
      }
      route.setMaxStreamDuration(
          route.getMaxStreamDuration().toBuilder().setMaxStreamDuration(deadline));
      return;
    }
    route.setTimeout(request);
    Optional<Duration> streamIdle = duration(http.streamIdleTimeout());
    if (streamIdle.isPresent()) {
      route.setIdleTimeout(streamIdle.get());
    } else if (!route.hasIdleTimeout()) {
      route.setIdleTimeout(DEFAULT_STREAM_IDLE_TIMEOUT);
    }
    maxStream.ifPresent(
        d ->
            route.setMaxStreamDuration(
                route.getMaxStreamDuration().toBuilder().setMaxStreamDuration(d)));
  }

  private static void configureHttp(Conf conf, HttpConnectionManager.Builder hcm) {
    MeshTimeout.Http http = http(conf);
    hcm.setRequestHeadersTimeout(duration(http.requestHeadersTimeout()).orElse(DISABLED));
    duration(http.streamIdleTimeout()).ifPresent(hcm::setStreamIdleTimeout);
    // As Kuma: the connection idle timeout lives on the cluster; the listener side never closes
    // idle downstream connections.
    hcm.setCommonHttpProtocolOptions(
        hcm.getCommonHttpProtocolOptions().toBuilder().setIdleTimeout(DISABLED));
  }

  private static void configureTcp(Conf conf, TcpProxy.Builder tcp) {
    tcp.setIdleTimeout(duration(conf.idleTimeout()).orElse(DEFAULT_IDLE_TIMEOUT));
  }

  private static boolean isPositive(Duration d) {
    return EnvoyValues.isPositive(d);
  }

  private static MeshTimeout.Http http(Conf conf) {
    return conf.http() != null ? conf.http() : new MeshTimeout.Http(null, null, null, null, null);
  }

  private static Optional<Duration> duration(GoDuration d) {
    return EnvoyValues.duration(d, false);
  }

  private static Duration min(Duration a, Duration b) {
    int cmp = Long.compare(a.getSeconds(), b.getSeconds());
    if (cmp == 0) {
      cmp = Integer.compare(a.getNanos(), b.getNanos());
    }
    return cmp <= 0 ? a : b;
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }
}
