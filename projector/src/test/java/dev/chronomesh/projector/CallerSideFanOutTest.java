package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy applied on the callers' side (MeshFaultInjection for proxyless clients) concerns the
 * callers of the proxies it selects: a change of the policy, and a change of an instance of a
 * service it selects, regenerate them.
 */
class CallerSideFanOutTest {
  @TempDir Path stateDir;

  private static final String FAULTS =
      """
      type: MeshFaultInjection
      mesh: default
      name: backend-faults
      spec:
        targetRef: {kind: Dataplane, labels: {app: backend}}
        from:
          - targetRef: {kind: Mesh}
            default:
              http:
                - abort: {httpStatus: 503, percentage: 50}
      """;

  @Test
  void theProxylessCallersOfASelectedServiceFollowThePolicyAndTheServicesInstances()
      throws Exception {
    try (ProjectorHarness p = new ProjectorHarness(stateDir)) {
      p.pipe(upserted(1, mesh("default")));
      p.pipe(upserted(1, backend("backend-1", "10.0.0.1", Map.of("app", "backend"))));
      DataplaneResource client =
          dataplane("default", "client-1", "10.0.0.8", inbound("client", 8080));
      client.setLabels(Map.of("chronomesh.io/proxy-type", "proxyless"));
      p.pipe(upserted(1, client));
      p.pipe(upserted(1, dataplane("default", "db-1", "10.0.0.5", inbound("db", 5432))));
      p.idle();
      assertThat(faultFilters(p.latestConfigs().get("default.client-1"))).isEmpty();

      p.pipe(FanOutTest.policy("MeshFaultInjection", "backend-faults", 1, FAULTS));
      assertThat(dirty(p)).containsExactlyInAnyOrder("default/backend-1", "default/client-1");
      p.idle();
      assertThat(faultFilters(p.latestConfigs().get("default.client-1")))
          .containsExactly("envoy.filters.http.fault");

      // A second instance of backend without the label: the policy no longer selects the whole
      // service, so a caller cannot apply it; the caller is regenerated without it.
      p.pipe(upserted(1, backend("backend-2", "10.0.0.2", Map.of())));
      assertThat(dirty(p)).contains("default/client-1");
      p.idle();
      assertThat(faultFilters(p.latestConfigs().get("default.client-1"))).isEmpty();
    }
  }

  private static DataplaneResource backend(
      String name, String address, Map<String, String> labels) {
    DataplaneResource dp = dataplane("default", name, address, inbound("backend", 8080));
    dp.setLabels(labels);
    return dp;
  }

  private static List<String> dirty(ProjectorHarness p) {
    List<String> keys = new ArrayList<>();
    try (var all = p.<String>store(ProjectorTopology.DIRTY_STORE).all()) {
      all.forEachRemaining(kv -> keys.add(kv.key));
    }
    return keys;
  }

  /** The fault filters of the proxyless listener towards backend. */
  private static List<String> faultFilters(ProxyConfig config) throws Exception {
    for (XdsResource r : config.getResources()) {
      if (r.getTypeUrl().endsWith("Listener") && r.getName().equals("backend")) {
        Listener listener = Listener.parseFrom(r.getValue());
        HttpConnectionManager hcm =
            listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        return hcm.getHttpFiltersList().stream()
            .map(HttpFilter::getName)
            .filter(n -> n.startsWith("envoy.filters.http.fault"))
            .toList();
      }
    }
    throw new AssertionError("client-1 has no listener towards backend");
  }
}
