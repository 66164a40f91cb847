package dev.chronomesh.projector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.projector.generate.EndpointSelector;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link ProxyDeps} round-trips through the JSON of the proxy-deps store. */
class ProxyDepsTest {
  @Test
  void endpointSetsWithSubsetsAndAffinityRoundTrip() {
    EndpointSelector subset =
        new EndpointSelector("backend", new TreeMap<>(Map.of("version", "v2")));
    EndpointSelector affinity =
        EndpointSelector.of("backend")
            .withAffinity(
                List.of(
                    new EndpointSelector.Affinity("k8s.io/node", "node1", 90),
                    new EndpointSelector.Affinity("k8s.io/az", "az-a", 9)));
    TreeMap<String, EndpointSelector> clusters = new TreeMap<>();
    clusters.put(subset.clusterName(), subset);
    clusters.put(affinity.clusterName(), affinity);
    ProxyDeps deps = new ProxyDeps(false, new TreeSet<>(List.of("backend")), clusters);

    assertThat(ProxyDeps.fromJson(deps.toJson())).isEqualTo(deps);
    // Each grouping is its own endpoint set, and a selector without one keeps its name.
    assertThat(affinity.clusterName()).startsWith("backend_").isNotEqualTo(subset.clusterName());
    assertThat(EndpointSelector.of("backend").withAffinity(List.of()).clusterName())
        .isEqualTo("backend");
  }
}
