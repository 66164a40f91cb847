package dev.chronomesh.projector.generate.policies.meshhealthcheck;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck.Conf;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.envoyproxy.envoy.type.v3.Percent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * MeshHealthCheck ({@code to}): an active health check on the outbound cluster (HTTP for http and
 * http2, gRPC for grpc, TCP otherwise or as the fallback of a disabled HTTP/gRPC check) and the
 * cluster's panic threshold, as Kuma's MeshHealthCheck plugin. grpc-xds ignores active health
 * checks, so a proxyless client's cluster is left unchanged. See {@code
 * docs/policies/meshhealthcheck.md}.
 */
public final class MeshHealthCheckConfigurer implements PolicyConfigurer<Conf> {
  static final Duration DEFAULT_INTERVAL = Duration.newBuilder().setSeconds(60).build();
  static final Duration DEFAULT_TIMEOUT = Duration.newBuilder().setSeconds(15).build();
  static final int DEFAULT_UNHEALTHY_THRESHOLD = 5;
  static final int DEFAULT_HEALTHY_THRESHOLD = 1;
  static final String EVENT_SINK = "envoy.health_check.event_sinks.file";

  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
  private static final Pattern HEADER_VALUE =
      Pattern.compile("^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$");

  private enum Kind {
    HTTP,
    GRPC,
    TCP,
    NONE
  }

  @Override
  public PolicyType<Conf> type() {
    return MeshHealthCheck.TYPE;
  }

  @Override
  public void outboundCluster(Place place, Conf conf, Cluster.Builder cluster) {
    if (place.proxyless()) {
      return;
    }
    panic(conf, cluster);
    HealthCheck.Builder check;
    switch (kind(place.protocol(), conf)) {
      case HTTP -> check = base(conf).setHttpHealthCheck(httpCheck(place.protocol(), conf.http()));
      case GRPC -> check = base(conf).setGrpcHealthCheck(grpcCheck(conf.grpc()));
      case TCP -> check = base(conf).setTcpHealthCheck(tcpCheck(conf.tcp()));
      default -> {
        return;
      }
    }
    cluster.addHealthChecks(check);
  }

  /**
   * As Kuma: an HTTP health check request says which proxy sends it with the proxy's {@code
   * x-kuma-tags} header (first, before the policy's own headers), so that the destination's
   * policies can tell the checking proxy apart. The generator calls this with the proxy's header
   * after the configurers ran on an outbound cluster, since the tags are the proxy's, not the
   * policy's.
   */
  public static void addTagsHeader(Cluster.Builder cluster, HeaderValueOption tagsHeader) {
    for (HealthCheck.Builder check : cluster.getHealthChecksBuilderList()) {
      if (check.hasHttpHealthCheck()) {
        HealthCheck.HttpHealthCheck.Builder http = check.getHttpHealthCheckBuilder();
        List<HeaderValueOption> headers = new java.util.ArrayList<>();
        headers.add(tagsHeader);
        headers.addAll(http.getRequestHeadersToAddList());
        http.clearRequestHeadersToAdd().addAllRequestHeadersToAdd(headers);
      }
    }
  }

  /** Kuma's choice: the protocol's own check, else TCP when that one is disabled and TCP is not. */
  private static Kind kind(String protocol, Conf conf) {
    boolean httpProtocol = protocol.equals("http") || protocol.equals("http2");
    boolean grpcProtocol = protocol.equals("grpc");
    Boolean tcp = conf.tcp() == null ? null : conf.tcp().disabled();
    Boolean http = conf.http() == null ? null : conf.http().disabled();
    Boolean grpc = conf.grpc() == null ? null : conf.grpc().disabled();
    boolean tcpEnabled = conf.tcp() != null && !Boolean.TRUE.equals(tcp);
    if (httpProtocol && conf.http() != null && !Boolean.TRUE.equals(http)) {
      return Kind.HTTP;
    }
    if (grpcProtocol && conf.grpc() != null && !Boolean.TRUE.equals(grpc)) {
      return Kind.GRPC;
    }
    if (protocol.equals("tcp") && tcpEnabled) {
      return Kind.TCP;
    }
    if (httpProtocol && Boolean.TRUE.equals(http) && tcpEnabled) {
      return Kind.TCP;
    }
    if (grpcProtocol && Boolean.TRUE.equals(grpc) && tcpEnabled) {
      return Kind.TCP;
    }
    return Kind.NONE;
  }

