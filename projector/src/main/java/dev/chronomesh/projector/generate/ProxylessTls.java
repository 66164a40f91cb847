package dev.chronomesh.projector.generate;

import dev.chronomesh.events.ProxylessBootstrap;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Collection;

/**
 * The mesh's mTLS as grpc-xds reads it (gRFC A29): both sides take their key, certificate and CA
 * bundle from the bootstrap's certificate provider {@link ProxylessBootstrap#CERTIFICATE_PROVIDER}
 * (a {@code file_watcher} over what {@code dp-agent} writes), never from the xDS resources, so a
 * rotation changes files, not config. A client verifies the server's SPIFFE ID; a server requires a
 * client certificate signed by the mesh's CA (STRICT: grpc-java cannot sniff TLS, so there is no
 * PERMISSIVE for proxyless servers). grpc-xds refuses {@code tls_params}, so versions and ciphers
 * are the JDK's.
 */
final class ProxylessTls {
  static final String TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

  private static final CertificateProviderPluginInstance PROVIDER =
      CertificateProviderPluginInstance.newBuilder()
          .setInstanceName(ProxylessBootstrap.CERTIFICATE_PROVIDER)
          .build();

  private ProxylessTls() {}

  /**
   * A client's TLS towards a destination whose certificate must carry one of {@code sanPrefixes} as
   * a URI SAN: an exact SPIFFE ID per entry ending in a service name, a prefix when it ends with
   * {@code /} (any identity of the mesh).
   */
  static TransportSocket upstream(Collection<String> sans) {
    CertificateValidationContext.Builder validation =
        CertificateValidationContext.newBuilder().setCaCertificateProviderInstance(PROVIDER);
    for (String san : sans) {
      StringMatcher.Builder matcher = StringMatcher.newBuilder();
      if (san.endsWith("/")) {
        matcher.setPrefix(san);
      } else {
        matcher.setExact(san);
      }
      // grpc-xds 1.85 reads match_subject_alt_names (gRFC A29), not the typed variant.
      validation.addMatchSubjectAltNames(matcher);
    }
    // h2 for grpc-java servers and Envoy sidecars' gRPC inbounds (which select it); kuma too, so
    // that a PERMISSIVE sidecar inbound takes the call on its mesh-mTLS chain.
    UpstreamTlsContext tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                common(validation).toBuilder()
                    .addAlpnProtocols(SidecarTls.H2_ALPN)
                    .addAlpnProtocols(SidecarTls.KUMA_ALPN))
            .build();
    return TransportSocket.newBuilder()
        .setName(TRANSPORT_SOCKET)
        .setTypedConfig(Protos.pack(tls))
        .build();
  }

  /** A server's TLS: its identity, and a client certificate the mesh's CA signed required. */
  static TransportSocket downstream() {
    DownstreamTlsContext tls =
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                common(
                    CertificateValidationContext.newBuilder()
                        .setCaCertificateProviderInstance(PROVIDER)))
            .setRequireClientCertificate(com.google.protobuf.BoolValue.of(true))
            .build();
    return TransportSocket.newBuilder()
        .setName(TRANSPORT_SOCKET)
        .setTypedConfig(Protos.pack(tls))
        .build();
  }

  private static CommonTlsContext common(CertificateValidationContext.Builder validation) {
    return CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(PROVIDER)
        .setValidationContext(validation)
        .build();
  }
}
