package dev.chronomesh.projector.generate.policies.meshhealthcheck;

import static dev.chronomesh.projector.generate.policy.Baselines.seconds;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck.Conf;
import dev.chronomesh.projector.generate.policy.Baselines;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

class MeshHealthCheckConfigurerTest {
  private static Conf conf(String yaml) {
    return Baselines.conf(MeshHealthCheck.TYPE, yaml);
  }

  private final MeshHealthCheckConfigurer plugin = new MeshHealthCheckConfigurer();

  private static final Conf FULL =
      conf(
          """
          interval: 10s
          timeout: 2s
          unhealthyThreshold: 3
          healthyThreshold: 2
          initialJitter: 1s
          intervalJitter: 500ms
          intervalJitterPercent: 10
          healthyPanicThreshold: "60.5"
          failTrafficOnPanic: true
          noTrafficInterval: 30s
          eventLogPath: /tmp/hc.log
          alwaysLogHealthCheckFailures: true
          reuseConnection: false
          tcp: {disabled: false, send: ping, receive: [pong, ok]}
          http:
            disabled: false
            path: /health
            expectedStatuses: [200, 204, 99]
            requestHeadersToAdd:
              add: [{name: x-a, value: "1,2"}]
              set: [{name: x-s, value: v}]
          grpc: {disabled: false, serviceName: grpc.health.v1.Health, authority: backend.mesh}
          """);

  private static Cluster.Builder apply(Place place, Conf conf) {
    Cluster.Builder cluster = Baselines.sidecarCluster();
    new MeshHealthCheckConfigurer().outboundCluster(place, conf, cluster);
    return cluster;
  }

  @Test
  void httpProtocolGetsAnHttpCheckWithEveryCommonField() {
    Cluster.Builder cluster = apply(Baselines.SIDECAR_HTTP, FULL);
    assertThat(cluster.getHealthChecksList())
        .containsExactly(
            HealthCheck.newBuilder()
                .setInterval(seconds(10))
                .setTimeout(seconds(2))
                .setUnhealthyThreshold(UInt32Value.of(3))
                .setHealthyThreshold(UInt32Value.of(2))
                .setInitialJitter(seconds(1))
                .setIntervalJitter(Baselines.millis(500))
                .setIntervalJitterPercent(10)
                .setNoTrafficInterval(seconds(30))
                .addEventLogger(
                    TypedExtensionConfig.newBuilder()
                        .setName("envoy.health_check.event_sinks.file")
                        .setTypedConfig(
                            EnvoyValues.pack(
                                HealthCheckEventFileSink.newBuilder()
                                    .setEventLogPath("/tmp/hc.log")
                                    .build())))
                .setAlwaysLogHealthCheckFailures(true)
                .setReuseConnection(BoolValue.of(false))
                .setHttpHealthCheck(
                    HealthCheck.HttpHealthCheck.newBuilder()
                        .setPath("/health")
                        .setCodecClientType(CodecClientType.HTTP1)
                        .addExpectedStatuses(Int64Range.newBuilder().setStart(200).setEnd(201))
                        .addExpectedStatuses(Int64Range.newBuilder().setStart(204).setEnd(205))
                        .addRequestHeadersToAdd(header("x-a", "1", true))
                        .addRequestHeadersToAdd(header("x-a", "2", true))
                        .addRequestHeadersToAdd(header("x-s", "v", false)))
                .build());
    assertThat(cluster.getCommonLbConfig())
        .isEqualTo(
            Cluster.CommonLbConfig.newBuilder()
                .setHealthyPanicThreshold(Percent.newBuilder().setValue(60.5))
                .setZoneAwareLbConfig(
                    Cluster.CommonLbConfig.ZoneAwareLbConfig.newBuilder()
                        .setFailTrafficOnPanic(true))
                .build());
    assertThat(
            apply(Baselines.SIDECAR_HTTP2, FULL)
                .getHealthChecks(0)
                .getHttpHealthCheck()
                .getCodecClientType())
        .isEqualTo(CodecClientType.HTTP2);
  }

