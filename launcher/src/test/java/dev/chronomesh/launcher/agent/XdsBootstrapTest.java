package dev.chronomesh.launcher.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.ProxylessBootstrap;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XdsBootstrapTest {
  @TempDir Path dir;

  @Test
  void writesWhatGrpcXdsReadsForAProxylessWorkloadWithMtls() throws Exception {
    Path file = dir.resolve("bootstrap.json");
    XdsBootstrap.write(
        file,
        XdsBootstrap.of(
            "gw.example:5678",
            "default.web-1",
            XdsBootstrap.tokenCredentials(Path.of("/etc/web-1.token"), Path.of("/etc/cp/ca.pem")),
            Path.of("/var/run/web-1")));

    JsonNode b = new ObjectMapper().readTree(file.toFile());
    JsonNode server = b.path("xds_servers").path(0);
    assertThat(server.path("server_uri").asText()).isEqualTo("gw.example:5678");
    assertThat(server.path("server_features").path(0).asText()).isEqualTo("xds_v3");
    JsonNode creds = server.path("channel_creds").path(0);
    assertThat(creds.path("type").asText()).isEqualTo(XdsBootstrap.TOKEN_CREDENTIALS);
    assertThat(creds.path("config").path("token_file").asText()).isEqualTo("/etc/web-1.token");
    assertThat(creds.path("config").path("ca_certificate_file").asText())
        .isEqualTo("/etc/cp/ca.pem");
    assertThat(b.path("node").path("id").asText()).isEqualTo("default.web-1");
    JsonNode provider =
        b.path("certificate_providers").path(ProxylessBootstrap.CERTIFICATE_PROVIDER);
    assertThat(provider.path("plugin_name").asText()).isEqualTo("file_watcher");
    assertThat(provider.path("config").path("certificate_file").asText())
        .isEqualTo("/var/run/web-1/" + WorkloadFiles.CERT);
    assertThat(provider.path("config").path("private_key_file").asText())
        .isEqualTo("/var/run/web-1/" + WorkloadFiles.KEY);
    assertThat(provider.path("config").path("ca_certificate_file").asText())
        .isEqualTo("/var/run/web-1/" + WorkloadFiles.CA);
    assertThat(b.path("server_listener_resource_name_template").asText())
        .isEqualTo(ProxylessBootstrap.SERVER_LISTENER_TEMPLATE);
  }

  @Test
  void aPlaintextClientOfAMeshWithoutMtlsGetsNeitherProviderNorTemplate() {
    var b =
        XdsBootstrap.of(
            "127.0.0.1:5678", "default.web-1", XdsBootstrap.tokenCredentials(Path.of("t")), null);
    assertThat(b).containsOnlyKeys("xds_servers", "node");
  }
}
