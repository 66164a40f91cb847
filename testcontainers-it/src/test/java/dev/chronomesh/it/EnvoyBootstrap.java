package dev.chronomesh.it;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.BackoffStrategy;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.RetryPolicy;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.network.dns_resolver.getaddrinfo.v3.GetAddrInfoDnsResolverConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * The bootstrap of an Envoy sidecar connecting to a Chronomesh gateway, as kuma-dp writes it for
 * Kuma's dp-server: node id {@code <mesh>.<dataplane>}, ADS over gRPC (state of the world or delta)
 * for listeners, clusters and everything they name (routes, endpoints, SDS secrets), the dataplane
 * token raw in the stream's {@code authorization} metadata, and the gateway verified over TLS
 * against the control-plane CA. The admin API listens on 127.0.0.1:9901, where the projector
 * expects it when the Dataplane has no {@code networking.admin} (kuma-dp's default).
 */
final class EnvoyBootstrap {
  static final int ADMIN_PORT = 9901;
  static final String ADS_CLUSTER = "ads_cluster";

  /**
   * The name Envoy verifies the gateway's certificate against. The gateway's certificate names
   * {@code localhost}, and that is where the connection ends on the host (containers reach the
   * host's loopback through Testcontainers' tunnel, which connects to localhost).
   */
  static final String GATEWAY_NAME = "localhost";

  /** The protobuf types packed in {@link Any} fields here, for printing and parsing JSON. */
  static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(HttpProtocolOptions.getDescriptor())
          .add(GetAddrInfoDnsResolverConfig.getDescriptor())
          .add(UpstreamTlsContext.getDescriptor())
          .build();

  private static final String HTTP_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  private static final String TLS_SOCKET = "envoy.transport_sockets.tls";
  private static final String GETADDRINFO = "envoy.network.dns_resolver.getaddrinfo";

  private EnvoyBootstrap() {}

  /**
   * Where Envoy finds the gateway: {@code host:port}, serving a certificate of the control-plane CA
   * {@code caPem} that names {@link #GATEWAY_NAME}.
   */
  record Gateway(String host, int port, String caPem) {}

  /**
   * The bootstrap of node {@code nodeId} ({@code <mesh>.<dataplane>}) of {@code service},
   * presenting {@code token} to {@code gateway}; {@code delta} picks incremental ADS.
   */
  static Bootstrap of(String nodeId, String service, String token, boolean delta, Gateway gateway) {
    ConfigSource ads =
        ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)
            .build();
    GrpcService grpc =
        GrpcService.newBuilder()
            .setEnvoyGrpc(
                GrpcService.EnvoyGrpc.newBuilder()
                    .setClusterName(ADS_CLUSTER)
                    // Envoy retries a refused or broken stream after 0.5 s doubling to 30 s by
                    // default; a test waiting on a retry should not wait that long.
                    .setRetryPolicy(
                        RetryPolicy.newBuilder()
                            .setRetryBackOff(
                                BackoffStrategy.newBuilder()
                                    .setBaseInterval(millis(250))
                                    .setMaxInterval(millis(2000)))))
            .addInitialMetadata(HeaderValue.newBuilder().setKey("authorization").setValue(token))
            .build();
    return Bootstrap.newBuilder()
        .setNode(Node.newBuilder().setId(nodeId).setCluster(service))
        .setAdmin(Admin.newBuilder().setAddress(address("127.0.0.1", ADMIN_PORT)))
        .setDynamicResources(
            Bootstrap.DynamicResources.newBuilder()
                .setAdsConfig(
                    ApiConfigSource.newBuilder()
                        .setApiType(
                            delta
                                ? ApiConfigSource.ApiType.DELTA_GRPC
                                : ApiConfigSource.ApiType.GRPC)
                        .setTransportApiVersion(ApiVersion.V3)
                        .addGrpcServices(grpc))
                .setCdsConfig(ads)
                .setLdsConfig(ads))
        .setStaticResources(
            Bootstrap.StaticResources.newBuilder().addClusters(gatewayCluster(gateway)))
        .build();
  }

  /** The bootstrap as JSON, which Envoy reads from a {@code .json} file. */
  static String json(Bootstrap bootstrap) {
    try {
      return JsonFormat.printer().usingTypeRegistry(TYPES).print(bootstrap);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The gateway as a cluster: HTTP/2 (gRPC), its host name resolved by the system's resolver (the
   * tunnel's name is only in the container's {@code /etc/hosts}, which getaddrinfo reads as the
   * libc does, rather than c-ares asking DNS servers first), TLS with ALPN {@code h2} (grpc-java's
   * server requires it), the certificate verified against the control-plane CA and for {@link
   * #GATEWAY_NAME}.
   */
  private static Cluster gatewayCluster(Gateway gateway) {
    UpstreamTlsContext tls =
        UpstreamTlsContext.newBuilder()
            .setSni(GATEWAY_NAME)
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addAlpnProtocols("h2")
                    .setValidationContext(
                        CertificateValidationContext.newBuilder()
                            .setTrustedCa(DataSource.newBuilder().setInlineString(gateway.caPem()))
                            .addMatchTypedSubjectAltNames(
                                SubjectAltNameMatcher.newBuilder()
                                    .setSanType(SubjectAltNameMatcher.SanType.DNS)
                                    .setMatcher(
                                        StringMatcher.newBuilder().setExact(GATEWAY_NAME)))))
            .build();
    HttpProtocolOptions http2 =
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build();
    return Cluster.newBuilder()
        .setName(ADS_CLUSTER)
        .setType(Cluster.DiscoveryType.STRICT_DNS)
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
        .setTypedDnsResolverConfig(
            TypedExtensionConfig.newBuilder()
                .setName(GETADDRINFO)
                .setTypedConfig(Any.pack(GetAddrInfoDnsResolverConfig.getDefaultInstance())))
        .setConnectTimeout(millis(2000))
        .putTypedExtensionProtocolOptions(HTTP_OPTIONS, Any.pack(http2))
        .setTransportSocket(
            TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(tls)))
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder()
                .setClusterName(ADS_CLUSTER)
                .addEndpoints(
                    LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(
                            LbEndpoint.newBuilder()
                                .setEndpoint(
                                    Endpoint.newBuilder()
                                        .setAddress(address(gateway.host(), gateway.port()))))))
        .build();
  }

  private static Address address(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  private static Duration millis(long ms) {
    return Duration.newBuilder()
        .setSeconds(ms / 1000)
        .setNanos((int) (ms % 1000) * 1_000_000)
        .build();
  }
}