  private static HeaderValueOption header(String name, String value, boolean append) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(
            append
                ? HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                : HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  @Test
  void grpcAndTcpProtocolsGetTheirOwnChecks() {
    assertThat(apply(Baselines.SIDECAR_GRPC, FULL).getHealthChecks(0).getGrpcHealthCheck())
        .isEqualTo(
            HealthCheck.GrpcHealthCheck.newBuilder()
                .setServiceName("grpc.health.v1.Health")
                .setAuthority("backend.mesh")
                .build());
    assertThat(apply(Baselines.SIDECAR_TCP, FULL).getHealthChecks(0).getTcpHealthCheck())
        .isEqualTo(
            HealthCheck.TcpHealthCheck.newBuilder()
                .setSend(HealthCheck.Payload.newBuilder().setText("70696e67"))
                .addReceive(HealthCheck.Payload.newBuilder().setText("706f6e67"))
                .addReceive(HealthCheck.Payload.newBuilder().setText("6f6b"))
                .build());
  }

  @Test
  void defaultsAndTcpFallbackOfADisabledHttpCheck() {
    HealthCheck check =
        apply(Baselines.SIDECAR_HTTP, conf("http: {disabled: true}\ntcp: {}")).getHealthChecks(0);
    assertThat(check)
        .isEqualTo(
            HealthCheck.newBuilder()
                .setInterval(seconds(60))
                .setTimeout(seconds(15))
                .setUnhealthyThreshold(UInt32Value.of(5))
                .setHealthyThreshold(UInt32Value.of(1))
                .setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance())
                .build());
    assertThat(
            apply(Baselines.SIDECAR_HTTP, conf("http: {}"))
                .getHealthChecks(0)
                .getHttpHealthCheck()
                .getPath())
        .isEqualTo("/");
  }

  @Test
  void noMatchingCheckAddsNone() {
    assertThat(apply(Baselines.SIDECAR_HTTP, conf("tcp: {}")).getHealthChecksCount()).isZero();
    assertThat(apply(Baselines.SIDECAR_TCP, conf("http: {}\ninterval: 1s")).getHealthChecksCount())
        .isZero();
  }

  @Test
  void proxylessClusterIsLeftUnchanged() {
    Cluster.Builder cluster = Baselines.proxylessCluster();
    Cluster before = cluster.clone().build();
    plugin.outboundCluster(Baselines.PROXYLESS, FULL, cluster);
    assertThat(cluster.build()).isEqualTo(before);
  }

  @Test
  void httpChecksCarryTheProxysTagsHeaderFirstAsKumasGolden() {
    // Kuma's plugin golden basic_http_health_check_cluster.golden.yaml
    Cluster.Builder cluster = Baselines.sidecarCluster();
    plugin.outboundCluster(
        Baselines.SIDECAR_HTTP,
        conf(
            "http: {path: /health, requestHeadersToAdd: {add: [{name: x-some-header, value: v}]}}"),
        cluster);
    HeaderValueOption tags =
        HeaderValueOption.newBuilder()
            .setHeader(
                HeaderValue.newBuilder().setKey("x-kuma-tags").setValue("&kuma.io/service=web&"))
            .build();
    MeshHealthCheckConfigurer.addTagsHeader(cluster, tags);
    assertThat(cluster.getHealthChecks(0).getHttpHealthCheck().getRequestHeadersToAddList())
        .extracting(h -> h.getHeader().getKey())
        .containsExactly("x-kuma-tags", "x-some-header");
    Cluster.Builder tcp = Baselines.sidecarCluster();
    plugin.outboundCluster(Baselines.SIDECAR_TCP, conf("tcp: {}"), tcp);
    Cluster before = tcp.clone().build();
    MeshHealthCheckConfigurer.addTagsHeader(tcp, tags);
    assertThat(tcp.build()).isEqualTo(before);
  }
}
