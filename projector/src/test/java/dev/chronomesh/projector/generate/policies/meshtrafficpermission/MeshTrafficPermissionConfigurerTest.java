package dev.chronomesh.projector.generate.policies.meshtrafficpermission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.Conf;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer.Source;
import dev.chronomesh.projector.generate.policy.PolicyConfigurers;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the RBAC filters go, and where they do not. */
class MeshTrafficPermissionConfigurerTest {
  private final MeshTrafficPermissionConfigurer configurer = new MeshTrafficPermissionConfigurer();

  private static final List<Source<Conf>> SHADOWED =
      List.of(new Source<>(TargetRef.mesh(), new Conf("AllowWithShadowDeny", null, null, null)));

  private static HttpConnectionManager.Builder hcm() {
    return HttpConnectionManager.newBuilder()
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.fault"))
        .addHttpFilters(HttpFilter.newBuilder().setName(EnvoyValues.ROUTER_FILTER));
  }

  @Test
  void isRegisteredAndActsOnlyWhereTheInboundTerminatesMtls() {
    assertThat(PolicyConfigurers.all()).anyMatch(c -> c instanceof MeshTrafficPermissionConfigurer);
    assertThat(configurer.actsWithoutPolicy(new Place("backend", "http", false))).isFalse();
    assertThat(configurer.actsWithoutPolicy(new Place("backend", "http", false, true))).isTrue();
    HttpConnectionManager.Builder plain = hcm();
    configurer.inboundHttpBySource(new Place("backend", "http", false), SHADOWED, plain);
    assertThat(plain.build()).isEqualTo(hcm().build());
    List<Filter> filters = new ArrayList<>();
    configurer.inboundNetworkFiltersBySource(new Place("db", "tcp", false), SHADOWED, filters);
    assertThat(filters).isEmpty();
  }

  @Test
  void anHttpInboundGetsTheHttpFilterFirstAndNoNetworkFilter() {
    Place place = new Place("backend", "http", false, true, "default");
    HttpConnectionManager.Builder hcm = hcm();
    configurer.inboundHttpBySource(place, SHADOWED, hcm);
    assertThat(hcm.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly(
            MeshTrafficPermissionConfigurer.HTTP_FILTER,
            "envoy.filters.http.fault",
            EnvoyValues.ROUTER_FILTER);
    RBAC rbac =
        EnvoyValues.unpack(hcm.getHttpFilters(0).getTypedConfig(), RBAC.class).orElseThrow();
    assertThat(rbac.hasRules()).isTrue();
    assertThat(rbac.hasShadowRules()).isTrue();
    assertThat(rbac.hasMatcher()).isFalse();
    List<Filter> filters = new ArrayList<>();
    configurer.inboundNetworkFiltersBySource(place, SHADOWED, filters);
    assertThat(filters).isEmpty();
  }

  @Test
  void aTcpInboundGetsTheNetworkFilterFirst() {
    List<Filter> filters = new ArrayList<>(List.of(Filter.newBuilder().setName("x").build()));
    configurer.inboundNetworkFiltersBySource(
        new Place("db", "tcp", false, true, "default"), List.of(), filters);
    assertThat(filters)
        .extracting(Filter::getName)
        .containsExactly(MeshTrafficPermissionConfigurer.NETWORK_FILTER, "x");
    var rbac =
        EnvoyValues.unpack(
                filters.get(0).getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class)
            .orElseThrow();
    // No policy: present and empty ALLOW rules, which deny every caller.
    assertThat(rbac.hasRules()).isTrue();
    assertThat(rbac.getRules().getPoliciesMap()).isEmpty();
    assertThat(rbac.getStatPrefix()).isEqualTo("inbound_db.");
  }

  @Test
  void aProxylessServerGetsNoShadowRulesWhichGrpcXdsIgnores() {
    HttpConnectionManager.Builder hcm = hcm();
    configurer.inboundHttpBySource(
        new Place("backend", "grpc", true, true, "default"), SHADOWED, hcm);
    RBAC rbac =
        EnvoyValues.unpack(hcm.getHttpFilters(0).getTypedConfig(), RBAC.class).orElseThrow();
    assertThat(rbac.hasRules()).isTrue();
    assertThat(rbac.hasShadowRules()).isFalse();
  }
}
