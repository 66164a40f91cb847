package dev.chronomesh.xds.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** kuma-dp's request body: its fields read, checked for their types, later fields ignored. */
class BootstrapRequestTest {
  /** kuma-dp's golden request (app/kuma-dp/pkg/dataplane/envoy/testdata), Kuma 2.14.3. */
  private static final String KUMA_DP_GOLDEN =
      """
      {
       "mesh": "demo",
       "name": "sample",
       "proxyType": "dataplane",
       "dataplaneToken": "token",
       "dataplaneResource": "{\\"type\\":\\"Dataplane\\",\\"mesh\\":\\"demo\\",\\"name\\":\\"sample\\"}",
       "version": {"kumaDp": {"version": "0.0.1", "gitTag": "v0.0.1",
         "gitCommit": "91ce236824a9d875601679aa80c63783fb0e8725", "buildDate": "2019-08-07T11:26:06Z"},
        "envoy": {"version": "1.15.0", "build": "hash/1.15.0/RELEASE", "kumaDpCompatible": false}},
       "caCert": "",
       "dynamicMetadata": null,
       "dnsPort": 15054,
       "readinessPort": 9902,
       "operatingSystem": "linux",
       "features": ["feature-tcp-accesslog-via-named-pipe", "feature-delta-grpc"],
       "resources": {"maxHeapSizeBytes": 0},
       "workdir": "/tmp",
       "metricsResources": {"certPath": "", "keyPath": ""},
       "systemCaPath": "",
       "dataplaneConfig": {"ipFamilyMode": "ipv4", "redirect": {"inbound": {"enabled": false,
         "port": 1234}, "outbound": {"enabled": false, "port": 2345}}},
       "ipv6Enabled": true,
       "spireResources": {"socketPath": ""},
       "aFieldOfALaterKumaDp": 1
      }
      """;

  @Test
  void readsKumaDpsGoldenRequest() throws Exception {
    BootstrapRequest r = parse(KUMA_DP_GOLDEN);
    assertThat(r.nodeId()).isEqualTo("demo.sample");
    assertThat(r.dataplaneToken()).isEqualTo("token");
    assertThat(r.dataplaneResource()).contains("\"name\":\"sample\"");
    assertThat(r.delta()).isTrue();
    assertThat(r.dnsPort()).isEqualTo(15054);
    assertThat(r.readinessPort()).isEqualTo(9902);
    assertThat(r.ipv6Enabled()).isTrue();
    assertThat(r.version().path("kumaDp").path("version").asText()).isEqualTo("0.0.1");
  }

  @Test
  void namesEveryProblem() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    {"mesh": "a.b", "proxyType": "ingress", "dnsPort": 70000,
                     "features": [1], "dynamicMetadata": {"k": 2}, "ipv6Enabled": "yes",
                     "metricsResources": {"certPath": 3}}
                    """))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e ->
                assertThat(e.violations().stream().map(Violation::field))
                    .containsExactlyInAnyOrder(
                        "name",
                        "mesh",
                        "proxyType",
                        "dnsPort",
                        "features[0]",
                        "dynamicMetadata[\"k\"]",
                        "ipv6Enabled",
                        "metricsResources.certPath"));
  }

  @Test
  void transparentProxyingIsNotSupportedYet() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    {"mesh": "m", "name": "n", "dataplaneConfig": {"redirect":
                      {"inbound": {"enabled": true, "port": 15006}}}}
                    """))
        .hasMessageContaining("dataplaneConfig.redirect.inbound.enabled")
        .hasMessageContaining("not supported by Chronomesh yet");
  }

  private static BootstrapRequest parse(String json) throws ValidationException {
    return BootstrapRequest.parse(json.getBytes(StandardCharsets.UTF_8));
  }
}
