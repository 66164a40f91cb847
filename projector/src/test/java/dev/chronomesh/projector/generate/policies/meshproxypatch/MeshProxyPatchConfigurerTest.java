package dev.chronomesh.projector.generate.policies.meshproxypatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.meshmodel.policies.meshproxypatch.MeshProxyPatch;
import dev.chronomesh.projector.generate.policy.Baselines;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.ProxyPlace;
import dev.chronomesh.projector.generate.policy.ProxyResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MeshProxyPatchConfigurerTest {
  private static final ProxyPlace SIDECAR = new ProxyPlace("default", "web-1", false);

  private static MeshProxyPatch.Conf conf(String yaml) {
    return Baselines.conf(MeshProxyPatch.TYPE, yaml);
  }

  private static Listener outbound() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("backend")
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(EnvoyValues.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName("outbound:127.0.0.1:10001")
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(EnvoyValues.pack(hcm))))
        .build();
  }

  @Test
  void patchesAnHttpFilterWithAYamlValue() throws Exception {
    SortedMap<String, Message> listeners = new TreeMap<>();
    listeners.put("outbound:127.0.0.1:10001", outbound());
    new MeshProxyPatchConfigurer()
        .proxy(
            SIDECAR,
            conf(
                """
                appendModifications:
                  - httpFilter:
                      operation: Patch
                      match: {name: envoy.filters.http.router, origin: outbound}
                      value: |
                        typedConfig:
                          '@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                          suppressEnvoyHeaders: true
                """),
            new ProxyResources(new TreeMap<>(), listeners, new TreeMap<>()));
    Listener l = (Listener) listeners.get("outbound:127.0.0.1:10001");
    HttpConnectionManager hcm =
        l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(
            hcm.getHttpFilters(0).getTypedConfig().unpack(Router.class).getSuppressEnvoyHeaders())
        .isTrue();
  }

  @Test
  void jsonPatchesApplyToTheJsonFormAndAnInapplicableOneChangesNothing() {
    SortedMap<String, Message> clusters = new TreeMap<>();
    clusters.put("backend", Baselines.sidecarCluster().build());
    new MeshProxyPatchConfigurer()
        .proxy(
            SIDECAR,
            conf(
                """
                appendModifications:
                  - cluster:
                      operation: Patch
                      match: {name: backend}
                      jsonPatches:
                        - {op: replace, path: /connectTimeout, value: 7s}
                  - cluster:
                      operation: Patch
                      match: {name: backend}
                      jsonPatches:
                        - {op: remove, path: /no/such/field}
                """),
            new ProxyResources(clusters, new TreeMap<>(), new TreeMap<>()));
    assertThat(((Cluster) clusters.get("backend")).getConnectTimeout().getSeconds()).isEqualTo(7);
    assertThat(EnvoyJson.toJson(clusters.get("backend")).has("edsClusterConfig")).isTrue();
  }

  @Test
  void aFilterJsonPatchResolvesInItsTypedConfigAndAGatewayListenerIsOfOriginGateway()
      throws Exception {
    // Kuma's docs (meshproxypatch.md): patch the HCM of the listeners of origin gateway.
    Listener gateway = outbound().toBuilder().setName("edge:HTTP:8080").build();
    String yaml =
        """
        appendModifications:
          - networkFilter:
              operation: Patch
              match:
                name: envoy.filters.network.http_connection_manager
                origin: gateway
              jsonPatches:
                - {op: replace, path: /statPrefix, value: patched}
        """;
    SortedMap<String, Message> onSidecar = new TreeMap<>();
    onSidecar.put("edge:HTTP:8080", gateway);
    new MeshProxyPatchConfigurer()
        .proxy(
            SIDECAR, conf(yaml), new ProxyResources(new TreeMap<>(), onSidecar, new TreeMap<>()));
    assertThat(statPrefix(onSidecar.get("edge:HTTP:8080"))).isEqualTo("backend");
    SortedMap<String, Message> onGateway = new TreeMap<>();
    onGateway.put("edge:HTTP:8080", gateway);
    new MeshProxyPatchConfigurer()
        .proxy(
            new ProxyPlace("default", "edge-1", false, true),
            conf(yaml),
            new ProxyResources(new TreeMap<>(), onGateway, new TreeMap<>()));
    assertThat(statPrefix(onGateway.get("edge:HTTP:8080"))).isEqualTo("patched");
  }

  private static String statPrefix(Message listener) throws Exception {
    return ((Listener) listener)
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class)
        .getStatPrefix();
  }
}
