package dev.chronomesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds, in place of the projector, the proxyless gRPC resource set of one service "backend": a
 * Listener with an api_listener (RDS over ADS), its RouteConfiguration, an EDS Cluster and its
 * ClusterLoadAssignment on 127.0.0.1.
 */
final class ProxylessConfigs {
  static final String SERVICE = "backend";

  private ProxylessConfigs() {}

  static ProxyConfig proxyConfig(String mesh, String proxy, int backendPort) {
    return proxyConfig(mesh, proxy, resources(backendPort));
  }

  static ProxyConfig proxyConfig(String mesh, String proxy, List<XdsResource> resources) {
    List<XdsResource> sorted = new ArrayList<>(resources);
    sorted.sort(Comparator.comparing(XdsResource::getTypeUrl).thenComparing(XdsResource::getName));
    return ProxyConfig.newBuilder()
        .setMesh(mesh)
        .setProxy(proxy)
        .setVersion(version(sorted))
        .setResources(sorted)
        .setCauses(List.of())
        .build();
  }

  static List<XdsResource> resources(int backendPort) {
    return List.of(
        resource(Resources.V3.LISTENER_TYPE_URL, SERVICE, listener()),
        resource(Resources.V3.ROUTE_TYPE_URL, SERVICE, routes()),
        resource(Resources.V3.CLUSTER_TYPE_URL, SERVICE, cluster()),
        resource(Resources.V3.ENDPOINT_TYPE_URL, SERVICE, endpoints(backendPort)));
  }

  static XdsResource resource(String typeUrl, String name, Message message) {
    return resource(typeUrl, name, message.toByteArray());
  }

  static XdsResource resource(String typeUrl, String name, byte[] value) {
    return XdsResource.newBuilder()
        .setTypeUrl(typeUrl)
        .setName(name)
        .setValue(ByteBuffer.wrap(value))
        .build();
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  static Listener listener() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(SERVICE)
            .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(SERVICE))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(SERVICE)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  static RouteConfiguration routes() {
    return RouteConfiguration.newBuilder()
        .setName(SERVICE)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(SERVICE)
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix(""))
                        .setRoute(RouteAction.newBuilder().setCluster(SERVICE))))
        .build();
  }

  static Cluster cluster() {
    return Cluster.newBuilder()
        .setName(SERVICE)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(Duration.newBuilder().setSeconds(5))
        .build();
  }

  static ClusterLoadAssignment endpoints(int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(SERVICE)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder().setRegion("local").setZone("a"))
                .setLoadBalancingWeight(UInt32Value.of(1))
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress("127.0.0.1")
                                                .setPortValue(port))))))
        .build();
  }

  /** Hex SHA-256 over type, name and bytes of every resource, as the projector versions them. */
  static String version(List<XdsResource> resources) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (XdsResource r : resources) {
        digest.update(r.getTypeUrl().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(r.getName().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(r.getValue().duplicate());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
