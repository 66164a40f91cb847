package dev.chronomesh.projector.generate;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ProbeEndpoint;
import dev.chronomesh.events.avro.Probes;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A dataplane's virtual probes ({@code probes}), as Kuma's {@code ProbeProxyGenerator} ({@code
 * pkg/xds/generator/probe_generator.go}, golden files {@code testdata/probe/*}): a listener {@code
 * probe:listener} on the dataplane's address and {@code probes.port} whose routes match {@code GET}
 * on each endpoint's {@code path} and send it, rewritten to {@code inboundPath}, to the local
 * cluster of the inbound whose workload port is {@code inboundPort}; with no such inbound, a
 * redirect to that port and path (what kubelet follows). Only the paths' path parts are used, as
 * Kuma's {@code url.Parse(...).Path}.
 */
final class ProbeListener {
  static final String NAME = "probe:listener";
  static final String ROUTES = "probe:route_configuration";

  private ProbeListener() {}

  static Optional<Listener> of(DataplaneResource dataplane) {
    Probes probes = dataplane.getProbes();
    if (probes == null || probes.getPort() == 0) {
      return Optional.empty();
    }
    Set<Integer> workloadPorts = new HashSet<>();
    for (Inbound in : dataplane.getInbound()) {
      workloadPorts.add(
          in.getServicePort() != null && in.getServicePort() != 0
              ? in.getServicePort()
              : in.getPort());
    }
    VirtualHost.Builder host = VirtualHost.newBuilder().setName("probe").addDomains("*");
    for (ProbeEndpoint endpoint : probes.getEndpoints()) {
      RouteMatch match =
          RouteMatch.newBuilder()
              .setPath(pathOf(endpoint.getPath()))
              .addHeaders(
                  HeaderMatcher.newBuilder()
                      .setName(":method")
                      .setStringMatch(StringMatcher.newBuilder().setExact("GET")))
              .build();
      String target = pathOf(endpoint.getInboundPath());
      Route.Builder route = Route.newBuilder().setMatch(match);
      if (workloadPorts.contains(endpoint.getInboundPort())) {
        route.setRoute(
            RouteAction.newBuilder()
                .setCluster("localhost:" + endpoint.getInboundPort())
                .setRegexRewrite(
                    RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex(".*"))
                        .setSubstitution(target)));
      } else {
        route.setRedirect(
            RedirectAction.newBuilder()
                .setPathRedirect(target)
                .setPortRedirect(endpoint.getInboundPort()));
      }
      host.addRoutes(route);
    }
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(SidecarGenerator.statName(NAME))
            .setRouteConfig(RouteConfiguration.newBuilder().setName(ROUTES).addVirtualHosts(host))
            .setInternalAddressConfig(SidecarGenerator.loopbackIsInternal())
            .addHttpFilters(SidecarGenerator.routerFilter())
            .build();
    return Optional.of(
        SidecarGenerator.httpListener(NAME, dataplane.getAddress(), probes.getPort(), hcm));
  }

  /** The path part of a probe path: before any {@code ?} or {@code #}. */
  static String pathOf(String path) {
    int end = path.length();
    for (char c : new char[] {'?', '#'}) {
      int i = path.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    return path.substring(0, end);
  }
}
