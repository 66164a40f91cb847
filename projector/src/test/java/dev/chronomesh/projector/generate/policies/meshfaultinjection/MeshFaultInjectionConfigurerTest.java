package dev.chronomesh.projector.generate.policies.meshfaultinjection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.meshmodel.policies.meshfaultinjection.MeshFaultInjection;
import dev.chronomesh.meshmodel.policies.meshfaultinjection.MeshFaultInjection.Conf;
import dev.chronomesh.meshmodel.policy.RuleMatch;
import dev.chronomesh.meshmodel.policy.RuleMatch.ValueMatch;
import dev.chronomesh.projector.generate.Protos;
import dev.chronomesh.projector.generate.policy.Baselines;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer.MatchedRule;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeshFaultInjectionConfigurerTest {
  private final MeshFaultInjectionConfigurer plugin = new MeshFaultInjectionConfigurer();

  private static final Place SIDECAR = Baselines.SIDECAR_HTTP.inMesh("default");

  private static Conf conf(String yaml) {
    return Baselines.conf(MeshFaultInjection.TYPE, yaml);
  }

  private static RuleMatch spiffe(String type, String value) {
    return new RuleMatch(new ValueMatch(type, value), null);
  }

  /**
   * Kuma's plugin test "basic listener: 2 inbounds one http and second tcp, rules api" and its
   * golden basic_listener_1_rules.golden.yaml (v2.14.3): one rule matching callers by SPIFFE ID
   * prefix, with two faults, gives two fault filters each wrapped in a matcher that skips it for
   * other callers. The names differ only by Kuma's zone and namespace, which Chronomesh has not.
   */
  @Test
  void aRuleWithAMatchGivesKumasGoldenFilters() throws Exception {
    Conf faults =
        conf(
            """
            http:
              - abort: {httpStatus: 444, percentage: "12"}
              - delay: {value: 55s, percentage: "55"}
                responseBandwidth: {limit: 111Mbps, percentage: "62.9"}
            """);
    HttpConnectionManager.Builder hcm = Baselines.hcm().addHttpFilters(router());
    plugin.inboundHttpByRule(
        SIDECAR,
        List.of(
            new MatchedRule<>(
                spiffe(RuleMatch.PREFIX, "spiffe://trust-domain.mesh/"), "mfi-1", faults)),
        hcm);

    List<HttpFilter> kuma = kumaGoldenFilters();
    List<HttpFilter> ours = hcm.getHttpFiltersList();
    assertThat(ours).hasSize(3);
    assertThat(ours.get(2)).isEqualTo(router());
    for (int i = 0; i < 2; i++) {
      assertThat(ours.get(i).getName()).isEqualTo("kri_mfi_default___mfi-1_");
      assertThat(kuma.get(i).getName()).isEqualTo("kri_mfi_default_zone-1_ns-1_mfi-1_");
      assertThat(ours.get(i).getTypedConfig()).isEqualTo(kuma.get(i).getTypedConfig());
    }
  }

  @Test
  void rulesAreNotMergedAndARuleForAllTrafficGivesPlainFilters() {
    Conf abort = conf("http: [{abort: {httpStatus: 503, percentage: 10}}]");
    Conf delay = conf("http: [{delay: {value: 1s, percentage: 1}}]");
    HttpConnectionManager.Builder hcm = Baselines.hcm().addHttpFilters(router());
    plugin.inboundHttpByRule(
        SIDECAR,
        List.of(
            new MatchedRule<>(spiffe(RuleMatch.EXACT, "spiffe://default/web"), "a", abort),
            new MatchedRule<>(null, "b", delay)),
        hcm);
    assertThat(hcm.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly(
            "kri_mfi_default___a_",
            MeshFaultInjectionConfigurer.FAULT_FILTER,
            EnvoyValues.ROUTER_FILTER);
  }

  @Test
  void aProxylessServerGetsNoFaults() {
    HttpConnectionManager.Builder hcm = Baselines.hcm();
    plugin.inboundHttpByRule(
        Baselines.PROXYLESS.inMesh("default"),
        List.of(
            new MatchedRule<>(
                null, "b", conf("http: [{abort: {httpStatus: 503, percentage: 10}}]"))),
        hcm);
    assertThat(hcm.getHttpFiltersList()).isEmpty();
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder().setName(EnvoyValues.ROUTER_FILTER).build();
  }

  private static List<HttpFilter> kumaGoldenFilters() throws Exception {
    try (InputStream in =
        MeshFaultInjectionConfigurerTest.class.getResourceAsStream(
            "/kuma/meshfaultinjection.basic_listener_1_rules.golden.yaml")) {
      String json =
          new ObjectMapper().writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(in));
      Listener.Builder listener = Listener.newBuilder();
      JsonFormat.parser().usingTypeRegistry(Protos.jsonTypes()).merge(json, listener);
      HttpConnectionManager hcm =
          listener
              .getFilterChains(0)
              .getFilters(0)
              .getTypedConfig()
              .unpack(HttpConnectionManager.class);
      return hcm.getHttpFiltersList().subList(0, 2);
    }
  }
}
