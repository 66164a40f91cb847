package dev.chronomesh.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.ProxylessBootstrap.Credentials;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProxylessBootstrapTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(Credentials credentials, Path certDir) throws Exception {
    return JSON.readTree(
        ProxylessBootstrap.toJson(
            ProxylessBootstrap.of("gw.example:5678", "default", "web-1", credentials, certDir)));
  }

  @Test
  void offersTheTokenToJavaFirstThenStandardTlsWithA97CallCredentials() throws Exception {
    JsonNode b =
        json(
            Credentials.dataplaneToken(Path.of("/etc/web-1.token"), Path.of("/etc/cp/ca.pem")),
            null);

    JsonNode server = b.path("xds_servers").path(0);
    assertThat(server.path("server_uri").asText()).isEqualTo("gw.example:5678");
    assertThat(server.path("server_features").toString()).isEqualTo("[\"xds_v3\"]");
    JsonNode channel = server.path("channel_creds");
    assertThat(channel).hasSize(2);
    // grpc takes the first channel_creds type it supports: Java with proxyless-client the token
    // type, every other client (and Java without the jar) the standard tls.
    assertThat(channel.path(0).toString())
        .isEqualTo(
            "{\"type\":\"chronomesh_dataplane_token\",\"config\":{\"token_file\":"
                + "\"/etc/web-1.token\",\"ca_certificate_file\":\"/etc/cp/ca.pem\"}}");
    assertThat(channel.path(1).toString())
        .isEqualTo("{\"type\":\"tls\",\"config\":{\"ca_certificate_file\":\"/etc/cp/ca.pem\"}}");
    // gRFC A97's shape exactly: a list of {type, config: {jwt_token_file}}.
    assertThat(server.path("call_creds").toString())
        .isEqualTo(
            "[{\"type\":\"jwt_token_file\",\"config\":{\"jwt_token_file\":\"/etc/web-1.token\"}}]");
    assertThat(b.path("node").path("id").asText()).isEqualTo("default.web-1");
    assertThat(b.path("server_listener_resource_name_template").asText())
        .isEqualTo(ProxylessBootstrap.SERVER_LISTENER_TEMPLATE);
    assertThat(b.has("certificate_providers")).isFalse();
  }

  @Test
  void theCertificateProviderReadsTheAgentsFilesOnlyWhenACertificateDirectoryIsGiven()
      throws Exception {
    JsonNode b =
        json(
            Credentials.dataplaneToken(Path.of("/etc/web-1.token"), Path.of("/etc/cp/ca.pem")),
            Path.of("/var/run/web-1"));

    JsonNode provider =
        b.path("certificate_providers").path(ProxylessBootstrap.CERTIFICATE_PROVIDER);
    assertThat(b.path("certificate_providers")).hasSize(1);
    assertThat(provider.path("plugin_name").asText()).isEqualTo("file_watcher");
    JsonNode config = provider.path("config");
    assertThat(config.path("certificate_file").asText()).isEqualTo("/var/run/web-1/cert.pem");
    assertThat(config.path("private_key_file").asText()).isEqualTo("/var/run/web-1/key.pem");
    assertThat(config.path("ca_certificate_file").asText()).isEqualTo("/var/run/web-1/ca.pem");
    assertThat(config.path("refresh_interval").asText())
        .isEqualTo(ProxylessBootstrap.REFRESH_INTERVAL);
  }

  @Test
  void aPlaintextGatewayGetsOnlyTheTokenTypeSinceA97SendsCallCredentialsOverTlsOnly()
      throws Exception {
    JsonNode server =
        json(Credentials.dataplaneToken(Path.of("/etc/web-1.token"), null), null)
            .path("xds_servers")
            .path(0);

    assertThat(server.path("channel_creds").toString())
        .isEqualTo(
            "[{\"type\":\"chronomesh_dataplane_token\",\"config\":{\"token_file\":"
                + "\"/etc/web-1.token\"}}]");
    assertThat(server.has("call_creds")).isFalse();
  }

  @Test
  void namesTheListenerAnXdsServerAsksFor() {
    assertThat(ProxylessBootstrap.serverListenerName(8080))
        .isEqualTo("grpc/server?xds.resource.listening_address=0.0.0.0:8080");
  }
}
