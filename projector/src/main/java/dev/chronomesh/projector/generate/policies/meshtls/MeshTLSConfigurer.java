package dev.chronomesh.projector.generate.policies.meshtls;

import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS;
import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS.Conf;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.function.Supplier;

/**
 * MeshTLS: the {@code tls_params} (minimum and maximum protocol version, cipher suites) of the
 * mesh's mTLS on an Envoy sidecar, on both sides as Kuma's plugin sets them: the {@code
 * DownstreamTlsContext} of each inbound that terminates the mesh's mTLS, with the inbound's conf,
 * and the {@code UpstreamTlsContext} of each sidecar cluster into the mesh, with the conf of the
 * proxy's own inbounds (Kuma takes "the one rule" of its Mesh-wide policy; a builtin gateway's
 * clusters take its first listener's, as Kuma's first gateway rule). A proxyless gRPC proxy gets
 * nothing: grpc-xds refuses a {@code CommonTlsContext} with {@code tls_params}. {@code mode} is
 * read by the sidecar generator, which builds the inbound's filter chains from it ({@code
 * SidecarTls#permissive}). See {@code docs/policies/meshtls.md}.
 */
public final class MeshTLSConfigurer implements PolicyConfigurer<Conf> {
  @Override
  public PolicyType<Conf> type() {
    return MeshTLS.TYPE;
  }

  @Override
  public void inboundTls(Place place, Conf conf, DownstreamTlsContext.Builder tls) {
    if (!place.proxyless()) {
      params(conf, tls::getCommonTlsContextBuilder);
    }
  }

  @Override
  public void outboundTls(Place place, Conf conf, UpstreamTlsContext.Builder tls) {
    if (!place.proxyless()) {
      params(conf, tls::getCommonTlsContextBuilder);
    }
  }

  /**
   * Sets what {@code conf} gives, as Kuma: {@code tls_params} exists once a version bound or a
   * cipher is given, else the context is left as it is; TLSAuto is Envoy's {@code TLS_AUTO} (its
   * default).
   */
  static void params(Conf conf, Supplier<CommonTlsContext.Builder> common) {
    MeshTLS.Version version = conf.tlsVersion();
    boolean ciphers = conf.tlsCiphers() != null && !conf.tlsCiphers().isEmpty();
    boolean min = version != null && version.min() != null;
    boolean max = version != null && version.max() != null;
    if (!ciphers && !min && !max) {
      return;
    }
    TlsParameters.Builder params = common.get().getTlsParamsBuilder();
    if (ciphers) {
      params.clearCipherSuites().addAllCipherSuites(conf.tlsCiphers());
    }
    if (min) {
      params.setTlsMinimumProtocolVersion(protocol(version.min()));
    }
    if (max) {
      params.setTlsMaximumProtocolVersion(protocol(version.max()));
    }
  }

  /** Kuma's {@code ToTlsVersion}. */
  static TlsProtocol protocol(String version) {
    return switch (version) {
      case "TLS10" -> TlsProtocol.TLSv1_0;
      case "TLS11" -> TlsProtocol.TLSv1_1;
      case "TLS12" -> TlsProtocol.TLSv1_2;
      case "TLS13" -> TlsProtocol.TLSv1_3;
      default -> TlsProtocol.TLS_AUTO;
    };
  }
}