  private static HealthCheck.Builder base(Conf conf) {
    HealthCheck.Builder hc =
        HealthCheck.newBuilder()
            .setInterval(EnvoyValues.duration(conf.interval(), true).orElse(DEFAULT_INTERVAL))
            .setTimeout(EnvoyValues.duration(conf.timeout(), true).orElse(DEFAULT_TIMEOUT))
            .setUnhealthyThreshold(
                UInt32Value.of(or(conf.unhealthyThreshold(), DEFAULT_UNHEALTHY_THRESHOLD)))
            .setHealthyThreshold(
                UInt32Value.of(or(conf.healthyThreshold(), DEFAULT_HEALTHY_THRESHOLD)));
    EnvoyValues.duration(conf.initialJitter(), false).ifPresent(hc::setInitialJitter);
    EnvoyValues.duration(conf.intervalJitter(), false).ifPresent(hc::setIntervalJitter);
    if (conf.intervalJitterPercent() != null && conf.intervalJitterPercent() >= 0) {
      hc.setIntervalJitterPercent(conf.intervalJitterPercent());
    }
    EnvoyValues.duration(conf.noTrafficInterval(), true).ifPresent(hc::setNoTrafficInterval);
    if (conf.eventLogPath() != null && !conf.eventLogPath().isEmpty()) {
      hc.addEventLogger(
          TypedExtensionConfig.newBuilder()
              .setName(EVENT_SINK)
              .setTypedConfig(
                  EnvoyValues.pack(
                      HealthCheckEventFileSink.newBuilder()
                          .setEventLogPath(conf.eventLogPath())
                          .build())));
    }
    if (conf.alwaysLogHealthCheckFailures() != null) {
      hc.setAlwaysLogHealthCheckFailures(conf.alwaysLogHealthCheckFailures());
    }
    if (conf.reuseConnection() != null) {
      hc.setReuseConnection(BoolValue.of(conf.reuseConnection()));
    }
    return hc;
  }

  private static int or(Integer value, int otherwise) {
    return value != null && value >= 0 ? value : otherwise;
  }

  private static HealthCheck.HttpHealthCheck httpCheck(String protocol, MeshHealthCheck.Http http) {
    String path = http.path() == null || http.path().isEmpty() ? "/" : http.path();
    if (!HEADER_VALUE.matcher(path).matches()) {
      path = "/";
    }
    HealthCheck.HttpHealthCheck.Builder check =
        HealthCheck.HttpHealthCheck.newBuilder()
            .setPath(path)
            .setCodecClientType(
                protocol.equals("http2") ? CodecClientType.HTTP2 : CodecClientType.HTTP1);
    for (Integer status : list(http.expectedStatuses())) {
      if (status >= 100 && status < 600) {
        check.addExpectedStatuses(Int64Range.newBuilder().setStart(status).setEnd(status + 1L));
      }
    }
    MeshHealthCheck.Headers headers = http.requestHeadersToAdd();
    if (headers != null) {
      addHeaders(
          check, headers.add(), HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
      addHeaders(
          check, headers.set(), HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    }
    return check.build();
  }

  /** As Kuma, a value with commas becomes one header per comma-separated part. */
  private static void addHeaders(
      HealthCheck.HttpHealthCheck.Builder check,
      List<PolicyChecks.HeaderValue> list,
      HeaderValueOption.HeaderAppendAction action) {
    for (PolicyChecks.HeaderValue header : list(list)) {
      if (!HEADER_NAME.matcher(header.name()).matches()) {
        continue;
      }
      for (String value : header.value().split(",", -1)) {
        if (!HEADER_VALUE.matcher(value).matches()) {
          continue;
        }
        check.addRequestHeadersToAdd(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header.name()).setValue(value))
                .setAppendAction(action));
      }
    }
  }

  private static HealthCheck.GrpcHealthCheck grpcCheck(MeshHealthCheck.Grpc grpc) {
    HealthCheck.GrpcHealthCheck.Builder check = HealthCheck.GrpcHealthCheck.newBuilder();
    if (grpc.serviceName() != null) {
      check.setServiceName(grpc.serviceName());
    }
    if (grpc.authority() != null && HEADER_VALUE.matcher(grpc.authority()).matches()) {
      check.setAuthority(grpc.authority());
    }
    return check.build();
  }

  /** Send and receive are text in the conf; Envoy's payload text is their hex encoding. */
  private static HealthCheck.TcpHealthCheck tcpCheck(MeshHealthCheck.Tcp tcp) {
    HealthCheck.TcpHealthCheck.Builder check = HealthCheck.TcpHealthCheck.newBuilder();
    if (tcp.send() != null && !tcp.send().isEmpty()) {
      check.setSend(payload(tcp.send()));
    }
    for (String receive : list(tcp.receive())) {
      if (!receive.isEmpty()) {
        check.addReceive(payload(receive));
      }
    }
    return check.build();
  }

  private static HealthCheck.Payload payload(String text) {
    return HealthCheck.Payload.newBuilder()
        .setText(HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** healthyPanicThreshold (IntOrString percent) and failTrafficOnPanic, as Kuma. */
  private static void panic(Conf conf, Cluster.Builder cluster) {
    Optional<BigDecimal> threshold =
        conf.healthyPanicThreshold() == null
            ? Optional.empty()
            : conf.healthyPanicThreshold().decimal();
    if (threshold.isPresent()) {
      double value = Math.max(0, Math.min(100, threshold.get().doubleValue()));
      cluster
          .getCommonLbConfigBuilder()
          .setHealthyPanicThreshold(Percent.newBuilder().setValue(value));
    }
    if (conf.failTrafficOnPanic() != null) {
      Cluster.CommonLbConfig.Builder lb = cluster.getCommonLbConfigBuilder();
      if (lb.hasLocalityWeightedLbConfig()) {
        // fail_traffic_on_panic exists only on zone-aware balancing; Kuma skips it too.
        return;
      }
      lb.setZoneAwareLbConfig(
          lb.getZoneAwareLbConfig().toBuilder().setFailTrafficOnPanic(conf.failTrafficOnPanic()));
    }
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }
}
