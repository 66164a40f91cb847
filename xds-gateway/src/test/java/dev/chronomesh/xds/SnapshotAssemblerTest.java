package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure assembly of a node's snapshot from its config and the shared endpoint sets. */
class SnapshotAssemblerTest {
  private static final Instant T1 = Instant.parse("2026-01-01T00:00:01Z");
  private static final Instant T2 = Instant.parse("2026-01-01T00:00:02Z");

  @Test
  void eachEdsClusterGetsItsSharedSetAndTheOtherTypesTheConfigsVersion() throws Exception {
    NodeConfig config = config("backend", "payments");
    ClusterLoadAssignment backend = ProxylessConfigs.endpoints(10001);
    FeedRecords.Endpoints set = new FeedRecords.Endpoints(backend, "e1", T1);

    SnapshotAssembler.Assembled a = SnapshotAssembler.assemble(config, Map.of("backend", set)::get);

    Snapshot s = a.snapshot();
    assertThat(s.clusters().resources()).containsOnlyKeys("backend", "payments");
    assertThat(s.listeners().resources()).containsOnlyKeys("backend");
    assertThat(s.routes().resources()).containsOnlyKeys("backend");
    for (String type :
        List.of(
            Resources.V3.CLUSTER_TYPE_URL,
            Resources.V3.LISTENER_TYPE_URL,
            Resources.V3.ROUTE_TYPE_URL)) {
      assertThat(s.version(type)).as(type).isEqualTo(config.version());
    }
    // payments has no endpoint set (yet): it gets none, rather than an empty one.
    assertThat(s.endpoints().resources()).containsOnlyKeys("backend");
    assertThat(s.endpoints().resources().get("backend")).isEqualTo(backend);
    assertThat(s.version(Resources.V3.ENDPOINT_TYPE_URL)).isEqualTo(a.endpointsVersion());
    assertThat(a.endpointsCause()).isEqualTo(T1);
  }

  @Test
  void theEdsVersionChangesExactlyWhenAnEndpointSetsVersionDoes() throws Exception {
    NodeConfig config = config("backend", "payments");
    FeedRecords.Endpoints v1 = new FeedRecords.Endpoints(ProxylessConfigs.endpoints(1), "e1", T1);
    FeedRecords.Endpoints v2 = new FeedRecords.Endpoints(ProxylessConfigs.endpoints(2), "e2", T2);

    var first = SnapshotAssembler.assemble(config, Map.of("backend", v1)::get);
    var again = SnapshotAssembler.assemble(config, Map.of("backend", v1)::get);
    var moved = SnapshotAssembler.assemble(config, Map.of("backend", v2)::get);
    var none = SnapshotAssembler.assemble(config, c -> null);

    assertThat(again.endpointsVersion()).isEqualTo(first.endpointsVersion());
    assertThat(moved.endpointsVersion()).isNotEqualTo(first.endpointsVersion());
    assertThat(none.endpointsVersion())
        .isNotEqualTo(first.endpointsVersion())
        .isNotEqualTo(moved.endpointsVersion());
    assertThat(moved.endpointsCause()).isEqualTo(T2);
    assertThat(none.endpointsCause()).isNull();
    // Endpoint changes leave the config's own resources (and their versions) alone.
    assertThat(moved.snapshot().clusters()).isSameAs(first.snapshot().clusters());
    assertThat(moved.snapshot().version(Resources.V3.CLUSTER_TYPE_URL))
        .isEqualTo(first.snapshot().version(Resources.V3.CLUSTER_TYPE_URL));
  }

  @Test
  void loadAssignmentsTheRecordCarriesWinOverSharedSets() throws Exception {
    // An older projector's record: the load assignment inside the config.
    NodeConfig config =
        FeedRecords.config(
            "default.web-1",
            ProxyConfig.newBuilder(ProxylessConfigs.proxyConfig("default", "web-1", 10001))
                .setCauses(List.of(cause(T2)))
                .build());
    FeedRecords.Endpoints shared =
        new FeedRecords.Endpoints(ProxylessConfigs.endpoints(20002), "e1", T1);

    var a = SnapshotAssembler.assemble(config, Map.of("backend", shared)::get);

    assertThat(a.snapshot().endpoints().resources().get("backend"))
        .isEqualTo(ProxylessConfigs.endpoints(10001));
    assertThat(a.endpointsCause()).isEqualTo(T2);
  }

  /** web-1's proxyless config with an EDS cluster per name and no load assignments of its own. */
  static NodeConfig config(String... clusters) throws FeedRecords.Invalid {
    List<XdsResource> resources = new ArrayList<>();
    for (XdsResource r : ProxylessConfigs.resources(10001)) {
      if (r.getTypeUrl().equals(Resources.V3.LISTENER_TYPE_URL)
          || r.getTypeUrl().equals(Resources.V3.ROUTE_TYPE_URL)) {
        resources.add(r);
      }
    }
    for (String name : clusters) {
      resources.add(ProxylessConfigs.resource(Resources.V3.CLUSTER_TYPE_URL, name, cluster(name)));
    }
    return FeedRecords.config(
        "default.web-1", ProxylessConfigs.proxyConfig("default", "web-1", resources));
  }

  static Cluster cluster(String name) {
    return ProxylessConfigs.cluster().toBuilder().setName(name).build();
  }

  private static dev.chronomesh.events.avro.EventRef cause(Instant at) {
    return dev.chronomesh.events.avro.EventRef.newBuilder()
        .setPartition(0)
        .setOffset(1)
        .setOccurredAt(at)
        .build();
  }
}
