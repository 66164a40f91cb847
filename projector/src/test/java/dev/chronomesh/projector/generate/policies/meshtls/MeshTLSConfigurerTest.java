package dev.chronomesh.projector.generate.policies.meshtls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS.Conf;
import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS.Version;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurers;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What MeshTLS writes into a sidecar's TLS contexts, and that it writes nothing elsewhere. */
class MeshTLSConfigurerTest {
  private final MeshTLSConfigurer configurer = new MeshTLSConfigurer();
  private static final Place SIDECAR_INBOUND = new Place("backend", "http", false, true, "demo");
  private static final Place SIDECAR_OUTBOUND = new Place("backend", "http", false, false, "demo");
  private static final Conf FULL =
      new Conf(
          new Version("TLS12", "TLS13"),
          List.of("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
          "Strict");

  @Test
  void isRegisteredInKumasOrder() {
    assertThat(PolicyConfigurers.all()).anyMatch(c -> c instanceof MeshTLSConfigurer);
    assertThat(configurer.type().order()).isEqualTo(300);
  }

  @Test
  void setsVersionsAndCiphersOnBothSidesOfASidecar() {
    TlsParameters expected =
        TlsParameters.newBuilder()
            .setTlsMinimumProtocolVersion(TlsProtocol.TLSv1_2)
            .setTlsMaximumProtocolVersion(TlsProtocol.TLSv1_3)
            .addCipherSuites("ECDHE-RSA-AES128-GCM-SHA256")
            .addCipherSuites("ECDHE-RSA-CHACHA20-POLY1305")
            .build();
    DownstreamTlsContext.Builder in = DownstreamTlsContext.newBuilder();
    configurer.inboundTls(SIDECAR_INBOUND, FULL, in);
    assertThat(in.getCommonTlsContext().getTlsParams()).isEqualTo(expected);
    UpstreamTlsContext.Builder out = UpstreamTlsContext.newBuilder();
    configurer.outboundTls(SIDECAR_OUTBOUND, FULL, out);
    assertThat(out.getCommonTlsContext().getTlsParams()).isEqualTo(expected);
  }

  @Test
  void keepsTheRestOfTheContext() {
    UpstreamTlsContext.Builder out =
        UpstreamTlsContext.newBuilder()
            .setSni("backend{mesh=demo}")
            .setCommonTlsContext(CommonTlsContext.newBuilder().addAlpnProtocols("kuma"));
    configurer.outboundTls(SIDECAR_OUTBOUND, FULL, out);
    assertThat(out.getSni()).isEqualTo("backend{mesh=demo}");
    assertThat(out.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("kuma");
  }

  @Test
  void modeAloneOrNothingLeavesTheContextUntouched() {
    for (Conf conf : List.of(new Conf(null, null, "Strict"), new Conf(null, List.of(), null))) {
      DownstreamTlsContext.Builder in = DownstreamTlsContext.newBuilder();
      configurer.inboundTls(SIDECAR_INBOUND, conf, in);
      assertThat(in.build()).isEqualTo(DownstreamTlsContext.getDefaultInstance());
    }
  }

  @Test
  void tlsAutoIsEnvoysDefaultButStillGivesTlsParamsAsKuma() {
    DownstreamTlsContext.Builder in = DownstreamTlsContext.newBuilder();
    configurer.inboundTls(
        SIDECAR_INBOUND, new Conf(new Version("TLSAuto", "TLS13"), null, null), in);
    assertThat(in.getCommonTlsContext().hasTlsParams()).isTrue();
    assertThat(in.getCommonTlsContext().getTlsParams().getTlsMinimumProtocolVersion())
        .isEqualTo(TlsProtocol.TLS_AUTO);
    assertThat(in.getCommonTlsContext().getTlsParams().getTlsMaximumProtocolVersion())
        .isEqualTo(TlsProtocol.TLSv1_3);
  }

  /** grpc-xds refuses a CommonTlsContext with tls_params: a proxyless proxy never gets them. */
  @Test
  void givesAProxylessProxyNothing() {
    DownstreamTlsContext.Builder in = DownstreamTlsContext.newBuilder();
    configurer.inboundTls(new Place("backend", "grpc", true, true, "demo"), FULL, in);
    assertThat(in.build()).isEqualTo(DownstreamTlsContext.getDefaultInstance());
    UpstreamTlsContext.Builder out = UpstreamTlsContext.newBuilder();
    configurer.outboundTls(new Place("backend", "grpc", true, false, "demo"), FULL, out);
    assertThat(out.build()).isEqualTo(UpstreamTlsContext.getDefaultInstance());
  }
}
