package dev.chronomesh.projector.generate.policies.meshtimeout;

import static dev.chronomesh.projector.generate.policy.Baselines.millis;
import static dev.chronomesh.projector.generate.policy.Baselines.seconds;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout.Conf;
import dev.chronomesh.projector.generate.policy.Baselines;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import org.junit.jupiter.api.Test;

class MeshTimeoutConfigurerTest {
  private static Conf conf(String yaml) {
    return Baselines.conf(MeshTimeout.TYPE, yaml);
  }

  private final MeshTimeoutConfigurer plugin = new MeshTimeoutConfigurer();

  private static final Conf FULL =
      conf(
          """
          connectionTimeout: 2s
          idleTimeout: 20m
          http:
            requestTimeout: 3s
            streamIdleTimeout: 40s
            maxStreamDuration: 1m30s
            maxConnectionDuration: 1h
            requestHeadersTimeout: 500ms
          """);

  @Test
  void sidecarClusterGetsConnectTimeoutAndMergedUpstreamHttpOptions() {
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.outboundCluster(Baselines.SIDECAR_HTTP2, FULL, cluster);

    assertThat(cluster.getConnectTimeout()).isEqualTo(seconds(2));
    HttpProtocolOptions options = Baselines.upstreamHttp(cluster);
    assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout()).isEqualTo(seconds(1200));
    assertThat(options.getCommonHttpProtocolOptions().getMaxStreamDuration())
        .isEqualTo(seconds(90));
    assertThat(options.getCommonHttpProtocolOptions().getMaxConnectionDuration())
        .isEqualTo(seconds(3600));
  }

  @Test
  void absentFieldsTakeKumasDefaults() {
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.outboundCluster(Baselines.SIDECAR_HTTP, conf("http: {requestTimeout: 1s}"), cluster);
    assertThat(cluster.getConnectTimeout()).isEqualTo(seconds(5));
    HttpProtocolOptions options = Baselines.upstreamHttp(cluster);
    assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout()).isEqualTo(seconds(3600));
    assertThat(options.getCommonHttpProtocolOptions().getMaxStreamDuration())
        .isEqualTo(Duration.getDefaultInstance());

    RouteAction.Builder route = Baselines.route();
    plugin.outboundRoute(Baselines.SIDECAR_HTTP, conf("connectionTimeout: 1s"), route);
    assertThat(route.getTimeout()).isEqualTo(seconds(15));
    assertThat(route.getIdleTimeout()).isEqualTo(seconds(1800));
    assertThat(route.hasMaxStreamDuration()).isFalse();
  }

  @Test
  void clusterWithoutHttpOptionsGetsExplicitProtocolFromThePlace() {
    Cluster.Builder cluster = Cluster.newBuilder().setName("localhost:8080");
    plugin.inboundCluster(Baselines.SIDECAR_HTTP, FULL, cluster);
    HttpProtocolOptions options = Baselines.upstreamHttp(cluster);
    assertThat(options.getExplicitHttpConfig().hasHttpProtocolOptions()).isTrue();
    assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout()).isEqualTo(seconds(1200));
  }

  @Test
  void tcpClusterGetsOnlyTheConnectTimeout() {
    Cluster.Builder cluster = Cluster.newBuilder().setName("db");
    plugin.outboundCluster(Baselines.SIDECAR_TCP, FULL, cluster);
    assertThat(cluster.getConnectTimeout()).isEqualTo(seconds(2));
    assertThat(cluster.getTypedExtensionProtocolOptionsMap()).isEmpty();
  }

  @Test
  void sidecarRouteGetsRequestIdleAndMaxStreamDuration() {
    RouteAction.Builder route = Baselines.route();
    plugin.outboundRoute(Baselines.SIDECAR_HTTP, FULL, route);
    assertThat(route.getTimeout()).isEqualTo(seconds(3));
    assertThat(route.getIdleTimeout()).isEqualTo(seconds(40));
    assertThat(route.getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(seconds(90));

    RouteAction.Builder inbound = Baselines.route().setTimeout(seconds(0));
    plugin.inboundRoute(Baselines.SIDECAR_HTTP, FULL, inbound);
    assertThat(inbound.getTimeout()).isEqualTo(seconds(3));
  }

  @Test
  void hcmGetsHeadersTimeoutStreamIdleAndNoDownstreamIdle() {
    HttpConnectionManager.Builder hcm = Baselines.hcm();
    plugin.outboundHttp(Baselines.SIDECAR_HTTP, FULL, hcm);
    assertThat(hcm.getRequestHeadersTimeout()).isEqualTo(millis(500));
    assertThat(hcm.getStreamIdleTimeout()).isEqualTo(seconds(40));
    assertThat(hcm.getCommonHttpProtocolOptions().hasIdleTimeout()).isTrue();
    assertThat(hcm.getCommonHttpProtocolOptions().getIdleTimeout())
        .isEqualTo(Duration.getDefaultInstance());

    HttpConnectionManager.Builder inbound = Baselines.hcm();
    plugin.inboundHttp(Baselines.SIDECAR_HTTP, conf("idleTimeout: 1s"), inbound);
    assertThat(inbound.hasRequestHeadersTimeout()).isTrue();
    assertThat(inbound.getRequestHeadersTimeout()).isEqualTo(Duration.getDefaultInstance());
    assertThat(inbound.hasStreamIdleTimeout()).isFalse();
  }

  @Test
  void tcpProxyGetsIdleTimeout() {
    TcpProxy.Builder tcp = Baselines.tcp();
    plugin.outboundTcp(Baselines.SIDECAR_TCP, FULL, tcp);
    assertThat(tcp.getIdleTimeout()).isEqualTo(seconds(1200));
    TcpProxy.Builder inbound = Baselines.tcp();
    plugin.inboundTcp(Baselines.SIDECAR_TCP, conf("connectionTimeout: 1s"), inbound);
    assertThat(inbound.getIdleTimeout()).isEqualTo(seconds(3600));
  }

  @Test
  void proxylessRouteBoundsTheCallWithMaxStreamDuration() {
    RouteAction.Builder route = Baselines.route();
    plugin.outboundRoute(Baselines.PROXYLESS, conf("http: {requestTimeout: 200ms}"), route);
    assertThat(route.getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(millis(200));
    assertThat(route.hasTimeout()).isFalse();
    assertThat(route.hasIdleTimeout()).isFalse();

    RouteAction.Builder smaller = Baselines.route();
    plugin.outboundRoute(
        Baselines.PROXYLESS, conf("http: {requestTimeout: 10s, maxStreamDuration: 2s}"), smaller);
    assertThat(smaller.getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(seconds(2));

    RouteAction.Builder defaulted = Baselines.route();
    plugin.outboundRoute(Baselines.PROXYLESS, conf("connectionTimeout: 1s"), defaulted);
    assertThat(defaulted.getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(seconds(15));
  }

  @Test
  void proxylessClusterGetsOnlyTheConnectTimeout() {
    Cluster.Builder cluster = Baselines.proxylessCluster();
    Cluster before = cluster.clone().build();
    plugin.outboundCluster(Baselines.PROXYLESS, FULL, cluster);
    assertThat(cluster.build()).isEqualTo(before.toBuilder().setConnectTimeout(seconds(2)).build());
  }

  @Test
  void aZeroConnectTimeoutTakesKumasDefault() {
    // Envoy requires a connect timeout > 0.
    Cluster.Builder zero = Baselines.sidecarCluster();
    plugin.outboundCluster(Baselines.SIDECAR_HTTP, conf("connectionTimeout: 0s"), zero);
    assertThat(zero.getConnectTimeout()).isEqualTo(seconds(5));
  }
}
