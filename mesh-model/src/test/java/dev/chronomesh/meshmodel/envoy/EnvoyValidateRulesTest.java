package dev.chronomesh.meshmodel.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One hand-made broken message per rule kind: the checker names the field and the rule. */
class EnvoyValidateRulesTest {
  private static final JsonFormat.TypeRegistry REGISTRY =
      JsonFormat.TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(TcpProxy.getDescriptor())
          .build();

  private static List<String> violations(Message m) {
    return EnvoyValidateRules.check(m, REGISTRY).stream()
        .map(EnvoyValidateRules.Violation::toString)
        .toList();
  }

  @Test
  void durationGtRuleCatchesANegativeConnectTimeout() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("c")
            .setConnectTimeout(Duration.newBuilder().setSeconds(-1))
            .build();
    assertThat(violations(cluster)).anyMatch(v -> v.startsWith("connect_timeout: duration.gt"));
  }

  @Test
  void stringMinLenCatchesAnEmptyStatPrefixInsideAnAny() {
    Listener listener =
        Listener.newBuilder()
            .setName("l")
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        Filter.newBuilder()
                            .setName("envoy.filters.network.tcp_proxy")
                            .setTypedConfig(
                                com.google.protobuf.Any.pack(
                                    TcpProxy.newBuilder().setCluster("x").build()))))
            .build();
    assertThat(violations(listener))
        .contains(
            "filter_chains[0].filters[0].typed_config<envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy>.stat_prefix: string.min_len: 0 < 1");
  }

  @Test
  void oneofRequiredCatchesAMissingClusterSpecifierAndMatch() {
    Route route = Route.newBuilder().setRoute(RouteAction.getDefaultInstance()).build();
    assertThat(violations(route))
        .contains("match: message.required: must be set")
        .anyMatch(v -> v.startsWith("route.cluster_specifier: oneof required"));
  }

  @Test
  void repeatedMinItemsAndItemRulesAreChecked() {
    VirtualHost host = VirtualHost.newBuilder().setName("").build();
    assertThat(violations(host))
        .contains("name: string.min_len: 0 < 1")
        .anyMatch(v -> v.startsWith("domains: repeated.min_items"));
    RouteConfiguration badHeader =
        RouteConfiguration.newBuilder().addResponseHeadersToRemove("bad header\n").build();
    assertThat(violations(badHeader))
        .anyMatch(v -> v.startsWith("response_headers_to_remove[0]: string."));
  }

  @Test
  void numericRangeCatchesAPortAbove65535AndAZeroWeight() {
    SocketAddress address =
        SocketAddress.newBuilder().setAddress("1.2.3.4").setPortValue(70000).build();
    assertThat(violations(address)).contains("port_value: uint32.lte: 70000 > 65535");
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("c")
            .addEndpoints(
                LocalityLbEndpoints.newBuilder().setLoadBalancingWeight(UInt32Value.of(0)))
            .build();
    assertThat(violations(cla)).contains("endpoints[0].load_balancing_weight: uint32.gte: 0 < 1");
  }

  @Test
  void enumDefinedOnlyCatchesAnUnknownValue() {
    Cluster cluster = Cluster.newBuilder().setName("c").setTypeValue(42).build();
    assertThat(violations(cluster)).anyMatch(v -> v.startsWith("type: enum.defined_only"));
  }

  @Test
  void stringWellKnownHeaderNameAndRequiredMessage() {
    HeaderValue header = HeaderValue.newBuilder().setKey("bad\nkey").build();
    assertThat(violations(header)).anyMatch(v -> v.startsWith("key: string.well_known_regex"));
    Address empty = Address.getDefaultInstance();
    assertThat(violations(empty)).anyMatch(v -> v.startsWith("address: oneof required"));
  }

  @Test
  void anyOfAnUnregisteredTypeIsAViolation() {
    Filter filter =
        Filter.newBuilder()
            .setName("f")
            .setTypedConfig(
                com.google.protobuf.Any.newBuilder()
                    .setTypeUrl("type.googleapis.com/example.NotRegistered"))
            .build();
    assertThat(violations(filter)).anyMatch(v -> v.contains("is not in the type registry"));
  }

  @Test
  void aValidMessageHasNoViolation() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("s")
            .setRouteConfig(
                RouteConfiguration.newBuilder()
                    .addVirtualHosts(
                        VirtualHost.newBuilder()
                            .setName("v")
                            .addDomains("*")
                            .addRoutes(
                                Route.newBuilder()
                                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                    .setRoute(RouteAction.newBuilder().setCluster("c")))))
            .build();
    assertThat(violations(hcm)).isEmpty();
  }
}
