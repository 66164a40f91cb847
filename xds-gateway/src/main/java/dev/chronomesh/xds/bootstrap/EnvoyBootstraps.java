package dev.chronomesh.xds.bootstrap;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.ca.ControlPlaneCa;
import dev.chronomesh.xds.lifecycle.CarriedDataplane;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.metrics.v3.StatsConfig;
import io.envoyproxy.envoy.config.metrics.v3.TagSpecifier;
import io.envoyproxy.envoy.extensions.regex_engines.v3.GoogleRE2;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Envoy bootstrap Chronomesh gives kuma-dp: Kuma 2.14's shape ({@code
 * pkg/xds/bootstrap/template_v3.go}) — the node with Kuma's metadata keys, ADS over the {@code
 * ads_cluster} with the token in {@code initial_metadata}, TLS verified against the control-plane
 * CA in the {@code cp_validation_ctx} secret, Envoy's admin on loopback — with one addition: the
 * ADS cluster offers ALPN {@code h2}, which the gateway's port needs to tell ADS from kuma-dp's
 * HTTP/1.1 requests. Pure: no I/O, no clock.
 */
public final class EnvoyBootstraps {
  /** The ADS cluster's name, as Kuma's. */
  public static final String ADS_CLUSTER = "ads_cluster";

  /** The secret holding the control-plane CA, as Kuma's. */
  public static final String CP_VALIDATION_CONTEXT = "cp_validation_ctx";

  /** Envoy's admin port when the Dataplane names none (Kuma's default). */
  public static final int DEFAULT_ADMIN_PORT = 9901;

  /** Envoy's admin address (Kuma's bootstrap-server default). */
  public static final String ADMIN_ADDRESS = "127.0.0.1";

  private EnvoyBootstraps() {}

  /**
   * What the bootstrap depends on besides kuma-dp's request.
   *
   * @param service the node's cluster: the Dataplane's first {@code kuma.io/service}
   * @param xdsHost the host kuma-dp reached the control plane at (the ADS cluster's address, SNI
   *     and expected SAN)
   * @param xdsPort the gateway's port
   * @param caPem the CA Envoy verifies the gateway with, or null when the gateway is plaintext
   * @param adminPort Envoy's admin port (the Dataplane's {@code networking.admin.port})
   * @param hds whether the gateway serves HDS: the bootstrap's {@code hds_config} then names it, as
   *     Kuma's does
   */
  public record Params(
      String service, String xdsHost, int xdsPort, String caPem, int adminPort, boolean hds) {}

