package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
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
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * MeshHealthCheck ({@code to}): an active health check on the outbound cluster (HTTP for http and
 * http2, gRPC for grpc, TCP otherwise or as the fallback of a disabled HTTP/gRPC check) and the
 * cluster's panic threshold, as Kuma's MeshHealthCheck plugin. grpc-xds ignores active health
 * checks, so a proxyless client's cluster is left unchanged. See {@code
 * docs/policies/meshhealthcheck.md}.
 */
public final class MeshHealthCheckPlugin implements PolicyPlugin {
  /** Kuma's position: 11th of its ordered policy plugins. */
  static final int ORDER = 1100;

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
  public String type() {
    return "MeshHealthCheck";
  }

  @Override
  public int order() {
    return ORDER;
  }

  @Override
  public void outboundCluster(Place place, ObjectNode conf, Cluster.Builder cluster) {
    if (place.proxyless()) {
      return;
    }
    panic(conf, cluster);
    JsonNode tcp = Conf.at(conf, "tcp");
    JsonNode http = Conf.at(conf, "http");
    JsonNode grpc = Conf.at(conf, "grpc");
    HealthCheck.Builder check;
    switch (kind(place.protocol(), tcp, http, grpc)) {
      case HTTP -> check = base(conf).setHttpHealthCheck(httpCheck(place.protocol(), http));
      case GRPC -> check = base(conf).setGrpcHealthCheck(grpcCheck(grpc));
      case TCP -> check = base(conf).setTcpHealthCheck(tcpCheck(tcp));
      default -> {
        return;
      }
    }
    cluster.addHealthChecks(check);
  }

  /** Kuma's choice: the protocol's own check, else TCP when that one is disabled and TCP is not. */
  private static Kind kind(String protocol, JsonNode tcp, JsonNode http, JsonNode grpc) {
    boolean httpProtocol = protocol.equals("http") || protocol.equals("http2");
    boolean grpcProtocol = protocol.equals("grpc");
    if (httpProtocol && enabled(http)) {
      return Kind.HTTP;
    }
    if (grpcProtocol && enabled(grpc)) {
      return Kind.GRPC;
    }
    if (protocol.equals("tcp") && enabled(tcp)) {
      return Kind.TCP;
    }
    if (httpProtocol && disabled(http) && enabled(tcp)) {
      return Kind.TCP;
    }
    if (grpcProtocol && disabled(grpc) && enabled(tcp)) {
      return Kind.TCP;
    }
    return Kind.NONE;
  }

  private static boolean enabled(JsonNode section) {
    return Conf.present(section) && !Conf.bool(section, "disabled").orElse(false);
  }

  private static boolean disabled(JsonNode section) {
    return Conf.present(section) && Conf.bool(section, "disabled").orElse(false);
  }

  private static HealthCheck.Builder base(JsonNode conf) {
    HealthCheck.Builder hc =
        HealthCheck.newBuilder()
            .setInterval(positive(Conf.duration(conf, "interval")).orElse(DEFAULT_INTERVAL))
            .setTimeout(positive(Conf.duration(conf, "timeout")).orElse(DEFAULT_TIMEOUT))
            .setUnhealthyThreshold(
                UInt32Value.of(
                    Conf.uint32(conf, "unhealthyThreshold").orElse(DEFAULT_UNHEALTHY_THRESHOLD)))
            .setHealthyThreshold(
                UInt32Value.of(
                    Conf.uint32(conf, "healthyThreshold").orElse(DEFAULT_HEALTHY_THRESHOLD)));
    Conf.duration(conf, "initialJitter").ifPresent(hc::setInitialJitter);
    Conf.duration(conf, "intervalJitter").ifPresent(hc::setIntervalJitter);
    Conf.uint32(conf, "intervalJitterPercent").ifPresent(hc::setIntervalJitterPercent);
    positive(Conf.duration(conf, "noTrafficInterval")).ifPresent(hc::setNoTrafficInterval);
    Conf.text(conf, "eventLogPath")
        .filter(p -> !p.isEmpty())
        .ifPresent(
            path ->
                hc.addEventLogger(
                    TypedExtensionConfig.newBuilder()
                        .setName(EVENT_SINK)
                        .setTypedConfig(
                            Conf.pack(
                                HealthCheckEventFileSink.newBuilder()
                                    .setEventLogPath(path)
                                    .build()))));
    Conf.bool(conf, "alwaysLogHealthCheckFailures").ifPresent(hc::setAlwaysLogHealthCheckFailures);
    Conf.bool(conf, "reuseConnection").ifPresent(v -> hc.setReuseConnection(BoolValue.of(v)));
    return hc;
  }

