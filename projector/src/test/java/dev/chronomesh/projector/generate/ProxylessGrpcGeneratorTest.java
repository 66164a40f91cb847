package dev.chronomesh.projector.generate;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.withAddress;
import static dev.chronomesh.projector.generate.Fixtures.withHealth;
import static dev.chronomesh.projector.generate.Fixtures.withState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxylessGrpcGeneratorTest {
  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String CLA = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  /** The proxyless config plus the load assignments of its clusters, as a client receives it. */
  static List<GeneratedResource> generate(MeshResources mesh, DataplaneResource dp) {
    return GoldenCases.Flavour.PROXYLESS.resources(MeshContext.of(mesh), dp);
  }

  private static DataplaneResource backend1() {
    return dataplane("default", "backend-1", "10.0.0.1", inbound("backend", 8080));
  }

  private static DataplaneResource web1() {
    return dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080));
  }

  @Test
  void producesFourResourcesPerServiceAndAServerListenerPerInboundSortedByTypeThenName() {
    MeshResources mesh = new MeshResources(mesh("default"), List.of(web1(), backend1()));

    List<GeneratedResource> resources = generate(mesh, web1());

    assertThat(resources)
        .extracting(r -> r.typeUrl() + " " + r.name())
        .containsExactly(
            CLUSTER + " backend",
            CLUSTER + " web",
            CLA + " backend",
            CLA + " web",
            LISTENER + " backend",
            LISTENER + " grpc/server?xds.resource.listening_address=0.0.0.0:8080",
            LISTENER + " web",
            ROUTE + " backend",
            ROUTE + " web");
  }

  @Test
  void sameInputGivesByteIdenticalOutputAndVersion() {
    DataplaneResource a =
        dataplane(
            "default",
            "backend-1",
            "10.0.0.1",
            inbound("backend", 8080, "kuma.io/zone", "z1", "version", "v1"));
    // Same content, tags inserted in another order, dataplanes listed in another order.
    DataplaneResource b =
        dataplane(
            "default",
            "backend-1",
            "10.0.0.1",
            inbound("backend", 8080, "version", "v1", "kuma.io/zone", "z1"));

    List<GeneratedResource> first =
        generate(new MeshResources(mesh("default"), List.of(a, web1())), web1());
    List<GeneratedResource> second =
        generate(new MeshResources(mesh("default"), List.of(web1(), b)), web1());

    assertThat(second).isEqualTo(first);
    for (int i = 0; i < first.size(); i++) {
      assertThat(second.get(i).value().toByteArray()).isEqualTo(first.get(i).value().toByteArray());
    }
    assertThat(ConfigVersion.of(second)).isEqualTo(ConfigVersion.of(first)).hasSize(64);
  }

  @Test
  void listenerIsAnApiListenerNamedAsTheServiceWithRdsOverAdsAndTheRouterLast()
      throws InvalidProtocolBufferException {
    List<GeneratedResource> resources =
        generate(new MeshResources(mesh("default"), List.of(backend1())), backend1());

    Listener listener = Listener.parseFrom(find(resources, LISTENER, "backend"));
    assertThat(listener.getName()).isEqualTo("backend");
    HttpConnectionManager hcm =
        listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("backend");
    assertAds(hcm.getRds().getConfigSource());
    HttpFilter last = hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1);
    assertThat(last.getName()).isEqualTo("envoy.filters.http.router");
    assertThat(last.getTypedConfig().is(Router.class)).isTrue();

    RouteConfiguration route = RouteConfiguration.parseFrom(find(resources, ROUTE, "backend"));
    assertThat(route.getName()).isEqualTo("backend");
    assertThat(route.getVirtualHostsList()).hasSize(1);
    VirtualHost host = route.getVirtualHosts(0);
    assertThat(host.getDomainsList()).containsExactly("*");
    assertThat(host.getRoutes(0).getMatch().getPrefix()).isEqualTo("/");
    assertThat(host.getRoutes(0).getRoute().getCluster()).isEqualTo("backend");

    Cluster cluster = Cluster.parseFrom(find(resources, CLUSTER, "backend"));
    assertThat(cluster.getName()).isEqualTo("backend");
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertAds(cluster.getEdsClusterConfig().getEdsConfig());
    assertThat(cluster.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(cluster.getConnectTimeout().getSeconds()).isEqualTo(5);

    ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(find(resources, CLA, "backend"));
    assertThat(cla.getClusterName()).isEqualTo("backend");
    assertThat(addresses(cla.getEndpoints(0))).containsExactly("10.0.0.1:8080");
  }

  @Test
  void leavesOutInboundsThatAreNotReady() throws InvalidProtocolBufferException {
    DataplaneResource dp =
        dataplane(
            "default",
            "backend-1",
            "10.0.0.1",
            inbound("backend", 1),
            withState(inbound("backend", 2), "Ready"),
            withState(inbound("backend", 3), "NotReady"),
            withState(inbound("backend", 4), "Ignored"),
            withHealth(inbound("backend", 5), false),
            withHealth(inbound("backend", 6), true),
            withHealth(withState(inbound("backend", 7), "Ready"), false),
            withState(inbound("other", 9), "NotReady"));

    List<GeneratedResource> resources =
        generate(new MeshResources(mesh("default"), List.of(dp)), dp);

    ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(find(resources, CLA, "backend"));
    assertThat(cla.getEndpointsList()).hasSize(1);
    assertThat(addresses(cla.getEndpoints(0)))
        .containsExactly("10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:6");
    // A service whose only inbound is not ready still has its cluster, with no endpoints.
    ClusterLoadAssignment other = ClusterLoadAssignment.parseFrom(find(resources, CLA, "other"));
    assertThat(other.getEndpointsList()).isEmpty();
    assertThat(resources).extracting(GeneratedResource::name).contains("other");
  }

  @Test
  void groupsEndpointsByZoneAndWeighsEveryLocality() throws InvalidProtocolBufferException {
    List<DataplaneResource> dps =
        List.of(
            dataplane("default", "b-3", "10.0.0.3", inbound("backend", 80, "kuma.io/zone", "b")),
            dataplane("default", "b-2", "10.0.0.2", inbound("backend", 80, "kuma.io/zone", "a")),
            dataplane("default", "b-1", "10.0.0.9", inbound("backend", 80, "kuma.io/zone", "a")),
            dataplane(
                "default",
                "b-0",
                "10.0.0.1",
                inbound("backend", 90, "kuma.io/zone", "a"),
                inbound("backend", 70)));
    MeshResources mesh = new MeshResources(mesh("default"), dps);

    ClusterLoadAssignment cla =
        ClusterLoadAssignment.parseFrom(find(generate(mesh, dps.get(0)), CLA, "backend"));

    assertThat(cla.getEndpointsList())
        .extracting(l -> l.getLocality().getZone())
        .containsExactly("", "a", "b");
    assertThat(cla.getEndpointsList())
        .allSatisfy(l -> assertThat(l.hasLoadBalancingWeight()).isTrue())
        .extracting(l -> l.getLoadBalancingWeight().getValue())
        .containsExactly(1, 3, 1);
    assertThat(addresses(cla.getEndpoints(1)))
        .containsExactly("10.0.0.1:90", "10.0.0.2:80", "10.0.0.9:80");
  }

  @Test
  void endpointAddressIsInboundThenAdvertisedThenDataplaneAddress()
      throws InvalidProtocolBufferException {
    DataplaneResource advertised =
        DataplaneResource.newBuilder(
                dataplane(
                    "default",
                    "b-1",
                    "10.0.0.1",
                    inbound("backend", 1),
                    withAddress(inbound("backend", 2), "192.168.0.2")))
            .setAdvertisedAddress("172.16.0.1")
            .build();
    DataplaneResource plain = dataplane("default", "b-2", "10.0.0.2", inbound("backend", 3));

    ClusterLoadAssignment cla =
        ClusterLoadAssignment.parseFrom(
            find(
                generate(new MeshResources(mesh("default"), List.of(advertised, plain)), plain),
                CLA,
                "backend"));

    assertThat(addresses(cla.getEndpoints(0)))
        .containsExactly("10.0.0.2:3", "172.16.0.1:1", "192.168.0.2:2");
  }

  @Test
  void removingAnInboundChangesOnlyTheSharedLoadAssignment() {
    DataplaneResource backend2 =
        dataplane("default", "backend-2", "10.0.0.2", inbound("backend", 8080));
    DataplaneResource backend2Gone = dataplane("default", "backend-2", "10.0.0.2");
    MeshContext before =
        MeshContext.of(new MeshResources(mesh("default"), List.of(backend1(), backend2, web1())));
    MeshContext after =
        MeshContext.of(
            new MeshResources(mesh("default"), List.of(backend1(), backend2Gone, web1())));

    GeneratedConfig configBefore = ConfigGenerator.generate(before, proxyless(web1()));
    GeneratedConfig configAfter = ConfigGenerator.generate(after, proxyless(web1()));

    assertThat(configAfter).isEqualTo(configBefore);
    assertThat(configAfter.resources()).noneMatch(r -> r.typeUrl().equals(CLA));
    assertThat(configAfter.edsClusters())
        .containsEntry("backend", new EndpointSelector("backend", new java.util.TreeMap<>()));
    EndpointSelector backend = configAfter.edsClusters().get("backend");
    assertThat(before.loadAssignment("backend", backend).getEndpoints(0).getLbEndpointsCount())
        .isEqualTo(2);
    assertThat(after.loadAssignment("backend", backend).getEndpoints(0).getLbEndpointsCount())
        .isEqualTo(1);
  }

  @Test
  void proxyTypeLabelChoosesTheFlavour() {
    MeshContext mesh = MeshContext.of(new MeshResources(mesh("default"), List.of(web1())));

    assertThat(ConfigGenerator.generate(mesh, proxyless(web1())).resources())
        .extracting(GeneratedResource::name)
        .doesNotContain("kuma:envoy:admin");
    assertThat(ConfigGenerator.generate(mesh, web1()).resources())
        .extracting(GeneratedResource::name)
        .contains("kuma:envoy:admin");
    DataplaneResource sidecar =
        DataplaneResource.newBuilder(web1())
            .setLabels(java.util.Map.of(KumaTags.PROXY_TYPE_LABEL, "sidecar"))
            .build();
    assertThat(ConfigGenerator.generate(mesh, sidecar))
        .isEqualTo(ConfigGenerator.generate(mesh, web1()));
  }

  @Test
  void subsetClusterNameIsTheServiceAndAHashOfTheSortedTags() {
    java.util.TreeMap<String, String> tags = new java.util.TreeMap<>();
    tags.put("version", "v2");
    tags.put("env", "prod");

    // sha256("env=prod,version=v2"), first 4 bytes.
    assertThat(new EndpointSelector("backend", tags).clusterName())
        .matches("backend_[0-9a-f]{8}")
        .isEqualTo("backend_" + sha256Prefix("env=prod,version=v2"));
    assertThat(new EndpointSelector("backend", new java.util.TreeMap<>()).clusterName())
        .isEqualTo("backend");
  }

  private static String sha256Prefix(String text) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d).substring(0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static DataplaneResource proxyless(DataplaneResource dp) {
    return DataplaneResource.newBuilder(dp)
        .setLabels(java.util.Map.of(KumaTags.PROXY_TYPE_LABEL, "proxyless"))
        .build();
  }

  @Test
  void rejectsADataplaneOfAnotherMesh() {
    MeshResources mesh = new MeshResources(mesh("default"), List.of(backend1()));
    DataplaneResource foreign = dataplane("other", "x", "10.0.0.1");

    assertThatThrownBy(() -> generate(mesh, foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belongs to mesh other, not default");
    assertThatThrownBy(() -> ConfigGenerator.generate(MeshContext.of(mesh), foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belongs to mesh other, not default");
  }

  @Test
  void meshResourcesNameEveryForeignOrDuplicateDataplane() {
    assertThatThrownBy(
            () ->
                new MeshResources(
                    mesh("default"),
                    List.of(backend1(), dataplane("other", "x", "10.0.0.1"), backend1())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dataplanes[1].mesh")
        .hasMessageContaining("dataplanes[2].name: duplicate dataplane backend-1");
  }

  @Test
  void versionRejectsUnsortedResources() {
    GeneratedResource a = new GeneratedResource("t", "a", ByteString.EMPTY);
    GeneratedResource b = new GeneratedResource("t", "b", ByteString.EMPTY);

    assertThat(ConfigVersion.of(List.of(a, b))).isNotEqualTo(ConfigVersion.of(List.of(a)));
    assertThatThrownBy(() -> ConfigVersion.of(List.of(b, a)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sorted");
  }

  @Test
  void versionSeparatesNameFromBytes() {
    // Without length prefixes, ("ab", []) and ("a", [b]) would hash the same input.
    GeneratedResource x = new GeneratedResource("t", "ab", ByteString.EMPTY);
    GeneratedResource y = new GeneratedResource("t", "a", ByteString.copyFromUtf8("b"));

    assertThat(ConfigVersion.of(List.of(x))).isNotEqualTo(ConfigVersion.of(List.of(y)));
  }

  private static void assertAds(ConfigSource source) {
    assertThat(source.hasAds()).isTrue();
    assertThat(source.getResourceApiVersion()).isEqualTo(ApiVersion.V3);
  }

  static ByteString find(List<GeneratedResource> resources, String typeUrl, String name) {
    return resources.stream()
        .filter(r -> r.typeUrl().equals(typeUrl) && r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + typeUrl + " " + name + " in " + resources))
        .value();
  }

  static List<String> addresses(LocalityLbEndpoints locality) {
    return locality.getLbEndpointsList().stream()
        .map(e -> e.getEndpoint().getAddress().getSocketAddress())
        .map((SocketAddress a) -> a.getAddress() + ":" + a.getPortValue())
        .toList();
  }
}
