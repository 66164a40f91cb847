package dev.chronomesh.xds.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.meshmodel.envoy.EnvoyValidateRules;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Chronomesh's Envoy bootstrap against kuma-cp 2.14.3's for the same request (Kuma's server test:
 * dataplane {@code dp-1} of mesh {@code default}, service {@code backend}, token {@code token},
 * workdir {@code /tmp}, gateway {@code localhost:5678}), part by part. The known differences are
 * asserted as such: no {@code access_log_sink} cluster (kuma-dp's named pipe for TCP access logs,
 * which Chronomesh does not generate logs for); Envoy's {@code admin} and its metadata keys, which
 * kuma-cp sets with its default admin port (Kuma's test server runs without one); and ALPN {@code
 * h2} on the ADS cluster, which the gateway's port needs.
 */
class EnvoyBootstrapsKumaGoldenTest {
  private static final String REQUEST =
      """
      { "mesh": "default", "name": "dp-1", "dataplaneToken": "token", "workdir": "/tmp",
        "version": {
          "kumaDp": {"version": "0.0.1", "gitTag": "v0.0.1",
            "gitCommit": "91ce236824a9d875601679aa80c63783fb0e8725",
            "buildDate": "2019-08-07T11:26:06Z"},
          "envoy": {"version": "1.15.0", "build": "hash/1.15.0/RELEASE"}}}
      """;

  @Test
  void matchesKumasUniversalGoldenBootstrapButForTheListedDifferences() throws Exception {
    Bootstrap kuma = golden();
    String caPem =
        kuma.getStaticResources()
            .getSecrets(0)
            .getValidationContext()
            .getTrustedCa()
            .getInlineBytes()
            .toString(StandardCharsets.US_ASCII);
    Bootstrap ours =
        EnvoyBootstraps.generate(
            BootstrapRequest.parse(REQUEST.getBytes(StandardCharsets.UTF_8)),
            new EnvoyBootstraps.Params("backend", "localhost", 5678, caPem, 9901, true));

    assertThat(EnvoyValidateRules.check(ours, EnvoyJson.registryOf(ours))).isEmpty();
    assertThat(ours.getNode().getId()).isEqualTo(kuma.getNode().getId());
    assertThat(ours.getNode().getCluster()).isEqualTo(kuma.getNode().getCluster());
    assertThat(ours.getNode().getMetadata().getFieldsMap())
        .containsAllEntriesOf(kuma.getNode().getMetadata().getFieldsMap());
    assertThat(ours.getNode().getMetadata().getFieldsMap().keySet())
        .containsExactlyInAnyOrderElementsOf(
            union(
                kuma.getNode().getMetadata().getFieldsMap().keySet(),
                "dataplane.admin.port",
                "dataplane.admin.address"));
    assertThat(ours.getDynamicResources()).isEqualTo(kuma.getDynamicResources());
    assertThat(ours.getLayeredRuntime()).isEqualTo(kuma.getLayeredRuntime());
    assertThat(ours.getStatsConfig()).isEqualTo(kuma.getStatsConfig());
    assertThat(ours.getDefaultRegexEngine()).isEqualTo(kuma.getDefaultRegexEngine());
    assertThat(ours.getStaticResources().getSecretsList())
        .isEqualTo(kuma.getStaticResources().getSecretsList());

    Cluster kumaAds = cluster(kuma, "ads_cluster");
    Cluster ourAds = cluster(ours, "ads_cluster");
    UpstreamTlsContext ourTls =
        ourAds.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(ourTls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
    UpstreamTlsContext withoutAlpn =
        ourTls.toBuilder()
            .setCommonTlsContext(ourTls.getCommonTlsContext().toBuilder().clearAlpnProtocols())
            .build();
    assertThat(withoutAlpn)
        .isEqualTo(kumaAds.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class));
    assertThat(ourAds.toBuilder().clearTransportSocket().build())
        .isEqualTo(kumaAds.toBuilder().clearTransportSocket().build());

    // The differences, and only these.
    assertThat(ours.getHdsConfig()).isEqualTo(kuma.getHdsConfig());
    assertThat(kuma.getStaticResources().getClustersList())
        .extracting(Cluster::getName)
        .containsExactlyInAnyOrder("access_log_sink", "ads_cluster");
    assertThat(ours.getStaticResources().getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("ads_cluster");
    assertThat(kuma.hasAdmin()).isFalse();
    assertThat(ours.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9901);
    Bootstrap sameFields =
        ours.toBuilder()
            .clearAdmin()
            .setNode(kuma.getNode())
            .setStaticResources(kuma.getStaticResources())
            .build();
    assertThat(sameFields).isEqualTo(kuma);
  }

  private static java.util.Set<String> union(java.util.Set<String> keys, String... more) {
    java.util.Set<String> all = new java.util.TreeSet<>(keys);
    all.addAll(java.util.List.of(more));
    return all;
  }

  private static Cluster cluster(Bootstrap bootstrap, String name) {
    return bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Bootstrap golden() throws IOException {
    try (InputStream in =
        EnvoyBootstrapsKumaGoldenTest.class.getResourceAsStream(
            "/kuma/bootstrap.universal.golden.yaml")) {
      Bootstrap.Builder builder = Bootstrap.newBuilder();
      EnvoyJson.merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), builder);
      return builder.build();
    }
  }
}
