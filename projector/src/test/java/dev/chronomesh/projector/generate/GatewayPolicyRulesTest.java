package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.chronomesh.events.avro.DataplaneResource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Policies on builtin gateways (golden cases 93, 94 and 84): their merged confs are shared between
 * listener views only when the views select the same policies with the same listener ({@link
 * PolicyHooks.Key}), so a proxy's config from a shared mesh state is the one from a fresh state;
 * and a policy whose MeshGateway targetRef has listener tags reaches only those listeners.
 */
class GatewayPolicyRulesTest {
  private static final List<String> CASES =
      List.of(
          "84-mesh-default-policies",
          "93-builtin-gateway-http-and-tcp-routes",
          "94-builtin-gateway-policies");

  @Test
  void eachProxyGetsWhatAFreshMeshStateGivesIt() {
    for (String name : CASES) {
      MeshResources resources = GoldenCases.load(GoldenCases.ROOT.resolve(name));
      MeshContext shared = MeshContext.of(resources);
      // Twice over, so the second pass reads only what the first one left to share.
      for (int pass = 0; pass < 2; pass++) {
        for (DataplaneResource dp : resources.dataplanes()) {
          GeneratedConfig fresh = ConfigGenerator.generate(MeshContext.of(resources), dp);
          assertThat(ConfigGenerator.generate(shared, dp).resources())
              .as(name + " " + dp.getName())
              .isEqualTo(fresh.resources());
        }
      }
    }
  }

  @Test
  void listenerTagsSelectListenersAndTheWholeConfigHooksSeeTheGateway() throws Exception {
    MeshResources resources =
        GoldenCases.load(GoldenCases.ROOT.resolve("94-builtin-gateway-policies"));
    DataplaneResource edge =
        resources.dataplanes().stream()
            .filter(d -> d.getName().equals("edge-1"))
            .findFirst()
            .orElseThrow();
    GeneratedConfig config = ConfigGenerator.generate(MeshContext.of(resources), edge);
    Map<String, HttpConnectionManager> hcms = new TreeMap<>();
    for (GeneratedResource r : config.resources()) {
      if (r.name().startsWith("edge:HTTP:")) {
        Listener listener = Listener.parseFrom(r.value());
        hcms.put(
            r.name(),
            listener
                .getFilterChains(0)
                .getFilters(0)
                .getTypedConfig()
                .unpack(HttpConnectionManager.class));
      }
    }
    assertThat(hcms).containsOnlyKeys("edge:HTTP:8080", "edge:HTTP:8081");
    // timeout-8080 (tags port: http-8080) sets the request timeout of 8080's routes only.
    assertThat(firstRoute(hcms.get("edge:HTTP:8080")).getRoute().getTimeout())
        .isEqualTo(Duration.newBuilder().setSeconds(7).build());
    assertThat(firstRoute(hcms.get("edge:HTTP:8081")).getRoute().getTimeout())
        .isNotEqualTo(Duration.newBuilder().setSeconds(7).build());
    // The docs' MeshProxyPatch (kind MeshGateway, origin gateway) patched every listener's HCM.
    for (HttpConnectionManager hcm : hcms.values()) {
      assertThat(hcm.getStreamIdleTimeout())
          .isEqualTo(Duration.newBuilder().setSeconds(15).build());
    }
  }

  private static Route firstRoute(HttpConnectionManager hcm) {
    return hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0);
  }
}
