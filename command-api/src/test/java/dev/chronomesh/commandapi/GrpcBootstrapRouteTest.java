package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.commandapi.GrpcBootstrapRoute.Result;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.Violation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcBootstrapRouteTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final XdsGatewayEndpoint UP =
      new XdsGatewayEndpoint("127.0.0.1:5678", Path.of("/root/.chronomesh/control-plane/ca.pem"));

  private static final MeshResource PLAIN = MeshResource.newBuilder().setName("default").build();
  private static final MeshResource MTLS =
      MeshResource.newBuilder()
          .setName("default")
          .setMtls(
              Mtls.newBuilder()
                  .setEnabledBackend("ca-1")
                  .setBackends(
                      List.of(MtlsBackend.newBuilder().setName("ca-1").setType("builtin").build()))
                  .build())
          .build();

  private static DataplaneResource dataplane(Map<String, String> labels) {
    return DataplaneResource.newBuilder()
        .setMesh("default")
        .setName("web-1")
        .setAddress("127.0.0.1")
        .setLabels(labels)
        .build();
  }

  private static final DataplaneResource PROXYLESS =
      dataplane(Map.of(KumaTags.PROXY_TYPE_LABEL, KumaTags.PROXYLESS));

  private static Result run(
      Map<String, String> query, MeshResource mesh, DataplaneResource dp, XdsGatewayEndpoint gw) {
    return GrpcBootstrapRoute.bootstrap("default", "web-1", query, mesh, dp, gw);
  }

  @Test
  void fillsInTheGatewayTheApiWasToldAboutAndItsCa() throws Exception {
    Result r = run(Map.of("tokenFile", "/etc/web-1.token"), PLAIN, PROXYLESS, UP);

    assertThat(r.violations()).isEmpty();
    JsonNode b = JSON.readTree(ProxylessBootstrap.toJson(r.bootstrap()));
    JsonNode server = b.path("xds_servers").path(0);
    assertThat(server.path("server_uri").asText()).isEqualTo("127.0.0.1:5678");
    assertThat(server.path("channel_creds").path(0).path("config").toString())
        .isEqualTo(
            "{\"token_file\":\"/etc/web-1.token\","
                + "\"ca_certificate_file\":\"/root/.chronomesh/control-plane/ca.pem\"}");
    assertThat(server.path("call_creds").path(0).path("type").asText()).isEqualTo("jwt_token_file");
    assertThat(b.path("node").path("id").asText()).isEqualTo("default.web-1");
    assertThat(b.has("certificate_providers")).isFalse();
  }

  @Test
  void aMeshWithMtlsGetsTheCertificateProviderOverCertDir() throws Exception {
    Result r =
        run(
            Map.of("tokenFile", "/etc/web-1.token", "certDir", "/var/run/web-1/"),
            MTLS,
            PROXYLESS,
            UP);

    assertThat(r.violations()).isEmpty();
    JsonNode b = JSON.readTree(ProxylessBootstrap.toJson(r.bootstrap()));
    assertThat(
            b.path("certificate_providers")
                .path(ProxylessBootstrap.CERTIFICATE_PROVIDER)
                .path("config")
                .path("certificate_file")
                .asText())
        .isEqualTo("/var/run/web-1/cert.pem");
  }

  @Test
  void namesEveryProblemWithItsParameter() {
    Result r =
        run(
            Map.of(
                "tokenFile", "web-1.token",
                "caFile", "/etc/../ca.pem",
                "xdsAddress", "gw.example",
                "certdir", "/var/run/web-1"),
            MTLS,
            dataplane(Map.of()),
            null);

    assertThat(r.bootstrap()).isNull();
    assertThat(r.violations())
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "certdir",
            "tokenFile",
            "caFile",
            "xdsAddress",
            "certDir",
            "labels[\"chronomesh.io/proxy-type\"]");
    assertThat(r.violations())
        .contains(
            new Violation(
                "tokenFile",
                "must be an absolute path on the workload's machine, e.g. /etc/chronomesh/web-1"),
            new Violation(
                "xdsAddress", "must be host:port, e.g. xds.example.com:5678 or [::1]:5678"));
  }

  @Test
  void aGatewayTheApiDoesNotKnowNeedsItsAddressAndCa() {
    assertThat(run(Map.of("tokenFile", "/t"), PLAIN, PROXYLESS, null).violations())
        .extracting(Violation::field)
        .containsExactly("xdsAddress");
    assertThat(
            run(Map.of("tokenFile", "/t", "xdsAddress", "gw.example:5678"), PLAIN, PROXYLESS, UP)
                .violations())
        .extracting(Violation::field)
        .containsExactly("caFile");
    assertThat(
            run(
                    Map.of(
                        "tokenFile", "/t", "xdsAddress", "[::1]:5678", "caFile", "/etc/cp/ca.pem"),
                    PLAIN,
                    PROXYLESS,
                    null)
                .violations())
        .isEmpty();
  }

  @Test
  void aPlaintextGatewayTheApiKnowsGetsOnlyTheTokenType() throws Exception {
    Result r =
        run(
            Map.of("tokenFile", "/t"),
            PLAIN,
            PROXYLESS,
            new XdsGatewayEndpoint("127.0.0.1:5678", null));

    JsonNode server =
        JSON.readTree(ProxylessBootstrap.toJson(r.bootstrap())).path("xds_servers").path(0);
    assertThat(server.path("channel_creds")).hasSize(1);
    assertThat(server.has("call_creds")).isFalse();
  }
}
