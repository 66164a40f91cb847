package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.BuildVersion;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.type.v3.SemanticVersion;
import org.junit.jupiter.api.Test;

/** Which kind of client a node announces, and which configs it cannot use. */
class ProxyClientTest {
  @Test
  void gRpcLibrariesAreKnownByTheirUserAgentOrTheirClientFeatures() {
    ProxyClient java =
        ProxyClient.of(
            Node.newBuilder()
                .setId("default.web-1")
                .setUserAgentName("gRPC Java")
                .setUserAgentVersion("1.85.1")
                .addClientFeatures("envoy.lb.does_not_support_overprovisioning")
                .build());
    assertThat(java).isEqualTo(new ProxyClient(ProxyClient.Kind.GRPC, "gRPC Java 1.85.1"));
    assertThat(ProxyClient.of(Node.newBuilder().setUserAgentName("gRPC Go").build()).kind())
        .isEqualTo(ProxyClient.Kind.GRPC);
    assertThat(
            ProxyClient.of(
                    Node.newBuilder().addClientFeatures("xds.config.resource-in-sotw").build())
                .kind())
        .isEqualTo(ProxyClient.Kind.GRPC);
  }

  @Test
  void envoyIsKnownByItsUserAgentWithItsBuildVersion() {
    ProxyClient envoy =
        ProxyClient.of(
            Node.newBuilder()
                .setUserAgentName("envoy")
                .setUserAgentBuildVersion(
                    BuildVersion.newBuilder()
                        .setVersion(
                            SemanticVersion.newBuilder()
                                .setMajorNumber(1)
                                .setMinorNumber(34)
                                .setPatch(2)))
                .build());
    assertThat(envoy).isEqualTo(new ProxyClient(ProxyClient.Kind.ENVOY, "envoy 1.34.2"));
  }

  @Test
  void aNodeThatSaysNothingIsUnknownAndServedAnyConfig() {
    ProxyClient raw = ProxyClient.of(Node.newBuilder().setId("default.web-1").build());
    assertThat(raw.kind()).isEqualTo(ProxyClient.Kind.UNKNOWN);
    assertThat(raw.mismatch("default.web-1", "sidecar")).isNull();
    assertThat(raw.mismatch("default.web-1", "proxyless")).isNull();
  }

  @Test
  void aClientOfTheOtherKindIsToldWhichLabelToChange() {
    ProxyClient grpc = new ProxyClient(ProxyClient.Kind.GRPC, "gRPC Java 1.85.1");
    ProxyClient envoy = new ProxyClient(ProxyClient.Kind.ENVOY, "envoy 1.34.2");

    assertThat(grpc.mismatch("default.web-1", "sidecar"))
        .isEqualTo(
            "dataplane default.web-1 is configured as an Envoy sidecar but a proxyless gRPC"
                + " client (gRPC Java 1.85.1) connected: add the label"
                + " chronomesh.io/proxy-type: proxyless to the Dataplane");
    assertThat(envoy.mismatch("default.web-1", "proxyless"))
        .isEqualTo(
            "dataplane default.web-1 is configured as a proxyless gRPC client but an Envoy"
                + " (envoy 1.34.2) connected: remove the label chronomesh.io/proxy-type:"
                + " proxyless from the Dataplane");
    assertThat(grpc.mismatch("default.web-1", "proxyless")).isNull();
    assertThat(envoy.mismatch("default.web-1", "sidecar")).isNull();
    // A record that does not say (an older projector's): served as it is.
    assertThat(grpc.mismatch("default.web-1", null)).isNull();
  }
}
