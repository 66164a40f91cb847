package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SidecarTlsTest {
  @Test
  void meshServiceSniIsKumasHashedName() {
    // Kuma 2.14's meshhttproute testdata basic-real-meshservice-labels.clusters.golden.yaml.
    assertThat(SidecarTls.meshServiceSni("backend", "default", 80))
        .isEqualTo("a601e0c00295a9fbe.backend.80.default.ms");
    assertThat(SidecarTls.meshServiceSni("backend-second", "default", 80))
        .isEqualTo("acf231f64f40a7325.backend-second.80.default.ms");
  }

  @Test
  void serviceSniCarriesTheMeshAndTheSubsetTagsSortedAsKuma() {
    // Kuma 2.14's pkg/xds/generator/testdata/outbound-proxy/04.envoy.golden.yaml.
    assertThat(SidecarTls.sni("mesh1", EndpointSelector.of("api-http")))
        .isEqualTo("api-http{mesh=mesh1}");
    TreeMap<String, String> tags = new TreeMap<>();
    tags.put("role", "replica");
    assertThat(SidecarTls.sni("mesh1", new EndpointSelector("db", tags)))
        .isEqualTo("db{mesh=mesh1,role=replica}");
    assertThat(
            SidecarTls.sni(
                "mesh1",
                EndpointSelector.of("db")
                    .withAffinity(List.of(new EndpointSelector.Affinity("zone", "a", 9)))))
        .isEqualTo("db{mesh=mesh1}");
  }
}
