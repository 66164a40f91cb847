package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import org.junit.jupiter.api.Test;

/**
 * The Envoy bootstrap the Docker tests start Envoy with, checked without Docker: it prints as JSON
 * Envoy's parser reads (every packed type known, no unknown field on the way back), and says what
 * the gateway expects of a sidecar's stream.
 */
class EnvoyBootstrapTest {
  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  @Test
  void printsAsJsonThatParsesBackUnchanged() throws Exception {
    Bootstrap bootstrap = bootstrap(true);
    Bootstrap.Builder parsed = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(EnvoyBootstrap.TYPES)
        .merge(EnvoyBootstrap.json(bootstrap), parsed);
    assertThat(parsed.build()).isEqualTo(bootstrap);
  }

  @Test
  void namesTheNodeAsTheGatewayExpectsAndSendsTheTokenRaw() {
    Bootstrap bootstrap = bootstrap(false);
    assertThat(bootstrap.getNode().getId()).isEqualTo("demo.web-1");
    ApiConfigSource ads = bootstrap.getDynamicResources().getAdsConfig();
    assertThat(ads.getApiType()).isEqualTo(ApiConfigSource.ApiType.GRPC);
    assertThat(bootstrap(true).getDynamicResources().getAdsConfig().getApiType())
        .isEqualTo(ApiConfigSource.ApiType.DELTA_GRPC);
    GrpcService gateway = ads.getGrpcServices(0);
    assertThat(gateway.getEnvoyGrpc().getClusterName()).isEqualTo(EnvoyBootstrap.ADS_CLUSTER);
    // As Kuma's bootstrap: the token itself, no "Bearer " (the gateway takes either).
    assertThat(gateway.getInitialMetadataList())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.getKey()).isEqualTo("authorization");
              assertThat(h.getValue()).isEqualTo("the-token");
            });
    assertThat(bootstrap.getDynamicResources().getCdsConfig().hasAds()).isTrue();
    assertThat(bootstrap.getDynamicResources().getLdsConfig().hasAds()).isTrue();
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9901);
  }

  @Test
  void verifiesTheGatewayAgainstTheControlPlaneCaOverHttp2WithAlpn() throws Exception {
    Cluster cluster = bootstrap(false).getStaticResources().getClusters(0);
    assertThat(cluster.getName()).isEqualTo(EnvoyBootstrap.ADS_CLUSTER);
    assertThat(
            cluster
                .getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress())
        .isEqualTo("host.testcontainers.internal");
    UpstreamTlsContext tls =
        cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
    CertificateValidationContext validation = tls.getCommonTlsContext().getValidationContext();
    assertThat(validation.getTrustedCa().getInlineString()).isEqualTo(CA);
    assertThat(validation.getMatchTypedSubjectAltNames(0).getMatcher().getExact())
        .isEqualTo(EnvoyBootstrap.GATEWAY_NAME);
  }

  private static Bootstrap bootstrap(boolean delta) {
    return EnvoyBootstrap.of(
        "demo.web-1",
        "web",
        "the-token",
        delta,
        new EnvoyBootstrap.Gateway("host.testcontainers.internal", 5678, CA));
  }
}
