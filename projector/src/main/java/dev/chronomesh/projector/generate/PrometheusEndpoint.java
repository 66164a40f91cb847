package dev.chronomesh.projector.generate;

import com.google.protobuf.BoolValue;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.PrometheusConf;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Optional;

/**
 * The Prometheus stats endpoint of a sidecar when its Mesh enables a Prometheus metrics backend, as
 * Kuma's {@code PrometheusEndpointGenerator} ({@code pkg/xds/generator/
 * prometheus_endpoint_generator.go}): a listener {@code kuma:metrics:prometheus} on the dataplane's
 * address and the backend's port (default 5670) whose one route, the backend's path (default {@code
 * /metrics}), serves Envoy's stats in Prometheus format; none when that address and port is one of
 * the dataplane's own interfaces (Kuma prefers no endpoint to shadowing one).
 *
 * <p>Kuma routes to kuma-dp's "metrics hijacker" on a Unix socket in kuma-dp's work directory,
 * which adds the application's metrics ({@code aggregate}) to Envoy's. Chronomesh does not know
 * that directory (it comes from kuma-dp's bootstrap metadata), so it routes to Envoy's admin
 * cluster {@code kuma:envoy:admin} and its {@code /stats/prometheus} instead, with the same {@code
 * filter} and {@code usedonly} query Kuma passes; {@code aggregate} is refused as not supported
 * yet. The endpoint is plaintext: securing it with the mesh's mTLS comes with mTLS.
 */
final class PrometheusEndpoint {
  static final String LISTENER = "kuma:metrics:prometheus";
  static final String STATS_PATH = "/stats/prometheus";

  private PrometheusEndpoint() {}

  static Optional<Listener> listener(DataplaneResource dataplane, PrometheusConf conf) {
    String address = dataplane.getAddress();
    int port = conf.getPort();
    if (usesInterface(dataplane, address, port)) {
      return Optional.empty();
    }
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setValidateClusters(BoolValue.of(false))
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(LISTENER)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix(conf.getPath()))
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(SidecarGenerator.ADMIN_NAME)
                                    .setPrefixRewrite(STATS_PATH + query(conf)))))
            .build();
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(SidecarGenerator.statName(LISTENER))
            .setRouteConfig(routes)
            .setInternalAddressConfig(SidecarGenerator.loopbackIsInternal())
            .addHttpFilters(SidecarGenerator.routerFilter())
            .build();
    return Optional.of(SidecarGenerator.httpListener(LISTENER, address, port, hcm));
  }

  /** Kuma's {@code buildEnvoyMetricsFilter}: {@code ?filter=<regex>&usedonly}, or nothing. */
  static String query(PrometheusConf conf) {
    String query = "";
    if (conf.getEnvoyFilterRegex() != null && !conf.getEnvoyFilterRegex().isEmpty()) {
      query += "filter=" + conf.getEnvoyFilterRegex();
    }
    if (conf.getEnvoyFilterRegex() != null || conf.getEnvoyUsedOnly() != null) {
      if (!query.isEmpty()) {
        query += "&";
      }
      if (Boolean.TRUE.equals(conf.getEnvoyUsedOnly())) {
        query += "usedonly";
      }
    }
    return query.isEmpty() ? "" : "?" + query;
  }

  /** Kuma's {@code DataplaneResource.UsesInterface}: an inbound's or outbound's address:port. */
  static boolean usesInterface(DataplaneResource dataplane, String address, int port) {
    for (Inbound in : dataplane.getInbound()) {
      String dataplaneIp = in.getAddress() != null ? in.getAddress() : dataplane.getAddress();
      String workloadIp = in.getServiceAddress() != null ? in.getServiceAddress() : dataplaneIp;
      int workloadPort =
          in.getServicePort() != null && in.getServicePort() != 0
              ? in.getServicePort()
              : in.getPort();
      if ((port == in.getPort() && overlap(address, dataplaneIp))
          || (port == workloadPort && overlap(address, workloadIp))) {
        return true;
      }
    }
    for (Outbound out : dataplane.getOutbound()) {
      String ip = out.getAddress() != null ? out.getAddress() : "127.0.0.1";
      if (port == out.getPort() && overlap(address, ip)) {
        return true;
      }
    }
    return false;
  }

  private static boolean overlap(String a, String b) {
    return isUnspecified(a) || isUnspecified(b) || a.equals(b);
  }

  private static boolean isUnspecified(String ip) {
    return ip.equals("0.0.0.0") || ip.equals("::");
  }
}
