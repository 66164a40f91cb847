package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import io.envoyproxy.controlplane.cache.Resources;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator over a real disk cache (RocksDB in a temporary directory), without Kafka or gRPC:
 * what is decoded when, what a connected node is served, tombstones, refusals.
 */
class NodeSnapshotsTest {
  private static final String NODE = "default.web-1";
  private static final ProxyClient UNKNOWN = new ProxyClient(ProxyClient.Kind.UNKNOWN, "");
  private static final ProxyClient GRPC =
      new ProxyClient(ProxyClient.Kind.GRPC, "gRPC Java 1.85.1");

  @TempDir Path cacheDir;
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final FeedRecords records = new FeedRecords(registry, "proxy-configs", "endpoints");
  private NodeSnapshots snapshots;

  private NodeSnapshots snapshots() {
    snapshots = new NodeSnapshots(NodeStore.open(cacheDir), records);
    return snapshots;
  }

  @AfterEach
  void close() {
    if (snapshots != null) {
      snapshots.close();
    }
  }

  @Test
  void aRecordForANodeNobodyIsConnectedForIsStoredAndDecodedWhenItsProxyConnects()
      throws Exception {
    NodeSnapshots s = snapshots();
    ProxyConfig config = ProxylessConfigs.proxyConfig("default", "web-1", 10001);

    s.put(NODE, bytes(config), null);

    assertThat(s.storedVersion(NODE)).isEqualTo(config.getVersion());
    assertThat(s.isActive(NODE)).isFalse();
    assertThat(s.get(NODE)).isNull();

    assertThat(s.opened(NODE, UNKNOWN)).isNull();
    assertThat(s.isActive(NODE)).isTrue();
    assertThat(s.get(NODE).version(Resources.V3.CLUSTER_TYPE_URL)).isEqualTo(config.getVersion());
  }

  @Test
  void aStoredRecordWhoseResourcesDoNotParseServesItsProxyNothing() throws Exception {
    NodeSnapshots s = snapshots();
    ProxyConfig broken = withBrokenRoute();
    s.put(NODE, bytes(broken), null);
    assertThat(s.storedVersion(NODE)).isEqualTo(broken.getVersion());

    assertThat(s.opened(NODE, UNKNOWN)).isNull();

    assertThat(s.isActive(NODE)).isTrue();
    assertThat(s.get(NODE)).isNull();
    // The next record that decodes is served.
    ProxyConfig good = ProxylessConfigs.proxyConfig("default", "web-1", 10001);
    s.put(NODE, bytes(good), null);
    assertThat(s.get(NODE).version(Resources.V3.CLUSTER_TYPE_URL)).isEqualTo(good.getVersion());
  }

  @Test
  void aRecordThatDoesNotDecodeForAConnectedNodeIsNotStoredAndTheNodeKeepsItsConfig()
      throws Exception {
    NodeSnapshots s = snapshots();
    s.opened(NODE, UNKNOWN);
    ProxyConfig good = ProxylessConfigs.proxyConfig("default", "web-1", 10001);
    s.put(NODE, bytes(good), null);

    assertThatThrownBy(() -> s.put(NODE, bytes(withBrokenRoute()), null))
        .isInstanceOf(FeedRecords.Invalid.class)
        .hasMessageContaining("resources[");

    assertThat(s.storedVersion(NODE)).isEqualTo(good.getVersion());
    assertThat(s.get(NODE).version(Resources.V3.CLUSTER_TYPE_URL)).isEqualTo(good.getVersion());
  }

  @Test
  void aTombstoneKeepsAConnectedNodesSnapshotUntilItsLastStreamIsGone() throws Exception {
    NodeSnapshots s = snapshots();
    s.put(NODE, bytes(ProxylessConfigs.proxyConfig("default", "web-1", 10001)), null);
    s.opened(NODE, UNKNOWN);
    s.opened(NODE, UNKNOWN);

    assertThat(s.remove(NODE)).isFalse();
    assertThat(s.isRemovalPending(NODE)).isTrue();
    assertThat(s.storedVersion(NODE)).isNull();
    assertThat(s.get(NODE)).isNotNull();

    s.closed(NODE);
    s.retryClears();
    assertThat(s.get(NODE)).isNotNull();
    s.closed(NODE);
    s.retryClears();
    assertThat(s.isActive(NODE)).isFalse();
    assertThat(s.get(NODE)).isNull();
    // Nobody connected: a tombstone leaves nothing.
    assertThat(s.remove("default.web-2")).isTrue();
  }