  /** The bootstrap for {@code request}. */
  public static Bootstrap generate(BootstrapRequest request, Params params) {
    Bootstrap.Builder b = Bootstrap.newBuilder();
    b.setNode(
        Node.newBuilder()
            .setId(request.nodeId())
            .setCluster(params.service())
            .setMetadata(metadata(request, params)));
    b.setLayeredRuntime(
        LayeredRuntime.newBuilder()
            .addLayers(
                RuntimeLayer.newBuilder()
                    .setName("kuma")
                    .setStaticLayer(
                        Struct.newBuilder()
                            .putFields("re2.max_program_size.error_level", number(4294967295L))
                            .putFields("re2.max_program_size.warn_level", number(1000)))));
    b.setStatsConfig(statsTags());
    GrpcService.Builder ads =
        GrpcService.newBuilder()
            .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(ADS_CLUSTER));
    if (!request.dataplaneToken().isEmpty()) {
      ads.addInitialMetadata(
          HeaderValue.newBuilder().setKey("authorization").setValue(request.dataplaneToken()));
    }
    ConfigSource viaAds =
        ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setInitialFetchTimeout(Duration.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();
    b.setDynamicResources(
        Bootstrap.DynamicResources.newBuilder()
            .setLdsConfig(viaAds)
            .setCdsConfig(viaAds)
            .setAdsConfig(
                ApiConfigSource.newBuilder()
                    .setApiType(
                        request.delta()
                            ? ApiConfigSource.ApiType.DELTA_GRPC
                            : ApiConfigSource.ApiType.GRPC)
                    .setTransportApiVersion(ApiVersion.V3)
                    .setSetNodeOnFirstMessageOnly(true)
                    .addGrpcServices(ads)));
    if (params.hds()) {
      // Kuma's template: HDS over the ADS cluster, with the same token.
      b.setHdsConfig(
          ApiConfigSource.newBuilder()
              .setApiType(ApiConfigSource.ApiType.GRPC)
              .setTransportApiVersion(ApiVersion.V3)
              .setSetNodeOnFirstMessageOnly(true)
              .addGrpcServices(ads));
    }
    Bootstrap.StaticResources.Builder statics = Bootstrap.StaticResources.newBuilder();
    statics.addClusters(adsCluster(params));
    if (params.caPem() != null) {
      statics.addSecrets(validationContext(params));
    }
    b.setStaticResources(statics);
    b.setAdmin(
        Admin.newBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder()
                            .setAddress(ADMIN_ADDRESS)
                            .setPortValue(params.adminPort()))));
    b.setDefaultRegexEngine(
        TypedExtensionConfig.newBuilder()
            .setName("envoy.regex_engines.google_re2")
            .setTypedConfig(Any.pack(GoogleRE2.getDefaultInstance())));
    return b.build();
  }

  /**
   * Kuma's stat tags (tag name → regex), so that Envoy's stats carry the labels Kuma's dashboards
   * read.
   */
  private static StatsConfig statsTags() {
    String[][] tags = {
      {"name", "^grpc\\.((.+)\\.)"},
      {"status", "^grpc.*streams_closed(_([0-9]+))"},
      {"kafka_name", "^kafka(\\.(\\S*[0-9]))\\."},
      {"kafka_type", "^kafka\\..*\\.(.*?(?=_duration|$))"},
      {"worker", "(worker_([0-9]+)\\.)"},
      {"listener", "((.+?)\\.)rbac\\."},
    };
    StatsConfig.Builder stats = StatsConfig.newBuilder();
    for (String[] tag : tags) {
      stats.addStatsTags(TagSpecifier.newBuilder().setTagName(tag[0]).setRegex(tag[1]));
    }
    return stats.build();
  }

  private static Cluster adsCluster(Params params) {
    Cluster.Builder c =
        Cluster.newBuilder()
            .setName(ADS_CLUSTER)
            .setConnectTimeout(Duration.newBuilder().setSeconds(1))
            .setType(
                ControlPlaneCa.isIpAddress(params.xdsHost())
                    ? Cluster.DiscoveryType.STATIC
                    : Cluster.DiscoveryType.STRICT_DNS)
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(ADS_CLUSTER)
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                LbEndpoint.newBuilder()
                                    .setEndpoint(
                                        Endpoint.newBuilder()
                                            .setAddress(
                                                Address.newBuilder()
                                                    .setSocketAddress(
                                                        SocketAddress.newBuilder()
                                                            .setAddress(params.xdsHost())
                                                            .setPortValue(params.xdsPort())))))))
            .putTypedExtensionProtocolOptions(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                Any.pack(
                    HttpProtocolOptions.newBuilder()
                        .setExplicitHttpConfig(
                            HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                        .build()))
            .setUpstreamConnectionOptions(
                UpstreamConnectionOptions.newBuilder()
                    .setTcpKeepalive(
                        TcpKeepalive.newBuilder()
                            .setKeepaliveProbes(UInt32Value.of(3))
                            .setKeepaliveTime(UInt32Value.of(10))
                            .setKeepaliveInterval(UInt32Value.of(10))));
    if (params.caPem() != null) {
      UpstreamTlsContext tls =
          UpstreamTlsContext.newBuilder()
              .setSni(params.xdsHost())
              .setCommonTlsContext(
                  CommonTlsContext.newBuilder()
                      .setTlsParams(
                          TlsParameters.newBuilder()
                              .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2))
                      // The gateway's port serves ADS and kuma-dp's HTTP/1.1 bootstrap requests;
                      // ALPN h2 is how it tells them apart (and gRPC over TLS needs it anyway).
                      .addAlpnProtocols("h2")
                      .setValidationContextSdsSecretConfig(
                          SdsSecretConfig.newBuilder().setName(CP_VALIDATION_CONTEXT)))
              .build();
      c.setTransportSocket(
          TransportSocket.newBuilder()
              .setName("envoy.transport_sockets.tls")
              .setTypedConfig(Any.pack(tls)));
    }
    return c.build();
  }

  private static Secret validationContext(Params params) {
    CertificateValidationContext.Builder v =
        CertificateValidationContext.newBuilder()
            .setTrustedCa(
                DataSource.newBuilder()
                    .setInlineBytes(
                        ByteString.copyFrom(params.caPem(), StandardCharsets.US_ASCII)));
    for (SubjectAltNameMatcher.SanType type :
        new SubjectAltNameMatcher.SanType[] {
          SubjectAltNameMatcher.SanType.DNS, SubjectAltNameMatcher.SanType.IP_ADDRESS
        }) {
      v.addMatchTypedSubjectAltNames(
          SubjectAltNameMatcher.newBuilder()
              .setSanType(type)
              .setMatcher(StringMatcher.newBuilder().setExact(params.xdsHost())));
    }
    return Secret.newBuilder().setName(CP_VALIDATION_CONTEXT).setValidationContext(v).build();
  }

  /** Kuma's node metadata ({@code pkg/core/xds/metadata.go} keys), in key order. */
  private static Struct metadata(BootstrapRequest request, Params params) {
    Map<String, Value> fields = new TreeMap<>();
    if (request.version() != null) {
      fields.put("version", jsonValue(request.version().toString()));
    }
    ListValue.Builder features = ListValue.newBuilder();
    request.features().stream().sorted().forEach(f -> features.addValues(string(f)));
    fields.put("features", Value.newBuilder().setListValue(features).build());
    fields.put("workdir", string(request.workdir()));
    fields.put("metricsCertPath", string(request.metricsCertPath()));
    fields.put("metricsKeyPath", string(request.metricsKeyPath()));
    fields.put("systemCaPath", string(request.systemCaPath()));
    fields.put("ipv6Enabled", Value.newBuilder().setBoolValue(request.ipv6Enabled()).build());
    fields.put("spireAgent.socketPath", string(request.spireSocketPath()));
    if (request.dataplaneResource() != null) {
      fields.put(CarriedDataplane.METADATA_KEY, string(request.dataplaneResource()));
    }
    fields.put("dataplane.admin.port", string(Integer.toString(params.adminPort())));
    fields.put("dataplane.admin.address", string(ADMIN_ADDRESS));
    if (request.dnsPort() != 0) {
      fields.put("dataplane.dns.port", string(Integer.toString(request.dnsPort())));
    }
    if (request.readinessPort() != 0) {
      fields.put(
          "dataplane.readinessReporter.port", string(Integer.toString(request.readinessPort())));
    }
    if (request.appProbeProxyEnabled()) {
      fields.put("dataplane.appProbeProxy.enabled", string("true"));
    }
    fields.put("dataplane.proxyType", string("dataplane"));
    if (!request.dynamicMetadata().isEmpty()) {
      Struct.Builder md = Struct.newBuilder();
      new TreeMap<>(request.dynamicMetadata()).forEach((k, v) -> md.putFields(k, string(v)));
      fields.put("dynamicMetadata", Value.newBuilder().setStructValue(md).build());
    }
    return Struct.newBuilder().putAllFields(fields).build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value number(double n) {
    return Value.newBuilder().setNumberValue(n).build();
  }

  private static Value jsonValue(String json) {
    Value.Builder value = Value.newBuilder();
    try {
      JsonFormat.parser().merge(json, value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    return value.build();
  }
}
