package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policies.meshtimeout.MeshTimeoutConfigurer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.UncheckedIOException;

/** Baseline builders shaped as the generators build them, and YAML confs. */
public final class Baselines {
  public static final Place SIDECAR_HTTP = new Place("backend", "http", false);
  public static final Place SIDECAR_HTTP2 = new Place("backend", "http2", false);
  public static final Place SIDECAR_GRPC = new Place("backend", "grpc", false);
  public static final Place SIDECAR_TCP = new Place("db", "tcp", false);
  public static final Place PROXYLESS = new Place("backend", "grpc", true);

  private static final YAMLMapper YAML = new YAMLMapper();

  private Baselines() {}

  /** A conf of {@code type} written as YAML, bound as the engine binds a merged one. */
  public static <C extends Record> C conf(PolicyType<C> type, String yaml) {
    try {
      return type.bind((ObjectNode) YAML.readTree(yaml));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  public static Duration millis(long ms) {
    return Duration.newBuilder()
        .setSeconds(ms / 1000)
        .setNanos((int) (ms % 1000) * 1_000_000)
        .build();
  }

  /** The sidecar's outbound EDS cluster (HTTP/2 towards the other sidecar). */
  public static Cluster.Builder sidecarCluster() {
    return Cluster.newBuilder()
        .setName("backend")
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(
                    ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
        .setConnectTimeout(seconds(5))
        .putTypedExtensionProtocolOptions(
            MeshTimeoutConfigurer.HTTP_OPTIONS_KEY,
            EnvoyValues.pack(
                HttpProtocolOptions.newBuilder()
                    .setExplicitHttpConfig(
                        HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                    .build()));
  }

  /** The proxyless client's EDS cluster. */
  public static Cluster.Builder proxylessCluster() {
    return Cluster.newBuilder()
        .setName("backend")
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(
                    ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(seconds(5));
  }

  public static RouteAction.Builder route() {
    return RouteAction.newBuilder().setCluster("backend");
  }

  public static HttpConnectionManager.Builder hcm() {
    return HttpConnectionManager.newBuilder().setStatPrefix("backend");
  }

  public static TcpProxy.Builder tcp() {
    return TcpProxy.newBuilder().setStatPrefix("db").setCluster("db").setIdleTimeout(seconds(7200));
  }

  public static HttpProtocolOptions upstreamHttp(Cluster.Builder cluster) {
    try {
      return cluster
          .getTypedExtensionProtocolOptionsOrThrow(MeshTimeoutConfigurer.HTTP_OPTIONS_KEY)
          .unpack(HttpProtocolOptions.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
