package dev.chronomesh.projector.generate.policies.meshtrafficpermission;

import com.google.protobuf.Descriptors.Descriptor;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.Conf;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;

/**
 * MeshTrafficPermission: on an inbound that terminates the mesh's mTLS ({@link Place#mtls()}), an
 * RBAC filter that lets through only the callers the policies selecting the inbound allow, by the
 * URI SANs of their certificates ({@link PermissionRules}). An HTTP inbound gets {@code
 * envoy.filters.http.rbac} first among its HTTP filters, a TCP inbound {@code
 * envoy.filters.network.rbac} first in its filter chain, as Kuma's plugin puts them; an mTLS
 * inbound no policy selects denies every caller (Kuma 2.6+). Both use the RBAC's {@code rules} (and
 * {@code shadow_rules} for AllowWithShadowDeny), not its {@code matcher}: a proxyless gRPC server
 * (grpc-xds, gRFC A41) reads only {@code rules}; it ignores {@code shadow_rules}, which it is
 * therefore not given. Inbounds without mTLS get nothing: no caller has an identity there. See
 * {@code docs/policies/meshtrafficpermission.md}.
 */
public final class MeshTrafficPermissionConfigurer implements PolicyConfigurer<Conf> {
  /** The HTTP RBAC filter's name. */
  static final String HTTP_FILTER = "envoy.filters.http.rbac";

  /** The network RBAC filter's name. */
  static final String NETWORK_FILTER = "envoy.filters.network.rbac";

  @Override
  public PolicyType<Conf> type() {
    return MeshTrafficPermission.TYPE;
  }

  @Override
  public List<Descriptor> typedConfigs() {
    return List.of(
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor(),
        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor());
  }

  @Override
  public boolean bySource() {
    return true;
  }

  /** An mTLS inbound that no policy selects still gets its RBAC: deny every caller. */
  @Override
  public boolean actsWithoutPolicy(Place place) {
    return place.mtls();
  }

  @Override
  public void inboundHttpBySource(
      Place place, List<Source<Conf>> sources, HttpConnectionManager.Builder hcm) {
    if (!place.mtls()) {
      return;
    }
    PermissionRules rules = PermissionRules.of(place.mesh(), sources);
    var config = io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder();
    config.setRules(rules.enforced());
    shadow(place, rules).ifPresent(config::setShadowRules);
    HttpFilter filter =
        HttpFilter.newBuilder()
            .setName(HTTP_FILTER)
            .setTypedConfig(EnvoyValues.pack(config.build()))
            .build();
    // First, as Kuma: a caller that is not allowed reaches no other filter (no fault, no rate
    // limit token spent).
    hcm.addHttpFilters(0, filter);
  }

  @Override
  public void inboundNetworkFiltersBySource(
      Place place, List<Source<Conf>> sources, List<Filter> filters) {
    // HTTP inbounds get the HTTP filter (better stats, as Kuma); TCP ones this one.
    if (!place.mtls() || place.isHttp()) {
      return;
    }
    PermissionRules rules = PermissionRules.of(place.mesh(), sources);
    var config =
        io.envoyproxy
            .envoy
            .extensions
            .filters
            .network
            .rbac
            .v3
            .RBAC
            .newBuilder()
            // Kuma's "<listener>." prefix: the stats of each inbound stay apart.
            .setStatPrefix(statPrefix(place.service()))
            .setRules(rules.enforced());
    shadow(place, rules).ifPresent(config::setShadowRules);
    filters.add(
        0,
        Filter.newBuilder()
            .setName(NETWORK_FILTER)
            .setTypedConfig(EnvoyValues.pack(config.build()))
            .build());
  }

  /** The shadow rules, but not for grpc-xds, which does not read them. */
  private static java.util.Optional<RBAC> shadow(Place place, PermissionRules rules) {
    return place.proxyless() ? java.util.Optional.empty() : rules.shadow();
  }

  /** {@code inbound_<service>.} with the characters Envoy's stat names keep. */
  static String statPrefix(String service) {
    return "inbound_" + service.replaceAll("[^A-Za-z0-9_\\-]", "_") + ".";
  }
}