  @Test
  void sharedEndpointSetsReachTheirUsersAndLeaveWithThem() throws Exception {
    NodeSnapshots s = snapshots();
    s.putEndpoints("default", "backend", endpoints(10001, "e1"), endpointsBytes(10001, "e1"));
    s.put(NODE, bytes(withoutEndpoints()), null);
    s.opened(NODE, UNKNOWN);
    assertThat(s.users("default", "backend")).isEqualTo(1);
    String clusters = s.get(NODE).version(Resources.V3.CLUSTER_TYPE_URL);
    String first = s.get(NODE).version(Resources.V3.ENDPOINT_TYPE_URL);

    s.putEndpoints("default", "backend", endpoints(10002, "e2"), endpointsBytes(10002, "e2"));

    assertThat(s.get(NODE).endpoints().resources().get("backend"))
        .isEqualTo(ProxylessConfigs.endpoints(10002));
    assertThat(s.get(NODE).version(Resources.V3.ENDPOINT_TYPE_URL)).isNotEqualTo(first);
    assertThat(s.get(NODE).version(Resources.V3.CLUSTER_TYPE_URL)).isEqualTo(clusters);

    s.removeEndpoints("default", "backend");
    assertThat(s.get(NODE).endpoints().resources()).isEmpty();
    s.closed(NODE);
    s.retryClears();
    assertThat(s.users("default", "backend")).isZero();
  }

  @Test
  void aClientThatCannotUseItsNodesConfigIsRefusedWhenItConnects() throws Exception {
    NodeSnapshots s = snapshots();
    s.put(NODE, bytes(flavoured("sidecar")), null);

    String refusal = s.opened(NODE, GRPC);

    assertThat(refusal)
        .contains("dataplane default.web-1 is configured as an Envoy sidecar")
        .contains("gRPC Java 1.85.1")
        .contains("add the label chronomesh.io/proxy-type: proxyless");
    assertThat(s.isActive(NODE)).isFalse();
    // A client that does not say what it is gets the config.
    assertThat(s.opened(NODE, UNKNOWN)).isNull();
    assertThat(s.get(NODE)).isNotNull();
    // The node is active now; another gRPC stream of it is refused all the same.
    assertThat(s.opened(NODE, GRPC)).isEqualTo(refusal);
  }

  @Test
  void aConfigArrivingForAWaitingClientThatCannotUseItRefusesTheNodesStreams() throws Exception {
    NodeSnapshots s = snapshots();
    List<String> refused = new ArrayList<>();
    s.refuseWith((nodeId, reason) -> refused.add(nodeId + ": " + reason));
    assertThat(s.opened(NODE, GRPC)).isNull();

    s.put(NODE, bytes(flavoured("sidecar")), null);

    assertThat(refused).hasSize(1);
    assertThat(refused.get(0)).startsWith(NODE + ": dataplane default.web-1 is configured as");
    assertThat(s.get(NODE)).isNull();
    assertThat(s.storedVersion(NODE)).isEqualTo(flavoured("sidecar").getVersion());
    // The label added, the proxyless config is served.
    s.put(NODE, bytes(flavoured("proxyless")), null);
    assertThat(s.get(NODE)).isNotNull();
    assertThat(refused).hasSize(1);
  }

  private ProxyConfig flavoured(String flavour) {
    return ProxyConfig.newBuilder(ProxylessConfigs.proxyConfig("default", "web-1", 10001))
        .setFlavour(flavour)
        .setEdsClusters(List.of("backend"))
        .build();
  }