  private static HealthCheck.HttpHealthCheck httpCheck(String protocol, JsonNode http) {
    String path = Conf.text(http, "path").filter(p -> !p.isEmpty()).orElse("/");
    if (!HEADER_VALUE.matcher(path).matches()) {
      path = "/";
    }
    HealthCheck.HttpHealthCheck.Builder check =
        HealthCheck.HttpHealthCheck.newBuilder()
            .setPath(path)
            .setCodecClientType(
                protocol.equals("http2") ? CodecClientType.HTTP2 : CodecClientType.HTTP1);
    for (JsonNode status : Conf.list(http, "expectedStatuses")) {
      if (status.canConvertToInt() && status.asInt() >= 100 && status.asInt() < 600) {
        check.addExpectedStatuses(
            Int64Range.newBuilder().setStart(status.asInt()).setEnd(status.asInt() + 1L));
      }
    }
    JsonNode headers = Conf.at(http, "requestHeadersToAdd");
    addHeaders(
        check,
        Conf.at(headers, "add"),
        HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
    addHeaders(
        check,
        Conf.at(headers, "set"),
        HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    return check.build();
  }

  /** As Kuma, a value with commas becomes one header per comma-separated part. */
  private static void addHeaders(
      HealthCheck.HttpHealthCheck.Builder check,
      JsonNode list,
      HeaderValueOption.HeaderAppendAction action) {
    if (!list.isArray()) {
      return;
    }
    for (JsonNode header : list) {
      Optional<String> name = Conf.text(header, "name");
      if (name.isEmpty() || !HEADER_NAME.matcher(name.get()).matches()) {
        continue;
      }
      for (String value : Conf.text(header, "value").orElse("").split(",", -1)) {
        if (!HEADER_VALUE.matcher(value).matches()) {
          continue;
        }
        check.addRequestHeadersToAdd(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name.get()).setValue(value))
                .setAppendAction(action));
      }
    }
  }

  private static HealthCheck.GrpcHealthCheck grpcCheck(JsonNode grpc) {
    HealthCheck.GrpcHealthCheck.Builder check = HealthCheck.GrpcHealthCheck.newBuilder();
    Conf.text(grpc, "serviceName").ifPresent(check::setServiceName);
    Conf.text(grpc, "authority")
        .filter(a -> HEADER_VALUE.matcher(a).matches())
        .ifPresent(check::setAuthority);
    return check.build();
  }

  /** Send and receive are text in the conf; Envoy's payload text is their hex encoding. */
  private static HealthCheck.TcpHealthCheck tcpCheck(JsonNode tcp) {
    HealthCheck.TcpHealthCheck.Builder check = HealthCheck.TcpHealthCheck.newBuilder();
    Conf.text(tcp, "send").filter(s -> !s.isEmpty()).ifPresent(s -> check.setSend(payload(s)));
    for (String receive : Conf.texts(tcp, "receive")) {
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
  private static void panic(JsonNode conf, Cluster.Builder cluster) {
    Optional<BigDecimal> threshold = Conf.decimal(conf, "healthyPanicThreshold");
    if (threshold.isPresent()) {
      double value = Math.max(0, Math.min(100, threshold.get().doubleValue()));
      cluster
          .getCommonLbConfigBuilder()
          .setHealthyPanicThreshold(Percent.newBuilder().setValue(value));
    }
    Optional<Boolean> failOnPanic = Conf.bool(conf, "failTrafficOnPanic");
    if (failOnPanic.isPresent()) {
      Cluster.CommonLbConfig.Builder lb = cluster.getCommonLbConfigBuilder();
      if (lb.hasLocalityWeightedLbConfig()) {
        // fail_traffic_on_panic exists only on zone-aware balancing; Kuma skips it too.
        return;
      }
      lb.setZoneAwareLbConfig(
          lb.getZoneAwareLbConfig().toBuilder().setFailTrafficOnPanic(failOnPanic.get()));
    }
  }

  private static Optional<Duration> positive(Optional<Duration> d) {
    return d.filter(v -> v.getSeconds() > 0 || v.getNanos() > 0);
  }
}
