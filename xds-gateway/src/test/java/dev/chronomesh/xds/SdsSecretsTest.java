package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.chronomesh.events.ProxylessBootstrap;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SdsSecretsTest {
  @Test
  void identityAndCaBundleUnderKumasNames() {
    SdsSecrets.Set set = SdsSecrets.of("demo", "CERT", "KEY", "BUNDLE");
    List<Secret> secrets = set.resources().stream().map(VersionedResource::resource).toList();
    assertThat(secrets)
        .extracting(Secret::getName)
        .containsExactly("identity_cert:secret:demo", "mesh_ca:secret:demo");
    assertThat(
            secrets
                .get(0)
                .getTlsCertificate()
                .getCertificateChain()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII))
        .isEqualTo("CERT");
    assertThat(
            secrets
                .get(0)
                .getTlsCertificate()
                .getPrivateKey()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII))
        .isEqualTo("KEY");
    assertThat(
            secrets
                .get(1)
                .getValidationContext()
                .getTrustedCa()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII))
        .isEqualTo("BUNDLE");
  }

  @Test
  void versionsComeFromThePublicPartsAndTheKeyIsNeverPrinted() {
    SdsSecrets.Set a = SdsSecrets.of("demo", "CERT", "KEY-1", "BUNDLE");
    SdsSecrets.Set b = SdsSecrets.of("demo", "CERT", "KEY-2", "BUNDLE");
    SdsSecrets.Set renewed = SdsSecrets.of("demo", "CERT-2", "KEY-3", "BUNDLE");
    assertThat(a.version()).isEqualTo(b.version()).isNotEqualTo(renewed.version());
    assertThat(a.toString()).doesNotContain("KEY").doesNotContain("CERT");
  }

  @Test
  void mergedSecretsChangeTheTypeVersion() {
    SnapshotResources<Secret> none = SnapshotResources.create(List.<Secret>of(), "v1");
    assertThat(SdsSecrets.merge(none, null)).isSameAs(none);
    SnapshotResources<Secret> one = SdsSecrets.merge(none, SdsSecrets.of("demo", "C", "K", "B"));
    SnapshotResources<Secret> two = SdsSecrets.merge(none, SdsSecrets.of("demo", "C2", "K", "B"));
    assertThat(one.resources())
        .containsOnlyKeys("identity_cert:secret:demo", "mesh_ca:secret:demo");
    assertThat(one.version()).isNotEqualTo(two.version()).isNotEqualTo(none.version());
  }

  @Test
  void findsTheMeshAClustersOrAListenersTlsContextNames() {
    Cluster tls =
        Cluster.newBuilder()
            .setName("backend")
            .setTransportSocket(
                socket(
                    Any.pack(
                        UpstreamTlsContext.newBuilder().setCommonTlsContext(sds("demo")).build())))
            .build();
    Listener inbound =
        Listener.newBuilder()
            .setName("inbound")
            .addFilterChains(
                FilterChain.newBuilder()
                    .setTransportSocket(
                        socket(
                            Any.pack(
                                DownstreamTlsContext.newBuilder()
                                    .setCommonTlsContext(sds("other"))
                                    .build()))))
            .build();
    Cluster plain = Cluster.newBuilder().setName("plain").build();
    assertThat(SdsSecrets.identityMesh(clusters(tls, plain), listeners())).isEqualTo("demo");
    assertThat(SdsSecrets.identityMesh(clusters(plain), listeners(inbound))).isEqualTo("other");
    assertThat(SdsSecrets.identityMesh(clusters(plain), listeners())).isNull();
  }

  @Test
  void aProxylessCertificateProviderNamesNoSecret() {
    CommonTlsContext provider =
        CommonTlsContext.newBuilder()
            .setTlsCertificateProviderInstance(
                CertificateProviderPluginInstance.newBuilder()
                    .setInstanceName(ProxylessBootstrap.CERTIFICATE_PROVIDER))
            .build();
    Cluster proxyless =
        Cluster.newBuilder()
            .setName("backend")
            .setTransportSocket(
                socket(
                    Any.pack(
                        UpstreamTlsContext.newBuilder().setCommonTlsContext(provider).build())))
            .build();
    assertThat(SdsSecrets.identityMesh(clusters(proxyless), listeners())).isNull();
  }

  private static CommonTlsContext sds(String mesh) {
    return CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(
            SdsSecretConfig.newBuilder().setName("identity_cert:secret:" + mesh))
        .build();
  }

  private static TransportSocket socket(Any config) {
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(config)
        .build();
  }

  private static SnapshotResources<Cluster> clusters(Cluster... clusters) {
    return SnapshotResources.create(List.of(clusters), "v");
  }

  private static SnapshotResources<Listener> listeners(Listener... listeners) {
    return SnapshotResources.create(List.of(listeners), "v");
  }
}