  @Test
  void aConfigNamingAnIdentitySecretGetsItSignedServedAndDroppedWithItsNode() throws Exception {
    NodeSnapshots s = snapshots();
    List<String> calls = new ArrayList<>();
    s.signWith(
        new NodeSnapshots.Identities() {
          @Override
          public void want(String nodeId, String mesh) {
            calls.add("want " + nodeId + " " + mesh);
          }

          @Override
          public void drop(String nodeId) {
            calls.add("drop " + nodeId);
          }
        });
    s.opened(NODE, UNKNOWN);
    s.put(NODE, bytes(withMtls(10001)), null);
    s.put(NODE, bytes(withMtls(10002)), null);
    assertThat(calls).containsExactly("want " + NODE + " default");
    String before = s.get(NODE).version(Resources.V3.SECRET_TYPE_URL);

    s.putSecrets(NODE, SdsSecrets.of("default", "CERT", "KEY", "BUNDLE"));
    assertThat(s.get(NODE).secrets().resources())
        .containsOnlyKeys("identity_cert:secret:default", "mesh_ca:secret:default");
    assertThat(s.get(NODE).version(Resources.V3.SECRET_TYPE_URL)).isNotEqualTo(before);
    // Another mesh's secrets, or any for a node not connected, are not served.
    s.putSecrets(NODE, SdsSecrets.of("other", "CERT", "KEY", "BUNDLE"));
    s.putSecrets("default.web-2", SdsSecrets.of("default", "CERT", "KEY", "BUNDLE"));
    assertThat(s.get(NODE).secrets().resources()).hasSize(2);
    assertThat(s.secrets("default.web-2")).isNull();

    // mTLS off: the config names no identity any more.
    s.put(NODE, bytes(ProxylessConfigs.proxyConfig("default", "web-1", 10001)), null);
    assertThat(calls).containsExactly("want " + NODE + " default", "drop " + NODE);
    assertThat(s.get(NODE).secrets().resources()).isEmpty();

    s.put(NODE, bytes(withMtls(10001)), null);
    s.closed(NODE);
    s.retryClears();
    assertThat(s.isActive(NODE)).isFalse();
    assertThat(calls)
        .containsExactly(
            "want " + NODE + " default",
            "drop " + NODE,
            "want " + NODE + " default",
            "drop " + NODE);
  }

  /** The proxyless test config whose cluster takes its identity by SDS, as a sidecar's would. */
  private static ProxyConfig withMtls(int backendPort) {
    List<XdsResource> resources = new ArrayList<>();
    for (XdsResource r : ProxylessConfigs.resources(backendPort)) {
      if (r.getTypeUrl().equals(Resources.V3.CLUSTER_TYPE_URL)) {
        var tls =
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(
                    io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext
                        .newBuilder()
                        .addTlsCertificateSdsSecretConfigs(
                            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig
                                .newBuilder()
                                .setName("identity_cert:secret:default")))
                .build();
        r =
            ProxylessConfigs.resource(
                r.getTypeUrl(),
                r.getName(),
                ProxylessConfigs.cluster().toBuilder()
                    .setTransportSocket(
                        io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                            .setName("envoy.transport_sockets.tls")
                            .setTypedConfig(com.google.protobuf.Any.pack(tls)))
                    .build());
      }
      resources.add(r);
    }
    return ProxylessConfigs.proxyConfig("default", "web-1", resources);
  }

  private static ProxyConfig withoutEndpoints() {
    return ProxylessConfigs.proxyConfig(
        "default",
        "web-1",
        ProxylessConfigs.resources(10001).stream()
            .filter(r -> !r.getTypeUrl().equals(Resources.V3.ENDPOINT_TYPE_URL))
            .toList());
  }

  private static ProxyConfig withBrokenRoute() {
    List<XdsResource> resources = new ArrayList<>(ProxylessConfigs.resources(10001));
    resources.add(
        ProxylessConfigs.resource(
            Resources.V3.ROUTE_TYPE_URL, "broken", new byte[] {(byte) 0xff, (byte) 0xff}));
    return ProxylessConfigs.proxyConfig("default", "web-1", resources);
  }

  private byte[] bytes(ProxyConfig config) {
    return AvroSerde.forValues(registry, ProxyConfig.class).serialize("proxy-configs", config);
  }

  private static FeedRecords.Endpoints endpoints(int port, String version) {
    return new FeedRecords.Endpoints(ProxylessConfigs.endpoints(port), version, null);
  }

  private byte[] endpointsBytes(int port, String version) {
    return AvroSerde.forValues(registry, ClusterEndpoints.class)
        .serialize(
            "endpoints",
            ClusterEndpoints.newBuilder()
                .setMesh("default")
                .setCluster("backend")
                .setVersion(version)
                .setLoadAssignment(ByteBuffer.wrap(ProxylessConfigs.endpoints(port).toByteArray()))
                .build());
  }
}
